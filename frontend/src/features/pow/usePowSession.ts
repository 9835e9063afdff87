import { useEffect, useState, useSyncExternalStore } from "react";

import type { ApiClient } from "@/api";

import { PowSession } from "./powSession";

/**
 * The page's PowSession, living as long as the page so a finished proof outlives
 * a closed form: the form calls `resume()` when it opens (solving starts at once,
 * so the work is usually done before Submit) and `park()` when it closes (which
 * terminates the solver's workers unless the proof is already done). A failed
 * fetch is retried as soon as the browser is back online.
 */
export function usePowSession(api: ApiClient) {
  const [session] = useState(() => new PowSession(api));
  const phase = useSyncExternalStore(session.subscribe, session.getPhase);
  useEffect(() => {
    const online = () => session.retryIfFailed();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      session.stop();
    };
  }, [session]);
  return { session, phase };
}

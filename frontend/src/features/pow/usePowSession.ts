import { useEffect, useState, useSyncExternalStore } from "react";

import type { ApiClient } from "@/api";

import { PowSession } from "./powSession";

/**
 * A PowSession that solves while the calling component is mounted: it starts at
 * once (so the work is usually done before Submit) and is cancelled on unmount,
 * which terminates the solver's workers.
 */
export function usePowSession(api: ApiClient) {
  const [session] = useState(() => new PowSession(api));
  const phase = useSyncExternalStore(session.subscribe, session.getPhase);
  useEffect(() => {
    session.start();
    return () => session.stop();
  }, [session]);
  return { session, phase };
}

import { useCallback, useEffect, useState } from "react";

import { isAbort, type ApiClient, type Listing } from "@/api";

import { countNewer } from "./newer";

/** How often an open, visible page looks for new listings. */
const CHECK_EVERY_MS = 30_000;

/**
 * How many listings arrived for the current view since it loaded, so the list
 * can offer "3 new listings — show" instead of never changing until a reload.
 * It asks for the first page every 30 s while the page is visible, and at once
 * when the window gets focus again or the page becomes visible.
 */
export function useNewListings(
  api: ApiClient,
  q: string,
  country: string,
  top: Listing | null,
  /** The list is loaded and current (not loading, not failed). */
  ready: boolean,
  pageSize: number,
) {
  const [count, setCount] = useState(0);

  // A new view or a new top listing (a reload, our own post) starts from zero.
  useEffect(() => setCount(0), [q, country, top]);

  const check = useCallback(
    (signal: AbortSignal) => {
      if (!ready || document.visibilityState === "hidden") return;
      api
        .listListings({ q, country, limit: pageSize }, signal)
        .then((page) => setCount(countNewer(page.items, top)))
        .catch((e: unknown) => {
          // Secondary information: a failure here is not worth a message.
          if (!isAbort(e)) console.warn("new listings check failed", e);
        });
    },
    [api, q, country, top, ready, pageSize],
  );

  useEffect(() => {
    if (!ready) return;
    const ac = new AbortController();
    const run = () => check(ac.signal);
    const id = setInterval(run, CHECK_EVERY_MS);
    const onVisible = () => {
      if (document.visibilityState === "visible") run();
    };
    window.addEventListener("focus", run);
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      ac.abort();
      clearInterval(id);
      window.removeEventListener("focus", run);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [check, ready]);

  return count;
}

import { useCallback, useEffect, useRef, useState } from "react";

import { isAbort, type ApiClient, type Listing, type ListingHit } from "@/api";
import { isConnectionError, retryDelayMs } from "@/lib/retry";

export type ListStatus = "loading" | "ready" | "loading-more" | "error";

export interface ListState {
  items: ListingHit[];
  nextCursor: string | null;
  status: ListStatus;
  error: unknown;
  /** Date.now() ms of an automatic retry (after a 429 or a lost connection), if one is scheduled. */
  retryAt: number | null;
  /** The items are a previous query's, kept on screen while the new one loads or failed. */
  stale: boolean;
}

const EMPTY: ListState = {
  items: [],
  nextCursor: null,
  status: "loading",
  error: null,
  retryAt: null,
  stale: false,
};

/**
 * Search results (or the newest listings when `q` is blank) with keyset
 * pagination: the first page loads whenever the query changes, later pages on
 * `loadMore()`. Responses to a superseded query are dropped. A failed load is
 * retried by itself: after `Retry-After`, after a short backoff when the server
 * could not be reached, and at once when the browser comes back online.
 */
export function useListings(api: ApiClient, q: string, country: string, pageSize = 30) {
  const [state, setState] = useState<ListState>(EMPTY);
  const stateRef = useRef(state);
  stateRef.current = state;
  // Bumped for each new query; a page load carries the value it started with.
  const generation = useRef(0);
  const inflight = useRef<AbortController | null>(null);
  const retryTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** Failed loads in a row, for the backoff. */
  const failures = useRef(0);

  const load = useCallback(
    (cursor: string | null) => {
      const gen = generation.current;
      inflight.current?.abort();
      const ac = new AbortController();
      inflight.current = ac;
      if (retryTimer.current) clearTimeout(retryTimer.current);
      // A new query keeps the old results on screen (dimmed) until the new ones
      // arrive, so typing does not make the list flash empty.
      setState((s) => ({
        ...s,
        nextCursor: cursor ? s.nextCursor : null,
        stale: cursor ? s.stale : true,
        status: cursor ? "loading-more" : "loading",
        error: null,
        retryAt: null,
      }));
      api
        .listListings({ q, country, cursor: cursor ?? undefined, limit: pageSize }, ac.signal)
        .then((page) => {
          if (gen !== generation.current) return;
          failures.current = 0;
          setState((s) => {
            const items = cursor ? s.items : [];
            const seen = new Set(items.map((i) => i.id));
            return {
              items: [...items, ...page.items.filter((i) => !seen.has(i.id))],
              nextCursor: page.next_cursor,
              status: "ready",
              error: null,
              retryAt: null,
              stale: false,
            };
          });
        })
        .catch((e: unknown) => {
          if (isAbort(e) || gen !== generation.current) return;
          failures.current += 1;
          const delay = retryDelayMs(e, failures.current);
          const retryAt = delay === null ? null : Date.now() + delay;
          if (delay !== null) retryTimer.current = setTimeout(() => load(cursor), delay);
          setState((s) => ({ ...s, status: "error", error: e, retryAt }));
        });
    },
    [api, q, country, pageSize],
  );

  useEffect(() => {
    generation.current += 1;
    load(null);
    return () => {
      inflight.current?.abort();
      if (retryTimer.current) clearTimeout(retryTimer.current);
    };
  }, [load]);

  const loadMore = useCallback(() => {
    const s = stateRef.current;
    if (s.status === "ready" && s.nextCursor) load(s.nextCursor);
  }, [load]);

  /** Reloads after an error: the failed page, or the first one. */
  const retry = useCallback(() => {
    const s = stateRef.current;
    load(s.items.length > 0 ? s.nextCursor : null);
  }, [load]);

  // Back online: a load that failed for want of a connection goes again at once.
  useEffect(() => {
    const online = () => {
      const s = stateRef.current;
      if (s.status === "error" && isConnectionError(s.error)) retry();
    };
    window.addEventListener("online", online);
    return () => window.removeEventListener("online", online);
  }, [retry]);

  /** Shows a listing the user just posted at the top, without a reload. */
  const prepend = useCallback((listing: Listing) => {
    const item: ListingHit = { ...listing, highlights: [] };
    setState((s) => ({ ...s, items: [item, ...s.items.filter((i) => i.id !== listing.id)] }));
  }, []);

  /** Reloads the first page (to show listings that arrived since). */
  const reload = useCallback(() => load(null), [load]);

  return { ...state, loadMore, retry, prepend, reload };
}

import { useCallback, useEffect, useRef, useState } from "react";

import { ApiError, isAbort, type ApiClient, type Listing } from "@/api";

export type ListStatus = "loading" | "ready" | "loading-more" | "error";

export interface ListState {
  items: Listing[];
  nextCursor: string | null;
  status: ListStatus;
  error: unknown;
  /** Date.now() ms of an automatic retry after a 429, if one is scheduled. */
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
 * `loadMore()`. Responses to a superseded query are dropped.
 */
export function useListings(api: ApiClient, q: string, country: string, pageSize = 30) {
  const [state, setState] = useState<ListState>(EMPTY);
  const stateRef = useRef(state);
  stateRef.current = state;
  // Bumped for each new query; a page load carries the value it started with.
  const generation = useRef(0);
  const inflight = useRef<AbortController | null>(null);
  const retryTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

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
          const retryAfter = e instanceof ApiError ? e.retryAfterSeconds : null;
          const retryAt = retryAfter === null ? null : Date.now() + retryAfter * 1000;
          if (retryAfter !== null) {
            retryTimer.current = setTimeout(() => load(cursor), retryAfter * 1000);
          }
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

  /** Shows a listing the user just posted at the top, without a reload. */
  const prepend = useCallback((listing: Listing) => {
    setState((s) => ({ ...s, items: [listing, ...s.items.filter((i) => i.id !== listing.id)] }));
  }, []);

  return { ...state, loadMore, retry, prepend };
}

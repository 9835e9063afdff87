import { useCallback, useEffect, useState } from "react";

import { isAbort, type ApiClient, type CountryCount } from "@/api";

/**
 * The footer's total and the per-country table. Failures leave the old values:
 * they are secondary information and the status line already reports errors.
 */
export function useBoardStats(api: ApiClient) {
  const [count, setCount] = useState<number | null>(null);
  const [countries, setCountries] = useState<CountryCount[]>([]);

  const refresh = useCallback(
    (signal?: AbortSignal) => {
      api
        .countListings(signal)
        .then(setCount)
        .catch((e: unknown) => {
          if (!isAbort(e)) console.warn("count failed", e);
        });
      api
        .countryStats(signal)
        .then(setCountries)
        .catch((e: unknown) => {
          if (!isAbort(e)) console.warn("country stats failed", e);
        });
    },
    [api],
  );

  useEffect(() => {
    const ac = new AbortController();
    refresh(ac.signal);
    return () => ac.abort();
  }, [refresh]);

  /**
   * After our own post: the server's count is cached for a second or two, so
   * count our listing locally rather than refetch a stale number.
   */
  const notePosted = useCallback((country: string | null) => {
    setCount((n) => (n === null ? n : n + 1));
    setCountries((rows) =>
      rows.some((r) => r.country === country)
        ? rows.map((r) => (r.country === country ? { ...r, count: r.count + 1 } : r))
        : [...rows, { country, count: 1 }],
    );
  }, []);

  return { count, countries, notePosted };
}

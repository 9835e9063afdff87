import { useEffect, useState } from "react";

/**
 * Seconds left until `untilMs` (a Date.now() timestamp), ticking; null when there
 * is no deadline or it has passed.
 */
export function useCountdown(untilMs: number | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (untilMs === null) return;
    setNow(Date.now());
    const id = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= untilMs) clearInterval(id);
    }, 250);
    return () => clearInterval(id);
  }, [untilMs]);
  if (untilMs === null || now >= untilMs) return null;
  return Math.ceil((untilMs - now) / 1000);
}

//! Listing timestamps: "3 minutes ago" on screen, the exact time on hover/focus.

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

const relCache = new Map<string, Intl.RelativeTimeFormat>();

/** "just now", "5 minutes ago", "yesterday", "in 2 minutes" (clock skew) ... */
export function relativeTime(iso: string, nowMs: number, locale = "en"): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const seconds = Math.round((t - nowMs) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  let rtf = relCache.get(locale);
  if (!rtf) {
    rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
    relCache.set(locale, rtf);
  }
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.trunc(seconds / size), unit);
  }
  return rtf.format(Math.sign(seconds), "minute");
}

/** The full local date and time, e.g. "Nov 23, 2026, 3:04:05 PM". */
export function exactTime(iso: string, locale?: string, timeZone?: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "medium",
    timeZone,
  }).format(t);
}

/** "850 k/s", "4.2 M/s": hash rates for people. */
export function formatHashRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return "–";
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(perSecond >= 1e7 ? 0 : 1)} M hashes/s`;
  if (perSecond >= 1e3) return `${Math.round(perSecond / 1e3)} k hashes/s`;
  return `${Math.round(perSecond)} hashes/s`;
}

/** "180 ms", "2.4 s": how long a finished solve took. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.max(1, Math.round(seconds * 1000))} ms`;
  return `${seconds.toFixed(1)} s`;
}

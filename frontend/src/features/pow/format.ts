import type { Algorithm } from "./solver";

/** The unit of work a person sees: one SHA-256 hash, or one Equi-X attempt. */
const UNIT: Record<Algorithm, string> = { sha256: "hashes", equix: "attempts" };

/** "850 k hashes/s", "4.2 M hashes/s", "48 attempts/s": solving rates for people. */
export function formatHashRate(perSecond: number, algorithm: Algorithm = "sha256"): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return "–";
  const unit = UNIT[algorithm];
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(perSecond >= 1e7 ? 0 : 1)} M ${unit}/s`;
  if (perSecond >= 1e3) return `${Math.round(perSecond / 1e3)} k ${unit}/s`;
  return `${Math.round(perSecond)} ${unit}/s`;
}

/** "180 ms", "2.4 s": how long a finished solve took. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.max(1, Math.round(seconds * 1000))} ms`;
  return `${seconds.toFixed(1)} s`;
}

//! This device's measured solving rate per algorithm, kept across visits
//! (localStorage) so the post form can say how long posting takes before the first
//! progress report. Rates are in the algorithm's unit (hashes or Equi-X attempts).

import type { Algorithm } from "./solver";

interface RateRules {
  key: string;
  /** Below this much work a rate is mostly worker start-up, not speed. */
  minSample: number;
  /** Rates outside [min, max] are not this device's (a bug, a stale entry). */
  min: number;
  max: number;
}

const RULES: Record<Algorithm, RateRules> = {
  sha256: { key: "powboard.hashRate", minSample: 1 << 20, min: 1e3, max: 1e11 },
  // An attempt takes tens of milliseconds: a default challenge is 5-20 of them, and
  // 8 already take longer than the workers' start.
  equix: { key: "powboard.hashRate.equix", minSample: 8, min: 0.5, max: 1e6 },
};

/** Below this many hashes a sha256 rate is mostly worker start-up, not speed. */
export const RATE_SAMPLE_MIN_HASHES = RULES.sha256.minSample;

const known = new Map<Algorithm, number | null>();

function plausible(rate: number, rules: RateRules): boolean {
  return Number.isFinite(rate) && rate >= rules.min && rate <= rules.max;
}

/** The last measured rate for `algorithm`, or null before any solve measured one. */
export function knownHashRate(algorithm: Algorithm = "sha256"): number | null {
  if (!known.has(algorithm)) {
    const rules = RULES[algorithm];
    known.set(algorithm, null);
    try {
      const stored = Number(globalThis.localStorage?.getItem(rules.key));
      if (plausible(stored, rules)) known.set(algorithm, stored);
    } catch {
      // Storage blocked (privacy settings): measure again on each visit.
    }
  }
  return known.get(algorithm) ?? null;
}

/** Records a rate measured over enough work to mean something. */
export function rememberHashRate(
  rate: number,
  work: number,
  algorithm: Algorithm = "sha256",
): void {
  const rules = RULES[algorithm];
  if (work < rules.minSample || !plausible(rate, rules)) return;
  known.set(algorithm, rate);
  try {
    globalThis.localStorage?.setItem(rules.key, String(Math.round(rate * 100) / 100));
  } catch {
    // Not stored; still known for this page.
  }
}

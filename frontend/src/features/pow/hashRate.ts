//! This device's measured solving rate, kept across visits (localStorage) so the
//! post form can say how long posting takes before the first progress report.

const KEY = "powboard.hashRate";
/** Below this many hashes a rate is mostly worker start-up, not speed. */
export const RATE_SAMPLE_MIN_HASHES = 1 << 20;

let known: number | null | undefined;

function plausible(rate: number): boolean {
  return Number.isFinite(rate) && rate >= 1e3 && rate <= 1e11;
}

/** The last measured rate in hashes per second, or null before any solve measured one. */
export function knownHashRate(): number | null {
  if (known === undefined) {
    known = null;
    try {
      const stored = Number(globalThis.localStorage?.getItem(KEY));
      if (plausible(stored)) known = stored;
    } catch {
      // Storage blocked (privacy settings): measure again on each visit.
    }
  }
  return known;
}

/** Records a rate measured over at least RATE_SAMPLE_MIN_HASHES hashes. */
export function rememberHashRate(rate: number, hashes: number): void {
  if (hashes < RATE_SAMPLE_MIN_HASHES || !plausible(rate)) return;
  known = rate;
  try {
    globalThis.localStorage?.setItem(KEY, String(Math.round(rate)));
  } catch {
    // Not stored; still known for this page.
  }
}

//! The Equi-X puzzle's byte format (docs/pow-equix.md): the HashX seed of an
//! attempt, the solution text of the X-PoW-Nonce header, and the SHA-256 threshold
//! check of a solution, so the main thread can check a worker's answer cheaply.

import { sha256OneBlock } from "../sha256";
import type { Threshold } from "../layout";

export const DOMAIN = new TextEncoder().encode("powboard-equix-v1");
/**
 * Mean Equi-X solutions per seed: the server's MU (backend/src/pow/equix.rs, measured
 * over 12,000 seeds).
 */
export const MEAN_SOLUTIONS = 1.9945;
export const SOLUTION_BYTES = 16;
/** Nonces stay exact in a double; 2^53 attempts is far beyond any challenge's life. */
export const NONCE_END = 2 ** 53;

/**
 * Expected attempts to solve one sub-puzzle. Each solution meets the threshold t with
 * probability p = t / 2^64, and the number of solutions per seed is close to
 * Poisson with mean MU (13% of seeds have none; e^-2 is 13.5%), so an attempt
 * succeeds with probability 1 - e^(-MU p): about MU p for small p, and still right
 * for the easy thresholds where MU p nears 1.
 */
export function expectedAttemptsPerSubpuzzle(t: Threshold): number {
  if (t.value === 0n) return Infinity;
  return 1 / -Math.expm1((-MEAN_SOLUTIONS * Number(t.value)) / 2 ** 64);
}

/** n as 8 little-endian bytes (n < 2^53). */
export function le64(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`nonce out of range: ${n}`);
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, n % 2 ** 32, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  return bytes;
}

/** The HashX seed of an attempt: "powboard-equix-v1" || c || byte(i) || le64(n). */
export function seedOf(challenge: Uint8Array, index: number, nonce: number): Uint8Array {
  const seed = new Uint8Array(42);
  seed.set(DOMAIN, 0);
  seed.set(challenge, 17);
  seed[33] = index;
  seed.set(le64(nonce), 34);
  return seed;
}

/** The first 8 bytes of SHA-256(c || byte(i) || le64(n) || s), big-endian. */
export function solutionPrefix(
  challenge: Uint8Array,
  index: number,
  nonce: number,
  solution: Uint8Array,
): bigint {
  const message = new Uint8Array(41);
  message.set(challenge, 0);
  message[16] = index;
  message.set(le64(nonce), 17);
  message.set(solution, 25);
  const digest = sha256OneBlock(message);
  return new DataView(digest.buffer).getBigUint64(0);
}

/** One header entry: `<n>-<s>`, n decimal, s 32 lowercase hex digits. */
export function entryOf(nonce: number, solution: Uint8Array): string {
  const hex = Array.from(solution, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${nonce}-${hex}`;
}

/** An entry as the server accepts it, split into nonce and solution; null otherwise. */
export function parseEntry(entry: string): { nonce: number; solution: Uint8Array } | null {
  const m = /^(0|[1-9][0-9]{0,19})-([0-9a-f]{32})$/.exec(entry);
  if (!m) return null;
  const nonce = Number(m[1]);
  if (!Number.isSafeInteger(nonce)) return null;
  const solution = Uint8Array.from(m[2]!.match(/../g)!, (h) => parseInt(h, 16));
  return { nonce, solution };
}

/**
 * Whether `entry` meets the threshold of sub-puzzle `index`. This is the cheap half
 * of the server's check; that `s` is an Equi-X solution of the seed is the
 * solver's own guarantee (and tested against the vectors).
 */
export function entryMeetsThreshold(
  challenge: Uint8Array,
  index: number,
  entry: string,
  t: Threshold,
): boolean {
  const parsed = parseEntry(entry);
  return (
    parsed !== null && solutionPrefix(challenge, index, parsed.nonce, parsed.solution) < t.value
  );
}

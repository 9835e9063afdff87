//! The puzzle's byte format (DESIGN "Proof of work") and the nonce layout the search
//! kernels use.
//!
//! Any canonical decimal nonce is valid; the solver picks 19-digit nonces made of a
//! 15-digit prefix (first digit non-zero) and a 4-digit suffix, because then the
//! message `challenge(16) || index(1) || nonce(19)` is exactly 36 bytes and the
//! suffix fills message word 8 alone: W0..W7 are fixed per prefix, W9..W15 are
//! padding and length, and the kernel only varies W8 (see build/gen-kernel.mjs).

export const SUFFIXES = 10_000;
export const PREFIX_MIN = 100_000_000_000_000; // 10^14: 15 digits, no leading zero
export const PREFIX_END = 1_000_000_000_000_000; // 10^15, still exact in a double

export interface Threshold {
  /** High and low 32-bit words, unsigned. */
  hi: number;
  lo: number;
  value: bigint;
}

/** Decodes the challenge (base64url, no padding) to its 16 bytes. */
export function decodeChallenge(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]{22}$/.test(text)) {
    throw new RangeError("challenge must be 16 bytes of unpadded base64url");
  }
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "==");
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function parseThreshold(hex: string): Threshold {
  if (!/^[0-9a-f]{16}$/.test(hex))
    throw new RangeError("threshold must be 16 lowercase hex digits");
  return {
    hi: parseInt(hex.slice(0, 8), 16),
    lo: parseInt(hex.slice(8), 16),
    value: BigInt(`0x${hex}`),
  };
}

/** Expected hashes to solve one sub-puzzle: 2^64 / threshold (Infinity for 0). */
export function expectedHashesPerSubpuzzle(t: Threshold): number {
  return t.value === 0n ? Infinity : 2 ** 64 / Number(t.value);
}

/** The big-endian message word holding suffix s as 4 ASCII digits, for s < 10^4. */
export function suffixTable(): Uint32Array {
  const table = new Uint32Array(SUFFIXES);
  for (let s = 0; s < SUFFIXES; s++) {
    const d = [s / 1000, s / 100, s / 10, s].map((x) => 0x30 + (Math.floor(x) % 10));
    table[s] = ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
  }
  return table;
}

/** Message words W0..W7 for sub-puzzle `index` and a 15-digit nonce prefix. */
export function prefixWords(challenge: Uint8Array, index: number, prefix: number): Uint32Array {
  if (!Number.isSafeInteger(prefix) || prefix < PREFIX_MIN || prefix >= PREFIX_END) {
    throw new RangeError(`nonce prefix out of range: ${prefix}`);
  }
  const bytes = new Uint8Array(32);
  bytes.set(challenge, 0);
  bytes[16] = index;
  const digits = String(prefix);
  for (let j = 0; j < 15; j++) bytes[17 + j] = digits.charCodeAt(j);
  const view = new DataView(bytes.buffer);
  const words = new Uint32Array(8);
  for (let t = 0; t < 8; t++) words[t] = view.getUint32(4 * t);
  return words;
}

export function nonceOf(prefix: number, suffix: number): string {
  return `${prefix}${String(suffix).padStart(4, "0")}`;
}

/** A nonce as the server accepts it: decimal, no leading zeros, at most 20 digits. */
export function isCanonicalNonce(nonce: string): boolean {
  return /^(0|[1-9][0-9]{0,19})$/.test(nonce);
}

//! The search kernels behind one interface: the generated WASM SIMD kernel (8 nonces
//! per step) and the generated scalar TypeScript fallback for browsers without WASM
//! SIMD. Both return the smallest solving suffix of a range, so they are
//! interchangeable and testable against each other.

import { scanScalar } from "./generated/kernel-scalar";
import { SUFFIXES, prefixWords, suffixTable, type Threshold } from "./layout";

export type KernelName = "wasm-simd" | "js";

export interface Kernel {
  name: KernelName;
  /** Suffix ranges passed to `scan` must start and end on multiples of this. */
  step: number;
  /** The smallest s in [from, to) such that nonce prefix||s solves, or -1. */
  scan(words: Uint32Array, t: Threshold, from: number, to: number): number;
}

interface SimdExports {
  memory: WebAssembly.Memory;
  tablePtr(): number;
  paramsPtr(): number;
  scan(from: number, to: number): number;
  LANES: WebAssembly.Global;
}

// The smallest module using a v128 op, to detect WASM SIMD support.
const SIMD_PROBE = Uint8Array.from([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

export function simdSupported(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

export function createWasmKernel(module: WebAssembly.Module): Kernel {
  const instance = new WebAssembly.Instance(module, {});
  const x = instance.exports as unknown as SimdExports;
  const lanes = x.LANES.value as number;
  new Uint32Array(x.memory.buffer, x.tablePtr(), SUFFIXES).set(suffixTable());
  const params = new Uint32Array(x.memory.buffer, x.paramsPtr(), 10);
  return {
    name: "wasm-simd",
    step: lanes,
    scan(words, t, from, to) {
      params.set(words, 0);
      params[8] = t.hi;
      params[9] = t.lo;
      return x.scan(from, to);
    },
  };
}

export function createJsKernel(): Kernel {
  const table = suffixTable();
  return {
    name: "js",
    step: 1,
    scan: (words, t, from, to) => scanScalar(words, table, t.hi, t.lo, from, to),
  };
}

/**
 * Scans `count` prefixes from `prefix` upward for sub-puzzle `index`; returns the
 * solving nonce's prefix and suffix, or null. Each prefix is 10^4 nonces.
 */
export function searchPrefixes(
  kernel: Kernel,
  challenge: Uint8Array,
  index: number,
  t: Threshold,
  prefix: number,
  count: number,
): { prefix: number; suffix: number } | null {
  for (let p = prefix; p < prefix + count; p++) {
    const suffix = kernel.scan(prefixWords(challenge, index, p), t, 0, SUFFIXES);
    if (suffix >= 0) return { prefix: p, suffix };
  }
  return null;
}

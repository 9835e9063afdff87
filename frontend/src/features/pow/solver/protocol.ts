//! Messages between the main-thread scheduler and the search workers.

import type { KernelName } from "./kernel";
import type { Algorithm } from "./types";

/**
 * Search sub-puzzle `index` from `prefix` upward until solved or replaced: a 15-digit
 * nonce prefix for sha256, the first nonce for equix.
 */
export interface Job {
  index: number;
  prefix: number;
}

export type ToWorker =
  | {
      type: "init";
      algorithm: Algorithm;
      /** sha256: the compiled SIMD kernel, or null for the scalar fallback; equix: its kernel. */
      module: WebAssembly.Module | null;
      challenge: string;
      threshold: string;
    }
  | { type: "job"; job: Job | null };

export type FromWorker =
  | { type: "ready"; kernel: KernelName | "equix-wasm" }
  /** Work units (hashes, or Equi-X attempts) done since the previous report. */
  | { type: "progress"; hashes: number }
  | { type: "found"; index: number; nonce: string; hashes: number }
  | { type: "failed"; message: string };

//! Messages between the main-thread scheduler and the search workers.

import type { KernelName } from "./kernel";

/** Search sub-puzzle `index` from nonce prefix `prefix` upward until solved or replaced. */
export interface Job {
  index: number;
  prefix: number;
}

export type ToWorker =
  | {
      type: "init";
      /** The compiled SIMD kernel, or null to use the scalar fallback. */
      module: WebAssembly.Module | null;
      challenge: string;
      threshold: string;
    }
  | { type: "job"; job: Job | null };

export type FromWorker =
  | { type: "ready"; kernel: KernelName }
  /** Hashes computed since the previous report. */
  | { type: "progress"; hashes: number }
  | { type: "found"; index: number; nonce: string; hashes: number }
  | { type: "failed"; message: string };

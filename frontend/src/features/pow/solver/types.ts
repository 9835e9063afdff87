/** A challenge as `GET /api/pow/challenge` returns it: the API's own type. */
export type { Challenge } from "@/api/types";

export interface SolveProgress {
  /** Hashes computed so far, all workers. */
  hashes: number;
  /** Expected hashes for the whole challenge: k * 2^64 / threshold. */
  expectedHashes: number;
  /** Hashes per second since solving started. */
  hashRate: number;
  /** Share of the expected work done: hashes / (hashes + expected work left). */
  fraction: number;
  /** Expected seconds left at the current rate. */
  etaSeconds: number;
  solvedSubpuzzles: number;
}

export interface SolveHandle {
  /** The k nonces, in sub-puzzle order. */
  promise: Promise<string[]>;
  /** Stops the workers; the promise rejects with an AbortError. */
  cancel(): void;
}

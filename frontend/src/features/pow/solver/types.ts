import type { Challenge as ApiChallenge } from "@/api/types";

/** The puzzle a challenge asks for (docs/pow-equix.md for equix). */
export type Algorithm = "sha256" | "equix";

/** A challenge as `GET /api/pow/challenge` returns it: the API's own type. */
export type Challenge = ApiChallenge;

/** The challenge's algorithm; an absent one is sha256. */
export function algorithmOf(ch: Pick<Challenge, "threshold"> & { algorithm?: string }): Algorithm {
  const a = ch.algorithm ?? "sha256";
  if (a === "sha256" || a === "equix") return a;
  throw new RangeError(`unknown proof-of-work algorithm: ${a}`);
}

export interface SolveProgress {
  algorithm: Algorithm;
  /** Work units (hashes for sha256, Equi-X attempts for equix) so far, all workers. */
  hashes: number;
  /** Expected work units for the whole challenge (puzzle.ts). */
  expectedHashes: number;
  /** Work units per second since solving started. */
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

//! What the scheduler needs to know of each algorithm: the expected work per
//! sub-puzzle, where a worker's stripe of nonces starts, and the cheap check of a
//! worker's answer. One place per algorithm, so the scheduler has no `if algorithm`.

import { entryMeetsThreshold, expectedAttemptsPerSubpuzzle } from "./equix/layout";
import { PREFIX_MIN, expectedHashesPerSubpuzzle, type Threshold } from "./layout";
import { digestSolves, powDigest } from "./sha256";
import type { Algorithm } from "./types";

export interface Puzzle {
  /** Expected work units (hashes or attempts) to solve one sub-puzzle. */
  expectedPerSubpuzzle(t: Threshold): number;
  /** The first job position of stripe `stripe` (0..STRIPES) of a sub-puzzle. */
  stripeStart(stripe: number): number;
  /** Whether a worker's answer solves sub-puzzle `index`. */
  solves(challenge: Uint8Array, index: number, answer: string, t: Threshold): boolean;
}

/** Disjoint stripes per sub-puzzle, so idle workers can share the last ones. */
export const STRIPES = 90;

const PUZZLES: Record<Algorithm, Puzzle> = {
  // 90 stripes of 10^13 prefixes (10^17 nonces each) fit in the 15-digit prefix space.
  sha256: {
    expectedPerSubpuzzle: expectedHashesPerSubpuzzle,
    stripeStart: (stripe) => PREFIX_MIN + stripe * 10_000_000_000_000,
    solves: (challenge, index, nonce, t) => digestSolves(powDigest(challenge, index, nonce), t),
  },
  // 90 stripes of 2^46 nonces stay below 2^53, exact in a double.
  equix: {
    expectedPerSubpuzzle: expectedAttemptsPerSubpuzzle,
    stripeStart: (stripe) => stripe * 2 ** 46,
    solves: entryMeetsThreshold,
  },
};

export const puzzleFor = (algorithm: Algorithm): Puzzle => PUZZLES[algorithm];

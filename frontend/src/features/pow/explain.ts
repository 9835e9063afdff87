//! Why posting takes as long as it does, in the words a person reads before the
//! wait: the expected time at this device's measured rate, and the reasons from
//! the challenge's difficulty breakdown (TEAM contract wording).

import type { Challenge } from "@/api";

import { algorithmOf } from "./solver";
import { parseThreshold } from "./solver/layout";
import { puzzleFor } from "./solver/puzzle";

/** A part of the difficulty below this many bits is noise, not a reason. */
const NOTABLE_BITS = 0.05;

type Priced = Pick<Challenge, "threshold" | "subpuzzles"> & { algorithm?: string };

/**
 * Expected work units to solve the whole challenge, in the algorithm's unit: hashes
 * (k * 2^64 / threshold) for sha256, Equi-X attempts for equix.
 */
export function expectedHashes(ch: Priced): number {
  const puzzle = puzzleFor(algorithmOf(ch));
  return ch.subpuzzles * puzzle.expectedPerSubpuzzle(parseThreshold(ch.threshold));
}

/** Expected seconds to solve `ch` at `hashRate` (its algorithm's unit), or null without a usable rate. */
export function expectedSeconds(ch: Priced, hashRate: number | null): number | null {
  if (hashRate === null || !Number.isFinite(hashRate) || hashRate <= 0) return null;
  return expectedHashes(ch) / hashRate;
}

/** "hour", "30 minutes", "2 hours", "day": the adaptive window in words. */
export function windowWords(seconds: number): string {
  if (seconds === 3600) return "hour";
  if (seconds === 86_400) return "day";
  if (seconds === 60) return "minute";
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

/**
 * Why the difficulty is above the base, one sentence per cause; empty when it is
 * not (or the server sent no breakdown).
 */
export function difficultyReasons(ch: Challenge): string[] {
  const b = ch.breakdown;
  if (!b || ch.difficulty <= b.base + NOTABLE_BITS) return [];
  const reasons: string[] = [];
  if (b.surge >= NOTABLE_BITS) reasons.push("The board is busy: posting takes longer right now.");
  if (b.client >= NOTABLE_BITS) {
    const n = ch.recent_posts;
    const window = windowWords(ch.recent_window_secs ?? 3600);
    reasons.push(
      n === undefined || n < 1
        ? `You posted recently, so each post takes a little longer.`
        : `You posted ${n} ${n === 1 ? "time" : "times"} in the last ${window}, so each post takes a little longer.`,
    );
  }
  if (b.country >= NOTABLE_BITS) {
    reasons.push("Posts from your region take a little longer right now.");
  }
  return reasons;
}

/** "about 20 s", "about 3 min", "a moment": a wait for a sentence such as "Posting in …". */
export function waitWords(seconds: number): string {
  if (seconds < 1.5) return "a moment";
  if (seconds < 90) return `about ${Math.round(seconds)} s`;
  return `about ${Math.round(seconds / 60)} min`;
}

/**
 * The wait in one line: "Posting in about 20 s" once the person pressed Post,
 * "Ready to post in about 20 s" before; null while no rate is known yet.
 */
export function waitLine(seconds: number | null, submitting: boolean): string | null {
  if (seconds === null || !Number.isFinite(seconds)) return null;
  return `${submitting ? "Posting" : "Ready to post"} in ${waitWords(Math.max(0, seconds))}`;
}

/** The wait for the check alone, when something else stops the post anyway. */
export function checkLine(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds)) return null;
  return `Anti-spam check finishes in ${waitWords(Math.max(0, seconds))}`;
}

//! When a failed request is tried again by itself: the one rule the list, the
//! board stats and the post form's challenge share.

import { ApiError } from "@/api";

/** Backoff after a network error or a 503: 2 s, 4 s, 8 s, … at most this. */
export const MAX_BACKOFF_MS = 30_000;
const FIRST_BACKOFF_MS = 2_000;

/**
 * Milliseconds until an automatic retry of a request that failed with `error`
 * for the `failures`-th time in a row (1 = first failure), or null when only the
 * user should retry (a retry would fail the same way). A 429's `Retry-After` is
 * the exact wait; a lost connection or an unavailable server gets a short,
 * growing backoff with a little jitter, so pages that lost the server together
 * do not come back in lockstep.
 */
export function retryDelayMs(
  error: unknown,
  failures: number,
  random: () => number = Math.random,
): number | null {
  if (!(error instanceof ApiError)) return null;
  if (error.retryAfterSeconds !== null) return error.retryAfterSeconds * 1000;
  if (error.code !== "NETWORK" && error.code !== "UNAVAILABLE") return null;
  const base = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.2 * random()));
}

/** Whether coming back online is worth an immediate retry of this error. */
export function isConnectionError(error: unknown): boolean {
  return error instanceof ApiError && (error.code === "NETWORK" || error.code === "UNAVAILABLE");
}

//! The main-thread side of a solve: hands sub-puzzles to workers, gives idle workers
//! a disjoint nonce stripe of a sub-puzzle still open (so the last sub-puzzles are
//! searched by every worker), checks each reported nonce cheaply (puzzle.ts),
//! and turns the workers' hash counts into progress. It only reacts to messages, so
//! the main thread stays free.

import { decodeChallenge, parseThreshold } from "./layout";
import type { FromWorker, ToWorker } from "./protocol";
import { STRIPES, puzzleFor } from "./puzzle";
import { algorithmOf, type Challenge, type SolveHandle, type SolveProgress } from "./types";

/** What the scheduler needs of a worker; a Web Worker has this shape. */
export interface WorkerLike {
  postMessage(message: ToWorker): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<FromWorker>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
}

const PROGRESS_EVERY_MS = 100;

export function runSolve(
  ch: Challenge,
  workers: WorkerLike[],
  module: WebAssembly.Module | null,
  onProgress?: (p: SolveProgress) => void,
): SolveHandle {
  const algorithm = algorithmOf(ch);
  const puzzle = puzzleFor(algorithm);
  const k = ch.subpuzzles;
  const threshold = parseThreshold(ch.threshold);
  const challenge = decodeChallenge(ch.challenge);
  const perSubpuzzle = puzzle.expectedPerSubpuzzle(threshold);
  const nonces: (string | null)[] = new Array<string | null>(k).fill(null);
  const assigned: (number | null)[] = workers.map(() => null);
  const stripesUsed = new Array<number>(k).fill(0);
  let nextFresh = 0;
  let solved = 0;
  let hashes = 0;
  let started = 0;
  let lastReport = 0;
  let settled = false;
  let resolve!: (nonces: string[]) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<string[]>((res, rej) => {
    resolve = res;
    reject = rej;
  });

  const finish = (error: unknown | null) => {
    if (settled) return;
    settled = true;
    for (const w of workers) w.terminate();
    if (error === null) resolve(nonces as string[]);
    else reject(error);
  };

  const progress = (force: boolean) => {
    const now = performance.now();
    if (!onProgress || (!force && now - lastReport < PROGRESS_EVERY_MS)) return;
    lastReport = now;
    const seconds = Math.max((now - started) / 1000, 1e-3);
    const hashRate = hashes / seconds;
    const remaining = (k - solved) * perSubpuzzle;
    onProgress({
      algorithm,
      hashes,
      expectedHashes: k * perSubpuzzle,
      hashRate,
      fraction: solved === k ? 1 : hashes / (hashes + remaining),
      etaSeconds: solved === k ? 0 : hashRate > 0 ? remaining / hashRate : Infinity,
      solvedSubpuzzles: solved,
    });
  };

  // A fresh sub-puzzle if one is left, else another stripe of the open sub-puzzle
  // with the fewest workers on it.
  const nextJob = (): { index: number; prefix: number } | null => {
    let index = -1;
    if (nextFresh < k) index = nextFresh++;
    else {
      let fewest = Infinity;
      for (let i = 0; i < k; i++) {
        if (nonces[i] !== null) continue;
        const n = assigned.filter((a) => a === i).length;
        if (n < fewest) [fewest, index] = [n, i];
      }
    }
    if (index < 0) return null;
    const stripe = stripesUsed[index]!++ % STRIPES;
    return { index, prefix: puzzle.stripeStart(stripe) };
  };

  const give = (w: number) => {
    const job = nextJob();
    assigned[w] = job ? job.index : null;
    workers[w]!.postMessage({ type: "job", job });
  };

  const onFound = (w: number, index: number, nonce: string) => {
    if (index < 0 || index >= k || nonces[index] !== null) return;
    // A wrong nonce would only earn a 403 later: fail loudly here instead.
    if (!puzzle.solves(challenge, index, nonce, threshold)) {
      finish(new Error(`solver kernel returned a wrong nonce for sub-puzzle ${index}`));
      return;
    }
    nonces[index] = nonce;
    solved += 1;
    if (solved === k) {
      progress(true);
      finish(null);
      return;
    }
    give(w);
    // Workers still on this sub-puzzle move on.
    assigned.forEach((a, other) => other !== w && a === index && give(other));
    progress(true);
  };

  if (threshold.value === 0n) {
    finish(new RangeError("threshold 0 cannot be solved"));
  } else if (!Number.isInteger(k) || k < 1 || k > 255) {
    finish(new RangeError("subpuzzles must be 1..=255"));
  } else {
    workers.forEach((worker, w) => {
      worker.onmessage = (event) => {
        if (settled) return;
        const m = event.data;
        if (m.type === "ready") {
          if (started === 0) started = performance.now();
          give(w);
        } else if (m.type === "progress") {
          hashes += m.hashes;
          progress(false);
        } else if (m.type === "found") {
          hashes += m.hashes;
          onFound(w, m.index, m.nonce);
        } else {
          finish(new Error(`solver worker failed: ${m.message}`));
        }
      };
      worker.onerror = (event) => finish(new Error(`solver worker error: ${event.message}`));
      worker.postMessage({
        type: "init",
        algorithm,
        module,
        challenge: ch.challenge,
        threshold: ch.threshold,
      });
    });
  }

  return {
    promise,
    cancel: () => finish(new DOMException("proof of work cancelled", "AbortError")),
  };
}

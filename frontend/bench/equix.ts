// The Equi-X part of the solver benchmark page: per-thread attempt rates on demand
// (run.mjs alternates them with the native bench, so each pair shares the load),
// and a person's wait: solving equix challenges at the server's default with one
// worker per core, long tasks on the main thread recorded meanwhile.
import { solveChallenge, type Challenge } from "../src/features/pow/solver";
import { MEAN_SOLUTIONS, parseEntry } from "../src/features/pow/solver/equix/layout";
import type { EquixMode } from "../src/features/pow/solver/equix/kernel";
import type { EquixRateReply, EquixRateRequest } from "./equix-worker";

let worker: Worker | null = null;

/** Attempts per second of one worker in `mode` over about `ms`. */
export function equixRate(mode: EquixMode, ms: number): Promise<EquixRateReply> {
  worker ??= new Worker(new URL("./equix-worker.ts", import.meta.url), { type: "module" });
  const w = worker;
  return new Promise((resolve) => {
    w.onmessage = (e: MessageEvent<EquixRateReply>) => resolve(e.data);
    w.postMessage({ mode, ms } satisfies EquixRateRequest);
  });
}

/**
 * An equix challenge as the server makes it (backend/src/pow/equix.rs, docs/pow-equix.md):
 * an attempt succeeds with probability q = k / 2^d, so t = 2^64 * -ln(1 - q) / MU.
 */
function equixChallenge(difficulty: number, k: number): Challenge {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const challenge = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  const q = k / 2 ** difficulty;
  const max = 2n ** 64n - 1n;
  const t = q >= 1 ? max : BigInt(Math.floor((2 ** 64 * -Math.log1p(-q)) / MEAN_SOLUTIONS));
  const threshold = (t > max ? max : t).toString(16).padStart(16, "0");
  return {
    algorithm: "equix",
    challenge,
    difficulty,
    subpuzzles: k,
    threshold,
    expires_at: 0,
    token: "",
  };
}

/** `n` solves at (difficulty, k): wall times, attempts, long tasks on the main thread. */
export async function equixSolves(n: number, difficulty: number, k: number) {
  const times: number[] = [];
  const attempts: number[] = [];
  const expected: number[] = [];
  let longest = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longest = Math.max(longest, e.duration);
  });
  observer.observe({ type: "longtask", buffered: false });
  for (let i = 0; i < n; i++) {
    const ch = equixChallenge(difficulty, k);
    let done = 0;
    let want = 0;
    const start = performance.now();
    const entries = await solveChallenge(ch, {
      onProgress: (p) => ((done = p.hashes), (want = p.expectedHashes)),
    }).promise;
    times.push(performance.now() - start);
    if (entries.length !== k || entries.some((e) => parseEntry(e) === null)) {
      throw new Error(`equix run ${i}: malformed entries ${entries.join(",")}`);
    }
    attempts.push(done);
    expected.push(want);
  }
  observer.disconnect();
  const sorted = [...times].sort((a, b) => a - b);
  return {
    difficulty,
    subpuzzles: k,
    times,
    attempts,
    expectedAttempts: expected[0] ?? 0,
    medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
    meanMs: times.reduce((a, b) => a + b, 0) / Math.max(times.length, 1),
    longestTaskMs: longest,
  };
}

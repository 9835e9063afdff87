// The scheduler and workers on the Equi-X puzzle, in-process with the real wasm:
// answers the server would accept, progress in attempts, cancellation.
import { describe, expect, it } from "vitest";

import { decodeChallenge, parseThreshold } from "../layout";
import { runSolve } from "../scheduler";
import { InProcessWorker, equixModuleFromDisk } from "../testing";
import type { Challenge, SolveProgress } from "../types";
import { createEquixKernel } from "./kernel";
import { MEAN_SOLUTIONS, parseEntry, seedOf, solutionPrefix } from "./layout";

const module = equixModuleFromDisk();
const checker = createEquixKernel(module, "interpreted");
const workers = (n: number) => Array.from({ length: n }, () => new InProcessWorker());

const challenge = (threshold: string, subpuzzles: number): Challenge => ({
  algorithm: "equix",
  challenge: "AxQlNkdYaXqLnK2-z-DxAg",
  difficulty: 0,
  subpuzzles,
  threshold,
  expires_at: 0,
  token: "t",
});

/** The server's check of one entry: canonical text, threshold, then Equi-X verify. */
function accepted(ch: Challenge, index: number, entry: string): boolean {
  const parsed = parseEntry(entry);
  if (!parsed) return false;
  const c = decodeChallenge(ch.challenge);
  const t = parseThreshold(ch.threshold);
  return (
    solutionPrefix(c, index, parsed.nonce, parsed.solution) < t.value &&
    checker.verify(seedOf(c, index, parsed.nonce), parsed.solution)
  );
}

describe("runSolve with equix", () => {
  it("solves k = 3 on 2 workers with entries the server's check accepts", async () => {
    // About 3.5 attempts per sub-puzzle: t = 2^64 / (3 MU).
    const threshold = "2ac8c96db86bfe00";
    const ch = challenge(threshold, 3);
    const pool = workers(2);
    const seen: SolveProgress[] = [];
    const entries = await runSolve(ch, pool, module, (p) => seen.push(p)).promise;
    expect(entries).toHaveLength(3);
    entries.forEach((e, i) => expect(accepted(ch, i, e), e).toBe(true));
    expect(pool.every((w) => w.terminated)).toBe(true);
    const last = seen.at(-1)!;
    expect(last.algorithm).toBe("equix");
    expect(last.solvedSubpuzzles).toBe(3);
    expect(last.fraction).toBe(1);
    expect(last.hashes).toBeGreaterThanOrEqual(3);
    const p = Number(BigInt(`0x${threshold}`)) / 2 ** 64;
    const perSubpuzzle = 1 / (1 - Math.exp(-MEAN_SOLUTIONS * p));
    expect(last.expectedHashes).toBeCloseTo(3 * perSubpuzzle, 6);
    expect(perSubpuzzle).toBeCloseTo(3.53, 2);
    // Both workers started on their own sub-puzzle, nonces from stripe 0.
    expect(pool.map((w) => w.jobs[0])).toEqual([
      { index: 0, prefix: 0 },
      { index: 1, prefix: 0 },
    ]);
  }, 120_000);

  it("reports progress in attempts while searching, and cancel stops the workers", async () => {
    const ch = challenge("0000000000100000", 2); // 2^43 attempts: never finishes
    const pool = workers(2);
    const seen: SolveProgress[] = [];
    let progressed!: () => void;
    const started = new Promise<void>((r) => (progressed = r));
    const handle = runSolve(ch, pool, module, (p) => {
      seen.push(p);
      if (p.hashes >= 2) progressed();
    });
    await started;
    handle.cancel();
    await expect(handle.promise).rejects.toMatchObject({ name: "AbortError" });
    expect(pool.every((w) => w.terminated)).toBe(true);
    const p = seen.at(-1)!;
    expect(p.algorithm).toBe("equix");
    expect(p.solvedSubpuzzles).toBe(0);
    expect(p.hashRate).toBeGreaterThan(0);
    expect(p.fraction).toBeGreaterThan(0);
    expect(p.fraction).toBeLessThan(1e-9);
    expect(p.etaSeconds).toBeGreaterThan(1e6);
  }, 60_000);

  it("refuses a worker's entry that misses the threshold", async () => {
    const ch = challenge("0000000000000001", 1);
    const [w] = workers(1);
    // Fake a found message from a real worker's handler: the scheduler must check it.
    const handle = runSolve(ch, [w!], module);
    w!.onmessage?.({
      data: { type: "found", index: 0, nonce: "0-00000000000000000000000000000000", hashes: 1 },
    } as MessageEvent);
    await expect(handle.promise).rejects.toThrow(/wrong nonce/);
  });
});

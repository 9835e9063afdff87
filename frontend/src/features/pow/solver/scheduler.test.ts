// The scheduler with real search engines and kernels, run in-process (Node has no Web
// Workers; the browser path is exercised by bench/ and the e2e tests).
import { describe, expect, it } from "vitest";

import { verifySolution } from ".";
import type { FromWorker } from "./protocol";
import { runSolve, type WorkerLike } from "./scheduler";
import { InProcessWorker, loadVectors, simdModuleFromDisk } from "./testing";
import type { Challenge, SolveProgress } from "./types";

const vectors = loadVectors().vectors;
const challengeOf = (v: (typeof vectors)[number]): Challenge => ({
  challenge: v.challenge,
  difficulty: v.difficulty,
  subpuzzles: v.subpuzzles,
  threshold: v.threshold,
  expires_at: 0,
  token: "t",
});
const workers = (n: number) => Array.from({ length: n }, () => new InProcessWorker());

describe("runSolve", () => {
  it("solves every shared vector challenge with the SIMD kernel on 2 workers", async () => {
    for (const v of vectors) {
      const ch = challengeOf(v);
      const pool = workers(2);
      const seen: SolveProgress[] = [];
      const nonces = await runSolve(ch, pool, simdModuleFromDisk(), (p) => seen.push(p)).promise;
      expect(verifySolution(ch, nonces)).toBe(true);
      expect(pool.every((w) => w.terminated)).toBe(true);
      const last = seen.at(-1)!;
      expect(last.solvedSubpuzzles).toBe(v.subpuzzles);
      expect(last.fraction).toBe(1);
      expect(last.etaSeconds).toBe(0);
      expect(last.expectedHashes).toBeCloseTo(
        v.subpuzzles * (2 ** 64 / Number(BigInt(`0x${v.threshold}`))),
        0,
      );
      expect(last.hashes).toBeGreaterThan(0);
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]!.solvedSubpuzzles).toBeGreaterThanOrEqual(seen[i - 1]!.solvedSubpuzzles);
      }
    }
  });

  it("solves with the scalar kernel (no SIMD module), k = 255", async () => {
    const ch = challengeOf(vectors.find((v) => v.subpuzzles === 255)!);
    const nonces = await runSolve(ch, workers(3), null).promise;
    expect(nonces).toHaveLength(255);
    expect(verifySolution(ch, nonces)).toBe(true);
  });

  it("puts idle workers on disjoint stripes of the last open sub-puzzle", async () => {
    // One sub-puzzle of 2^16 expected hashes: all three workers search it.
    const ch = { ...challengeOf(vectors[0]!), subpuzzles: 1, threshold: "0001000000000000" };
    const pool = workers(3);
    const nonces = await runSolve(ch, pool, null).promise;
    expect(verifySolution(ch, nonces)).toBe(true);
    const first = pool.map((w) => w.jobs[0]);
    expect(first.every((j) => j?.index === 0)).toBe(true);
    expect(new Set(first.map((j) => j!.prefix)).size).toBe(3);
  });

  it("cancel rejects with AbortError and terminates the workers", async () => {
    const ch = { ...challengeOf(vectors[0]!), threshold: "0000000000001000" }; // 2^52 per sub-puzzle
    const pool = workers(2);
    let progressed!: () => void;
    const started = new Promise<void>((r) => (progressed = r));
    const handle = runSolve(ch, pool, simdModuleFromDisk(), (p) => p.hashes > 0 && progressed());
    await started;
    handle.cancel();
    await expect(handle.promise).rejects.toMatchObject({ name: "AbortError" });
    expect(pool.every((w) => w.terminated)).toBe(true);
  });

  it("rejects an unsolvable threshold and a bad sub-puzzle count at once", async () => {
    const pool = workers(1);
    await expect(
      runSolve({ ...challengeOf(vectors[0]!), threshold: "0000000000000000" }, pool, null).promise,
    ).rejects.toThrow(RangeError);
    expect(pool[0]!.terminated).toBe(true);
    await expect(
      runSolve({ ...challengeOf(vectors[0]!), subpuzzles: 256 }, workers(1), null).promise,
    ).rejects.toThrow(/1..=255/);
  });

  it("rejects a nonce that does not solve instead of returning it", async () => {
    const liar: WorkerLike = {
      onmessage: null,
      onerror: null,
      terminate() {},
      postMessage(m) {
        const reply = (data: FromWorker) =>
          setTimeout(() => this.onmessage?.({ data } as MessageEvent<FromWorker>));
        if (m.type === "init") reply({ type: "ready", kernel: "js" });
        else if (m.job) reply({ type: "found", index: m.job.index, nonce: "0", hashes: 1 });
      },
    };
    const v = vectors[0]!;
    expect(v.failing_nonce_for_subpuzzle_0).toBe("0");
    await expect(runSolve(challengeOf(v), [liar], null).promise).rejects.toThrow(/wrong nonce/);
  });
});

// The browser's Equi-X solver against the shared vectors, made with tevador's C
// reference (an independent implementation): every seed's solutions, their SHA-256
// prefixes and threshold verdicts, and whole X-PoW-Nonce values.
import { describe, expect, it } from "vitest";

import { decodeChallenge, parseThreshold } from "../layout";
import { runSolve } from "../scheduler";
import { InProcessWorker, equixModuleFromDisk, fromHex, hex, loadEquixVectors } from "../testing";
import { createEquixKernel } from "./kernel";
import { DOMAIN, seedOf, solutionPrefix } from "./layout";

const data = loadEquixVectors();
const module = equixModuleFromDisk();
const compiled = createEquixKernel(module, "compiled");

describe("the Equi-X vectors (tevador's C reference)", () => {
  it("use this solver's seed layout", () => {
    expect(data.seed_prefix).toBe(new TextDecoder().decode(DOMAIN));
    for (const v of data.seeds) {
      expect(decodeChallenge(v.challenge)).toEqual(fromHex(v.challenge_hex));
      expect(hex(seedOf(fromHex(v.challenge_hex), v.index, v.nonce))).toBe(v.seed_hex);
    }
  });

  it("every seed: the same solutions in the same order, prefixes and verdicts", () => {
    const t = parseThreshold(data.threshold);
    let solutions = 0;
    let none = 0;
    for (const v of data.seeds) {
      const c = fromHex(v.challenge_hex);
      const seed = seedOf(c, v.index, v.nonce);
      const found = compiled.solve(seed);
      expect(found.map(hex), v.seed_hex).toEqual(v.solutions.map((s) => s.solution));
      for (const s of v.solutions) {
        const prefix = solutionPrefix(c, v.index, v.nonce, fromHex(s.solution));
        expect(prefix.toString(16).padStart(16, "0")).toBe(s.sha256_prefix);
        expect(prefix < t.value).toBe(s.below_threshold);
        expect(compiled.verify(seed, fromHex(s.solution))).toBe(true);
      }
      solutions += v.solutions.length;
      if (v.solutions.length === 0) none += 1;
    }
    // The file covers seeds with several solutions and seeds with none.
    expect(solutions).toBeGreaterThan(data.seeds.length);
    expect(none).toBeGreaterThan(0);
  }, 60_000);

  it("one worker trying nonces from 0 gives exactly the vectors' X-PoW-Nonce", async () => {
    for (const v of data.solutions) {
      const ch = {
        algorithm: "equix",
        challenge: v.challenge,
        difficulty: 0,
        subpuzzles: v.subpuzzles,
        threshold: v.threshold,
        expires_at: 0,
        token: "t",
      };
      const entries = await runSolve(ch, [new InProcessWorker()], module).promise;
      expect(entries.join(","), v.challenge).toBe(v.nonce_header);
    }
  }, 120_000);
});

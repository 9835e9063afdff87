// The Equi-X kernel (the real wasm, as `make equix-wasm` builds it): the compiled
// HashX path against the crate's own interpreter, and the byte formats.
import { describe, expect, it } from "vitest";

import { parseThreshold } from "../layout";
import { equixModuleFromDisk, fromHex, hex } from "../testing";
import { createEquixKernel } from "./kernel";
import {
  MEAN_SOLUTIONS,
  entryOf,
  expectedAttemptsPerSubpuzzle,
  le64,
  parseEntry,
  seedOf,
  solutionPrefix,
} from "./layout";

const module = equixModuleFromDisk();
const compiled = createEquixKernel(module, "compiled");
const interpreted = createEquixKernel(module, "interpreted");
const challenge = fromHex("031425364758697a8b9cadbecfe0f102");

describe("the compiled HashX path", () => {
  it("finds exactly the interpreter's solutions, seed after seed", () => {
    let solutions = 0;
    // 24 seeds: about 12,000 instructions of every kind, signed and unsigned
    // multiply-high, taken and untaken branches, seeds with no solution.
    for (let n = 0; n < 24; n++) {
      const seed = seedOf(challenge, n % 3, n * 7919);
      const want = interpreted.solve(seed).map(hex);
      expect(compiled.solve(seed).map(hex)).toEqual(want);
      solutions += want.length;
    }
    expect(solutions).toBeGreaterThan(24); // about 2 per seed
  }, 120_000);

  it("its solutions pass the Equi-X verifier; a changed one does not", () => {
    const seed = seedOf(challenge, 0, 0);
    const [first] = compiled.solve(seed);
    expect(first).toBeDefined();
    expect(compiled.verify(seed, first!)).toBe(true);
    const changed = first!.slice();
    changed[15]! ^= 1;
    expect(compiled.verify(seed, changed)).toBe(false);
    expect(compiled.verify(seedOf(challenge, 1, 0), first!)).toBe(false);
  });

  it("an attempt returns the first solution under the threshold, or null", () => {
    const t = parseThreshold("ffffffffffffffff");
    compiled.setPuzzle(challenge, 2, t);
    for (let n = 0; n < 6; n++) {
      const all = compiled.solve(seedOf(challenge, 2, n));
      const got = compiled.attempt(n);
      if (all.length === 0) expect(got).toBeNull();
      else expect(hex(got!)).toBe(hex(all[0]!));
    }
    // A threshold of 1 is met by (almost) nothing.
    compiled.setPuzzle(challenge, 2, parseThreshold("0000000000000001"));
    expect(compiled.attempt(0)).toBeNull();
  });
});

describe("the Equi-X puzzle format", () => {
  it("seeds are 'powboard-equix-v1' || c || byte(i) || le64(n)", () => {
    const seed = seedOf(challenge, 7, 2 ** 40 + 5);
    expect(seed).toHaveLength(42);
    expect(new TextDecoder().decode(seed.slice(0, 17))).toBe("powboard-equix-v1");
    expect(hex(seed.slice(17, 33))).toBe(hex(challenge));
    expect(seed[33]).toBe(7);
    expect(hex(seed.slice(34))).toBe("0500000000010000");
    expect(hex(le64(2 ** 53 - 1))).toBe("ffffffffffff1f00");
    expect(() => le64(-1)).toThrow(RangeError);
  });

  it("entries are canonical <n>-<32 hex>, one text per value", () => {
    const s = fromHex("00112233445566778899aabbccddeeff");
    expect(entryOf(42, s)).toBe("42-00112233445566778899aabbccddeeff");
    expect(parseEntry("42-00112233445566778899aabbccddeeff")).toEqual({ nonce: 42, solution: s });
    for (const bad of [
      "042-00112233445566778899aabbccddeeff",
      "42-00112233445566778899AABBCCDDEEFF",
      "42-00112233445566778899aabbccddee",
      "42_00112233445566778899aabbccddeeff",
      "-00112233445566778899aabbccddeeff",
      "42",
    ]) {
      expect(parseEntry(bad), bad).toBeNull();
    }
  });

  it("expects 1 / (1 - e^(-MU p)) attempts per sub-puzzle", () => {
    const t = (p: number) =>
      parseThreshold(
        BigInt(Math.floor(p * 2 ** 64))
          .toString(16)
          .padStart(16, "0"),
      );
    // Small p: 1 / (MU p), the bits of expected work.
    expect(expectedAttemptsPerSubpuzzle(t(2 ** -20))).toBeCloseTo(2 ** 20 / MEAN_SOLUTIONS, -1);
    // Every solution counts: only the seeds without any fail (about e^-2 of them).
    expect(expectedAttemptsPerSubpuzzle(parseThreshold("ffffffffffffffff"))).toBeCloseTo(1.1575, 3);
    expect(expectedAttemptsPerSubpuzzle(parseThreshold("0000000000000000"))).toBe(Infinity);
  });

  it("the SHA-256 prefix covers c || byte(i) || le64(n) || s", async () => {
    const { createHash } = await import("node:crypto");
    const s = fromHex("00112233445566778899aabbccddeeff");
    const message = Buffer.concat([challenge, Buffer.from([3]), le64(9), s]);
    const want = createHash("sha256").update(message).digest().readBigUInt64BE(0);
    expect(solutionPrefix(challenge, 3, 9, s)).toBe(want);
  });
});

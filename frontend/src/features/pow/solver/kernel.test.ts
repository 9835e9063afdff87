// The kernels against the shared vectors (Python hashlib), node:crypto and each other.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";

import { solveSubpuzzle, verifySolution } from ".";
import type { Kernel } from "./kernel";
import {
  PREFIX_END,
  PREFIX_MIN,
  SUFFIXES,
  decodeChallenge,
  expectedHashesPerSubpuzzle,
  isCanonicalNonce,
  nonceOf,
  parseThreshold,
  prefixWords,
  type Threshold,
} from "./layout";
import { digestSolves, powDigest, sha256OneBlock } from "./sha256";
import { bothKernels, fromHex, hex, loadVectors } from "./testing";

const data = loadVectors();
const kernels = bothKernels();

/** The reference answer for a kernel range: hash every nonce with sha256.ts. */
function referenceScan(
  ch: Uint8Array,
  index: number,
  t: Threshold,
  prefix: number,
  from: number,
  to: number,
) {
  for (let s = from; s < to; s++) {
    if (digestSolves(powDigest(ch, index, nonceOf(prefix, s)), t)) return s;
  }
  return -1;
}

function thresholdOf(value: bigint): Threshold {
  return parseThreshold(value.toString(16).padStart(16, "0"));
}

const randomPrefix = () => PREFIX_MIN + Math.floor(Math.random() * (PREFIX_END - PREFIX_MIN));

describe("reference SHA-256", () => {
  it("matches the shared digests, including 20-digit nonces and index 255", () => {
    expect(data.digests.length).toBeGreaterThan(0);
    for (const d of data.digests) {
      expect(hex(powDigest(fromHex(d.challenge_hex), d.index, d.nonce))).toBe(d.sha256);
    }
  });

  it("matches node:crypto for every one-block length", () => {
    for (let len = 0; len <= 55; len++) {
      const msg = randomBytes(len);
      expect(hex(sha256OneBlock(msg))).toBe(createHash("sha256").update(msg).digest("hex"));
    }
    expect(() => sha256OneBlock(new Uint8Array(56))).toThrow(RangeError);
  });
});

describe("shared vectors", () => {
  it("scanning from 0 finds exactly the vectors' smallest nonces (k up to 255)", () => {
    expect(data.vectors.some((v) => v.subpuzzles === 255)).toBe(true);
    for (const v of data.vectors) {
      expect(hex(decodeChallenge(v.challenge))).toBe(v.challenge_hex);
      const found = v.nonces.map((_, i) => solveSubpuzzle(v, i));
      expect(found).toEqual(v.nonces);
      const ch = decodeChallenge(v.challenge);
      expect(found.map((n, i) => hex(powDigest(ch, i, n)))).toEqual(v.hashes);
      expect(verifySolution(v, v.nonces)).toBe(true);
      if (v.failing_nonce_for_subpuzzle_0 !== null) {
        expect(verifySolution(v, [v.failing_nonce_for_subpuzzle_0, ...v.nonces.slice(1)])).toBe(
          false,
        );
      }
    }
  });

  it("expected work per challenge is 2^difficulty where the threshold is not capped", () => {
    for (const t of data.thresholds) {
      const perSub = expectedHashesPerSubpuzzle(parseThreshold(t.threshold));
      if (t.threshold === "ffffffffffffffff") expect(perSub).toBeCloseTo(1, 6);
      else expect(t.subpuzzles * perSub).toBeCloseTo(2 ** t.difficulty, 0);
    }
    expect(expectedHashesPerSubpuzzle(parseThreshold("0000000000000000"))).toBe(Infinity);
  });

  it("nonce canonicality follows the server's rules", () => {
    for (const bad of data.invalid_nonce_lists.flatMap((l) => l.split(","))) {
      if (bad === "1" || bad === "2") continue; // the valid halves of "1,,2"
      expect(isCanonicalNonce(bad), JSON.stringify(bad)).toBe(false);
    }
    for (const good of ["0", "7", "18446744073709551615", "99999999999999999999"]) {
      expect(isCanonicalNonce(good)).toBe(true);
    }
  });
});

describe.each(kernels.map((k) => [k.name, k] as [string, Kernel]))("%s kernel", (_name, kernel) => {
  it("finds the same first solution as the reference on random challenges", () => {
    for (let trial = 0; trial < 12; trial++) {
      const ch = randomBytes(16);
      const index = trial === 0 ? 255 : Math.floor(Math.random() * 256);
      const prefix = randomPrefix();
      // About one hit per 2^(trial % 8 + 2) nonces: hits in most lanes and positions.
      const t = thresholdOf((2n ** 64n) >> BigInt((trial % 8) + 2));
      const words = prefixWords(ch, index, prefix);
      const from = kernel.step * Math.floor((Math.random() * 600) / kernel.step);
      const to = from + 2000;
      expect(kernel.scan(words, t, from, to)).toBe(referenceScan(ch, index, t, prefix, from, to));
    }
  });

  it("returns -1 when nothing in the range solves, and for threshold 0", () => {
    const ch = randomBytes(16);
    const prefix = randomPrefix();
    const words = prefixWords(ch, 3, prefix);
    expect(kernel.scan(words, thresholdOf(0n), 0, SUFFIXES)).toBe(-1);
    const t = thresholdOf(1n << 50n); // one hit per 2^14 nonces
    const want = referenceScan(ch, 3, t, prefix, 0, 512);
    expect(kernel.scan(words, t, 0, 512)).toBe(want);
  });

  it("accepts nearly everything at threshold ffffffffffffffff", () => {
    const ch = randomBytes(16);
    const t = parseThreshold("ffffffffffffffff");
    expect(kernel.scan(prefixWords(ch, 0, PREFIX_MIN), t, 0, SUFFIXES)).toBe(0);
    expect(kernel.scan(prefixWords(ch, 0, PREFIX_END - 1), t, 8, 16)).toBe(8);
  });

  it("compares strictly below, on both words of the threshold", () => {
    for (let trial = 0; trial < 8; trial++) {
      const ch = randomBytes(16);
      const prefix = randomPrefix();
      const s = 8 + Math.floor(Math.random() * 8); // somewhere in the second step of 8
      const digest = powDigest(ch, 1, nonceOf(prefix, s));
      const value = new DataView(digest.buffer).getBigUint64(0);
      const words = prefixWords(ch, 1, prefix);
      // Equal to the threshold does not solve; one above does (or an earlier suffix does).
      const from = s - (s % 8);
      const atValue = kernel.scan(words, thresholdOf(value), from, from + 8);
      expect(atValue).not.toBe(s);
      expect(atValue).toBe(referenceScan(ch, 1, thresholdOf(value), prefix, from, from + 8));
      const above = kernel.scan(words, thresholdOf(value + 1n), from, from + 8);
      expect(above).toBeGreaterThanOrEqual(from);
      expect(above).toBeLessThanOrEqual(s);
      expect(above).toBe(referenceScan(ch, 1, thresholdOf(value + 1n), prefix, from, from + 8));
    }
  });
});

describe("kernels agree", () => {
  it("WASM SIMD and scalar TypeScript return the same suffix on random inputs", () => {
    const [simd, js] = kernels as [Kernel, Kernel];
    expect(simd.name).toBe("wasm-simd");
    expect(js).toEqual(expect.objectContaining({ name: "js" }));
    for (let trial = 0; trial < 200; trial++) {
      const ch = randomBytes(16);
      const words = prefixWords(ch, trial % 256, randomPrefix());
      const t = thresholdOf(BigInt(`0x${randomBytes(8).toString("hex")}`) >> BigInt(trial % 16));
      expect(simd.scan(words, t, 0, SUFFIXES)).toBe(js.scan(words, t, 0, SUFFIXES));
    }
  });
});

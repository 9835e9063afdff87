//! Test helpers (imported by *.test.ts only): the shared vector file and the
//! compiled kernels, read from disk under Node.

import { readFileSync } from "node:fs";
import { createJsKernel, createWasmKernel, type Kernel } from "./kernel";

export interface Vectors {
  vectors: {
    challenge: string;
    challenge_hex: string;
    subpuzzles: number;
    difficulty: number;
    threshold: string;
    nonces: string[];
    hashes: string[];
    failing_nonce_for_subpuzzle_0: string | null;
  }[];
  digests: { challenge_hex: string; index: number; nonce: string; sha256: string }[];
  thresholds: { difficulty: number; subpuzzles: number; threshold: string }[];
  invalid_nonce_lists: string[];
}

/** backend/tests/data/pow-vectors.json, made by scripts/gen-pow-vectors.py (Python hashlib). */
export function loadVectors(): Vectors {
  const url = new URL("../../../../../backend/tests/data/pow-vectors.json", import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as Vectors;
}

export function simdModuleFromDisk(): WebAssembly.Module {
  return new WebAssembly.Module(
    readFileSync(new URL("./generated/kernel-simd.wasm", import.meta.url)),
  );
}

export function bothKernels(): Kernel[] {
  return [createWasmKernel(simdModuleFromDisk()), createJsKernel()];
}

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
export const fromHex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));

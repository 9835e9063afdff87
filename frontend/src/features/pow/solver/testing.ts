//! Test helpers (imported by *.test.ts only): the shared vector files, the
//! compiled kernels read from disk under Node, and in-process workers.

import { readFileSync } from "node:fs";
import { workerHandler } from "./engine";
import { createJsKernel, createWasmKernel, type Kernel } from "./kernel";
import type { FromWorker, Job, ToWorker } from "./protocol";
import type { WorkerLike } from "./scheduler";

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

export interface EquixVectors {
  seed_prefix: string;
  threshold: string;
  seeds: {
    challenge: string;
    challenge_hex: string;
    index: number;
    nonce: number;
    seed_hex: string;
    solutions: { solution: string; sha256_prefix: string; below_threshold: boolean }[];
  }[];
  solutions: { challenge: string; subpuzzles: number; threshold: string; nonce_header: string }[];
}

/** backend/tests/data/pow-equix-vectors.json, from tevador's C reference of Equi-X. */
export function loadEquixVectors(): EquixVectors {
  const url = new URL("../../../../../backend/tests/data/pow-equix-vectors.json", import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as EquixVectors;
}

export function simdModuleFromDisk(): WebAssembly.Module {
  return new WebAssembly.Module(
    readFileSync(new URL("./generated/kernel-simd.wasm", import.meta.url)),
  );
}

/** The Equi-X kernel as `make equix-wasm` built it (frontend-check depends on it). */
export function equixModuleFromDisk(): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(new URL("./equix/equix.wasm", import.meta.url)));
}

export function bothKernels(): Kernel[] {
  return [createWasmKernel(simdModuleFromDisk()), createJsKernel()];
}

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
export const fromHex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));

/**
 * The worker.ts handler behind the WorkerLike interface, messages delivered as
 * tasks (Node has no Web Workers; the browser path is exercised by bench/ and e2e/).
 */
export class InProcessWorker implements WorkerLike {
  onmessage: ((event: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  terminated = false;
  readonly jobs: (Job | null)[] = [];
  private readonly inner = workerHandler(
    (data) =>
      setTimeout(() => !this.terminated && this.onmessage?.({ data } as MessageEvent<FromWorker>)),
    () => new Promise((resolve) => setTimeout(resolve, 0)),
  );

  postMessage(message: ToWorker): void {
    if (message.type === "job") this.jobs.push(message.job);
    setTimeout(() => !this.terminated && this.inner.handle(message));
  }

  terminate(): void {
    this.terminated = true;
    this.inner.stop();
  }
}

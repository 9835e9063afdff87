//! The browser proof-of-work solver (DESIGN "Proof of work"): Web Workers, one per
//! core (at most 8). For sha256 each runs the generated WASM SIMD kernel, or the
//! scalar TypeScript kernel where WASM SIMD is missing; for equix, the Equi-X
//! kernel (equix/kernel.ts), which needs WebAssembly but no SIMD.

import { simdSupported } from "./kernel";
import { decodeChallenge, isCanonicalNonce, parseThreshold } from "./layout";
import { runSolve, type WorkerLike } from "./scheduler";
import { digestSolves, powDigest } from "./sha256";
import { algorithmOf, type Challenge, type SolveHandle, type SolveProgress } from "./types";

export type { Algorithm, Challenge, SolveHandle, SolveProgress } from "./types";
export { algorithmOf } from "./types";
export { isCanonicalNonce } from "./layout";
export { powDigest } from "./sha256";

const MAX_WORKERS = 8;

let compiled: Promise<WebAssembly.Module | null> | null = null;
let compiledEquix: Promise<WebAssembly.Module> | null = null;

/** A module compiled off the main thread. */
async function compileUrl(url: URL): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch {
    // A server sending another Content-Type than application/wasm.
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

/** The SIMD kernel compiled once per page, or null without SIMD. */
function simdModule(): Promise<WebAssembly.Module | null> {
  compiled ??= (async () => {
    if (!simdSupported()) return null;
    return compileUrl(new URL("./generated/kernel-simd.wasm", import.meta.url));
  })().catch(() => null);
  return compiled;
}

/** The Equi-X kernel compiled once per page; there is no fallback without it. */
function equixModule(): Promise<WebAssembly.Module> {
  compiledEquix ??= compileUrl(new URL("./equix/equix.wasm", import.meta.url));
  compiledEquix.catch(() => (compiledEquix = null));
  return compiledEquix;
}

export function defaultWorkerCount(): number {
  const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency : 0;
  return Math.min(Math.max(cores || 2, 1), MAX_WORKERS);
}

export function solveChallenge(
  ch: Challenge,
  opts?: { workers?: number; onProgress?: (p: SolveProgress) => void },
): SolveHandle {
  const count = Math.min(
    Math.max(Math.floor(opts?.workers ?? defaultWorkerCount()), 1),
    MAX_WORKERS,
  );
  let inner: SolveHandle | null = null;
  let cancelled = false;
  const promise = Promise.resolve()
    .then(() => (algorithmOf(ch) === "equix" ? equixModule() : simdModule()))
    .then((module) => {
      if (cancelled) throw new DOMException("proof of work cancelled", "AbortError");
      const workers: WorkerLike[] = [];
      for (let i = 0; i < count; i++) {
        workers.push(
          new Worker(new URL("./worker.ts", import.meta.url), {
            type: "module",
            name: `pow-solver-${i}`,
          }) as unknown as WorkerLike,
        );
      }
      inner = runSolve(ch, workers, module, opts?.onProgress);
      return inner.promise;
    });
  return {
    promise,
    cancel() {
      cancelled = true;
      inner?.cancel();
    },
  };
}

/**
 * Solves sub-puzzle `index` synchronously with the reference hash, trying nonces
 * 0, 1, 2, ... in order: the smallest solving nonce. For tests and tiny difficulties
 * only; the workers are the fast path.
 */
export function solveSubpuzzle(
  ch: Pick<Challenge, "challenge" | "threshold">,
  index: number,
  limit = 10_000_000,
): string {
  const challenge = decodeChallenge(ch.challenge);
  const threshold = parseThreshold(ch.threshold);
  for (let n = 0; n < limit; n++) {
    const nonce = String(n);
    if (digestSolves(powDigest(challenge, index, nonce), threshold)) return nonce;
  }
  throw new RangeError(`no nonce below ${limit} solves sub-puzzle ${index}`);
}

/** Whether `nonces` (one per sub-puzzle, in order) solve the challenge. */
export function verifySolution(
  ch: Pick<Challenge, "challenge" | "threshold" | "subpuzzles">,
  nonces: string[],
): boolean {
  const challenge = decodeChallenge(ch.challenge);
  const threshold = parseThreshold(ch.threshold);
  return (
    nonces.length === ch.subpuzzles &&
    nonces.every(
      (n, i) => isCanonicalNonce(n) && digestSolves(powDigest(challenge, i, n), threshold),
    )
  );
}

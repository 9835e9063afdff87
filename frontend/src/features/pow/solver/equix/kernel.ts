//! The Equi-X kernel: the `equix` crate built for wasm32 (frontend/wasm/equix/, made
//! by `make equix-wasm`) behind a small typed interface. Its exports are plain
//! functions over fixed buffers in its memory (see frontend/wasm/equix/src/lib.rs).

import { SOLUTION_BYTES, le64 } from "./layout";
import type { Threshold } from "../layout";

interface EquixExports {
  memory: WebAssembly.Memory;
  params_ptr(): number;
  seed_ptr(): number;
  out_ptr(): number;
  solve(len: number): number;
  attempt(lo: number, hi: number): number;
  verify(len: number): number;
}

export interface EquixKernel {
  name: "equix-wasm";
  /** Sets the puzzle `attempt` works on. */
  setPuzzle(challenge: Uint8Array, index: number, t: Threshold): void;
  /** One Equi-X solve for nonce n: the first solution under the threshold, or null. */
  attempt(nonce: number): Uint8Array | null;
  /** Every Equi-X solution of a seed (at most 64 bytes), in the crate's order. */
  solve(seed: Uint8Array): Uint8Array[];
  /** Whether `solution` is an Equi-X solution of `seed` (the server's check). */
  verify(seed: Uint8Array, solution: Uint8Array): boolean;
}

export function createEquixKernel(module: WebAssembly.Module): EquixKernel {
  const x = new WebAssembly.Instance(module, {}).exports as unknown as EquixExports;
  // The buffers are statics: their offsets never move, but memory.buffer may be
  // replaced when the crate's allocator grows the memory, so views are made per use.
  const bytes = (ptr: number, len: number) => new Uint8Array(x.memory.buffer, ptr, len);
  const putSeed = (seed: Uint8Array) => {
    if (seed.length > 64) throw new RangeError("an Equi-X seed here is at most 64 bytes");
    bytes(x.seed_ptr(), seed.length).set(seed);
  };
  return {
    name: "equix-wasm",
    setPuzzle(challenge, index, t) {
      const p = bytes(x.params_ptr(), 25);
      p.set(challenge, 0);
      p[16] = index;
      new DataView(x.memory.buffer, x.params_ptr() + 17, 8).setBigUint64(0, t.value);
    },
    attempt(nonce) {
      const n = le64(nonce);
      const view = new DataView(n.buffer);
      if (x.attempt(view.getUint32(0, true), view.getUint32(4, true)) === 0) return null;
      return bytes(x.out_ptr(), SOLUTION_BYTES).slice();
    },
    solve(seed) {
      putSeed(seed);
      const count = x.solve(seed.length);
      const out = bytes(x.out_ptr(), count * SOLUTION_BYTES);
      return Array.from({ length: count }, (_, k) =>
        out.slice(k * SOLUTION_BYTES, (k + 1) * SOLUTION_BYTES),
      );
    },
    verify(seed, solution) {
      if (solution.length !== SOLUTION_BYTES) return false;
      putSeed(seed);
      bytes(x.out_ptr(), SOLUTION_BYTES).set(solution);
      return x.verify(seed.length) === 1;
    },
  };
}

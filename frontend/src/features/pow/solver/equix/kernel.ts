//! The Equi-X kernel: frontend/wasm/equix (the `equix` crate for wasm32, made by
//! `make equix-wasm`) behind a small typed interface. Its exports are plain
//! functions over fixed buffers in its memory (frontend/wasm/equix/src/lib.rs).
//!
//! An attempt builds the HashX program of its seed; the crate writes that program
//! as a small wasm module (its jit.rs), compiled here and run over the 2^16 items
//! into the crate's hash buffer; then the crate's Equi-X search and the threshold
//! check. `interpreted` instead runs HashX's interpreter inside the crate: about a
//! fifth of the speed, kept as the reference the compiled path is tested against.

import type { Threshold } from "../layout";
import { SOLUTION_BYTES, le64 } from "./layout";

interface EquixExports {
  memory: WebAssembly.Memory;
  params_ptr(): number;
  seed_ptr(): number;
  out_ptr(): number;
  hashes_ptr(): number;
  program_ptr(): number;
  attempt_seed(lo: number, hi: number): number;
  solve(len: number): number;
  program(len: number): number;
  solve_hashes(): number;
  pick(count: number): number;
  verify(len: number): number;
}

export type EquixMode = "compiled" | "interpreted";

export interface EquixKernel {
  name: "equix-wasm";
  mode: EquixMode;
  /** Sets the puzzle `attempt` works on. */
  setPuzzle(challenge: Uint8Array, index: number, t: Threshold): void;
  /** One Equi-X solve for nonce n: the first solution under the threshold, or null. */
  attempt(nonce: number): Uint8Array | null;
  /** Every Equi-X solution of a seed (at most 64 bytes), in the crate's order. */
  solve(seed: Uint8Array): Uint8Array[];
  /** Whether `solution` is an Equi-X solution of `seed` (the server's check). */
  verify(seed: Uint8Array, solution: Uint8Array): boolean;
}

const ITEMS = 1 << 16;
/**
 * `fill` runs in this many calls: the engine starts each new function in its
 * baseline tier and swaps in optimized code only at a later call, so one call over
 * all items would run in the baseline tier throughout (three times slower here).
 */
const FILL_CALLS = 8;

export function createEquixKernel(
  module: WebAssembly.Module,
  mode: EquixMode = "compiled",
): EquixKernel {
  const x = new WebAssembly.Instance(module, {}).exports as unknown as EquixExports;
  // The first pointer call allocates the crate's state (growing its memory), so
  // the offsets are read once here; views are made per use since memory.buffer
  // is replaced whenever the memory grows.
  const ptr = {
    params: x.params_ptr(),
    seed: x.seed_ptr(),
    out: x.out_ptr(),
    hashes: x.hashes_ptr(),
  };
  const bytes = (at: number, len: number) => new Uint8Array(x.memory.buffer, at, len);
  const imports = { env: { memory: x.memory } };

  /** Solutions of the seed at `ptr.seed` into `ptr.out`; returns their count. */
  const solveSeed = (len: number): number => {
    if (mode === "interpreted") return x.solve(len);
    const size = x.program(len);
    if (size === 0) return 0; // HashX rejects this seed: no solutions
    const program = new WebAssembly.Module(bytes(x.program_ptr(), size));
    const { fill } = new WebAssembly.Instance(program, imports).exports as {
      fill(out: number, from: number, to: number): void;
    };
    const step = ITEMS / FILL_CALLS;
    for (let from = 0; from < ITEMS; from += step) fill(ptr.hashes, from, from + step);
    return x.solve_hashes();
  };

  const putSeed = (seed: Uint8Array) => {
    if (seed.length > 64) throw new RangeError("an Equi-X seed here is at most 64 bytes");
    bytes(ptr.seed, seed.length).set(seed);
  };

  return {
    name: "equix-wasm",
    mode,
    setPuzzle(challenge, index, t) {
      const p = bytes(ptr.params, 25);
      p.set(challenge, 0);
      p[16] = index;
      new DataView(x.memory.buffer, ptr.params + 17, 8).setBigUint64(0, t.value);
    },
    attempt(nonce) {
      const view = new DataView(le64(nonce).buffer);
      const len = x.attempt_seed(view.getUint32(0, true), view.getUint32(4, true));
      if (x.pick(solveSeed(len)) === 0) return null;
      return bytes(ptr.out, SOLUTION_BYTES).slice();
    },
    solve(seed) {
      putSeed(seed);
      const count = solveSeed(seed.length);
      const out = bytes(ptr.out, count * SOLUTION_BYTES);
      return Array.from({ length: count }, (_, k) =>
        out.slice(k * SOLUTION_BYTES, (k + 1) * SOLUTION_BYTES),
      );
    },
    verify(seed, solution) {
      if (solution.length !== SOLUTION_BYTES) return false;
      putSeed(seed);
      bytes(ptr.out, SOLUTION_BYTES).set(solution);
      return x.verify(seed.length) === 1;
    },
  };
}

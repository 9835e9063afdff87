// Single-thread Equi-X attempt rates, measured inside a Web Worker like the real
// solvers run: the compiled HashX path (what the solver uses) and the crate's
// interpreter (the starting point), on the real kernel.
import equixUrl from "../src/features/pow/solver/equix/equix.wasm?url";
import {
  createEquixKernel,
  type EquixKernel,
  type EquixMode,
} from "../src/features/pow/solver/equix/kernel";
import { parseThreshold } from "../src/features/pow/solver/layout";

export type EquixRateRequest = { mode: EquixMode; ms: number };
export type EquixRateReply = { mode: EquixMode; attempts: number; seconds: number };

const kernels = new Map<EquixMode, EquixKernel>();
let module: Promise<WebAssembly.Module> | null = null;

self.onmessage = async (event: MessageEvent<EquixRateRequest>) => {
  const { mode, ms } = event.data;
  module ??= WebAssembly.compileStreaming(fetch(equixUrl));
  let kernel = kernels.get(mode);
  if (!kernel) kernels.set(mode, (kernel = createEquixKernel(await module, mode)));
  // Threshold 0 is never met, so every attempt runs to the end and is counted.
  kernel.setPuzzle(
    crypto.getRandomValues(new Uint8Array(16)),
    0,
    parseThreshold("0000000000000000"),
  );
  let attempts = 0;
  let nonce = Math.floor(Math.random() * 2 ** 40);
  const start = performance.now();
  while (performance.now() - start < ms) {
    kernel.attempt(nonce++);
    attempts += 1;
  }
  const reply: EquixRateReply = { mode, attempts, seconds: (performance.now() - start) / 1000 };
  self.postMessage(reply);
};

// Single-thread hash rates, measured inside a Web Worker like the real solvers run:
// our generated WASM SIMD kernel, our scalar TypeScript fallback, and @cap.js/wasm.
import capInit, { solve_pow } from "@cap.js/wasm/browser/cap_wasm.js";
import capWasmUrl from "@cap.js/wasm/browser/cap_wasm_bg.wasm?url";

import kernelUrl from "../src/features/pow/solver/generated/kernel-simd.wasm?url";
import { createJsKernel, createWasmKernel, type Kernel } from "../src/features/pow/solver/kernel";
import {
  PREFIX_MIN,
  SUFFIXES,
  parseThreshold,
  prefixWords,
} from "../src/features/pow/solver/layout";

export type RateRequest = { what: "simd" | "js" | "cap"; ms: number };
export type RateReply = { what: string; hashes: number; seconds: number };

let simd: Kernel | null = null;
let capReady: Promise<unknown> | null = null;

function measureOurs(kernel: Kernel, ms: number): RateReply {
  const challenge = crypto.getRandomValues(new Uint8Array(16));
  // Threshold 0 never solves, so every nonce of every prefix is hashed and counted.
  const never = parseThreshold("0000000000000000");
  let hashes = 0;
  let prefix = PREFIX_MIN + Math.floor(Math.random() * 1e13);
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    kernel.scan(prefixWords(challenge, 7, prefix++), never, 0, SUFFIXES);
    hashes += SUFFIXES;
  }
  return { what: kernel.name, hashes, seconds: (performance.now() - start) / 1000 };
}

// Cap at its own format: a 32-hex-character salt plus decimal nonces from 0, target a
// 5-hex-digit prefix (20 bits). It returns the winning nonce, so it tried nonce + 1.
async function measureCap(ms: number): Promise<RateReply> {
  capReady ??= capInit({ module_or_path: capWasmUrl });
  await capReady;
  let hashes = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    const salt = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
      b.toString(16).padStart(2, "0"),
    ).join("");
    hashes += Number(solve_pow(salt, "00000")) + 1;
  }
  return { what: "cap", hashes, seconds: (performance.now() - start) / 1000 };
}

self.onmessage = async (event: MessageEvent<RateRequest>) => {
  const { what, ms } = event.data;
  if (what === "cap") {
    self.postMessage(await measureCap(ms));
  } else if (what === "js") {
    self.postMessage(measureOurs(createJsKernel(), ms));
  } else {
    simd ??= createWasmKernel(await WebAssembly.compileStreaming(fetch(kernelUrl)));
    self.postMessage(measureOurs(simd, ms));
  }
};

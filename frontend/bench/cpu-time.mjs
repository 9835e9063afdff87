// A second opinion for `make bench-solver`, robust to a loaded machine: hashes per
// second of this process's CPU time (not wall time), our WASM SIMD kernel vs
// @cap.js/wasm, both in Node's V8 on one thread. Prints one line per solver.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { solve_pow } from "@cap.js/wasm";

const kernelFile = new URL(
  "../src/features/pow/solver/generated/kernel-simd.wasm",
  import.meta.url,
);
const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(kernelFile)), {}).exports;
const table = new Uint32Array(x.memory.buffer, x.tablePtr(), 10_000);
for (let s = 0; s < 10_000; s++) {
  const d = [s / 1000, s / 100, s / 10, s].map((v) => 0x30 + (Math.floor(v) % 10));
  table[s] = ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}
const params = new Uint32Array(x.memory.buffer, x.paramsPtr(), 10);
params.set(new Uint32Array(randomBytes(32).buffer, 0, 8)); // W0..W7; threshold 0: nothing solves

const cpuSeconds = (f) => {
  const start = process.cpuUsage();
  const hashes = f();
  const used = process.cpuUsage(start);
  return hashes / ((used.user + used.system) / 1e6);
};
const ours = () => {
  for (let i = 0; i < 200; i++) {
    params[7] += 1;
    x.scan(0, 10_000);
  }
  return 200 * 10_000;
};
// Cap at its own format (32 hex characters of salt, 20-bit target); it tried nonce + 1.
const cap = () => {
  let hashes = 0;
  for (let i = 0; i < 3; i++)
    hashes += Number(solve_pow(randomBytes(16).toString("hex"), "00000")) + 1;
  return hashes;
};

cpuSeconds(ours);
cpuSeconds(cap);
const rates = { ours: [], cap: [] };
for (let round = 0; round < 5; round++) {
  rates.ours.push(cpuSeconds(ours));
  rates.cap.push(cpuSeconds(cap));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const o = median(rates.ours);
const c = median(rates.cap);
console.log(`Node ${process.version}, hashes per CPU-second, median of 5:`);
console.log(`  ours, WASM SIMD   ${(o / 1e6).toFixed(2)} MH/s`);
console.log(`  @cap.js/wasm      ${(c / 1e6).toFixed(2)} MH/s`);
console.log(`  ratio             ${(o / c).toFixed(2)}x`);

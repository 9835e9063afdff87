//! Regenerates the proof-of-work kernels: generated/kernel-scalar.ts (TypeScript) and
//! generated/kernel-simd.wasm (AssemblyScript -> WASM SIMD). Both outputs are
//! committed so tests and dev servers need no build step; kernel.test.ts fails when
//! they are stale. Run: node src/features/pow/solver/build/build.mjs [--check]
//! (or `make solver-kernel`).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";
import { emitAssemblyScript, emitTypeScript } from "./gen-kernel.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "generated");

/** Compiles the generated AssemblyScript to WASM bytes. */
export async function compileSimdKernel() {
  const dir = mkdtempSync(join(tmpdir(), "pow-kernel-"));
  try {
    const src = join(dir, "kernel.ts");
    const out = join(dir, "kernel.wasm");
    writeFileSync(src, emitAssemblyScript());
    const { error, stderr } = await asc.main([
      src,
      "--outFile",
      out,
      "--runtime",
      "stub",
      "--enable",
      "simd",
      "--noAssert",
      "--optimizeLevel",
      "3",
      "--shrinkLevel",
      "0",
    ]);
    if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const check = process.argv.includes("--check");
  const ts = emitTypeScript();
  const wasm = await compileSimdKernel();
  const tsPath = join(outDir, "kernel-scalar.ts");
  const wasmPath = join(outDir, "kernel-simd.wasm");
  if (check) {
    const stale = [];
    if (readFileSync(tsPath, "utf8") !== ts) stale.push(tsPath);
    if (!readFileSync(wasmPath).equals(wasm)) stale.push(wasmPath);
    if (stale.length) {
      console.error(`stale generated kernels (run build.mjs): ${stale.join(", ")}`);
      process.exit(1);
    }
    console.log("generated kernels are up to date");
    return;
  }
  writeFileSync(tsPath, ts);
  writeFileSync(wasmPath, wasm);
  console.log(`wrote ${tsPath} (${ts.length} chars), ${wasmPath} (${wasm.length} bytes)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

// The Equi-X rows of `make bench-solver`: per-thread attempts/s in headless Chromium
// (the page's equix worker, compiled HashX path) against the native solver (Tor's
// equix crate with its x86-64 JIT, bench/equix-native), alternated round by round so
// each pair shares the machine's load; then the interpreter once, for scale; then a
// person's wait: solves at the server's default equix difficulty on all workers.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const ROUNDS = Number(process.env.EQUIX_ROUNDS ?? 5);
const MS = Number(process.env.EQUIX_MS ?? 3000);
const SOLVES = Number(process.env.EQUIX_SOLVES ?? 9);
// The server's defaults for POW_ALGORITHM=equix (backend/src/pow/algorithm.rs).
const DIFFICULTY = Number(process.env.EQUIX_DIFFICULTY ?? 4);
const K = Number(process.env.EQUIX_K ?? 4);

const repoRoot = path.resolve(import.meta.dirname, "..", "..");
const nativeBin = path.join(repoRoot, "target", "equix-native", "release", "equix-native-bench");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function native(ms) {
  const out = JSON.parse(execFileSync(nativeBin, [String(ms)], { encoding: "utf8" }));
  if (out.runtime !== "compiled") throw new Error(`native equix ran ${out.runtime}, not compiled`);
  return out.attempts / out.seconds;
}

async function browser(page, mode, ms) {
  const r = await page.evaluate(([m, t]) => window.__equix.rate(m, t), [mode, ms]);
  return r.attempts / r.seconds;
}

/**
 * Browser and native rounds, alternated; `rounds` pairs of `ms` each. Returns the
 * medians and the median of the per-round ratios.
 */
async function sideBySide(page, rounds, ms, label) {
  const r = { browser: [], native: [] };
  for (let i = 0; i < rounds; i++) {
    r.browser.push(await browser(page, "compiled", ms));
    r.native.push(native(ms));
    console.log(
      `  equix ${label} round ${i + 1}: browser ${r.browser[i].toFixed(1)}/s, native ${r.native[i].toFixed(1)}/s`,
    );
  }
  return {
    browserAttemptsPerSec: median(r.browser),
    nativeAttemptsPerSec: median(r.native),
    medianRoundRatio: median(r.browser.map((b, i) => b / r.native[i])),
    rounds: r,
  };
}

/**
 * The same with V8 on one thread (--js-flags=--single-threaded): Chromium normally
 * optimizes each attempt's program on a background thread, so the default rate uses
 * a little of a second core; this one does not. `page` is in a browser launched so.
 */
export async function runEquixSingleThreadedV8(page) {
  await browser(page, "compiled", 1000);
  return sideBySide(page, Math.max(3, Math.ceil(ROUNDS / 2)), MS, "single-threaded V8");
}

export async function runEquix(page) {
  if (!existsSync(nativeBin)) throw new Error(`${nativeBin} missing: run make bench-solver`);
  await browser(page, "compiled", 1000); // warm-up: compile the kernel, first programs
  native(500);
  const perThread = await sideBySide(page, ROUNDS, MS, "default V8");
  const interpreted = await browser(page, "interpreted", MS);
  const nativeAfter = native(MS);
  const solves = await page.evaluate(
    ([n, d, k]) => window.__equix.solves(n, d, k),
    [SOLVES, DIFFICULTY, K],
  );
  return {
    perThread: {
      ...perThread,
      interpretedAttemptsPerSec: interpreted,
      nativeAttemptsPerSecThen: nativeAfter,
    },
    solves,
  };
}

export function equixRows(e) {
  if (!e) return [];
  const p = e.perThread;
  const s = e.solves;
  const v8 = e.singleThreadedV8;
  const rate = (x) => `${x.toFixed(1)} attempts/s`;
  return [
    ["equix: browser, compiled HashX, 1 thread", rate(p.browserAttemptsPerSec)],
    ["equix: native (equix crate, JIT), 1 thread", rate(p.nativeAttemptsPerSec)],
    ["equix: browser / native, median of per-round ratios", `${p.medianRoundRatio.toFixed(2)}`],
    [
      "  same, V8 single-threaded (no background compiles)",
      v8
        ? `${v8.medianRoundRatio.toFixed(2)} (${rate(v8.browserAttemptsPerSec)} vs ${rate(v8.nativeAttemptsPerSec)})`
        : "not measured",
    ],
    [
      "equix: browser, crate's interpreter, 1 thread",
      `${rate(p.interpretedAttemptsPerSec)} (native then ${p.nativeAttemptsPerSecThen.toFixed(1)})`,
    ],
    [
      `equix: difficulty ${s.difficulty}, k = ${s.subpuzzles}, median of ${s.times.length}`,
      `${s.medianMs.toFixed(0)} ms (mean ${s.meanMs.toFixed(0)} ms, ${s.expectedAttempts.toFixed(1)} attempts expected)`,
    ],
    ["  each run (ms)", s.times.map((t) => t.toFixed(0)).join(" ")],
    ["  attempts per run", s.attempts.join(" ")],
    ["equix: longest main-thread task while solving", `${s.longestTaskMs.toFixed(0)} ms`],
  ];
}

// `make bench-solver`: builds bench/ with Vite, serves it on 127.0.0.1, runs it in
// headless Chromium, prints a table and writes bench/results.json.
// Options: CHROMIUM (default /usr/bin/chromium), BENCH_QUERY (e.g. "rounds=1&solves=3";
// "only=equix" keeps the SHA-256 rows of the last results.json), and for the Equi-X
// rows (equix-bench.mjs) EQUIX_ROUNDS, EQUIX_MS, EQUIX_SOLVES, EQUIX_DIFFICULTY, EQUIX_K.
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "prettier";
import { build } from "vite";

import { launchBrowser } from "../e2e/browser.mjs";
import { equixRows, runEquix, runEquixSingleThreadedV8 } from "./equix-bench.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "out");
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".map": "application/json",
};

await build({ configFile: join(here, "vite.config.ts") });

const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  const file = join(out, path === "/" ? "index.html" : path);
  if (!file.startsWith(out) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/?${process.env.BENCH_QUERY ?? ""}`;

const browser = await launchBrowser();
let result;
let equix;
try {
  const page = await browser.newPage();
  page.on("console", (m) => console.log(`  [page] ${m.text()}`));
  page.on("pageerror", (e) => console.error(`  [page error] ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.__bench, null, { timeout: 600_000, polling: 500 });
  result = await page.evaluate(() => window.__bench);
  if (!result.error) equix = await runEquix(page);
} finally {
  await browser.close();
}
// The Equi-X per-thread rate once more with all of V8's work on the worker's thread.
if (equix) {
  const v8 = await launchBrowser(["--js-flags=--single-threaded"]);
  try {
    const page = await v8.newPage();
    await page.goto(url.replace("?", "?only=equix&"));
    await page.waitForFunction(() => window.__bench, null, { timeout: 60_000, polling: 500 });
    equix.singleThreadedV8 = await runEquixSingleThreadedV8(page);
  } finally {
    await v8.close();
  }
}
server.close();
if (result.error) {
  console.error(`benchmark failed: ${result.error}`);
  process.exit(1);
}

const onlyEquix = !result.singleThread;
if (onlyEquix) {
  const last = JSON.parse(readFileSync(join(here, "results.json"), "utf8"));
  result = { ...last, userAgent: result.userAgent };
}
const s = result.singleThread;
const d = result.difficulty22k16;
const mh = (x) => `${(x / 1e6).toFixed(2)} MH/s`;
const rows = [
  ["ours, WASM SIMD, 1 thread", mh(s.oursSimdHashesPerSec)],
  ["ours, scalar JS fallback, 1 thread", mh(s.oursJsHashesPerSec)],
  ["@cap.js/wasm 0.0.6, 1 thread", mh(s.capWasmHashesPerSec)],
  ["ratio ours SIMD / cap (target >= 3)", `${s.ratioSimdToCap.toFixed(2)}x`],
  ["  same, median of per-round ratios", `${s.medianRoundRatioSimdToCap.toFixed(2)}x`],
  ["ratio ours JS / cap", `${s.ratioJsToCap.toFixed(2)}x`],
  [`ours, ${result.workers} workers`, mh(result.multiWorker.hashRate)],
  [`difficulty 22, k = 16: median of ${d.times.length}`, `${d.medianMs.toFixed(0)} ms`],
  ["  each run (ms)", d.times.map((t) => t.toFixed(0)).join(" ")],
  ["longest main-thread task while solving", `${d.longestTaskMs.toFixed(0)} ms`],
  [
    "  long tasks (run@ms:duration)",
    d.longTasks.map((t) => `${t.run}@${t.atMs}:${t.ms}`).join(" ") || "none",
  ],
  ...equixRows(equix),
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`\n${result.userAgent}`);
if (onlyEquix) console.log("(SHA-256 rows: from the last results.json, not measured now)");
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
// Formatted as prettier would, so `prettier --check .` stays green after a run.
const date = new Date().toISOString();
const json = JSON.stringify({
  date: onlyEquix ? result.date : date,
  ...result,
  equix: { date, ...equix },
});
writeFileSync(join(here, "results.json"), await format(json, { parser: "json" }));
console.log(`\nwrote ${join(here, "results.json")}`);

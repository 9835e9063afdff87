// The solver benchmark page: single-thread rates (ours vs @cap.js/wasm, interleaved
// in one worker), our multi-worker rate, and the time to solve difficulty 22, k = 16.
// It leaves its results on window.__bench for run.mjs.
import {
  defaultWorkerCount,
  solveChallenge,
  verifySolution,
  type Challenge,
  type SolveProgress,
} from "../src/features/pow/solver";
import { equixRate, equixSolves } from "./equix";
import type { RateReply, RateRequest } from "./rate-worker";

// run.mjs drives the Equi-X rows itself, alternating with the native bench.
(window as unknown as { __equix: unknown }).__equix = { rate: equixRate, solves: equixSolves };

const params = new URLSearchParams(location.search);
const RATE_MS = Number(params.get("rateMs") ?? 2000);
const ROUNDS = Number(params.get("rounds") ?? 3);
const SOLVES = Number(params.get("solves") ?? 7);

const log = (line: string) => {
  document.getElementById("log")!.textContent += `\n${line}`;
  console.log(line);
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function randomChallenge(difficulty: number, k: number): Challenge {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const challenge = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  const t = (2n ** 64n * BigInt(k)) >> BigInt(difficulty);
  const threshold = (t >= 2n ** 64n ? 2n ** 64n - 1n : t).toString(16).padStart(16, "0");
  return { challenge, difficulty, subpuzzles: k, threshold, expires_at: 0, token: "" };
}

async function singleThreadRates() {
  const worker = new Worker(new URL("./rate-worker.ts", import.meta.url), { type: "module" });
  const ask = (req: RateRequest) =>
    new Promise<RateReply>((resolve) => {
      worker.onmessage = (e: MessageEvent<RateReply>) => resolve(e.data);
      worker.postMessage(req);
    });
  await ask({ what: "simd", ms: 300 }); // warm-up: compile and tier up
  await ask({ what: "cap", ms: 300 });
  const rates: Record<string, number[]> = { simd: [], cap: [], js: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const what of ["simd", "cap"] as const) {
      const rep = await ask({ what, ms: RATE_MS });
      rates[what]!.push(rep.hashes / rep.seconds);
      log(`round ${r + 1} ${what}: ${(rep.hashes / rep.seconds / 1e6).toFixed(2)} MH/s`);
    }
  }
  // The unrolled scalar kernel runs interpreted until V8 finishes optimizing it (about
  // 2 s here), so it gets a warm-up of its own.
  await ask({ what: "js", ms: 3000 });
  const js = await ask({ what: "js", ms: RATE_MS });
  log(`js: ${(js.hashes / js.seconds / 1e6).toFixed(2)} MH/s`);
  rates.js!.push(js.hashes / js.seconds);
  worker.terminate();
  // Each round measures both back to back, so their ratio shares the machine's load.
  const pairRatios = rates.simd!.map((r, i) => r / rates.cap![i]!);
  return {
    simd: median(rates.simd!),
    cap: median(rates.cap!),
    js: median(rates.js!),
    rounds: rates,
    pairRatios,
  };
}

async function multiWorkerRate(ms: number) {
  let last: SolveProgress | null = null;
  const handle = solveChallenge(randomChallenge(44, 16), { onProgress: (p) => (last = p) });
  await new Promise((r) => setTimeout(r, ms));
  handle.cancel();
  const outcome = await handle.promise.then(
    () => "resolved",
    (e: unknown) => (e instanceof DOMException ? e.name : String(e)),
  );
  const p = last as SolveProgress | null;
  return { hashRate: p?.hashRate ?? 0, cancelOutcome: outcome };
}

async function solveRuns(n: number) {
  const times: number[] = [];
  const hashes: number[] = [];
  let longest = 0;
  const longTasks: { run: number; atMs: number; ms: number }[] = [];
  let run = 0;
  let runStart = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      longest = Math.max(longest, e.duration);
      longTasks.push({ run, atMs: Math.round(e.startTime - runStart), ms: Math.round(e.duration) });
    }
  });
  observer.observe({ type: "longtask", buffered: false });
  for (let i = 0; i < n; i++) {
    const ch = randomChallenge(22, 16);
    let done = 0;
    const start = performance.now();
    run = i + 1;
    runStart = start;
    const nonces = await solveChallenge(ch, { onProgress: (p) => (done = p.hashes) }).promise;
    const ms = performance.now() - start;
    if (!verifySolution(ch, nonces))
      throw new Error(`run ${i}: invalid solution ${nonces.join(",")}`);
    times.push(ms);
    hashes.push(done);
    log(`solve ${i + 1}: ${ms.toFixed(0)} ms, ${(done / 1e6).toFixed(2)} M hashes`);
  }
  observer.disconnect();
  // Long tasks are wall time: on a loaded machine the OS can stretch a short task.
  return { times, hashes, medianMs: median(times), longestTaskMs: longest, longTasks };
}

async function main() {
  if (params.get("only") === "equix") return { userAgent: navigator.userAgent };
  log(`workers: ${defaultWorkerCount()} (hardwareConcurrency ${navigator.hardwareConcurrency})`);
  const single = await singleThreadRates();
  const multi = await multiWorkerRate(4000);
  log(`multi-worker: ${(multi.hashRate / 1e6).toFixed(2)} MH/s, cancel -> ${multi.cancelOutcome}`);
  const solves = await solveRuns(SOLVES);
  return {
    userAgent: navigator.userAgent,
    workers: defaultWorkerCount(),
    singleThread: {
      oursSimdHashesPerSec: single.simd,
      oursJsHashesPerSec: single.js,
      capWasmHashesPerSec: single.cap,
      ratioSimdToCap: single.simd / single.cap,
      ratioJsToCap: single.js / single.cap,
      medianRoundRatioSimdToCap: median(single.pairRatios),
      rounds: single.rounds,
    },
    multiWorker: multi,
    difficulty22k16: solves,
  };
}

main().then(
  (r) => ((window as unknown as { __bench: unknown }).__bench = r),
  (e: unknown) => ((window as unknown as { __bench: unknown }).__bench = { error: String(e) }),
);

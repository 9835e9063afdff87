//! What runs inside one search worker. `workerHandler` builds the engine of the
//! challenge's algorithm: the SHA-256 `SearchEngine` here, or its sibling in
//! equix/engine.ts. Either takes jobs, works in short slices, reports progress and
//! solutions, and between slices yields to its event loop so a new job (or none)
//! takes effect within a slice.

import { SUFFIXES, decodeChallenge, nonceOf, parseThreshold, prefixWords } from "./layout";
import { createJsKernel, createWasmKernel, type Kernel } from "./kernel";
import { EquixEngine } from "./equix/engine";
import { createEquixKernel } from "./equix/kernel";
import type { FromWorker, Job, ToWorker } from "./protocol";
import { makeYielder } from "./yield";

/** Work between two looks at the inbox: long enough to amortize, short enough to react. */
const SLICE_MS = 20;

export class SearchEngine {
  private job: Job | null = null;
  private running = false;
  private readonly challenge: Uint8Array;
  private readonly threshold;
  private readonly yieldNow: () => Promise<void>;
  /** Releases the yield channel. */
  readonly close: () => void;

  constructor(
    private readonly kernel: Kernel,
    challenge: string,
    threshold: string,
    private readonly post: (message: FromWorker) => void,
    yieldNow?: () => Promise<void>,
  ) {
    this.challenge = decodeChallenge(challenge);
    this.threshold = parseThreshold(threshold);
    ({ yieldNow: this.yieldNow, close: this.close } = makeYielder(yieldNow));
  }

  /** Replaces the current job (null = stop searching). */
  setJob(job: Job | null): void {
    this.job = job ? { ...job } : null;
    if (job && !this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.job) {
        const job = this.job;
        const sliceEnd = performance.now() + SLICE_MS;
        let hashes = 0;
        let found: string | null = null;
        while (performance.now() < sliceEnd) {
          const words = prefixWords(this.challenge, job.index, job.prefix);
          const suffix = this.kernel.scan(words, this.threshold, 0, SUFFIXES);
          if (suffix >= 0) {
            hashes += suffix + 1;
            found = nonceOf(job.prefix, suffix);
            break;
          }
          hashes += SUFFIXES;
          job.prefix += 1;
        }
        if (found !== null) {
          this.post({ type: "found", index: job.index, nonce: found, hashes });
          if (this.job === job) this.job = null;
        } else {
          this.post({ type: "progress", hashes });
        }
        await this.yieldNow();
      }
    } catch (e) {
      this.post({ type: "failed", message: e instanceof Error ? e.message : String(e) });
    } finally {
      this.running = false;
    }
  }
}

/**
 * A worker's message handler (worker.ts wires it to `self`): `init` builds the
 * algorithm's kernel and engine, `job` hands it work. Returns the handler and a way
 * to stop. `yieldNow` replaces the MessageChannel yield (see yield.ts).
 */
export function workerHandler(post: (message: FromWorker) => void, yieldNow?: () => Promise<void>) {
  let engine: { setJob(job: Job | null): void; close(): void } | null = null;
  const handle = (message: ToWorker) => {
    try {
      if (message.type === "init") {
        if (message.algorithm === "equix") {
          if (!message.module) throw new Error("the equix solver needs its wasm module");
          const kernel = createEquixKernel(message.module);
          const challenge = decodeChallenge(message.challenge);
          const threshold = parseThreshold(message.threshold);
          engine = new EquixEngine(kernel, challenge, threshold, post, yieldNow);
          post({ type: "ready", kernel: kernel.name });
        } else {
          const kernel = message.module ? createWasmKernel(message.module) : createJsKernel();
          engine = new SearchEngine(kernel, message.challenge, message.threshold, post, yieldNow);
          post({ type: "ready", kernel: kernel.name });
        }
      } else {
        if (!engine) throw new Error("job before init");
        engine.setJob(message.job);
      }
    } catch (e) {
      post({ type: "failed", message: e instanceof Error ? e.message : String(e) });
    }
  };
  const stop = () => {
    engine?.setJob(null);
    engine?.close();
  };
  return { handle, stop };
}

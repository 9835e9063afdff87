//! The Equi-X search in one worker: takes jobs (a sub-puzzle and a first nonce),
//! runs attempts n, n+1, ... in slices, reports attempts and solutions. One attempt
//! takes milliseconds to tens of milliseconds, so a slice is as many attempts as fit
//! in SLICE_MS (at least one); between slices the worker's event loop runs, so a new
//! job (or none) takes effect after at most one attempt.

import type { Threshold } from "../layout";
import type { FromWorker, Job } from "../protocol";
import { makeYielder } from "../yield";
import type { EquixKernel } from "./kernel";
import { NONCE_END, entryOf } from "./layout";

const SLICE_MS = 20;

export class EquixEngine {
  private job: Job | null = null;
  private running = false;
  private readonly yielder;
  readonly close: () => void;

  constructor(
    private readonly kernel: EquixKernel,
    private readonly challenge: Uint8Array,
    private readonly threshold: Threshold,
    private readonly post: (message: FromWorker) => void,
    yieldNow?: () => Promise<void>,
  ) {
    this.yielder = makeYielder(yieldNow);
    this.close = this.yielder.close;
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
        this.kernel.setPuzzle(this.challenge, job.index, this.threshold);
        const sliceEnd = performance.now() + SLICE_MS;
        let attempts = 0;
        let found: string | null = null;
        do {
          if (job.prefix >= NONCE_END) throw new RangeError("nonce space exhausted");
          const nonce = job.prefix++;
          attempts += 1;
          const solution = this.kernel.attempt(nonce);
          if (solution) found = entryOf(nonce, solution);
        } while (found === null && performance.now() < sliceEnd);
        if (found !== null) {
          this.post({ type: "found", index: job.index, nonce: found, hashes: attempts });
          if (this.job === job) this.job = null;
        } else {
          this.post({ type: "progress", hashes: attempts });
        }
        await this.yielder.yieldNow();
      }
    } catch (e) {
      this.post({ type: "failed", message: e instanceof Error ? e.message : String(e) });
    } finally {
      this.running = false;
    }
  }
}

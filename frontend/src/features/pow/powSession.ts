//! One post form's proof of work, outside React: fetch a challenge, solve it in the
//! solver's workers, renew it before it expires, cancel on demand. Components read
//! its phase through useSyncExternalStore (see usePowSession).

import type { ApiClient, Challenge, PowProof } from "@/api";
import { ApiError } from "@/api";
import { solveChallenge, type SolveHandle, type SolveProgress } from "@/features/pow/solver";

export type PowPhase =
  | { kind: "idle" }
  | { kind: "fetching" }
  | { kind: "solving"; challenge: Challenge; progress: SolveProgress | null }
  | { kind: "solved"; challenge: Challenge; seconds: number }
  /** The server has proof of work switched off: posts go without it. */
  | { kind: "disabled" }
  /** Fetching or solving failed; `retryAt` (ms) when a retry is scheduled. */
  | { kind: "failed"; error: unknown; retryAt: number | null };

/** The attempt was replaced by a newer one (renewal, expiry) or the session stopped. */
export class Superseded extends Error {
  override name = "Superseded";
}

/** Renew this long before expiry so a proof is never sent about to lapse in flight. */
const EXPIRY_MARGIN_MS = 5_000;
/** Floor for the renewal delay, so a wildly wrong clock cannot cause a fetch loop. */
const MIN_RENEW_DELAY_MS = 10_000;
/** Progress re-renders at most this often; the solver may report far more. */
const PROGRESS_INTERVAL_MS = 100;

interface Attempt {
  promise: Promise<PowProof | null>;
  reject: (e: unknown) => void;
  abort: AbortController;
  solver: SolveHandle | null;
  timers: ReturnType<typeof setTimeout>[];
}

export type SolveFn = typeof solveChallenge;

export class PowSession {
  private phase: PowPhase = { kind: "idle" };
  private readonly listeners = new Set<() => void>();
  private attempt: Attempt | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly solve: SolveFn = solveChallenge,
  ) {}

  getPhase = (): PowPhase => this.phase;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Starts a fresh attempt (new challenge), dropping the current one. */
  start(): void {
    this.drop();
    let reject!: (e: unknown) => void;
    let resolve!: (p: PowProof | null) => void;
    const promise = new Promise<PowProof | null>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be waiting yet; failures are also reported through the phase.
    promise.catch(() => {});
    const attempt: Attempt = {
      promise,
      reject,
      abort: new AbortController(),
      solver: null,
      timers: [],
    };
    this.attempt = attempt;
    this.run(attempt).then(resolve, (e: unknown) => {
      if (this.attempt !== attempt) return; // already rejected as Superseded
      attempt.solver?.cancel();
      reject(e);
      const retryAfter = e instanceof ApiError ? e.retryAfterSeconds : null;
      const retryAt = retryAfter === null ? null : Date.now() + retryAfter * 1000;
      if (retryAt !== null)
        attempt.timers.push(setTimeout(() => this.start(), retryAt - Date.now()));
      this.set({ kind: "failed", error: e, retryAt });
    });
  }

  /** Cancels everything (terminating the solver's workers) and goes idle. */
  stop(): void {
    this.drop();
    this.set({ kind: "idle" });
  }

  /**
   * The proof for the current challenge, waiting for the solver if needed; null
   * when the server does not ask for one. Follows renewals that happen while
   * waiting; starts a new attempt if there is none or the last one failed.
   */
  async proof(): Promise<PowProof | null> {
    if (!this.attempt || this.phase.kind === "failed") this.start();
    for (;;) {
      const attempt = this.attempt;
      if (!attempt) throw new Superseded("stopped");
      try {
        return await attempt.promise;
      } catch (e) {
        if (e instanceof Superseded && this.attempt && this.attempt !== attempt) continue;
        throw e;
      }
    }
  }

  private async run(attempt: Attempt): Promise<PowProof | null> {
    this.set({ kind: "fetching" });
    const got = await this.api.getChallenge(attempt.abort.signal);
    if (this.attempt !== attempt) throw new Superseded("replaced");
    if (got === null) {
      this.set({ kind: "disabled" });
      return null;
    }
    const { challenge, clockOffsetMs } = got;
    // expires_at is server time; shift it onto the local clock.
    const expiresLocal = challenge.expires_at * 1000 - clockOffsetMs;
    const renewIn = Math.max(MIN_RENEW_DELAY_MS, expiresLocal - Date.now() - EXPIRY_MARGIN_MS);
    attempt.timers.push(setTimeout(() => this.start(), renewIn));

    this.set({ kind: "solving", challenge, progress: null });
    const startedAt = performance.now();
    let lastProgressAt = 0;
    attempt.solver = this.solve(challenge, {
      onProgress: (progress) => {
        const now = performance.now();
        if (this.attempt !== attempt || now - lastProgressAt < PROGRESS_INTERVAL_MS) return;
        lastProgressAt = now;
        this.set({ kind: "solving", challenge, progress });
      },
    });
    const nonces = await attempt.solver.promise;
    if (this.attempt !== attempt) throw new Superseded("replaced");
    this.set({ kind: "solved", challenge, seconds: (performance.now() - startedAt) / 1000 });
    return { challenge: challenge.challenge, token: challenge.token, nonces };
  }

  private drop(): void {
    const attempt = this.attempt;
    if (!attempt) return;
    this.attempt = null;
    attempt.timers.forEach(clearTimeout);
    attempt.abort.abort();
    attempt.solver?.cancel();
    attempt.reject(new Superseded("replaced"));
  }

  private set(phase: PowPhase): void {
    this.phase = phase;
    this.listeners.forEach((l) => l());
  }
}

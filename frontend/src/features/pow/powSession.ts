//! The post form's proof of work, outside React: fetch a challenge, solve it in the
//! solver's workers, keep the finished proof (also while the form is closed) until
//! it is about to lapse, cancel on demand. Work is never thrown away while it can
//! still be used: a challenge being solved is kept to its real expiry, and only an
//! expired one is replaced, with the phase saying so. Components read the phase
//! through useSyncExternalStore (see usePowSession).

import type { ApiClient, Challenge, PowProof } from "@/api";
import {
  algorithmOf,
  solveChallenge,
  type SolveHandle,
  type SolveProgress,
} from "@/features/pow/solver";
import { retryDelayMs } from "@/lib/retry";

import { expectedSeconds } from "./explain";
import { knownHashRate, rememberHashRate } from "./hashRate";

/** Why an attempt replaced the one before it. */
export type Restart =
  /** The previous challenge expired before its proof could be used. */
  | "expired"
  /** The previous, finished proof was about to lapse unused. */
  | "renewed";

export type PowPhase =
  | { kind: "idle" }
  | { kind: "fetching"; restart: Restart | null }
  | {
      kind: "solving";
      challenge: Challenge;
      progress: SolveProgress | null;
      /** Expected seconds left: from progress, else from this device's last measured rate. */
      etaSeconds: number | null;
      restart: Restart | null;
      writeWaitUntil: number | null;
    }
  | { kind: "solved"; challenge: Challenge; seconds: number; writeWaitUntil: number | null }
  /**
   * The write budget is spent and a proof solved now would lapse before it could
   * be used: nothing is solved; a fresh challenge comes when the wait is over.
   */
  | { kind: "waiting"; challenge: Challenge; writeWaitUntil: number }
  /** The server has proof of work switched off: posts go without it. */
  | { kind: "disabled" }
  /** Fetching or solving failed; `retryAt` (ms) when a retry is scheduled. */
  | { kind: "failed"; error: unknown; retryAt: number | null };

/** The attempt was replaced by a newer one (renewal, expiry) or the session stopped. */
export class Superseded extends Error {
  override name = "Superseded";
}

/** A finished proof is renewed this long before expiry, so it never lapses in flight. */
const EXPIRY_MARGIN_MS = 5_000;
/** Floor for the renewal delay, so a wildly wrong clock cannot cause a fetch loop. */
const MIN_RENEW_DELAY_MS = 10_000;
/** Floor for declaring a challenge being solved expired (the server's shortest TTL). */
const MIN_SOLVE_WINDOW_MS = 5_000;
/** Progress re-renders at most this often; the solver may report far more. */
const PROGRESS_INTERVAL_MS = 100;

interface Attempt {
  promise: Promise<PowProof | null>;
  reject: (e: unknown) => void;
  abort: AbortController;
  solver: SolveHandle | null;
  timers: ReturnType<typeof setTimeout>[];
  /** The challenge's expiry on the local clock (ms), once fetched. */
  expiresLocal: number;
}

export type SolveFn = typeof solveChallenge;

export class PowSession {
  private phase: PowPhase = { kind: "idle" };
  private readonly listeners = new Set<() => void>();
  private attempt: Attempt | null = null;
  /** Failed fetches in a row, for the backoff. */
  private failures = 0;

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
  start(restart: Restart | null = null): void {
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
      expiresLocal: Infinity,
    };
    this.attempt = attempt;
    this.run(attempt, restart).then(resolve, (e: unknown) => {
      if (this.attempt !== attempt) return; // already rejected as Superseded
      attempt.solver?.cancel();
      reject(e);
      this.failures += 1;
      const delay = retryDelayMs(e, this.failures);
      const retryAt = delay === null ? null : Date.now() + delay;
      if (delay !== null) attempt.timers.push(setTimeout(() => this.start(), delay));
      this.set({ kind: "failed", error: e, retryAt });
    });
  }

  /** Cancels everything (terminating the solver's workers) and goes idle. */
  stop(): void {
    this.drop();
    this.set({ kind: "idle" });
  }

  /**
   * The form closed: a finished proof is kept (without renewing it in the
   * background) until it is about to lapse; unfinished work is cancelled, so no
   * worker runs for a closed form.
   */
  park(): void {
    const attempt = this.attempt;
    if (this.phase.kind !== "solved" || !attempt) {
      this.stop();
      return;
    }
    attempt.timers.forEach(clearTimeout);
    const lapseIn = attempt.expiresLocal - Date.now() - EXPIRY_MARGIN_MS;
    attempt.timers = [setTimeout(() => this.stop(), Math.max(0, lapseIn))];
  }

  /** The form (re)opened: reuses a parked proof that is still good, else starts afresh. */
  resume(): void {
    const attempt = this.attempt;
    if (
      this.phase.kind === "solved" &&
      attempt &&
      attempt.expiresLocal - Date.now() > EXPIRY_MARGIN_MS
    ) {
      attempt.timers.forEach(clearTimeout);
      attempt.timers = [];
      this.scheduleRenewal(attempt);
      return;
    }
    if (this.phase.kind === "idle" || this.phase.kind === "solved" || !attempt) this.start();
  }

  /** A connection came back: a failed fetch that a retry could fix is tried at once. */
  retryIfFailed(): void {
    if (this.phase.kind === "failed") this.start();
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

  private async run(attempt: Attempt, restart: Restart | null): Promise<PowProof | null> {
    this.set({ kind: "fetching", restart });
    const got = await this.api.getChallenge(attempt.abort.signal);
    if (this.attempt !== attempt) throw new Superseded("replaced");
    this.failures = 0;
    if (got === null) {
      this.set({ kind: "disabled" });
      return null;
    }
    const { challenge, clockOffsetMs } = got;
    // expires_at is server time; shift it onto the local clock.
    attempt.expiresLocal = challenge.expires_at * 1000 - clockOffsetMs;

    const budget = challenge.write_budget;
    const writeWaitUntil =
      budget && budget.remaining <= 0
        ? Date.now() + Math.max(1, budget.retry_after_secs) * 1000
        : null;
    if (writeWaitUntil !== null && writeWaitUntil > attempt.expiresLocal - EXPIRY_MARGIN_MS) {
      this.set({ kind: "waiting", challenge, writeWaitUntil });
      attempt.timers.push(setTimeout(() => this.start(), writeWaitUntil - Date.now()));
      // Settled by the next attempt, which supersedes this one.
      return new Promise<never>(() => {});
    }

    // The challenge is solved to its end; only when it really expires first is the
    // work lost, and the next attempt says so.
    const expiresIn = Math.max(MIN_SOLVE_WINDOW_MS, attempt.expiresLocal - Date.now());
    attempt.timers.push(
      setTimeout(() => {
        if (this.attempt === attempt && this.phase.kind === "solving") this.start("expired");
      }, expiresIn),
    );

    const estimate = expectedSeconds(challenge, knownHashRate(algorithmOf(challenge)));
    const solving = { kind: "solving", challenge, restart, writeWaitUntil } as const;
    this.set({ ...solving, progress: null, etaSeconds: estimate });
    const startedAt = performance.now();
    let lastProgressAt = 0;
    let last: SolveProgress | null = null;
    attempt.solver = this.solve(challenge, {
      onProgress: (progress) => {
        last = progress;
        const now = performance.now();
        if (this.attempt !== attempt || now - lastProgressAt < PROGRESS_INTERVAL_MS) return;
        lastProgressAt = now;
        this.set({ ...solving, progress, etaSeconds: progress.etaSeconds });
      },
    });
    const nonces = await attempt.solver.promise;
    if (this.attempt !== attempt) throw new Superseded("replaced");
    const measured = last as SolveProgress | null;
    if (measured) rememberHashRate(measured.hashRate, measured.hashes, measured.algorithm);
    const seconds = (performance.now() - startedAt) / 1000;
    this.set({ kind: "solved", challenge, seconds, writeWaitUntil });
    this.scheduleRenewal(attempt);
    return { challenge: challenge.challenge, token: challenge.token, nonces };
  }

  /** A finished proof that nobody used is replaced shortly before it lapses. */
  private scheduleRenewal(attempt: Attempt): void {
    const renewIn = Math.max(
      MIN_RENEW_DELAY_MS,
      attempt.expiresLocal - Date.now() - EXPIRY_MARGIN_MS,
    );
    attempt.timers.push(setTimeout(() => this.start("renewed"), renewIn));
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

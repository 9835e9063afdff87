import { useEffect, useId, useRef, useState } from "react";

import { ApiError, type ApiClient, type Listing } from "@/api";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { PowStatus } from "@/features/pow/PowStatus";
import { Superseded, type PowPhase, type PowSession } from "@/features/pow/powSession";
import { errorMessage, formatCountdown } from "@/lib/errorMessage";
import { MAX_BODY_CHARS, bodyProblem, codePointLength, normalizeBody } from "@/lib/text";
import { useCountdown } from "@/lib/useCountdown";

interface Props {
  api: ApiClient;
  /** The page's proof-of-work session (it outlives the form, see usePowSession). */
  session: PowSession;
  phase: PowPhase;
  /** The draft, kept by the page so closing the form does not lose it. */
  text: string;
  onTextChange: (text: string) => void;
  onPosted: (listing: Listing) => void;
  onClose: () => void;
  /** Says something in the page's status line. */
  announce: (message: string) => void;
}

interface FormError {
  message: string;
  /** Date.now() ms until which posting is rate-limited. */
  retryUntil: number | null;
}

const PROBLEM_TEXT = {
  empty: "Write something first.",
  "too-long": `A listing holds at most ${MAX_BODY_CHARS} characters.`,
  "control-chars": "The text contains control characters that can't be posted.",
} as const;

/** Date.now() ms until which the write budget is spent, as the challenge said. */
function writeWaitUntil(phase: PowPhase): number | null {
  return phase.kind === "solving" || phase.kind === "solved" || phase.kind === "waiting"
    ? phase.writeWaitUntil
    : null;
}

/**
 * The post form. Solving starts (or a parked proof is picked up) the moment it
 * mounts; Submit waits for the solution if it is not there yet. Unmounting
 * (closing) parks the session: a finished proof is kept, unfinished work stops.
 */
export function PostForm({
  api,
  session,
  phase,
  text,
  onTextChange: setText,
  onPosted,
  onClose,
  announce,
}: Props) {
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<FormError | null>(null);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const budgetUntil = writeWaitUntil(phase);
  const budgetWait = useCountdown(budgetUntil);
  const errorWait = useCountdown(error?.retryUntil ?? null);
  const waitSeconds = errorWait ?? budgetWait;
  const ids = { text: useId(), counter: useId(), error: useId(), budget: useId() };
  const budget = "challenge" in phase ? phase.challenge.write_budget : null;

  useEffect(() => {
    session.resume();
    return () => session.park();
  }, [session]);

  useEffect(() => textareaRef.current?.focus(), []);

  // When a rate-limit countdown ends, the error goes.
  const rateLimited = error?.retryUntil != null;
  useEffect(() => {
    if (rateLimited && errorWait === null) setError(null);
  }, [rateLimited, errorWait]);
  // When any wait ends (a refused post's, or the spent budget's), say so once.
  const wasWaiting = useRef(false);
  useEffect(() => {
    if (waitSeconds !== null) wasWaiting.current = true;
    else if (wasWaiting.current) {
      wasWaiting.current = false;
      announce("You can post again.");
    }
  }, [waitSeconds, announce]);

  const length = codePointLength(normalizeBody(text));
  const tooLong = length > MAX_BODY_CHARS;

  /** POST with the current proof; on a stale or spent proof, re-solve once and retry. */
  async function postWithProof(body: string): Promise<Listing> {
    const proof = await session.proof();
    try {
      return await api.postListing(body, proof);
    } catch (e) {
      if (e instanceof ApiError && (e.code === "POW_EXPIRED" || e.code === "POW_REPLAYED")) {
        session.start("expired");
        return api.postListing(body, await session.proof());
      }
      throw e;
    }
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (submitting || waitSeconds !== null) return;
    const problem = bodyProblem(text);
    if (problem) {
      setError({ message: PROBLEM_TEXT[problem], retryUntil: null });
      textareaRef.current?.focus();
      return;
    }
    setSubmitting(true);
    setError(null);
    try {
      const listing = await postWithProof(normalizeBody(text));
      // The proof is spent: the next post needs a fresh challenge.
      session.stop();
      setText("");
      onPosted(listing);
    } catch (e) {
      if (e instanceof Superseded) return; // the form was closed meanwhile
      if (e instanceof ApiError && e.code === "RATE_LIMITED") {
        const seconds = e.retryAfterSeconds ?? 60;
        setError({ message: errorMessage(e), retryUntil: Date.now() + seconds * 1000 });
      } else {
        setError({ message: errorMessage(e), retryUntil: null });
        // A rejected or missing proof: get a fresh challenge for the next try.
        if (e instanceof ApiError && (e.code === "POW_INVALID" || e.code === "POW_REQUIRED")) {
          session.start();
        }
      }
    } finally {
      setSubmitting(false);
    }
  }

  const solving = phase.kind === "fetching" || phase.kind === "solving";
  let submitLabel = "Post";
  if (waitSeconds !== null) submitLabel = `Wait ${formatCountdown(waitSeconds)}`;
  else if (submitting) submitLabel = solving ? "Waiting for the check…" : "Posting…";
  const describedBy = [ids.counter, error ? ids.error : "", budgetWait !== null ? ids.budget : ""];

  return (
    <Card id="post-form" role="region" aria-labelledby="post-form-title">
      <CardHeader>
        <CardTitle id="post-form-title">New listing</CardTitle>
      </CardHeader>
      <CardContent>
        <form
          onSubmit={submit}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              onClose();
            }
          }}
          className="space-y-3"
          noValidate
        >
          <div className="space-y-1.5">
            <Label htmlFor={ids.text}>Your listing</Label>
            <Textarea
              id={ids.text}
              ref={textareaRef}
              value={text}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={(e) => {
                // Ctrl/Cmd+Enter posts, as in most message boxes.
                if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void submit(e);
              }}
              readOnly={submitting}
              rows={4}
              aria-invalid={tooLong || (error !== null && error.retryUntil === null)}
              aria-describedby={describedBy.filter(Boolean).join(" ")}
              dir="auto"
              placeholder="Plain text, up to 255 characters."
            />
            <p
              id={ids.counter}
              className={`text-right text-xs tabular-nums ${tooLong ? "font-semibold text-destructive" : "text-muted-foreground"}`}
            >
              {length}/{MAX_BODY_CHARS} characters
              {tooLong ? ` — ${length - MAX_BODY_CHARS} too many` : ""}
            </p>
          </div>

          <PowStatus
            phase={phase}
            onRetry={() => session.start()}
            submitting={submitting}
            blocked={error !== null || waitSeconds !== null}
          />

          {/* Said when the form opens, before any wait: the budget is spent already. */}
          {budgetWait !== null && errorWait === null && (
            <div id={ids.budget} className="text-sm" data-testid="write-budget">
              <p role="status" className="font-medium">
                {budget
                  ? `You have used all ${budget.limit} posts allowed for now.`
                  : "You have used all the posts allowed for now."}
              </p>
              <p className="tabular-nums text-muted-foreground" data-testid="rate-limit-countdown">
                You can post again in {formatCountdown(budgetWait)}.
              </p>
            </div>
          )}

          {error && (
            <div id={ids.error} className="text-sm text-destructive">
              <p role="alert">{error.message}</p>
              {/* Outside the alert: a ticking number must not be re-announced every second. */}
              {errorWait !== null && (
                <p className="tabular-nums" data-testid="rate-limit-countdown">
                  You can post again in {formatCountdown(errorWait)}.
                </p>
              )}
            </div>
          )}

          <div className="flex flex-wrap items-center justify-end gap-2">
            <Button type="button" variant="ghost" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              data-testid="post-submit"
              disabled={submitting || tooLong || waitSeconds !== null}
            >
              {submitLabel}
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

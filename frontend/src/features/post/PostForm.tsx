import { useEffect, useId, useRef, useState } from "react";

import { ApiError, type ApiClient, type Listing } from "@/api";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { PowStatus } from "@/features/pow/PowStatus";
import { Superseded } from "@/features/pow/powSession";
import { usePowSession } from "@/features/pow/usePowSession";
import { errorMessage, formatCountdown } from "@/lib/errorMessage";
import { MAX_BODY_CHARS, bodyProblem, codePointLength, normalizeBody } from "@/lib/text";
import { useCountdown } from "@/lib/useCountdown";

interface Props {
  api: ApiClient;
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

/**
 * The post form. Solving starts the moment it mounts; Submit waits for the
 * solution if it is not there yet. Unmounting (closing) cancels the solver.
 */
export function PostForm({ api, onPosted, onClose, announce }: Props) {
  const { session, phase } = usePowSession(api);
  const [text, setText] = useState("");
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<FormError | null>(null);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const waitSeconds = useCountdown(error?.retryUntil ?? null);
  const ids = { text: useId(), counter: useId(), error: useId() };

  useEffect(() => textareaRef.current?.focus(), []);

  // When a rate-limit countdown ends, say so once.
  const rateLimited = error?.retryUntil != null;
  useEffect(() => {
    if (rateLimited && waitSeconds === null) {
      setError(null);
      announce("You can post again.");
    }
  }, [rateLimited, waitSeconds, announce]);

  const length = codePointLength(normalizeBody(text));
  const tooLong = length > MAX_BODY_CHARS;

  /** POST with the current proof; on a stale or spent proof, re-solve once and retry. */
  async function postWithProof(body: string): Promise<Listing> {
    const proof = await session.proof();
    try {
      return await api.postListing(body, proof);
    } catch (e) {
      if (e instanceof ApiError && (e.code === "POW_EXPIRED" || e.code === "POW_REPLAYED")) {
        session.start();
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
  else if (submitting) submitLabel = solving ? "Finishing check…" : "Posting…";

  return (
    <Card id="post-form" aria-labelledby="post-form-title">
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
              aria-describedby={`${ids.counter} ${error ? ids.error : ""}`.trim()}
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

          <PowStatus phase={phase} onRetry={() => session.start()} />

          {error && (
            <div id={ids.error} className="text-sm text-destructive">
              <p role="alert">{error.message}</p>
              {/* Outside the alert: a ticking number must not be re-announced every second. */}
              {waitSeconds !== null && (
                <p className="tabular-nums" data-testid="rate-limit-countdown">
                  You can post again in {formatCountdown(waitSeconds)}.
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

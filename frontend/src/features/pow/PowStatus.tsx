import { Button } from "@/components/ui/button";
import { Progress } from "@/components/ui/progress";
import { useCountdown } from "@/lib/useCountdown";
import { errorMessage, formatCountdown } from "@/lib/errorMessage";

import { formatDuration, formatEta, formatHashRate } from "./format";
import type { PowPhase } from "./powSession";

/** The phase in one sentence, for the screen-reader announcement (no numbers that tick). */
function announcement(phase: PowPhase): string {
  switch (phase.kind) {
    case "idle":
      return "";
    case "fetching":
      return "Getting an anti-spam puzzle.";
    case "solving":
      return "Solving the anti-spam puzzle in the background. You can type meanwhile.";
    case "solved":
      return "Anti-spam check done. Ready to post.";
    case "disabled":
      return "No anti-spam check needed right now.";
    case "failed":
      return `Anti-spam check failed. ${errorMessage(phase.error)}`;
  }
}

/** Progress of the post form's proof of work: rate, share of expected work, time left. */
export function PowStatus({ phase, onRetry }: { phase: PowPhase; onRetry: () => void }) {
  const retryIn = useCountdown(phase.kind === "failed" ? phase.retryAt : null);
  return (
    <div className="space-y-2 text-sm text-muted-foreground" data-testid="pow-status">
      <p className="sr-only" role="status">
        {announcement(phase)}
      </p>
      <PhaseDetail phase={phase} retryIn={retryIn} onRetry={onRetry} />
    </div>
  );
}

function PhaseDetail({
  phase,
  retryIn,
  onRetry,
}: {
  phase: PowPhase;
  retryIn: number | null;
  onRetry: () => void;
}) {
  switch (phase.kind) {
    case "idle":
      return null;
    case "fetching":
      return (
        <div aria-hidden="true">
          <Progress value={0} aria-label="Anti-spam check" />
          <p className="mt-1">Getting an anti-spam puzzle…</p>
        </div>
      );
    case "solving": {
      const p = phase.progress;
      const pct = p ? p.fraction * 100 : 0;
      return (
        <div>
          <Progress value={Math.min(99, pct)} aria-label="Anti-spam check progress" />
          <p className="mt-1 tabular-nums" aria-hidden="true" data-testid="pow-progress">
            {p
              ? `Anti-spam check: ${formatHashRate(p.hashRate)} · ${Math.round(pct)}% of expected work · ${formatEta(p.etaSeconds)}`
              : "Anti-spam check: starting…"}
          </p>
        </div>
      );
    }
    case "solved":
      return (
        <div aria-hidden="true">
          <Progress value={100} aria-label="Anti-spam check" />
          <p className="mt-1" data-testid="pow-ready">
            Anti-spam check done in {formatDuration(phase.seconds)}. Ready to post.
          </p>
        </div>
      );
    case "disabled":
      return null;
    case "failed":
      return (
        <div className="flex flex-wrap items-center gap-2 text-destructive">
          <span>Anti-spam check failed: {errorMessage(phase.error)}</span>
          {retryIn !== null ? (
            <span className="tabular-nums">Retrying in {formatCountdown(retryIn)}.</span>
          ) : (
            <Button type="button" size="sm" variant="outline" onClick={onRetry}>
              Try again
            </Button>
          )}
        </div>
      );
  }
}

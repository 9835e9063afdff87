import { Button } from "@/components/ui/button";
import { Progress } from "@/components/ui/progress";
import { useCountdown } from "@/lib/useCountdown";
import { errorMessage, formatCountdown } from "@/lib/errorMessage";

import { checkLine, difficultyReasons, waitLine } from "./explain";
import { formatDuration, formatHashRate } from "./format";
import type { PowPhase, Restart } from "./powSession";

interface Props {
  phase: PowPhase;
  onRetry: () => void;
  /** The person pressed Post and is waiting for the check. */
  submitting: boolean;
  /** Something else stops the post (an error, a wait): no "Ready to post" then. */
  blocked: boolean;
}

const RESTART_TEXT: Record<Restart, string> = {
  expired:
    "The last puzzle expired before it could be used, so your device is solving a fresh one.",
  renewed: "Your finished check was about to expire unused, so it is being renewed.",
};

/** The phase in one sentence, for the screen-reader announcement (no numbers that tick). */
function announcement(phase: PowPhase, blocked: boolean): string {
  switch (phase.kind) {
    case "idle":
      return "";
    case "fetching":
      return phase.restart === "expired" ? RESTART_TEXT.expired : "Getting an anti-spam puzzle.";
    case "solving":
      return [
        "Solving the anti-spam puzzle in the background. You can type meanwhile.",
        ...difficultyReasons(phase.challenge),
      ].join(" ");
    case "solved":
      return blocked ? "Anti-spam check done." : "Anti-spam check done. Ready to post.";
    case "waiting":
      return "The anti-spam check starts when you can post again.";
    case "disabled":
      return "No anti-spam check needed right now.";
    case "failed":
      return `Anti-spam check failed. ${errorMessage(phase.error)}`;
  }
}

/**
 * The post form's proof of work: when posting is possible (at this device's
 * measured rate), why it takes longer than usual, and the progress.
 */
export function PowStatus({ phase, onRetry, submitting, blocked }: Props) {
  const retryIn = useCountdown(phase.kind === "failed" ? phase.retryAt : null);
  return (
    <div className="space-y-2 text-sm text-muted-foreground" data-testid="pow-status">
      <p className="sr-only" role="status">
        {announcement(phase, blocked)}
      </p>
      <PhaseDetail
        phase={phase}
        retryIn={retryIn}
        onRetry={onRetry}
        submitting={submitting}
        blocked={blocked}
      />
    </div>
  );
}

function Reasons({ reasons }: { reasons: string[] }) {
  if (reasons.length === 0) return null;
  return (
    <ul className="space-y-0.5 text-foreground" data-testid="pow-reasons">
      {reasons.map((r) => (
        <li key={r}>{r}</li>
      ))}
    </ul>
  );
}

function PhaseDetail({
  phase,
  retryIn,
  onRetry,
  submitting,
  blocked,
}: Omit<Props, "phase"> & { phase: PowPhase; retryIn: number | null }) {
  switch (phase.kind) {
    case "idle":
    case "disabled":
      return null;
    case "fetching":
      return (
        <div aria-hidden="true">
          <Progress value={0} aria-label="Anti-spam check" />
          {phase.restart && <p className="mt-1 text-foreground">{RESTART_TEXT[phase.restart]}</p>}
          <p className="mt-1">Getting an anti-spam puzzle…</p>
        </div>
      );
    case "solving": {
      const p = phase.progress;
      const pct = p ? p.fraction * 100 : 0;
      // Behind a wait (a spent budget, an error) "Ready to post" would be untrue.
      const wait = blocked ? checkLine(phase.etaSeconds) : waitLine(phase.etaSeconds, submitting);
      return (
        <div>
          <Progress value={Math.min(99, pct)} aria-label="Anti-spam check progress" />
          <div aria-hidden="true" className="mt-1 space-y-1">
            {phase.restart && <p className="text-foreground">{RESTART_TEXT[phase.restart]}</p>}
            <p className="font-medium text-foreground" data-testid="pow-wait">
              {wait ?? (submitting ? "Posting when the check is done…" : "Measuring this device…")}
            </p>
            <Reasons reasons={difficultyReasons(phase.challenge)} />
            <p className="tabular-nums text-xs" data-testid="pow-progress">
              {p
                ? `Anti-spam check: ${formatHashRate(p.hashRate, p.algorithm)} · ${Math.round(pct)}% of expected work`
                : "Anti-spam check: starting…"}
            </p>
          </div>
        </div>
      );
    }
    case "solved":
      return (
        <div aria-hidden="true">
          <Progress value={100} aria-label="Anti-spam check" />
          <p className="mt-1" data-testid="pow-ready">
            Anti-spam check done in {formatDuration(phase.seconds)}.
            {blocked ? "" : " Ready to post."}
          </p>
          <Reasons reasons={difficultyReasons(phase.challenge)} />
        </div>
      );
    case "waiting":
      return <p data-testid="pow-waiting">The anti-spam check starts when you can post again.</p>;
    case "failed":
      return (
        <div className="flex flex-wrap items-center gap-2 text-destructive">
          <span>Anti-spam check failed: {errorMessage(phase.error)}</span>
          {retryIn !== null && (
            <span className="tabular-nums">Retrying in {formatCountdown(retryIn)}.</span>
          )}
          <Button type="button" size="sm" variant="outline" onClick={onRetry}>
            {retryIn !== null ? "Try now" : "Try again"}
          </Button>
        </div>
      );
  }
}

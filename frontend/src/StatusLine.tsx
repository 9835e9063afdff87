import { Button } from "@/components/ui/button";
import { formatCountdown } from "@/lib/errorMessage";
import { useCountdown } from "@/lib/useCountdown";

interface Props {
  message: string;
  error: boolean;
  /** When an automatic retry is due (after a 429 or a lost connection), in Date.now() ms. */
  retryAt: number | null;
  onRetry: () => void;
  /** Still announced, but not shown. */
  visuallyHidden?: boolean;
}

/** The page's status line; screen readers hear each change (aria-live). */
export function StatusLine({ message, error, retryAt, onRetry, visuallyHidden = false }: Props) {
  const retryIn = useCountdown(retryAt);
  return (
    <div
      className={
        visuallyHidden ? "sr-only" : "flex min-h-9 flex-wrap items-center gap-x-3 gap-y-1 text-sm"
      }
    >
      <p
        role="status"
        aria-live="polite"
        data-testid="status-line"
        className={error ? "text-destructive" : "text-muted-foreground"}
      >
        {message}
      </p>
      {error && retryIn !== null && (
        <span className="tabular-nums text-muted-foreground" data-testid="status-countdown">
          Retrying in {formatCountdown(retryIn)}
        </span>
      )}
      {error && (
        <Button size="sm" variant="outline" onClick={onRetry}>
          {retryIn !== null ? "Try now" : "Try again"}
        </Button>
      )}
    </div>
  );
}

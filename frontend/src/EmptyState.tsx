import { Button } from "@/components/ui/button";

interface Props {
  searching: boolean;
  /** The post form is open above: no second way to open it. */
  posting: boolean;
  onPost: () => void;
  onClear: () => void;
}

/** Shown instead of the list when there is nothing to list. */
export function EmptyState({ searching, posting, onPost, onClear }: Props) {
  return (
    <div
      className="rounded-lg border border-dashed px-6 py-10 text-center"
      data-testid="empty-state"
    >
      {searching ? (
        <>
          <p className="font-medium">Nothing matches your search.</p>
          <p className="mt-1 text-sm text-muted-foreground">
            Whole words match anywhere; the last word also matches as the start of a word. Try fewer
            words or another country.
          </p>
          <Button variant="outline" className="mt-4" onClick={onClear}>
            Clear search
          </Button>
        </>
      ) : (
        <>
          <p className="font-medium">No listings yet.</p>
          <p className="mt-1 text-sm text-muted-foreground">Be the first to post one.</p>
          {!posting && (
            <Button className="mt-4" onClick={onPost}>
              Post a listing
            </Button>
          )}
        </>
      )}
    </div>
  );
}

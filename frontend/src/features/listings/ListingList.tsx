import { useEffect, useRef } from "react";

import type { Listing } from "@/api";
import { Button } from "@/components/ui/button";
import { useNow } from "@/lib/useNow";

import { ListingItem } from "./ListingItem";

interface Props {
  items: Listing[];
  /** A new query is loading: the items shown are the previous query's. */
  stale: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
}

/**
 * The results with infinite scroll: a sentinel below the last item asks for the
 * next page as it nears the viewport. A "Load more" button does the same for
 * keyboards and for browsers without IntersectionObserver.
 */
export function ListingList({ items, stale, hasMore, loadingMore, onLoadMore }: Props) {
  const now = useNow(30_000);
  const sentinel = useRef<HTMLDivElement>(null);

  // Re-created after each page so a sentinel still in view asks again.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore || typeof IntersectionObserver === "undefined") return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) onLoadMore();
      },
      { rootMargin: "0px 0px 600px 0px" },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, onLoadMore, items.length]);

  return (
    <>
      <ul
        className={`space-y-3 transition-opacity ${stale ? "opacity-60" : ""}`}
        aria-label="Listings"
        aria-busy={stale}
      >
        {items.map((l) => (
          <ListingItem key={l.id} listing={l} now={now} />
        ))}
      </ul>
      <div ref={sentinel} className="flex justify-center py-4">
        {hasMore && (
          <Button variant="outline" onClick={onLoadMore} disabled={loadingMore}>
            {loadingMore ? "Loading…" : "Load more"}
          </Button>
        )}
      </div>
    </>
  );
}

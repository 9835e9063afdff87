import { useEffect, useRef, useState } from "react";

import type { ListingHit } from "@/api";
import { Button } from "@/components/ui/button";
import { useNow } from "@/lib/useNow";

import { ListingItem } from "./ListingItem";
import { NewListingsButton } from "./NewListingsButton";

interface Props {
  items: ListingHit[];
  /** A new query is loading: the items shown are the previous query's. */
  stale: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  /** Listings that arrived since the list loaded (see useNewListings). */
  newCount: number;
  onShowNew: () => void;
  /** The id of the heading that names the list. */
  labelledBy: string;
}

/** Whether the keyboard (not a mouse click) has put focus inside `el`. */
function keyboardFocusIn(el: HTMLElement | null): boolean {
  const active = document.activeElement;
  return !!el && !!active && el.contains(active) && active.matches(":focus-visible");
}

/**
 * The results with infinite scroll: a sentinel below the last item asks for the
 * next page as it nears the viewport, except while the keyboard is inside the
 * list (new items must not move what a keyboard user is on). The "Load more"
 * button does the same on demand and moves focus to the first new item.
 */
export function ListingList({
  items,
  stale,
  hasMore,
  loadingMore,
  onLoadMore,
  newCount,
  onShowNew,
  labelledBy,
}: Props) {
  const now = useNow(30_000);
  const region = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const itemRefs = useRef<(HTMLLIElement | null)[]>([]);
  /** Index of the item to focus once it exists (after "Load more" or "show new"). */
  const focusIndex = useRef<number | null>(null);
  /** The keyboard is inside the list: no automatic loading until it leaves. */
  const [keyboardInside, setKeyboardInside] = useState(false);
  const topId = items[0]?.id;

  // Re-created after each page (and when the keyboard leaves) so a sentinel
  // still in view asks again.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore || keyboardInside || typeof IntersectionObserver === "undefined") return;
    const io = new IntersectionObserver(
      (entries) => {
        if (keyboardFocusIn(region.current)) return;
        if (entries.some((e) => e.isIntersecting)) onLoadMore();
      },
      { rootMargin: "0px 0px 600px 0px" },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, onLoadMore, items.length, keyboardInside]);

  useEffect(() => {
    const i = focusIndex.current;
    if (i === null || stale) return;
    const el = itemRefs.current[i];
    if (el) {
      focusIndex.current = null;
      el.focus();
    }
  }, [items.length, topId, stale]);

  const n = items.length;
  return (
    <div
      ref={region}
      className="space-y-3"
      onFocus={() => setKeyboardInside(keyboardFocusIn(region.current))}
      onBlur={(e) => {
        const next = e.relatedTarget;
        if (!(next instanceof Node) || !region.current?.contains(next)) setKeyboardInside(false);
      }}
    >
      <NewListingsButton
        count={newCount}
        onShow={() => {
          focusIndex.current = 0;
          onShowNew();
        }}
      />
      <ul
        className={`space-y-3 transition-opacity ${stale ? "opacity-60" : ""}`}
        aria-labelledby={labelledBy}
        aria-busy={stale}
      >
        {items.map((l, i) => (
          <ListingItem
            key={l.id}
            ref={(el) => {
              itemRefs.current[i] = el;
            }}
            listing={l}
            now={now}
          />
        ))}
      </ul>
      <div ref={sentinel} className="flex justify-center py-4">
        {hasMore ? (
          <Button
            variant="outline"
            onClick={() => {
              if (loadingMore) return;
              focusIndex.current = n;
              onLoadMore();
            }}
            // Not `disabled`: that would drop the keyboard's focus to the page.
            aria-disabled={loadingMore}
          >
            {loadingMore ? "Loading…" : "Load more"}
          </Button>
        ) : (
          n > 0 &&
          !stale && (
            <p className="text-sm text-muted-foreground" data-testid="end-of-list">
              End of the list: {n === 1 ? "1 listing" : `all ${n} listings`} shown.
            </p>
          )
        )}
      </div>
    </div>
  );
}

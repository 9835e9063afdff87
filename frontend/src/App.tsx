import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { createApiClient, type ApiClient, type Listing } from "@/api";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { TooltipProvider } from "@/components/ui/tooltip";
import { CountryFilter } from "@/features/listings/CountryFilter";
import { CountryStats } from "@/features/listings/CountryStats";
import { ListingList } from "@/features/listings/ListingList";
import { useBoardStats } from "@/features/listings/useBoardStats";
import { listStatusText } from "@/features/listings/statusText";
import { useListings } from "@/features/listings/useListings";
import { PostForm } from "@/features/post/PostForm";
import { useDebounced } from "@/lib/useDebounced";

import { EmptyState } from "./EmptyState";
import { Footer } from "./Footer";
import { StatusLine } from "./StatusLine";

const SEARCH_DEBOUNCE_MS = 250;

export function App({ api: injected }: { api?: ApiClient }) {
  const api = useMemo(() => injected ?? createApiClient(), [injected]);
  const [query, setQuery] = useState("");
  const [country, setCountry] = useState("");
  const [posting, setPosting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const postToggle = useRef<HTMLButtonElement>(null);

  const q = useDebounced(query.trim(), SEARCH_DEBOUNCE_MS);
  const list = useListings(api, q, country);
  const stats = useBoardStats(api);

  // A notice (e.g. "posted") holds the status line until the view changes.
  useEffect(() => setNotice(null), [q, country]);

  const closeForm = useCallback(() => {
    setPosting(false);
    // Back to where the keyboard user came from.
    requestAnimationFrame(() => postToggle.current?.focus());
  }, []);

  const openForm = useCallback(() => {
    setNotice(null);
    setPosting(true);
  }, []);

  const onPosted = useCallback(
    (listing: Listing) => {
      stats.notePosted(listing.country);
      if (q === "" && (country === "" || country === listing.country)) list.prepend(listing);
      setNotice(
        q === ""
          ? "Your listing was posted."
          : "Your listing was posted. Clear the search to see it.",
      );
      closeForm();
    },
    [stats, list, q, country, closeForm],
  );

  const showEmpty = list.status === "ready" && list.items.length === 0;

  return (
    <TooltipProvider delayDuration={300}>
      <div className="flex min-h-screen flex-col">
        <header className="container pb-2 pt-6">
          <h1 className="text-2xl font-bold tracking-tight">powboard</h1>
          <p className="text-sm text-muted-foreground">
            A public board. Posting makes your browser solve a small puzzle first, which keeps spam
            bots out.
          </p>
        </header>

        <main className="container flex-1 space-y-4 pb-8">
          <div className="flex items-end gap-2">
            <div role="search" className="flex min-w-0 flex-1 flex-col gap-2 sm:flex-row">
              <label htmlFor="search" className="sr-only">
                Search listings
              </label>
              <Input
                id="search"
                type="search"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                placeholder="Search listings…"
                autoComplete="off"
                spellCheck={false}
                className="sm:flex-1"
              />
              <CountryFilter value={country} onChange={setCountry} stats={stats.countries} />
            </div>
            <Button
              ref={postToggle}
              data-testid="post-toggle"
              onClick={() => (posting ? closeForm() : openForm())}
              aria-expanded={posting}
              aria-controls={posting ? "post-form" : undefined}
              variant={posting ? "outline" : "default"}
            >
              {posting ? "Close" : "Post"}
            </Button>
          </div>

          {posting && (
            <PostForm api={api} onPosted={onPosted} onClose={closeForm} announce={setNotice} />
          )}

          <CountryStats stats={stats.countries} selected={country} onSelect={setCountry} />

          <StatusLine
            message={notice ?? listStatusText(list, q, country)}
            error={list.status === "error"}
            // The empty state below says the same in larger type.
            visuallyHidden={showEmpty && notice === null}
            retryAt={list.retryAt}
            onRetry={list.retry}
          />

          {showEmpty ? (
            <EmptyState
              searching={q !== "" || country !== ""}
              onPost={openForm}
              onClear={() => {
                setQuery("");
                setCountry("");
              }}
            />
          ) : (
            <ListingList
              items={list.items}
              stale={list.stale}
              hasMore={list.nextCursor !== null && list.status !== "error"}
              loadingMore={list.status === "loading-more"}
              onLoadMore={list.loadMore}
            />
          )}
        </main>

        <Footer count={stats.count} />
      </div>
    </TooltipProvider>
  );
}

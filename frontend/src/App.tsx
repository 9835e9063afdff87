import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";

import { createApiClient, type ApiClient, type Listing } from "@/api";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { TooltipProvider } from "@/components/ui/tooltip";
import { CountryFilter } from "@/features/listings/CountryFilter";
import { CountryStats } from "@/features/listings/CountryStats";
import { ListingList } from "@/features/listings/ListingList";
import { NewListingsButton } from "@/features/listings/NewListingsButton";
import { useBoardStats } from "@/features/listings/useBoardStats";
import { listStatusText } from "@/features/listings/statusText";
import { useListings } from "@/features/listings/useListings";
import { useNewListings } from "@/features/listings/useNewListings";
import { PostForm } from "@/features/post/PostForm";
import { useDraft } from "@/features/post/useDraft";
import { usePowSession } from "@/features/pow/usePowSession";
import { isBoardPath, readView, viewSearch } from "@/lib/boardUrl";

import { EmptyState } from "./EmptyState";
import { Footer } from "./Footer";
import { NotFound } from "./NotFound";
import { StatusLine } from "./StatusLine";

const SEARCH_DEBOUNCE_MS = 250;
const PAGE_SIZE = 30;

export function App({ api: injected }: { api?: ApiClient }) {
  const api = useMemo(() => injected ?? createApiClient(), [injected]);
  const board = isBoardPath(window.location.pathname);
  return (
    <TooltipProvider delayDuration={300}>
      <div className="flex min-h-screen flex-col">
        <header className="container pb-2 pt-6">
          <h1 className="text-2xl font-bold tracking-tight">
            {board ? "powboard" : <a href="/">powboard</a>}
          </h1>
          <p className="text-sm text-muted-foreground">
            A public board. Posting makes your browser solve a small puzzle first, which keeps spam
            bots out.
          </p>
        </header>
        {board ? <Board api={api} /> : <NotFound />}
      </div>
    </TooltipProvider>
  );
}

/**
 * The search and country filter as the address bar holds them: typing replaces
 * the current history entry (debounced), a new country or "Clear search" adds
 * one, and back/forward bring the view back.
 */
function useBoardView() {
  const [initial] = useState(() => readView(window.location.search));
  /** What is in the search box. */
  const [query, setQuery] = useState(initial.q);
  /** The search in effect: the box's text once typing paused. */
  const [q, setQ] = useState(initial.q);
  const [country, setCountryState] = useState(initial.country);
  const pushNext = useRef(false);

  useEffect(() => {
    const id = setTimeout(() => setQ(query.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(id);
  }, [query]);

  useEffect(() => {
    const onPop = () => {
      const view = readView(window.location.search);
      setQuery(view.q);
      setQ(view.q);
      setCountryState(view.country);
    };
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  useEffect(() => {
    const search = viewSearch({ q, country });
    if (search === window.location.search) return;
    const url = `${window.location.pathname}${search}${window.location.hash}`;
    if (pushNext.current) window.history.pushState(null, "", url);
    else window.history.replaceState(null, "", url);
    pushNext.current = false;
  }, [q, country]);

  const setCountry = useCallback((code: string) => {
    pushNext.current = true;
    setCountryState(code);
  }, []);

  const clear = useCallback(() => {
    pushNext.current = true;
    setQuery("");
    setQ("");
    setCountryState("");
  }, []);

  return { query, setQuery, q, country, setCountry, clear };
}

function Board({ api }: { api: ApiClient }) {
  const view = useBoardView();
  const { q, country } = view;
  const [posting, setPosting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [draft, setDraft] = useDraft();
  const postToggle = useRef<HTMLButtonElement>(null);
  const searchBox = useRef<HTMLInputElement>(null);
  const headingId = useId();

  const list = useListings(api, q, country, PAGE_SIZE);
  const stats = useBoardStats(api);
  const pow = usePowSession(api);
  const newCount = useNewListings(
    api,
    q,
    country,
    list.items[0] ?? null,
    list.status === "ready" && !list.stale,
    PAGE_SIZE,
  );

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
      setDraft("");
      if (q === "" && (country === "" || country === listing.country)) list.prepend(listing);
      setNotice(
        q === ""
          ? "Your listing was posted."
          : "Your listing was posted. Clear the search to see it.",
      );
      closeForm();
    },
    [stats, list, q, country, closeForm, setDraft],
  );

  const searching = q !== "" || country !== "";
  const showEmpty = list.status === "ready" && list.items.length === 0;

  return (
    <>
      <main className="container flex-1 space-y-4 pb-8">
        <div className="flex items-end gap-2">
          <div role="search" className="flex min-w-0 flex-1 flex-col gap-2 sm:flex-row">
            <label htmlFor="search" className="sr-only">
              Search listings
            </label>
            <Input
              id="search"
              ref={searchBox}
              type="search"
              dir="auto"
              value={view.query}
              onChange={(e) => view.setQuery(e.target.value)}
              placeholder="Search listings…"
              autoComplete="off"
              spellCheck={false}
              className="sm:flex-1"
            />
            <CountryFilter value={country} onChange={view.setCountry} stats={stats.countries} />
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
          <PostForm
            api={api}
            session={pow.session}
            phase={pow.phase}
            text={draft}
            onTextChange={setDraft}
            onPosted={onPosted}
            onClose={closeForm}
            announce={setNotice}
          />
        )}

        <CountryStats stats={stats.countries} selected={country} onSelect={view.setCountry} />

        <h2 id={headingId} className="sr-only">
          {searching ? "Search results" : "Listings"}
        </h2>

        <StatusLine
          message={notice ?? listStatusText(list, q, country)}
          error={list.status === "error"}
          // The empty state below says the same in larger type.
          visuallyHidden={showEmpty && notice === null}
          retryAt={list.retryAt}
          onRetry={list.retry}
        />

        {showEmpty && <NewListingsButton count={newCount} onShow={list.reload} />}
        {showEmpty ? (
          <EmptyState
            searching={searching}
            posting={posting}
            onPost={openForm}
            onClear={() => {
              view.clear();
              searchBox.current?.focus();
            }}
          />
        ) : (
          <ListingList
            items={list.items}
            stale={list.stale}
            hasMore={list.nextCursor !== null && list.status !== "error"}
            loadingMore={list.status === "loading-more"}
            onLoadMore={list.loadMore}
            newCount={newCount}
            onShowNew={list.reload}
            labelledBy={headingId}
          />
        )}
      </main>

      <Footer count={stats.count} />
    </>
  );
}

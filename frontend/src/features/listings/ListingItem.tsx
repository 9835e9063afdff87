import { forwardRef } from "react";

import type { ListingHit } from "@/api";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { exactTime, relativeTime } from "@/lib/time";

import { CountryFlag } from "./CountryFlag";
import { Highlighted } from "./Highlighted";

/**
 * One listing. The body is rendered as text (React escapes it; the words the
 * search matched are <mark> elements cut at the server's offsets), whitespace kept,
 * its direction taken from its own first strong character (`dir="auto"`). The
 * item is focusable from script only (so focus can move to the first item of a
 * new page) and has no tab stops inside: the exact time is in the hover tooltip
 * and in the text a screen reader reads.
 */
export const ListingItem = forwardRef<HTMLLIElement, { listing: ListingHit; now: number }>(
  function ListingItem({ listing, now }, ref) {
    const exact = exactTime(listing.created_at);
    return (
      <li
        ref={ref}
        tabIndex={-1}
        className="rounded-lg border bg-card p-4 shadow-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        data-testid="listing"
      >
        <p dir="auto" className="whitespace-pre-wrap text-card-foreground [overflow-wrap:anywhere]">
          <Highlighted text={listing.body} spans={listing.highlights} />
        </p>
        <div className="mt-2 flex items-center gap-2 text-xs text-muted-foreground">
          {listing.country && <CountryFlag code={listing.country} />}
          <Tooltip>
            <TooltipTrigger asChild>
              <time dateTime={listing.created_at} title={exact}>
                {relativeTime(listing.created_at, now)}
                <span className="sr-only">, {exact}</span>
              </time>
            </TooltipTrigger>
            <TooltipContent side="right">{exact}</TooltipContent>
          </Tooltip>
        </div>
      </li>
    );
  },
);

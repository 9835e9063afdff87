import type { Listing } from "@/api";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { exactTime, relativeTime } from "@/lib/time";

import { CountryFlag } from "./CountryFlag";

/** One listing. The body is rendered as text (React escapes it), whitespace kept. */
export function ListingItem({ listing, now }: { listing: Listing; now: number }) {
  const exact = exactTime(listing.created_at);
  return (
    <li className="rounded-lg border bg-card p-4 shadow-sm" data-testid="listing">
      <p className="whitespace-pre-wrap text-card-foreground [overflow-wrap:anywhere]">
        {listing.body}
      </p>
      <div className="mt-2 flex items-center gap-2 text-xs text-muted-foreground">
        {listing.country && <CountryFlag code={listing.country} />}
        <Tooltip>
          <TooltipTrigger asChild>
            {/* Focusable so keyboard users can reach the exact time too. */}
            <time
              dateTime={listing.created_at}
              title={exact}
              tabIndex={0}
              className="rounded-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
            >
              {relativeTime(listing.created_at, now)}
            </time>
          </TooltipTrigger>
          <TooltipContent side="right">{exact}</TooltipContent>
        </Tooltip>
      </div>
    </li>
  );
}

import { countryName } from "@/lib/country";
import { errorMessage } from "@/lib/errorMessage";

import type { ListState } from "./useListings";

/** What the results area is doing, in one sentence. */
export function listStatusText(list: ListState, q: string, country: string): string {
  const what = [q ? `matching “${q}”` : "", country ? `from ${countryName(country)}` : ""]
    .filter(Boolean)
    .join(" ");
  switch (list.status) {
    case "loading":
      return q ? `Searching for “${q}”…` : "Loading listings…";
    case "loading-more":
      return "Loading more listings…";
    case "error":
      return errorMessage(list.error);
    case "ready": {
      const n = list.items.length;
      if (n === 0) return what ? `No listings ${what}.` : "No listings yet.";
      const noun = n === 1 ? "listing" : "listings";
      const more = list.nextCursor ? " Scroll for more." : "";
      return `Showing ${n} ${noun}${what ? ` ${what}` : ""}.${more}`;
    }
  }
}

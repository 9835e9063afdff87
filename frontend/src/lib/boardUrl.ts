//! The board's view in the address bar: `?q=…&country=…`, so reload, back and
//! forward, bookmarks and shared links show the same results.

import { parseCountryCode } from "./country";

export interface BoardView {
  /** The search text, trimmed; "" for none. */
  q: string;
  /** ISO 3166-1 alpha-2, upper case; "" for all countries. */
  country: string;
}

/** The view a URL's query string asks for; what is unreadable is ignored. */
export function readView(search: string): BoardView {
  const params = new URLSearchParams(search);
  return {
    q: (params.get("q") ?? "").trim(),
    country: parseCountryCode(params.get("country") ?? "") ?? "",
  };
}

/** The query string for a view ("" for the plain board), `?` included. */
export function viewSearch(view: BoardView): string {
  const params = new URLSearchParams();
  if (view.q !== "") params.set("q", view.q);
  if (view.country !== "") params.set("country", view.country);
  const s = params.toString();
  return s === "" ? "" : `?${s}`;
}

/** Paths the board lives at; anything else is a "not found" page. */
export function isBoardPath(pathname: string): boolean {
  return pathname === "/" || pathname === "/index.html";
}

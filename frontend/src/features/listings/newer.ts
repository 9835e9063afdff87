import type { Listing } from "@/api";

/** Whether `a` sorts above `b` in the board's order (created_at, then id, newest first). */
export function isNewer(a: Listing, b: Listing): boolean {
  const ta = Date.parse(a.created_at);
  const tb = Date.parse(b.created_at);
  if (ta !== tb) return ta > tb;
  return a.id > b.id;
}

/** How many of `page` (the current first page) are newer than `top` (the newest shown). */
export function countNewer(page: Listing[], top: Listing | null): number {
  if (top === null) return page.length;
  return page.filter((l) => l.id !== top.id && isNewer(l, top)).length;
}

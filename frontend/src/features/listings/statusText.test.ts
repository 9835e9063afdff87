import { describe, expect, it } from "vitest";

import { ApiError } from "@/api";

import { listStatusText } from "./statusText";
import type { ListState } from "./useListings";

const listing = (id: number) => ({
  id,
  body: "b",
  created_at: "2026-01-01T00:00:00Z",
  country: null,
  highlights: [],
});
const state = (over: Partial<ListState>): ListState => ({
  items: [],
  nextCursor: null,
  status: "ready",
  error: null,
  retryAt: null,
  stale: false,
  ...over,
});

describe("listStatusText", () => {
  it("describes loading", () => {
    expect(listStatusText(state({ status: "loading" }), "", "")).toBe("Loading listings…");
    expect(listStatusText(state({ status: "loading" }), "ab", "")).toBe("Searching for “ab”…");
  });
  it("tells an empty board from an empty search", () => {
    expect(listStatusText(state({}), "", "")).toBe("No listings yet.");
    expect(listStatusText(state({}), "zz", "DE")).toBe("No listings matching “zz” from Germany.");
  });
  it("counts what is shown and says when more can load", () => {
    expect(listStatusText(state({ items: [listing(1)] }), "", "")).toBe("Showing 1 listing.");
    expect(
      listStatusText(state({ items: [listing(1), listing(2)], nextCursor: "c" }), "a", ""),
    ).toBe("Showing 2 listings matching “a”. Scroll for more.");
  });
  it("shows the mapped error", () => {
    const error = new ApiError("UNAVAILABLE", "db down", 503, null);
    expect(listStatusText(state({ status: "error", error }), "", "")).toMatch(/unavailable/);
  });
});

import { describe, expect, it } from "vitest";

import { isBoardPath, readView, viewSearch } from "./boardUrl";

describe("board URL", () => {
  it("reads the search and the country", () => {
    expect(readView("?q=%20red%20bike%20&country=de")).toEqual({ q: "red bike", country: "DE" });
    expect(readView("")).toEqual({ q: "", country: "" });
  });
  it("ignores a country that is not a two-letter code", () => {
    expect(readView("?country=Germany")).toEqual({ q: "", country: "" });
  });
  it("writes only what is set, and round-trips", () => {
    expect(viewSearch({ q: "", country: "" })).toBe("");
    expect(viewSearch({ q: "", country: "FR" })).toBe("?country=FR");
    const view = { q: "café & crème #1", country: "JP" };
    expect(readView(viewSearch(view))).toEqual(view);
  });
  it("knows the board's own paths", () => {
    expect(isBoardPath("/")).toBe(true);
    expect(isBoardPath("/index.html")).toBe(true);
    expect(isBoardPath("/listings/7")).toBe(false);
  });
});

import { describe, expect, it } from "vitest";

import { countryName, flagEmoji, parseCountryCode } from "./country";

describe("flagEmoji", () => {
  it("builds regional-indicator pairs", () => {
    expect(flagEmoji("DE")).toBe("\u{1F1E9}\u{1F1EA}");
    expect(flagEmoji("us")).toBe("\u{1F1FA}\u{1F1F8}");
  });
  it("refuses what is not two letters", () => {
    expect(flagEmoji("D")).toBeNull();
    expect(flagEmoji("DEU")).toBeNull();
    expect(flagEmoji("1A")).toBeNull();
  });
});

describe("countryName", () => {
  it("names known regions", () => {
    expect(countryName("DE")).toBe("Germany");
    expect(countryName("jp")).toBe("Japan");
  });
  it("falls back to the code", () => {
    expect(countryName("1")).toBe("1");
  });
});

describe("parseCountryCode", () => {
  it("accepts two letters in any case", () => {
    expect(parseCountryCode(" fr ")).toBe("FR");
    expect(parseCountryCode("f")).toBeNull();
    expect(parseCountryCode("f1")).toBeNull();
  });
});

import { describe, expect, it } from "vitest";

import { exactTime, relativeTime } from "./time";

const now = Date.parse("2026-11-23T12:00:00Z");
const ago = (s: number) => new Date(now - s * 1000).toISOString();

describe("relativeTime", () => {
  it("says just now for the last few seconds", () => {
    expect(relativeTime(ago(10), now)).toBe("just now");
  });
  it("picks the largest whole unit", () => {
    expect(relativeTime(ago(60), now)).toBe("1 minute ago");
    expect(relativeTime(ago(5 * 60 + 59), now)).toBe("5 minutes ago");
    expect(relativeTime(ago(3 * 3600), now)).toBe("3 hours ago");
    expect(relativeTime(ago(26 * 3600), now)).toBe("yesterday");
    expect(relativeTime(ago(400 * 24 * 3600), now)).toBe("last year");
  });
  it("copes with a server clock slightly ahead", () => {
    expect(relativeTime(ago(-120), now)).toBe("in 2 minutes");
  });
  it("passes an unreadable timestamp through", () => {
    expect(relativeTime("garbage", now)).toBe("garbage");
  });
});

describe("exactTime", () => {
  it("formats in the given locale and zone", () => {
    expect(exactTime("2026-11-23T12:00:05Z", "en-GB", "UTC")).toBe("23 Nov 2026, 12:00:05");
  });
});

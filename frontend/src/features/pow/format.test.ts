import { describe, expect, it } from "vitest";

import { formatDuration, formatHashRate } from "./format";

describe("formatHashRate", () => {
  it("scales units", () => {
    expect(formatHashRate(950)).toBe("950 hashes/s");
    expect(formatHashRate(850_400)).toBe("850 k hashes/s");
    expect(formatHashRate(4_200_000)).toBe("4.2 M hashes/s");
    expect(formatHashRate(25_000_000)).toBe("25 M hashes/s");
  });
  it("says attempts/s for Equi-X, whose attempts are slow and few", () => {
    expect(formatHashRate(27.4, "equix")).toBe("27 attempts/s");
    expect(formatHashRate(1500, "equix")).toBe("2 k attempts/s");
    expect(formatHashRate(950, "sha256")).toBe("950 hashes/s");
  });
  it("shows a dash before the first measurement", () => {
    expect(formatHashRate(0)).toBe("–");
    expect(formatHashRate(Number.NaN)).toBe("–");
  });
});

describe("formatDuration", () => {
  it("uses ms below a second", () => {
    expect(formatDuration(0.0004)).toBe("1 ms");
    expect(formatDuration(0.18)).toBe("180 ms");
    expect(formatDuration(2.44)).toBe("2.4 s");
  });
});

import { describe, expect, it } from "vitest";

import { knownHashRate, rememberHashRate } from "./hashRate";

describe("the remembered solving rate", () => {
  it("is kept per algorithm, in that algorithm's unit", () => {
    expect(knownHashRate("equix")).toBeNull();
    rememberHashRate(4, 3, "equix"); // 3 attempts: mostly start-up, not kept
    expect(knownHashRate("equix")).toBeNull();
    rememberHashRate(27.5, 12, "equix");
    expect(knownHashRate("equix")).toBe(27.5);
    // An equix rate is no SHA-256 rate: 27.5 hashes/s would be a broken device.
    expect(knownHashRate("sha256")).toBeNull();
    rememberHashRate(27.5, 2 ** 21, "sha256");
    expect(knownHashRate("sha256")).toBeNull();
    rememberHashRate(6_000_000, 2 ** 21);
    expect(knownHashRate()).toBe(6_000_000);
    expect(knownHashRate("equix")).toBe(27.5);
  });
});

import { describe, expect, it } from "vitest";

import { API_ERROR_CODES, ApiError } from "@/api";

import { errorMessage, formatCountdown } from "./errorMessage";

describe("errorMessage", () => {
  it("has a distinct human message for every server code", () => {
    const seen = new Set<string>();
    for (const code of API_ERROR_CODES) {
      const m = errorMessage(new ApiError(code, code, 400, null));
      expect(m).not.toContain(code);
      seen.add(m);
    }
    expect(seen.size).toBe(API_ERROR_CODES.length);
  });
  it("adds the server's reason for INVALID_INPUT", () => {
    const e = new ApiError("INVALID_INPUT", "listing must not be empty", 400, null);
    expect(errorMessage(e)).toBe("That text can't be posted. Listing must not be empty.");
  });
  it("never shows internals of unknown errors", () => {
    expect(errorMessage(new TypeError("x is undefined"))).not.toContain("undefined");
  });
});

describe("formatCountdown", () => {
  it("uses seconds below a minute and m:ss above", () => {
    expect(formatCountdown(42)).toBe("42 s");
    expect(formatCountdown(0.2)).toBe("1 s");
    expect(formatCountdown(65)).toBe("1:05");
  });
});

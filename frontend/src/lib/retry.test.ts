import { describe, expect, it } from "vitest";

import { ApiError } from "@/api";

import { MAX_BACKOFF_MS, isConnectionError, retryDelayMs } from "./retry";

const err = (code: ConstructorParameters<typeof ApiError>[0], retryAfter: number | null = null) =>
  new ApiError(code, code, code === "NETWORK" ? 0 : 500, retryAfter);

describe("retryDelayMs", () => {
  it("waits exactly Retry-After when the server said", () => {
    expect(retryDelayMs(err("RATE_LIMITED", 7), 1)).toBe(7_000);
    expect(retryDelayMs(err("UNAVAILABLE", 3), 5)).toBe(3_000);
  });
  it("backs off after a network error, doubling up to a cap", () => {
    const top = () => 1; // no jitter taken off
    expect(retryDelayMs(err("NETWORK"), 1, top)).toBe(2_000);
    expect(retryDelayMs(err("NETWORK"), 2, top)).toBe(4_000);
    expect(retryDelayMs(err("UNAVAILABLE"), 3, top)).toBe(8_000);
    expect(retryDelayMs(err("NETWORK"), 40, top)).toBe(MAX_BACKOFF_MS);
  });
  it("jitters by at most a fifth, downwards", () => {
    expect(retryDelayMs(err("NETWORK"), 1, () => 0)).toBe(1_600);
    expect(retryDelayMs(err("NETWORK"), 1, () => 0.5)).toBe(1_800);
  });
  it("leaves errors a retry would repeat to the user", () => {
    expect(retryDelayMs(err("INVALID_INPUT"), 1)).toBeNull();
    expect(retryDelayMs(err("BAD_RESPONSE"), 1)).toBeNull();
    expect(retryDelayMs(err("RATE_LIMITED"), 1)).toBeNull();
    expect(retryDelayMs(new Error("boom"), 1)).toBeNull();
  });
});

describe("isConnectionError", () => {
  it("is true for a lost connection or an unavailable server only", () => {
    expect(isConnectionError(err("NETWORK"))).toBe(true);
    expect(isConnectionError(err("UNAVAILABLE"))).toBe(true);
    expect(isConnectionError(err("INTERNAL"))).toBe(false);
  });
});

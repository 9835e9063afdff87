import { describe, expect, it } from "vitest";

import { countNewer, isNewer } from "./newer";

const at = (id: number, created_at: string) => ({ id, body: "b", created_at, country: null });

describe("countNewer", () => {
  const top = at(10, "2026-12-02T03:00:00.500Z");
  it("counts what sorts above the newest listing shown", () => {
    const page = [
      at(13, "2026-12-02T03:05:00Z"),
      at(12, "2026-12-02T03:00:00.500Z"), // same instant, larger id: newer
      top,
      at(9, "2026-12-02T02:00:00Z"),
    ];
    expect(countNewer(page, top)).toBe(2);
  });
  it("counts everything on an empty board", () => {
    expect(countNewer([at(1, "2026-12-02T03:05:00Z")], null)).toBe(1);
  });
  it("orders by time before id", () => {
    expect(isNewer(at(1, "2026-12-02T03:05:00Z"), at(2, "2026-12-02T03:04:00Z"))).toBe(true);
  });
});

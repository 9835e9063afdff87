import { describe, expect, it } from "vitest";

import { bodyProblem, codePointLength, normalizeBody } from "./text";

describe("listing text rules", () => {
  it("counts code points, not UTF-16 units", () => {
    expect(codePointLength("a😀b")).toBe(3);
    expect("a😀b".length).toBe(4);
  });
  it("trims and NFC-normalizes", () => {
    expect(normalizeBody("  e\u0301  ")).toBe("\u00e9");
  });
  it("accepts exactly the maximum and refuses one more", () => {
    expect(bodyProblem("😀".repeat(255))).toBeNull();
    expect(bodyProblem("😀".repeat(256))).toBe("too-long");
    expect(bodyProblem(`  ${"x".repeat(255)}  `)).toBeNull();
  });
  it("refuses blank text", () => {
    expect(bodyProblem(" \n\t ")).toBe("empty");
  });
  it("allows tab and newline inside, refuses other control characters", () => {
    expect(bodyProblem("a\tb\nc")).toBeNull();
    expect(bodyProblem("a\u0000b")).toBe("control-chars");
    expect(bodyProblem("a\u001bb")).toBe("control-chars");
  });
});

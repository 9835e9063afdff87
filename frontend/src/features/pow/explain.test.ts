import { describe, expect, it } from "vitest";

import type { Challenge } from "@/api";

import { checkLine, difficultyReasons, expectedSeconds, waitLine, windowWords } from "./explain";

// difficulty 20, k = 16: threshold = 2^64 / 2^16 = 2^48.
const challenge = (over: Partial<Challenge> = {}): Challenge => ({
  challenge: "AAECAwQFBgcICQoLDA0ODw",
  difficulty: 20,
  subpuzzles: 16,
  threshold: "0001000000000000",
  expires_at: 0,
  token: "t",
  ...over,
});
const breakdown = (client: number, surge: number, country = 0) => ({
  base: 20,
  client,
  country,
  surge,
});

describe("expectedSeconds", () => {
  it("divides the challenge's expected hashes by the device's rate", () => {
    expect(expectedSeconds(challenge(), 2 ** 20)).toBeCloseTo(1, 9);
    expect(expectedSeconds(challenge(), 2 ** 16)).toBeCloseTo(16, 9);
  });
  it("has no answer before a rate was measured", () => {
    expect(expectedSeconds(challenge(), null)).toBeNull();
    expect(expectedSeconds(challenge(), 0)).toBeNull();
  });
});

describe("difficultyReasons", () => {
  it("says nothing at the base difficulty or without a breakdown", () => {
    expect(difficultyReasons(challenge())).toEqual([]);
    expect(difficultyReasons(challenge({ breakdown: breakdown(0, 0) }))).toEqual([]);
  });
  it("names a surge in the contract's words", () => {
    const ch = challenge({ difficulty: 21.5, breakdown: breakdown(0, 1.5) });
    expect(difficultyReasons(ch)).toEqual(["The board is busy: posting takes longer right now."]);
  });
  it("counts the person's own recent posts", () => {
    const ch = challenge({
      difficulty: 26,
      breakdown: breakdown(6, 0),
      recent_posts: 6,
      recent_window_secs: 3600,
    });
    expect(difficultyReasons(ch)).toEqual([
      "You posted 6 times in the last hour, so each post takes a little longer.",
    ]);
    const one = { ...ch, recent_posts: 1, recent_window_secs: 1800 };
    expect(difficultyReasons(one)[0]).toBe(
      "You posted 1 time in the last 30 minutes, so each post takes a little longer.",
    );
  });
  it("gives every cause when several add up, even under the cap", () => {
    const ch = challenge({ difficulty: 30, breakdown: breakdown(8, 3, 1), recent_posts: 8 });
    expect(difficultyReasons(ch)).toHaveLength(3);
  });
});

describe("waitLine", () => {
  it("tells a wait before and after Post was pressed", () => {
    expect(waitLine(19.6, false)).toBe("Ready to post in about 20 s");
    expect(waitLine(19.6, true)).toBe("Posting in about 20 s");
    expect(waitLine(200, true)).toBe("Posting in about 3 min");
    expect(waitLine(0.3, true)).toBe("Posting in a moment");
    expect(waitLine(null, true)).toBeNull();
  });
  it("never says Ready to post behind another wait", () => {
    expect(checkLine(19.6)).toBe("Anti-spam check finishes in about 20 s");
  });
  it("words the adaptive window", () => {
    expect(windowWords(3600)).toBe("hour");
    expect(windowWords(7200)).toBe("2 hours");
    expect(windowWords(90)).toBe("90 seconds");
  });
});

//! Small runtime decoders for API responses: a server that drifts from the
//! contract shows up as one clear BAD_RESPONSE error instead of undefined values
//! deep inside components.

import type {
  Challenge,
  CountryCount,
  DifficultyBreakdown,
  Listing,
  ListingHit,
  ListingsPage,
  WriteBudget,
} from "./types";

export class DecodeError extends Error {
  override name = "DecodeError";
}

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new DecodeError(`${what}: expected an object`);
  }
  return v as Obj;
}

function str(o: Obj, key: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new DecodeError(`${key}: expected a string`);
  return v;
}

function num(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new DecodeError(`${key}: expected a number`);
  }
  return v;
}

function nullableStr(o: Obj, key: string): string | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  if (typeof v !== "string") throw new DecodeError(`${key}: expected a string or null`);
  return v;
}

export function decodeChallenge(v: unknown): Challenge {
  const o = obj(v, "challenge");
  const threshold = str(o, "threshold");
  if (!/^[0-9a-f]{16}$/.test(threshold)) throw new DecodeError("threshold: expected 16 hex digits");
  const subpuzzles = num(o, "subpuzzles");
  if (!Number.isInteger(subpuzzles) || subpuzzles < 1 || subpuzzles > 256) {
    throw new DecodeError("subpuzzles: expected an integer in 1..=256");
  }
  // The puzzle to solve: absent from servers before issue 21, which mean sha256. One
  // this client cannot solve fails here, not later in the workers.
  const algorithm = o["algorithm"] === undefined ? "sha256" : str(o, "algorithm");
  if (algorithm !== "sha256" && algorithm !== "equix") {
    throw new DecodeError(`algorithm: expected sha256 or equix, not ${algorithm.slice(0, 20)}`);
  }
  const challenge: Challenge = {
    algorithm,
    challenge: str(o, "challenge"),
    difficulty: num(o, "difficulty"),
    subpuzzles,
    threshold,
    expires_at: num(o, "expires_at"),
    token: str(o, "token"),
  };
  // The explanation fields only feed wording: one that is missing or malformed is
  // left out rather than failing a challenge that can still be solved.
  const breakdown = optional(() => decodeBreakdown(o["breakdown"]));
  if (breakdown) challenge.breakdown = breakdown;
  const recent = optional(() => num(o, "recent_posts"));
  if (recent !== null) challenge.recent_posts = recent;
  const window = optional(() => num(o, "recent_window_secs"));
  if (window !== null) challenge.recent_window_secs = window;
  if (o["write_budget"] === null) challenge.write_budget = null;
  else {
    const budget = optional(() => decodeWriteBudget(o["write_budget"]));
    if (budget) challenge.write_budget = budget;
  }
  return challenge;
}

function optional<T>(decode: () => T): T | null {
  try {
    return decode();
  } catch {
    return null;
  }
}

function decodeBreakdown(v: unknown): DifficultyBreakdown {
  const o = obj(v, "breakdown");
  return {
    base: num(o, "base"),
    client: num(o, "client"),
    country: num(o, "country"),
    surge: num(o, "surge"),
  };
}

function decodeWriteBudget(v: unknown): WriteBudget {
  const o = obj(v, "write_budget");
  return {
    limit: num(o, "limit"),
    remaining: num(o, "remaining"),
    retry_after_secs: num(o, "retry_after_secs"),
  };
}

export function decodeListing(v: unknown): Listing {
  const o = obj(v, "listing");
  const country = nullableStr(o, "country");
  return {
    id: num(o, "id"),
    body: str(o, "body"),
    created_at: str(o, "created_at"),
    country: country === null ? null : country.toUpperCase(),
  };
}

/** A page item: a listing and its highlight spans, each [start, end) within the body. */
export function decodeListingHit(v: unknown): ListingHit {
  const listing = decodeListing(v);
  const spans = obj(v, "listing")["highlights"];
  if (!Array.isArray(spans)) throw new DecodeError("highlights: expected an array");
  const highlights = spans.map((s: unknown) => {
    if (
      !Array.isArray(s) ||
      s.length !== 2 ||
      !s.every((n) => Number.isInteger(n)) ||
      s[0] < 0 ||
      s[0] >= s[1] ||
      s[1] > listing.body.length
    ) {
      throw new DecodeError("highlights: expected [start, end) pairs within the body");
    }
    return [s[0] as number, s[1] as number];
  });
  return { ...listing, highlights };
}

export function decodeListingsPage(v: unknown): ListingsPage {
  const o = obj(v, "page");
  const items = o["items"];
  if (!Array.isArray(items)) throw new DecodeError("items: expected an array");
  return { items: items.map(decodeListingHit), next_cursor: nullableStr(o, "next_cursor") };
}

export function decodeCount(v: unknown): number {
  return num(obj(v, "count"), "count");
}

export function decodeCountryStats(v: unknown): CountryCount[] {
  if (!Array.isArray(v)) throw new DecodeError("country stats: expected an array");
  return v.map((row) => {
    const o = obj(row, "country stat");
    const country = nullableStr(o, "country");
    return { country: country === null ? null : country.toUpperCase(), count: num(o, "count") };
  });
}

//! Small runtime decoders for API responses: a server that drifts from the
//! contract shows up as one clear BAD_RESPONSE error instead of undefined values
//! deep inside components.

import type { Challenge, CountryCount, Listing, ListingsPage } from "./types";

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
  return {
    challenge: str(o, "challenge"),
    difficulty: num(o, "difficulty"),
    subpuzzles,
    threshold,
    expires_at: num(o, "expires_at"),
    token: str(o, "token"),
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

export function decodeListingsPage(v: unknown): ListingsPage {
  const o = obj(v, "page");
  const items = o["items"];
  if (!Array.isArray(items)) throw new DecodeError("items: expected an array");
  return { items: items.map(decodeListing), next_cursor: nullableStr(o, "next_cursor") };
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

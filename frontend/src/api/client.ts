//! The typed client for every powboard API route. Each method returns decoded data
//! or throws an ApiError; nothing else escapes (aborts excepted, see below).

import {
  DecodeError,
  decodeChallenge,
  decodeCount,
  decodeCountryStats,
  decodeListing,
  decodeListingsPage,
} from "./decode";
import { ApiError, errorFromResponse } from "./errors";
import type {
  Challenge,
  CountryCount,
  Listing,
  ListingsPage,
  ListingsQuery,
  PowProof,
} from "./types";

export interface ApiClientOptions {
  /** Origin the routes hang off; "" (same origin) in the browser. */
  baseUrl?: string;
  /** Injected for tests and for environments without a global fetch. */
  fetch?: typeof fetch;
}

/** A fetched challenge plus the server clock offset, so expiry works on skewed clocks. */
export interface ChallengeResponse {
  challenge: Challenge;
  /** server time minus local time in ms, from the `Date` header; 0 if absent. */
  clockOffsetMs: number;
}

export interface ApiClient {
  /** null when the server has proof of work disabled (204). */
  getChallenge(signal?: AbortSignal): Promise<ChallengeResponse | null>;
  postListing(body: string, proof: PowProof | null, signal?: AbortSignal): Promise<Listing>;
  listListings(query: ListingsQuery, signal?: AbortSignal): Promise<ListingsPage>;
  countListings(signal?: AbortSignal): Promise<number>;
  countryStats(signal?: AbortSignal): Promise<CountryCount[]>;
}

function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === "AbortError";
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const baseUrl = options.baseUrl ?? "";
  // Bound at call time so a test can swap globalThis.fetch, and so the browser's
  // fetch is never called with a foreign `this`.
  const doFetch = (input: string, init: RequestInit) =>
    (options.fetch ?? globalThis.fetch)(input, init);

  /** One request: network errors and aborts are normalised, non-2xx become ApiError. */
  async function send(path: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(baseUrl + path, {
        ...init,
        headers: { Accept: "application/json", ...init.headers },
      });
    } catch (e) {
      // An abort is the caller's own decision, not an error to show: rethrow as is.
      if (isAbort(e) || init.signal?.aborted) throw e;
      throw new ApiError("NETWORK", e instanceof Error ? e.message : String(e), 0, null);
    }
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }

  async function json<T>(res: Response, decode: (v: unknown) => T): Promise<T> {
    try {
      return decode(await res.json());
    } catch (e) {
      if (isAbort(e)) throw e;
      const why = e instanceof DecodeError ? e.message : "invalid JSON";
      throw new ApiError("BAD_RESPONSE", why, res.status, null);
    }
  }

  return {
    async getChallenge(signal) {
      const sentAt = Date.now();
      const res = await send("/api/pow/challenge", { method: "GET", cache: "no-store", signal });
      if (res.status === 204) return null;
      const challenge = await json(res, decodeChallenge);
      const serverDate = Date.parse(res.headers.get("Date") ?? "");
      // The Date header has 1 s resolution; take the midpoint of the round trip.
      const localMid = (sentAt + Date.now()) / 2;
      const clockOffsetMs = Number.isNaN(serverDate) ? 0 : serverDate + 500 - localMid;
      return { challenge, clockOffsetMs };
    },

    async postListing(body, proof, signal) {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (proof) {
        headers["X-PoW-Challenge"] = proof.challenge;
        headers["X-PoW-Token"] = proof.token;
        headers["X-PoW-Nonce"] = proof.nonces.join(",");
      }
      const res = await send("/api/listings", {
        method: "POST",
        headers,
        body: JSON.stringify({ body }),
        signal,
      });
      return json(res, decodeListing);
    },

    async listListings(query, signal) {
      const params = new URLSearchParams();
      if (query.q && query.q.trim() !== "") params.set("q", query.q);
      if (query.cursor) params.set("cursor", query.cursor);
      if (query.limit !== undefined) params.set("limit", String(query.limit));
      if (query.country) params.set("country", query.country);
      const qs = params.toString();
      const res = await send(`/api/listings${qs ? `?${qs}` : ""}`, { method: "GET", signal });
      return json(res, decodeListingsPage);
    },

    async countListings(signal) {
      const res = await send("/api/listings/count", { method: "GET", signal });
      return json(res, decodeCount);
    },

    async countryStats(signal) {
      const res = await send("/api/stats/countries", { method: "GET", signal });
      return json(res, decodeCountryStats);
    },
  };
}

export { isAbort };

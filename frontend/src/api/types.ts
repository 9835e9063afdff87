//! Shapes of the powboard HTTP API (DESIGN.md "HTTP API"), decoded at the edge so
//! the rest of the app never handles raw JSON.

/** A PoW challenge as `GET /api/pow/challenge` returns it. */
export interface Challenge {
  challenge: string;
  difficulty: number;
  subpuzzles: number;
  threshold: string;
  expires_at: number;
  token: string;
}

export interface Listing {
  id: number;
  body: string;
  /** RFC 3339 */
  created_at: string;
  /** ISO 3166-1 alpha-2, or null when unknown */
  country: string | null;
}

export interface ListingsPage {
  items: Listing[];
  next_cursor: string | null;
}

export interface CountryCount {
  country: string | null;
  count: number;
}

export interface ListingsQuery {
  q?: string;
  cursor?: string;
  limit?: number;
  country?: string;
}

/** What the POST carries as X-PoW-* headers; null when the server has PoW off. */
export interface PowProof {
  challenge: string;
  token: string;
  nonces: string[];
}

/** The stable error codes of the API, plus two of the client's own. */
export const API_ERROR_CODES = [
  "INVALID_INPUT",
  "POW_REQUIRED",
  "POW_INVALID",
  "POW_EXPIRED",
  "POW_REPLAYED",
  "RATE_LIMITED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "UNAVAILABLE",
  "INTERNAL",
] as const;
export type ServerErrorCode = (typeof API_ERROR_CODES)[number];
/** NETWORK: no response at all; BAD_RESPONSE: a response this client cannot read. */
export type ErrorCode = ServerErrorCode | "NETWORK" | "BAD_RESPONSE";

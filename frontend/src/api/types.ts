//! Shapes of the powboard HTTP API (DESIGN.md "HTTP API"), decoded at the edge so
//! the rest of the app never handles raw JSON.

/**
 * A PoW challenge as `GET /api/pow/challenge` returns it. The solver uses the same
 * type (it needs challenge, subpuzzles and threshold).
 */
export interface Challenge {
  challenge: string;
  difficulty: number;
  subpuzzles: number;
  threshold: string;
  expires_at: number;
  token: string;
  /** Why the difficulty is what it is; absent from servers that do not send it. */
  breakdown?: DifficultyBreakdown;
  /** This client's listings in the adaptive window (the client term counts them). */
  recent_posts?: number;
  recent_window_secs?: number;
  /** The write budget's state, without spending it; null when the budget is off. */
  write_budget?: WriteBudget | null;
}

/** The parts of a challenge's difficulty, in bits, before the cap. */
export interface DifficultyBreakdown {
  base: number;
  client: number;
  country: number;
  surge: number;
}

export interface WriteBudget {
  limit: number;
  remaining: number;
  /** When remaining is 0: the exact wait in whole seconds (>= 1); else 0. */
  retry_after_secs: number;
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

import { API_ERROR_CODES, type ErrorCode, type ServerErrorCode } from "./types";

/** Any failed API call: the server's error code, or NETWORK / BAD_RESPONSE. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly code: ErrorCode;
  /** HTTP status, 0 when no response arrived. */
  readonly status: number;
  /** Seconds to wait before retrying (from `Retry-After`), when the server said. */
  readonly retryAfterSeconds: number | null;

  constructor(code: ErrorCode, message: string, status: number, retryAfterSeconds: number | null) {
    super(message);
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

function isServerErrorCode(s: unknown): s is ServerErrorCode {
  return typeof s === "string" && (API_ERROR_CODES as readonly string[]).includes(s);
}

/** The code a bare status stands for when the body is not the API's error shape (a proxy page, say). */
function codeForStatus(status: number): ErrorCode {
  if (status === 429) return "RATE_LIMITED";
  if (status === 413) return "PAYLOAD_TOO_LARGE";
  if (status === 415) return "UNSUPPORTED_MEDIA_TYPE";
  if (status === 502 || status === 503 || status === 504) return "UNAVAILABLE";
  if (status >= 500) return "INTERNAL";
  return "BAD_RESPONSE";
}

/**
 * `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns whole seconds, at least 1, or null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.max(1, Number.parseInt(v, 10));
  // An HTTP date always names its weekday and month; this keeps "-3" from parsing as a year.
  if (!/[a-z]/i.test(v)) return null;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return null;
  return Math.max(1, Math.ceil((date - nowMs) / 1000));
}

/** Builds the ApiError for a non-2xx response; never throws. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(res.headers.get("Retry-After"));
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON: fall back to the status alone.
  }
  const err =
    typeof body === "object" && body !== null
      ? (body as { error?: { code?: unknown; message?: unknown } }).error
      : undefined;
  if (err && isServerErrorCode(err.code)) {
    const message = typeof err.message === "string" ? err.message : err.code;
    return new ApiError(err.code, message, res.status, retryAfter);
  }
  return new ApiError(codeForStatus(res.status), `HTTP ${res.status}`, res.status, retryAfter);
}

export { createApiClient, isAbort } from "./client";
export type { ApiClient, ApiClientOptions, ChallengeResponse } from "./client";
export { ApiError, parseRetryAfter } from "./errors";
export type * from "./types";
export { API_ERROR_CODES } from "./types";

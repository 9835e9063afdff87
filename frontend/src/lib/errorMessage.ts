//! One human sentence per API error code. The server's own message is shown only
//! for INVALID_INPUT, where it says what was wrong with the text.

import type { ErrorCode } from "@/api";
import { ApiError } from "@/api";

const MESSAGES: Record<ErrorCode, string> = {
  INVALID_INPUT: "That text can't be posted.",
  POW_REQUIRED: "The anti-spam check was missing. Please try again.",
  POW_INVALID: "The anti-spam check was not accepted. Please try again.",
  POW_EXPIRED: "The anti-spam check expired before it was sent. Please try again.",
  POW_REPLAYED: "That anti-spam check was already used. Please try again.",
  RATE_LIMITED: "You are going a bit fast. Please wait a moment.",
  PAYLOAD_TOO_LARGE: "That listing is too large to send.",
  UNSUPPORTED_MEDIA_TYPE: "The request was not understood. Please reload the page.",
  REQUEST_TIMEOUT: "The listing took too long to send. Please try again.",
  NOT_FOUND: "This page asked the server for something it does not have. Please reload the page.",
  METHOD_NOT_ALLOWED: "This page sent a request the server does not take. Please reload the page.",
  URI_TOO_LONG: "That search is too long for the server. Please shorten it.",
  HEADERS_TOO_LARGE: "The request was too large for the server. Please reload the page.",
  NOT_IMPLEMENTED:
    "The request was sent in a form the server does not read. Please reload the page.",
  UNAVAILABLE: "The board is briefly unavailable. Please try again in a moment.",
  INTERNAL: "Something went wrong on the server. Please try again.",
  NETWORK: "Can't reach the server. Check your connection and try again.",
  BAD_RESPONSE: "The server sent an answer this page can't read. Please reload the page.",
};

export function errorMessage(e: unknown): string {
  if (!(e instanceof ApiError)) return MESSAGES.INTERNAL;
  if (e.code === "INVALID_INPUT" && e.message && e.message !== e.code) {
    return `${MESSAGES.INVALID_INPUT} ${capitalize(e.message)}`;
  }
  return MESSAGES[e.code];
}

function capitalize(s: string): string {
  const t = s.trim();
  const sentence = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** "1:05" or "42 s": short enough for a button label, exact to the second. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

//! The listing text rules the server applies (DESIGN "Listings and search"),
//! mirrored so the counter and the Submit button agree with the server.

export const MAX_BODY_CHARS = 255;

/** What the server will store: trimmed and NFC-normalized. */
export function normalizeBody(raw: string): string {
  return raw.trim().normalize("NFC");
}

/** Length in Unicode code points (not UTF-16 units: an emoji counts once). */
export function codePointLength(s: string): number {
  let n = 0;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for (const _ of s) n++;
  return n;
}

/** Control characters other than tab and newline, which the server rejects. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export type BodyProblem = "empty" | "too-long" | "control-chars";

export function bodyProblem(raw: string, max = MAX_BODY_CHARS): BodyProblem | null {
  const body = normalizeBody(raw);
  if (body.length === 0) return "empty";
  if (codePointLength(body) > max) return "too-long";
  // \r is a control character the server refuses; browsers normalise textarea
  // newlines to \n, so it only arrives by paste into odd inputs.
  if (FORBIDDEN.test(body)) return "control-chars";
  return null;
}

// Small waiting helpers: playwright-core ships no `expect`, so poll the page.
import assert from "node:assert/strict";

/** Polls `read()` until `ok(value)` holds; fails with the last value after `timeoutMs`. */
export async function eventually(read, ok, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the locator's text matches `pattern`; returns the text. */
export function textMatches(locator, pattern, timeoutMs) {
  return eventually(
    async () => ((await locator.count()) > 0 ? ((await locator.first().textContent()) ?? "") : ""),
    (t) => pattern.test(t),
    `text ${pattern}`,
    timeoutMs,
  );
}

/** The number in the footer ("41 listings on the board"). */
export async function footerCount(page) {
  const text = (await page.getByTestId("total-count").textContent()) ?? "";
  const m = /^([\d,]+) listings?/.exec(text);
  return m ? Number(m[1].replace(/,/g, "")) : null;
}

/** Opens the post form, types `body` and presses the form's Post button. */
export async function postThroughForm(page, body) {
  const toggle = page.getByTestId("post-toggle");
  if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  await page.getByLabel("Your listing").fill(body);
  await page.getByTestId("post-submit").click();
}

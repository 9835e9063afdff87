// Error paths leave the page usable: a rate-limited search or challenge counts
// down and recovers by itself; a vanished server gets a plain message, a retry
// button and a retry by itself (backoff, or at once when the browser is back
// online).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { launchBrowser, screenshot } from "./browser.mjs";
import { eventually, textMatches } from "./helpers.mjs";
import { createDatabase, dropDatabase, psql, startServer } from "./server.mjs";

let server, browser, context, page, databaseUrl;
const LIMITS = {
  RATE_READ_MAX: "4",
  RATE_READ_WINDOW_SECS: "6",
  RATE_CHALLENGE_MAX: "1",
  RATE_CHALLENGE_WINDOW_SECS: "6",
};

describe("error paths", { timeout: 120_000 }, () => {
  before(async () => {
    databaseUrl = await createDatabase();
    // Four reads per 6 s: the page load takes three (listings, count, countries).
    // One challenge per 6 s.
    server = await startServer(databaseUrl, LIMITS);
    await psql(
      databaseUrl,
      `INSERT INTO listings (body, ip_hash) VALUES ('apple pie recipe', sha256('a'::bytea))`,
    );
    browser = await launchBrowser();
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(server.url);
    await textMatches(page.getByTestId("status-line"), /^Showing 1 listing\.$/);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await dropDatabase(databaseUrl);
  });

  it("counts down on a rate-limited search and retries by itself", async () => {
    const search = page.getByLabel("Search listings");
    // Separate searches (beyond the debounce) until the read budget is gone.
    for (const q of ["a", "ap", "app"]) {
      await search.fill(q);
      await new Promise((r) => setTimeout(r, 400));
    }
    await textMatches(page.getByTestId("status-line"), /You are going a bit fast/);
    const countdown = await textMatches(page.getByTestId("status-countdown"), /Retrying in \d+ s/);
    assert.ok(Number(/(\d+) s/.exec(countdown)?.[1]) <= 6);
    await screenshot(page, "13-search-rate-limited");
    // When the window has passed, the last search runs again and succeeds.
    await textMatches(
      page.getByTestId("status-line"),
      /^Showing 1 listing matching “app”\.$/,
      15_000,
    );
  });

  it("waits out a rate-limited challenge and then solves", async () => {
    const pow = page.getByTestId("pow-status");
    await page.getByTestId("post-toggle").click();
    await textMatches(pow, /Ready to post/);
    // A finished proof outlives the page's form, not the page: reloading and
    // opening again asks for a second challenge within 6 s.
    await page.reload();
    await textMatches(page.getByTestId("status-line"), /^Showing 1 listing/, 15_000);
    await page.getByTestId("post-toggle").click();
    await textMatches(pow, /Anti-spam check failed: You are going a bit fast.*Retrying in \d+ s/);
    await screenshot(page, "15-challenge-rate-limited");
    await textMatches(pow, /Ready to post/, 15_000);
    await page.getByTestId("post-toggle").click();
  });

  it("says the server is unreachable, offers a retry and comes back by itself", async () => {
    await server.stop();
    await page.getByLabel("Search listings").fill("pie");
    await textMatches(page.getByTestId("status-line"), /Can't reach the server/);
    await textMatches(page.getByTestId("status-countdown"), /Retrying in \d+ s/);
    assert.equal(await page.getByRole("button", { name: "Try now" }).count(), 1);
    // The previous results stay, marked as out of date.
    assert.equal(
      await page.getByRole("list", { name: "Search results" }).getAttribute("aria-busy"),
      "true",
    );
    // The page stays usable: the search box still takes input.
    await page.getByLabel("Search listings").fill("pies");
    await textMatches(page.getByTestId("status-line"), /Can't reach the server/);
    await screenshot(page, "14-server-unreachable");
    // The server comes back at the same address: the backoff's retry finds it.
    server = await startServer(databaseUrl, LIMITS, { port: server.port });
    await textMatches(page.getByTestId("status-line"), /^No listings matching “pies”\.$/, 45_000);
  });

  it("retries at once when the browser is back online", async () => {
    await context.setOffline(true);
    await page.getByLabel("Search listings").fill("apple");
    await textMatches(page.getByTestId("status-line"), /Can't reach the server/);
    // Offline long enough for the backoff to grow past a few seconds.
    const wait = await eventually(
      async () =>
        Number(
          /(\d+) s/.exec((await page.getByTestId("status-countdown").textContent()) ?? "")?.[1],
        ),
      (n) => n >= 5,
      "a backoff of 5 s or more",
      40_000,
    );
    const dueAt = Date.now() + wait * 1000;
    await context.setOffline(false);
    await textMatches(page.getByTestId("status-line"), /^Showing 1 listing matching “apple”\.$/);
    assert.ok(
      Date.now() < dueAt - 1000,
      "recovered on the online event, before the backoff ran out",
    );
  });
});

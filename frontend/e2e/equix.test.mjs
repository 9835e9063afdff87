// The Equi-X puzzle end to end (POW_ALGORITHM=equix): the web UI solves the server's
// challenges in its workers, shows progress in attempts/s, posts (201, the server
// verifying every Equi-X solution), and closing the form mid-solve stops the workers.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { launchBrowser, screenshot } from "./browser.mjs";
import { eventually, postThroughForm, textMatches } from "./helpers.mjs";
import { createDatabase, dropDatabase, psql, startServer } from "./server.mjs";

let server, browser, page, databaseUrl;

/** One X-PoW-Nonce entry per sub-puzzle: `<n>-<32 lowercase hex>`. */
const ENTRY = "(0|[1-9][0-9]{0,19})-[0-9a-f]{32}";

describe("posting with POW_ALGORITHM=equix", { timeout: 300_000 }, () => {
  before(async () => {
    databaseUrl = await createDatabase();
    // The server's equix defaults (difficulty 4, k = 4), stated because the test
    // server's defaults are the SHA-256 ones.
    server = await startServer(databaseUrl, {
      POW_ALGORITHM: "equix",
      POW_DIFFICULTY: "4",
      POW_SUBPUZZLES: "4",
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(server.url);
    await textMatches(page.getByTestId("status-line"), /No listings yet/);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await dropDatabase(databaseUrl);
  });

  it("solves the equix challenge in the browser and the server accepts the post", async () => {
    const challenge = page.waitForResponse((r) => r.url().includes("/api/pow/challenge"));
    await page.getByTestId("post-toggle").click();
    const ch = await (await challenge).json();
    assert.equal(ch.algorithm, "equix");
    assert.equal(ch.subpuzzles, 4);
    await textMatches(page.getByTestId("pow-status"), /Ready to post\./, 60_000);

    const posted = page.waitForResponse(
      (r) => r.url().endsWith("/api/listings") && r.request().method() === "POST",
    );
    await postThroughForm(page, "posted with Equi-X from a real browser");
    const response = await posted;
    const sent = response.request().headers()["x-pow-nonce"];
    assert.equal(response.status(), 201, `${await response.text()} for X-PoW-Nonce: ${sent}`);
    const headers = response.request().headers();
    assert.equal(headers["x-pow-challenge"], ch.challenge);
    assert.match(headers["x-pow-nonce"], new RegExp(`^${ENTRY}(,${ENTRY}){3}$`));
    await textMatches(page.getByTestId("status-line"), /Your listing was posted/);
    assert.equal(
      await psql(databaseUrl, "SELECT body FROM listings"),
      "posted with Equi-X from a real browser",
    );
    await screenshot(page, "equix-01-posted");
  });

  it("shows progress in attempts/s and stops the workers when the form closes", async () => {
    // A harder challenge (2^12 attempts: minutes here) so the solve is still running.
    await server.stop();
    server = await startServer(
      databaseUrl,
      { POW_ALGORITHM: "equix", POW_DIFFICULTY: "12", POW_SUBPUZZLES: "4" },
      { port: server.port },
    );
    await page.reload();
    await textMatches(page.getByTestId("status-line"), /\b1 listing\b/);
    await page.getByTestId("post-toggle").click();
    await eventually(
      () => page.workers().length,
      (n) => n > 0,
      "workers started",
    );
    const progress = await textMatches(
      page.getByTestId("pow-progress"),
      /attempts\/s · \d+% of expected work/,
      60_000,
    );
    assert.doesNotMatch(progress, /hashes/);
    // The wait at the measured rate, in the puzzle's own unit.
    assert.match(
      await page.getByTestId("pow-wait").innerText(),
      /^Ready to post in (about \d+ (s|min)|a moment)$/,
    );
    await screenshot(page, "equix-02-solving");
    await page.getByTestId("post-toggle").click(); // close while solving
    await eventually(
      () => page.workers().length,
      (n) => n === 0,
      "workers terminated",
    );
  });
});

// Search in every script, in a browser: a Japanese word inside a sentence finds its
// listing, and the word the server matched is marked in the result.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { launchBrowser, screenshot } from "./browser.mjs";
import { eventually, textMatches } from "./helpers.mjs";
import { createDatabase, dropDatabase, psql, startServer } from "./server.mjs";

let server, browser, page, databaseUrl;

describe("search in every script", { timeout: 120_000 }, () => {
  before(async () => {
    databaseUrl = await createDatabase();
    server = await startServer(databaseUrl); // runs the migrations
    await psql(
      databaseUrl,
      `INSERT INTO listings (body, ip_hash) VALUES
         ('東京で中古の自転車を売ります', sha256('ja'::bytea)),
         ('我在北京卖二手自行车', sha256('zh'::bytea)),
         ('Café crème à München', sha256('fr'::bytea))`,
    );
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(server.url);
    await textMatches(page.getByTestId("status-line"), /^Showing 3 listings/);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await dropDatabase(databaseUrl);
  });

  it("finds a Japanese word inside a sentence and marks it", async () => {
    await page.getByLabel("Search listings").fill("自転車");
    await textMatches(page.getByTestId("status-line"), /Showing 1 listing matching “自転車”/);
    const item = page.getByTestId("listing");
    assert.equal(await item.count(), 1);
    assert.equal(await item.locator("p").first().textContent(), "東京で中古の自転車を売ります");
    assert.deepEqual(await item.locator("mark").allTextContents(), ["自転車"]);
    await screenshot(page, "40-search-japanese");
  });

  it("marks folded words as they are written", async () => {
    await page.getByLabel("Search listings").fill("cafe munch");
    await textMatches(page.getByTestId("status-line"), /Showing 1 listing matching/);
    await eventually(
      () => page.getByTestId("listing").locator("mark").allTextContents(),
      (marks) => marks.join("|") === "Café|München",
      "marked words",
    );
  });
});

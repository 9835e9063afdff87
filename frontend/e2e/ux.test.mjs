// The web UI as people use it, beyond the first visit: the address bar (reload,
// back/forward, shared links, unknown paths), drafts that survive closing the
// form, the infinite list with the keyboard, text in any script, and a list that
// says when new listings arrived.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import AxeBuilder from "@axe-core/playwright";

import { launchBrowser, screenshot } from "./browser.mjs";
import { eventually, textMatches } from "./helpers.mjs";
import { createDatabase, dropDatabase, psql, startServer } from "./server.mjs";

let server, browser, page, databaseUrl;
const challenges = [];

async function noSeriousViolations(p) {
  const results = await new AxeBuilder({ page: p }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
    [],
  );
}

const status = () => page.getByTestId("status-line");
const listings = () => page.getByTestId("listing");
const focusedListing = () =>
  page.evaluate(() =>
    [...document.querySelectorAll("[data-testid=listing]")].indexOf(document.activeElement),
  );

describe("the web UI as people use it", { timeout: 180_000 }, () => {
  before(async () => {
    databaseUrl = await createDatabase();
    server = await startServer(databaseUrl); // runs the migrations
    // 70 listings: three pages of 30. Every third is from France; one is in Hebrew.
    await psql(
      databaseUrl,
      `INSERT INTO listings (body, ip_hash, country, created_at)
       SELECT CASE WHEN i = 5 THEN 'שלום, אופניים למכירה' ELSE 'old listing number ' || i END,
              sha256(i::text::bytea), CASE WHEN i % 3 = 0 THEN 'FR' ELSE 'DE' END,
              now() - i * interval '3 minutes'
         FROM generate_series(1, 70) AS i`,
    );
    browser = await launchBrowser();
    // A context of its own: axe-core needs one.
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    page.on("request", (req) => {
      if (new URL(req.url()).pathname === "/api/pow/challenge") challenges.push(Date.now());
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await dropDatabase(databaseUrl);
  });

  it("keeps the search and the country in the address bar", async () => {
    // A shared link opens the same view.
    await page.goto(`${server.url}/?q=old&country=fr`);
    await textMatches(status(), /^Showing 23 listings matching “old” from France\.$/);
    assert.equal(await page.getByLabel("Search listings").inputValue(), "old");
    assert.equal(await page.getByLabel("Country", { exact: true }).inputValue(), "FR");
    assert.equal(await page.getByRole("heading", { name: "Search results" }).count(), 1);

    // Typing replaces the entry; a new country adds one, so Back returns to France.
    await page.getByLabel("Search listings").fill("old listing");
    await eventually(
      () => new URL(page.url()).searchParams.get("q"),
      (q) => q === "old listing",
      "q in the URL",
    );
    await page.getByLabel("Country", { exact: true }).selectOption("DE");
    await textMatches(status(), /from Germany\.( Scroll for more\.)?$/);
    assert.equal(new URL(page.url()).searchParams.get("country"), "DE");
    await page.goBack();
    await textMatches(status(), /^Showing 23 listings matching “old listing” from France\.$/);
    assert.equal(await page.getByLabel("Country", { exact: true }).inputValue(), "FR");
    await page.goForward();
    await textMatches(status(), /matching “old listing” from Germany\./);

    // Reload keeps the view.
    await page.reload();
    await textMatches(status(), /matching “old listing” from Germany\./);
    assert.equal(await page.getByLabel("Search listings").inputValue(), "old listing");
    await screenshot(page, "20-url-state");
  });

  it("shows a page of its own for an unknown path", async () => {
    const res = await page.goto(`${server.url}/listings/does-not-exist`);
    assert.ok(res?.ok());
    await textMatches(page.getByTestId("not-found"), /Page not found/);
    assert.equal(await page.getByTestId("listing").count(), 0);
    assert.match(await page.title(), /not found/i);
    await screenshot(page, "21-not-found");
    await noSeriousViolations(page);
    await page.getByRole("link", { name: "Go to the board" }).click();
    await textMatches(status(), /^Showing 30 listings\. Scroll for more\.$/);
  });

  it("keeps the draft and the finished check when the form is closed", async () => {
    const toggle = page.getByTestId("post-toggle");
    await toggle.click();
    await page.getByLabel("Your listing").fill("bike for sale, barely used");
    await textMatches(page.getByTestId("pow-status"), /Ready to post\./);
    const fetched = challenges.length;
    // Escape, Cancel and Close all keep both.
    await page.keyboard.press("Escape");
    assert.equal(await page.locator("#post-form").count(), 0);
    await toggle.click();
    assert.equal(await page.getByLabel("Your listing").inputValue(), "bike for sale, barely used");
    await textMatches(page.getByTestId("pow-status"), /Ready to post\./);
    await page.getByRole("button", { name: "Cancel" }).click();
    await toggle.click();
    await toggle.click(); // Close
    await toggle.click();
    assert.equal(await page.getByLabel("Your listing").inputValue(), "bike for sale, barely used");
    await textMatches(page.getByTestId("pow-status"), /Ready to post\./);
    assert.equal(challenges.length, fetched, "no new challenge: the finished one was kept");
    // The text box and the search take their direction from what is typed.
    assert.equal(await page.getByLabel("Your listing").getAttribute("dir"), "auto");
    assert.equal(await page.getByLabel("Search listings").getAttribute("dir"), "auto");
    await screenshot(page, "22-draft-kept");
    await toggle.click();
  });

  it("shows right-to-left text right to left", async () => {
    const hebrew = listings().filter({ hasText: "שלום" });
    const direction = await hebrew
      .locator("p")
      .first()
      .evaluate((el) => getComputedStyle(el).direction);
    assert.equal(direction, "rtl");
    const latin = await listings()
      .first()
      .locator("p")
      .first()
      .evaluate((el) => getComputedStyle(el).direction);
    assert.equal(latin, "ltr");
  });

  it("does not load more under the keyboard, and says where the list ends", async () => {
    await page.reload();
    await textMatches(status(), /^Showing 30 listings\. Scroll for more\.$/);
    // Tab from the top: past the search, the filters and the listings (no tab stop
    // in each) to "Load more".
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => document.activeElement?.textContent)) === "Load more") break;
    }
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Load more");
    await page.keyboard.press("Enter");
    await eventually(focusedListing, (i) => i === 30, "focus on the first new listing");
    // Scrolling to the very end while the keyboard is in the list loads nothing.
    await page.mouse.wheel(0, 100_000);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(await listings().count(), 60);
    // Once focus leaves the list, the end of the list loads the rest.
    await page.getByLabel("Search listings").focus();
    await page.mouse.wheel(0, 100_000);
    await eventually(
      () => listings().count(),
      (n) => n === 70,
      "the last page",
    );
    await textMatches(
      page.getByTestId("end-of-list"),
      /^End of the list: all 70 listings shown\.$/,
    );
    await page.getByTestId("end-of-list").scrollIntoViewIfNeeded();
    await screenshot(page, "23-end-of-list");
  });

  it("says when new listings arrived and shows them on request", async () => {
    await page.reload();
    await textMatches(status(), /^Showing 30 listings/);
    await psql(
      databaseUrl,
      `INSERT INTO listings (body, ip_hash, country)
       VALUES ('fresh listing one', sha256('n1'::bytea), 'JP'),
              ('fresh listing two', sha256('n2'::bytea), NULL)`,
    );
    // Coming back to the window looks for news at once (otherwise every 30 s).
    await page.evaluate(() => window.dispatchEvent(new Event("focus")));
    const show = page.getByTestId("show-new");
    await textMatches(show, /^2 new listings — show$/);
    assert.match((await listings().first().textContent()) ?? "", /old listing number 1\b/);
    await screenshot(page, "24-new-listings");
    await noSeriousViolations(page);
    await show.click();
    await eventually(
      async () => (await listings().first().textContent()) ?? "",
      (t) => t.includes("fresh listing two"),
      "the new listings on top",
    );
    await eventually(focusedListing, (i) => i === 0, "focus on the newest listing");
    assert.equal(await show.count(), 0);
  });
});

// Browser tests against the real server, PostgreSQL and proof of work (low
// difficulty), in one sequential story: empty board, a post, search, many
// listings and infinite scroll, the keyboard, the write limit, accessibility.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import AxeBuilder from "@axe-core/playwright";

import { launchBrowser, screenshot } from "./browser.mjs";
import { eventually, footerCount, postThroughForm, textMatches } from "./helpers.mjs";
import { createDatabase, dropDatabase, psql, startServer } from "./server.mjs";

const WRITE_MAX = 3;
let server, browser, context, page, databaseUrl;
let posted = 0; // listings this suite has posted so far (against the write budget)

const word = `zebrafish${Date.now().toString(36)}`;

describe("powboard in a browser", { timeout: 300_000 }, () => {
  before(async () => {
    databaseUrl = await createDatabase();
    server = await startServer(databaseUrl, { RATE_WRITE_MAX: String(WRITE_MAX) });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await dropDatabase(databaseUrl);
  });

  it("shows a clear empty state on an empty board", async () => {
    const status = page.getByTestId("status-line");
    await textMatches(status, /^No listings yet\.$/);
    assert.match(await page.getByTestId("empty-state").innerText(), /No listings yet/);
    await eventually(
      () => footerCount(page),
      (n) => n === 0,
      "footer count",
    );
    assert.match(
      await page.locator("footer").innerText(),
      /ip-location-db \(CC BY 4\.0, data from NRO\)/,
    );
    await screenshot(page, "01-empty-board");
    // The post form is a named region; while it is open the empty state does not
    // offer a second way to open it.
    await page.getByTestId("post-toggle").click();
    assert.equal(await page.getByRole("region", { name: "New listing" }).count(), 1);
    assert.equal(await page.getByRole("button", { name: "Post a listing" }).count(), 0);
    await page.getByTestId("post-toggle").click();
    assert.equal(await page.getByRole("button", { name: "Post a listing" }).count(), 1);
  });

  it("posts a listing with real proof of work and finds it by a word prefix", async () => {
    const before = await footerCount(page);
    const body = `${word} club meets on Tuesdays\n  at the old harbour`;
    await page.getByTestId("post-toggle").click();
    await textMatches(page.getByTestId("pow-status"), /Ready to post/);
    await screenshot(page, "02-post-form-solved");
    await postThroughForm(page, body);
    posted++;
    await textMatches(page.getByTestId("status-line"), /Your listing was posted/);
    // The form closed and the new listing is on top, whitespace kept.
    assert.equal(await page.locator("#post-form").count(), 0);
    const first = page.getByTestId("listing").first();
    assert.equal(await first.locator("p").first().textContent(), body);
    await eventually(
      () => footerCount(page),
      (n) => n === (before ?? 0) + 1,
      "count after post",
    );

    // The server agrees (its count is cached for a moment).
    await eventually(
      async () => (await (await fetch(`${server.url}/api/listings/count`)).json()).count,
      (n) => n === 1,
      "server count",
    );

    await page.getByLabel("Search listings").fill(word.slice(0, 7));
    await textMatches(
      page.getByTestId("status-line"),
      new RegExp(`Showing 1 listing matching “${word.slice(0, 7)}”`),
    );
    assert.equal(await page.getByTestId("listing").count(), 1);
    assert.equal(new URL(page.url()).searchParams.get("q"), word.slice(0, 7));
    await screenshot(page, "03-search-prefix");

    await page.getByLabel("Search listings").fill("nosuchwordanywhere");
    await textMatches(page.getByTestId("status-line"), /No listings matching “nosuchwordanywhere”/);
    assert.match(await page.getByTestId("empty-state").innerText(), /Nothing matches your search/);
    await screenshot(page, "04-search-empty");
    await page.getByRole("button", { name: "Clear search" }).click();
    await textMatches(page.getByTestId("status-line"), /^Showing 1 listing\.$/);
    // Back in the search box, ready for the next search; the address bar follows.
    assert.equal(await page.evaluate(() => document.activeElement?.id), "search");
    assert.equal(new URL(page.url()).search, "");
  });

  it("loads the second page when scrolled to the end", async () => {
    // Seeded straight into the table: 40 listings need no proof of work this way.
    await psql(
      databaseUrl,
      `INSERT INTO listings (body, ip_hash, country, created_at)
       SELECT 'seeded listing number ' || i, sha256(i::text::bytea),
              (ARRAY['DE', 'FR', 'JP', 'BR', NULL])[i % 5 + 1],
              now() - i * interval '7 minutes'
         FROM generate_series(1, 40) AS i`,
    );
    await page.reload();
    await textMatches(page.getByTestId("status-line"), /^Showing 30 listings\. Scroll for more\.$/);
    assert.equal(await page.getByTestId("listing").count(), 30);
    await screenshot(page, "05-first-page");

    await page.mouse.wheel(0, 100_000);
    await eventually(
      () => page.getByTestId("listing").count(),
      (n) => n === 41,
      "listings after scroll",
    );
    await textMatches(page.getByTestId("status-line"), /^Showing 41 listings\.$/);
    assert.equal(await page.getByRole("button", { name: "Load more" }).count(), 0);
    assert.equal(
      await page.getByTestId("end-of-list").innerText(),
      "End of the list: all 41 listings shown.",
    );
    assert.equal(await footerCount(page), 41);

    // Oldest last; flags carry the country name; exact time on the <time> element.
    const last = page.getByTestId("listing").last();
    assert.match((await last.textContent()) ?? "", /seeded listing number 40/);
    assert.equal(await last.getByRole("img").getAttribute("aria-label"), "Germany");
    // The code beside the flag, for systems that draw flag emoji as two letters.
    assert.match(await last.getByTestId("country").innerText(), /DE$/);
    assert.equal(await last.locator("p").first().getAttribute("dir"), "auto");
    assert.match((await last.locator("time").getAttribute("title")) ?? "", /\d{4}/);
    assert.match((await last.locator("time").textContent()) ?? "", /hours ago/);
  });

  it("filters by country and shows per-country counts", async () => {
    await page.getByText("Listings by country").click();
    const table = page.getByRole("table");
    assert.match(await table.innerText(), /Germany\s+8/);
    await screenshot(page, "06-country-stats");
    await page.getByLabel("Country", { exact: true }).selectOption("FR");
    await textMatches(page.getByTestId("status-line"), /^Showing 8 listings from France\.$/);
    const flags = await page
      .getByTestId("listing")
      .getByRole("img")
      .evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")));
    assert.deepEqual(new Set(flags), new Set(["France"]));
    await page.getByLabel("Country", { exact: true }).selectOption("");
    await textMatches(page.getByTestId("status-line"), /^Showing 30 listings\. Scroll for more\.$/);
  });

  it("works with the keyboard alone", async () => {
    await page.reload();
    await textMatches(page.getByTestId("status-line"), /^Showing 30 listings/);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "search");
    await page.keyboard.press("Tab"); // country
    await page.keyboard.press("Tab"); // Post
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Post");
    await page.keyboard.press("Enter");
    // The form takes focus in its text box.
    await eventually(
      () => page.evaluate(() => document.activeElement?.tagName),
      (t) => t === "TEXTAREA",
      "focus in the form",
    );
    await page.keyboard.type(`${word} typed on a keyboard`);
    await screenshot(page, "07-keyboard-form");
    await page.keyboard.press("Control+Enter");
    posted++;
    await textMatches(page.getByTestId("status-line"), /Your listing was posted/);
    // Focus went back to the Post toggle.
    await eventually(
      () => page.evaluate(() => document.activeElement?.getAttribute("data-testid")),
      (t) => t === "post-toggle",
      "focus back on the toggle",
    );
    // Onwards: the country table's summary, then straight past the listings (no tab
    // stop in each) to "Load more", which moves focus to the first new listing.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Load more");
    const shown = await page.getByTestId("listing").count();
    await page.keyboard.press("Enter");
    await eventually(
      () =>
        page.evaluate(() => {
          const items = [...document.querySelectorAll("[data-testid=listing]")];
          return items.indexOf(document.activeElement);
        }),
      (i) => i === shown,
      "focus on the first listing of the new page",
    );
    await screenshot(page, "07a-load-more-focus");
    // The exact time of a listing is a hover tooltip and part of its text.
    const time = page.getByTestId("listing").first().locator("time");
    assert.match((await time.textContent()) ?? "", /just now, .*\d{4}/);
    await time.hover();
    const tooltip = await textMatches(page.getByRole("tooltip"), /\d{4}/);
    assert.match(tooltip, /\d{1,2}:\d{2}/);
    await screenshot(page, "07b-time-tooltip");
  });

  it("counts down when the write limit is reached", async () => {
    let outcome = "";
    for (let attempt = 0; attempt <= WRITE_MAX && !/told|refused/.test(outcome); attempt++) {
      const toggle = page.getByTestId("post-toggle");
      if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
      await page.getByLabel("Your listing").fill(`${word} limit test ${attempt}`);
      const ready = await eventually(
        async () =>
          (await page.getByTestId("write-budget").count()) > 0
            ? "told"
            : (await page.getByTestId("pow-ready").count()) > 0
              ? "ready"
              : "",
        (o) => o !== "",
        "the form ready or saying the budget is spent",
        30_000,
      );
      if (ready === "told") {
        outcome = "told";
        break;
      }
      await page.getByTestId("post-submit").click();
      outcome = await eventually(
        async () => {
          if ((await page.getByTestId("rate-limit-countdown").count()) > 0) return "refused";
          const status = (await page.getByTestId("status-line").textContent()) ?? "";
          return /Your listing was posted/.test(status) &&
            (await page.locator("#post-form").count()) === 0
            ? "posted"
            : "";
        },
        (o) => o !== "",
        "post outcome",
      );
      if (outcome === "posted") posted++;
    }
    // The challenge answer carries the write budget's state: the form says so on
    // opening, before any wait, instead of after a refused post.
    assert.equal(outcome, "told", "the form said the budget was spent when it opened");
    assert.equal(posted, WRITE_MAX, "stopped exactly after the budget was used");
    const countdown = page.getByTestId("rate-limit-countdown");
    const first = Number(/(\d+) s/.exec((await countdown.textContent()) ?? "")?.[1]);
    assert.ok(first > 0 && first <= 60, `countdown starts within the window: ${first}`);
    assert.match(
      await page.getByTestId("write-budget").innerText(),
      /You have used all 3 posts allowed for now/,
    );
    // Never "Ready to post" beside a wait.
    assert.doesNotMatch(await page.getByTestId("pow-status").innerText(), /Ready to post/);
    const submit = page.getByTestId("post-submit");
    assert.ok(await submit.isDisabled());
    assert.match((await submit.textContent()) ?? "", /^Wait \d+ s$/);
    await screenshot(page, "08-rate-limited");
    await eventually(
      async () => Number(/(\d+) s/.exec((await countdown.textContent()) ?? "")?.[1]),
      (n) => n < first,
      "countdown ticking",
      5_000,
    );
    // The form stays open, limited, for the accessibility check next.
  });

  it("has no serious or critical accessibility violations", async () => {
    // The form is open in its limited state (see above).
    assert.equal(await page.getByTestId("post-toggle").getAttribute("aria-expanded"), "true");
    await page.getByText("Listings by country").click();
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepEqual(
      bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
      [],
    );
    await page.getByTestId("post-toggle").click();
  });

  it("fits a phone-sized screen", async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const p = await phone.newPage();
    await p.goto(server.url);
    await textMatches(p.getByTestId("status-line"), /^Showing 30 listings/);
    const overflow = await p.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px`);
    await screenshot(p, "09-phone");
    await p.getByTestId("post-toggle").click();
    await p.getByLabel("Your listing").fill("From a phone");
    await screenshot(p, "10-phone-post-form");
    await phone.close();
  });

  it("reads well in dark mode too", async () => {
    const dark = await browser.newContext({
      colorScheme: "dark",
      viewport: { width: 900, height: 800 },
    });
    const p = await dark.newPage();
    await p.goto(server.url);
    await textMatches(p.getByTestId("status-line"), /^Showing 30 listings/);
    await p.getByTestId("post-toggle").click();
    await p.getByText("Listings by country").click();
    const results = await new AxeBuilder({ page: p }).withRules(["color-contrast"]).analyze();
    assert.deepEqual(
      results.violations.map(
        (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
      ),
      [],
    );
    await screenshot(p, "12-dark");
    await dark.close();
  });
});

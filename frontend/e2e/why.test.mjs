// The post form says why posting takes as long as it does, before the wait: the
// expected time at this device's rate, the reasons from the challenge's
// difficulty breakdown (the person's own recent posts, a busy board), and a spent
// write budget with its wait as soon as the form opens.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import AxeBuilder from "@axe-core/playwright";

import { launchBrowser, screenshot } from "./browser.mjs";
import { postThroughForm, textMatches } from "./helpers.mjs";
import { createDatabase, dropDatabase, startServer } from "./server.mjs";

let server, browser, page, databaseUrl;

describe("the post form explains the wait", { timeout: 120_000 }, () => {
  before(async () => {
    databaseUrl = await createDatabase();
    server = await startServer(databaseUrl, {
      // One bit per own post in the last hour; the surge counts posts site-wide
      // against a baseline of half a post per 10 minutes, so one post makes it busy.
      POW_ADAPTIVE_STEP: "1",
      POW_SURGE_BASELINE: "0.5",
      POW_SURGE_WINDOW_SECS: "600",
      RATE_WRITE_MAX: "2",
    });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(server.url);
    await textMatches(page.getByTestId("status-line"), /No listings yet/);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await dropDatabase(databaseUrl);
  });

  it("says nothing extra at the base difficulty", async () => {
    await page.getByTestId("post-toggle").click();
    await textMatches(page.getByTestId("pow-status"), /Ready to post\./);
    assert.equal(await page.getByTestId("pow-reasons").count(), 0);
    await postThroughForm(page, "first post, at the base difficulty");
    await textMatches(page.getByTestId("status-line"), /Your listing was posted/);
  });

  it("names the person's own posts and a busy board before the wait", async () => {
    // No wait: the instance that accepted the first post dropped its surge count.
    await page.getByTestId("post-toggle").click();
    const reasons = await textMatches(
      page.getByTestId("pow-status"),
      /You posted 1 time in the last hour/,
    );
    assert.match(
      reasons,
      /You posted 1 time in the last hour, so each post takes a little longer\./,
    );
    assert.match(reasons, /The board is busy: posting takes longer right now\./);
    await screenshot(page, "25-why-longer");
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepEqual(
      bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
      [],
    );
    await textMatches(page.getByTestId("pow-status"), /Ready to post\./, 60_000);
    await postThroughForm(page, "second post, a little slower");
    await textMatches(page.getByTestId("status-line"), /Your listing was posted/);
  });

  it("says on opening that the write budget is spent, with the wait", async () => {
    await page.getByTestId("post-toggle").click();
    const notice = await textMatches(
      page.getByTestId("write-budget"),
      /You have used all 2 posts allowed for now\./,
    );
    // Under a minute it reads "42 s", a whole minute "1:00" (the budget's slot frees at
    // the end of a sub-window, so a quick second post can leave the full 60 s).
    const m = /You can post again in (?:(\d+) s|(\d+):(\d\d))\./.exec(notice);
    const wait = m?.[1] ? Number(m[1]) : Number(m?.[2]) * 60 + Number(m?.[3]);
    assert.ok(wait > 0 && wait <= 60, `the wait is within the window: ${notice}`);
    const submit = page.getByTestId("post-submit");
    assert.ok(await submit.isDisabled());
    assert.match((await submit.textContent()) ?? "", /^Wait (\d+ s|\d+:\d\d)$/);
    // Never "Ready to post" beside the wait, whatever the check is doing.
    const pow = await textMatches(
      page.getByTestId("pow-status"),
      /Anti-spam check (done|finishes)|starts when you can post/,
    );
    assert.doesNotMatch(pow, /Ready to post/);
    await screenshot(page, "26-budget-spent-on-open");
  });
});

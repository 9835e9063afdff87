// Challenge lifetimes: a solved challenge is renewed before it expires, and a post
// whose proof expired anyway is re-solved and sent again without the user noticing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { launchBrowser } from "./browser.mjs";
import { eventually, postThroughForm, textMatches } from "./helpers.mjs";
import { createDatabase, dropDatabase, startServer } from "./server.mjs";

let databaseUrl, browser;

/** A page on a server whose challenges live `ttl` seconds; counts challenge fetches and post results. */
async function boardWithTtl(ttl) {
  const server = await startServer(databaseUrl, { POW_TTL_SECONDS: String(ttl) });
  const page = await browser.newPage();
  const seen = { challenges: 0, posts: [] };
  page.on("response", async (res) => {
    const url = new URL(res.url());
    if (url.pathname === "/api/pow/challenge") seen.challenges++;
    if (url.pathname === "/api/listings" && res.request().method() === "POST") {
      const body = await res.json().catch(() => null);
      seen.posts.push(`${res.status()} ${body?.error?.code ?? ""}`.trim());
    }
  });
  await page.goto(server.url);
  await textMatches(page.getByTestId("status-line"), /No listings yet|Showing/);
  return { server, page, seen };
}

describe("challenge expiry", { timeout: 120_000 }, () => {
  before(async () => {
    databaseUrl = await createDatabase();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await dropDatabase(databaseUrl);
  });

  it("fetches a new challenge before the solved one expires", async () => {
    // 12 s lifetime: the form renews 5 s early, but never sooner than 10 s in.
    const { server, page, seen } = await boardWithTtl(12);
    try {
      await page.getByTestId("post-toggle").click();
      await textMatches(page.getByTestId("pow-status"), /Ready to post/);
      assert.equal(seen.challenges, 1);
      await eventually(
        () => seen.challenges,
        (n) => n === 2,
        "a renewed challenge",
        15_000,
      );
      await textMatches(page.getByTestId("pow-status"), /Ready to post/);
      // Past the first challenge's expiry: the post must go out with the new one.
      await new Promise((r) => setTimeout(r, 3_000));
      await postThroughForm(page, "posted after a renewal");
      await textMatches(page.getByTestId("status-line"), /Your listing was posted/);
      // The response listener reads bodies asynchronously.
      await eventually(
        () => seen.posts.length,
        (n) => n >= 1,
        "post responses",
      );
      assert.deepEqual(seen.posts, ["201"]);
    } finally {
      await page.close();
      await server.stop();
    }
  });

  it("re-solves once and resends when the server says the proof expired", async () => {
    // 5 s (the server's minimum) is shorter than the 10 s renewal floor: the held proof goes stale.
    const { server, page, seen } = await boardWithTtl(5);
    try {
      await page.getByTestId("post-toggle").click();
      await textMatches(page.getByTestId("pow-status"), /Ready to post/);
      await new Promise((r) => setTimeout(r, 6_500));
      await postThroughForm(page, "posted after an expired proof");
      await textMatches(page.getByTestId("status-line"), /Your listing was posted/);
      await eventually(
        () => seen.posts.length,
        (n) => n >= 2,
        "post responses",
      );
      assert.deepEqual(seen.posts, ["403 POW_EXPIRED", "201"]);
      assert.equal(seen.challenges, 2);
    } finally {
      await page.close();
      await server.stop();
    }
  });
});

// Challenge lifetimes: a solved challenge is renewed before it expires, a post
// whose proof expired anyway is re-solved and sent again without the user noticing,
// and a challenge being solved is never renewed: only when it really expires is
// it replaced, and the form says so.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { launchBrowser, screenshot } from "./browser.mjs";
import { eventually, postThroughForm, textMatches } from "./helpers.mjs";
import { createDatabase, dropDatabase, startServer } from "./server.mjs";

let databaseUrl, browser;

/**
 * A page on a server whose challenges live `ttl` seconds; counts challenge fetches
 * (with when they arrived and their expiry) and post results.
 */
async function boardWithTtl(ttl, env = {}) {
  const server = await startServer(databaseUrl, { POW_TTL_SECONDS: String(ttl), ...env });
  const page = await browser.newPage();
  const seen = { challenges: 0, issued: [], posts: [] };
  page.on("response", async (res) => {
    const url = new URL(res.url());
    if (url.pathname === "/api/pow/challenge") {
      seen.challenges++;
      const at = Date.now();
      const body = await res.json().catch(() => null);
      seen.issued.push({ at, expiresAt: (body?.expires_at ?? 0) * 1000 });
    }
    if (url.pathname === "/api/listings" && res.request().method() === "POST") {
      const body = await res.json().catch(() => null);
      seen.posts.push(`${res.status()} ${body?.error?.code ?? ""}`.trim());
    }
  });
  await page.goto(server.url);
  await textMatches(page.getByTestId("status-line"), /No listings yet|Showing/);
  return { server, page, seen };
}

describe("challenge expiry", { timeout: 420_000 }, () => {
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

  it("says so when a challenge expires while being solved, and renews it only then", async () => {
    // Difficulty 29 takes far longer than 12 s here; the lifetime is capped at 12 s
    // (POW_TTL_MAX_SECONDS, for servers whose lifetime follows the difficulty). A
    // renewal 5 s before expiry (as a finished proof gets) would come at 10 s.
    const { server, page, seen } = await boardWithTtl(12, {
      POW_DIFFICULTY: "29",
      POW_TTL_MAX_SECONDS: "12",
    });
    try {
      await page.getByTestId("post-toggle").click();
      await page.getByLabel("Your listing").fill("a draft that waits");
      await textMatches(page.getByTestId("pow-status"), /hashes\/s/, 30_000);
      await textMatches(
        page.getByTestId("pow-status"),
        /The last puzzle expired before it could be used/,
        30_000,
      );
      await screenshot(page, "16-expired-while-solving");
      await eventually(
        () => seen.issued.length,
        (n) => n >= 2,
        "a second challenge",
      );
      const [first, second] = seen.issued;
      // Not one moment of the first challenge's life was thrown away (the Date
      // header and expires_at have whole-second resolution).
      assert.ok(
        second.at >= first.expiresAt - 1_000,
        `renewed ${first.expiresAt - second.at} ms before the first challenge expired`,
      );
      assert.equal(await page.getByLabel("Your listing").inputValue(), "a draft that waits");
      await page.getByTestId("post-toggle").click(); // close: the workers stop
    } finally {
      await page.close();
      await server.stop();
    }
  });

  it("posts at difficulty 28 with POW_TTL_SECONDS=5 without any reset of its progress", async () => {
    // The challenge's lifetime follows its difficulty (3x the expected solve time of
    // a slow device), so a 5 s floor no longer cuts a long solve short.
    const { server, page, seen } = await boardWithTtl(5, { POW_DIFFICULTY: "28" });
    try {
      await page.getByTestId("post-toggle").click();
      await page.getByLabel("Your listing").fill("posted at difficulty 28");
      // The share of expected work, read every 250 ms in order.
      const shares = [];
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          const text = await page
            .getByTestId("pow-progress")
            .textContent({ timeout: 500 })
            .catch(() => null);
          const pct = /(\d+)% of expected work/.exec(text ?? "")?.[1];
          if (pct !== undefined) shares.push(Number(pct));
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      try {
        // Post pressed early: the form says when the post will go out, then sends it.
        await textMatches(page.getByTestId("pow-progress"), /hashes\/s/, 60_000);
        await page.getByTestId("post-submit").click();
        await textMatches(
          page.getByTestId("pow-wait"),
          /^Posting in (about \d+ (s|min)|a moment)$/,
        );
        await screenshot(page, "17-posting-in");
        await textMatches(page.getByTestId("status-line"), /Your listing was posted/, 300_000);
      } finally {
        watching = false;
        await watcher;
      }
      await eventually(
        () => seen.posts.length,
        (n) => n >= 1,
        "post responses",
      );
      assert.deepEqual(seen.posts, ["201"]);
      assert.equal(seen.challenges, 1, "one challenge, never renewed or replaced");
      assert.ok(shares.length > 3, `progress was shown: ${JSON.stringify(shares)}`);
      assert.deepEqual(
        shares,
        [...shares].sort((a, b) => a - b),
        "the progress never went back",
      );
      const [issued] = seen.issued;
      assert.ok(
        issued.expiresAt - issued.at > 60_000,
        `the challenge lives longer than the 5 s floor: ${issued.expiresAt - issued.at} ms`,
      );
    } finally {
      await page.close();
      await server.stop();
    }
  });
});

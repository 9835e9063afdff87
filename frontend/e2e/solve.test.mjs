// The solver at a realistic difficulty: the page stays responsive (no main-thread
// task over 50 ms while the workers run), progress is shown, and closing the form
// terminates the workers.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { launchBrowser, screenshot } from "./browser.mjs";
import { eventually, textMatches } from "./helpers.mjs";
import { createDatabase, dropDatabase, startServer } from "./server.mjs";
import { rendererMainTasks } from "./trace.mjs";

const TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline"];

const DIFFICULTY = process.env.E2E_SOLVE_DIFFICULTY ?? "25";
let server, browser, page, databaseUrl;

describe(`solving at difficulty ${DIFFICULTY}`, { timeout: 300_000 }, () => {
  before(async () => {
    databaseUrl = await createDatabase();
    server = await startServer(databaseUrl, { POW_DIFFICULTY: DIFFICULTY });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    // Long tasks are recorded from page start; the test looks only at the solve.
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          window.__longTasks.push({ start: e.startTime, duration: e.duration });
        }
      }).observe({ type: "longtask", buffered: true });
    });
    await page.goto(server.url);
    await textMatches(page.getByTestId("status-line"), /No listings yet/);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await dropDatabase(databaseUrl);
  });

  it("keeps the main thread free while solving and shows progress", async (t) => {
    const tracePath = path.join(tmpdir(), `powboard-solve-trace-${process.pid}.json`);
    const t0 = await page.evaluate(() => performance.now());
    await browser.startTracing(page, { path: tracePath, categories: TRACE_CATEGORIES });
    await page.getByTestId("post-toggle").click();
    // Typing while the workers run must stay possible.
    await page.getByLabel("Your listing").pressSequentially("typing while solving", { delay: 20 });
    const progress = await textMatches(
      page.getByTestId("pow-status"),
      /hashes\/s|Ready to post\./,
      30_000,
    );
    // At this difficulty the work takes seconds here, so progress and the wait
    // at this device's measured rate must show.
    assert.match(progress, /Ready to post in (about \d+ (s|min)|a moment)/);
    assert.match(progress, /hashes\/s · \d+% of expected work/);
    // No screenshot in this window: capturing a frame is main-thread work too.
    await textMatches(page.getByTestId("pow-status"), /Ready to post\./, 240_000);
    await browser.stopTracing();
    const t1 = await page.evaluate(() => performance.now());
    assert.equal(await page.getByLabel("Your listing").inputValue(), "typing while solving");

    const longTasks = await page.evaluate(
      ([a, b]) => window.__longTasks.filter((x) => x.start >= a && x.start <= b),
      [t0, t1],
    );
    const tasks = rendererMainTasks(tracePath);
    rmSync(tracePath, { force: true });
    assert.ok(tasks.length > 10, "the trace holds the page's main thread");
    const heaviest = tasks.reduce((m, x) => (x.cpuMs > m.cpuMs ? x : m));
    t.diagnostic(
      `PerformanceObserver long tasks (wall time): ${JSON.stringify(longTasks)}; ` +
        `heaviest main-thread task: ${heaviest.cpuMs.toFixed(1)} ms CPU, ${heaviest.wallMs.toFixed(1)} ms wall`,
    );
    // A long task by wall time on a loaded machine can be the renderer waiting for a
    // CPU; what the page must never do is 50 ms of work in one task.
    const blocking = tasks.filter((x) => x.cpuMs > 50);
    assert.deepEqual(blocking, [], "main-thread tasks doing over 50 ms of work during the solve");
  });

  it("terminates the workers when the form closes", async () => {
    // A finished proof is kept while the form is closed, so start over in a fresh
    // page (where this device's rate is known), then close the form mid-solve.
    await page.reload();
    await textMatches(page.getByTestId("status-line"), /No listings yet/);
    await page.getByTestId("post-toggle").click(); // open: new challenge, new workers
    await eventually(
      () => page.workers().length,
      (n) => n > 0,
      "workers started",
    );
    await textMatches(page.getByTestId("pow-status"), /hashes\/s/, 30_000);
    // The rate measured by the first solve gives the wait before any progress.
    assert.match(
      await page.getByTestId("pow-wait").innerText(),
      /^Ready to post in (about \d+ (s|min)|a moment)$/,
    );
    await screenshot(page, "11-solving");
    await page.getByTestId("post-toggle").click(); // close while solving
    await eventually(
      () => page.workers().length,
      (n) => n === 0,
      "workers terminated",
    );
  });
});

// Part of smoke-prod: Debian's Chromium posts a listing through Caddy with the
// real UI, so the PoW workers and their WebAssembly kernel run under the
// Caddyfile's Content-Security-Policy. Any CSP violation (page or worker) fails.
//   node scripts/ops/smoke-browser.mjs http://127.0.0.1:PORT WORD
// Prints PASS/FAIL lines like the shell runners; exits 1 on a failure.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// playwright-core is the frontend's dev dependency (no browser download).
const { chromium } = createRequire(path.join(root, "frontend/package.json"))("playwright-core");

const [url, word] = process.argv.slice(2);
const violations = [];
let failed = 0;
const report = (name, ok, detail = "") => {
  if (!ok) failed++;
  console.log(`${ok ? "PASS" : "FAIL"}  ${name}${ok || !detail ? "" : ` (${detail})`}`);
};

async function waitText(locator, pattern, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < deadline) {
    text = (await locator.count()) > 0 ? ((await locator.first().textContent()) ?? "") : "";
    if (pattern.test(text)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`waited for ${pattern}, last text: ${JSON.stringify(text)}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  const page = await browser.newPage();
  const watch = (source) => (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(`${source}: ${msg.text()}`);
  };
  page.on("console", watch("page"));
  page.on("worker", (w) => w.on("console", watch("worker")));
  page.on("pageerror", (e) => violations.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  let workers = 0;
  page.on("worker", () => workers++);

  await page.goto(url);
  await page.getByTestId("post-toggle").click();
  await waitText(page.getByTestId("pow-status"), /Ready to post/);
  report("browser: the PoW workers solved a challenge under the CSP", workers > 0, `${workers} workers`);
  await page.getByLabel("Your listing").fill(`browser ${word}`);
  await page.getByTestId("post-submit").click();
  await waitText(page.getByTestId("status-line"), /Your listing was posted/);
  report("browser: a listing posted through Caddy with the real UI", true);
} catch (e) {
  report("browser: post a listing through Caddy with the real UI", false, e.message);
} finally {
  await browser.close();
}
report("browser: no Content-Security-Policy violation", violations.length === 0, violations.join(" | "));
process.exit(failed ? 1 : 0);

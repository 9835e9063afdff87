// Debian's Chromium driven by playwright-core (no browser download).
import { mkdirSync } from "node:fs";
import path from "node:path";

import { chromium } from "playwright-core";

import { repoRoot } from "./server.mjs";

export const screenshotDir = path.join(repoRoot, "artifacts", "screenshots");

/**
 * Debian's Chromium with the flags this closed network needs (CHROMIUM_BIN or
 * CHROMIUM overrides the path), plus `extraArgs` (the solver bench's V8 flags).
 */
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

/** Saves a screenshot of the viewport (or the whole page) as artifacts/screenshots/<name>.png. */
export async function screenshot(page, name, { fullPage = false } = {}) {
  mkdirSync(screenshotDir, { recursive: true });
  // Finite CSS transitions (the progress bar's 200 ms slide) are fast-forwarded to
  // their end, so a screenshot shows the state the page settles in, not a frame of it.
  await page.screenshot({
    path: path.join(screenshotDir, `${name}.png`),
    fullPage,
    animations: "disabled",
  });
}

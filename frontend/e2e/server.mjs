// The real powboard server for browser tests: a fresh PostgreSQL database from
// scripts/local-pg.sh, `powboard serve` on a free local port, stopped at the end.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const repoRoot = path.resolve(import.meta.dirname, "..", "..");
export const webDir = path.join(repoRoot, "frontend", "dist");

/** The server binary: $POWBOARD_BIN, else the newer of target/{debug,release}/powboard. */
export function serverBinary() {
  if (process.env.POWBOARD_BIN) return process.env.POWBOARD_BIN;
  const candidates = ["release", "debug"]
    .map((p) => path.join(repoRoot, "target", p, "powboard"))
    .filter((p) => existsSync(p));
  if (candidates.length === 0) {
    throw new Error(
      "no server binary: run `cargo build -p powboard` (or set POWBOARD_BIN) before the browser tests",
    );
  }
  return candidates[0];
}

/** A fresh database; returns its URL. */
export async function createDatabase() {
  const name = `e2e_${randomBytes(6).toString("hex")}`;
  const { stdout } = await run(path.join(repoRoot, "scripts", "local-pg.sh"), ["createdb", name], {
    cwd: repoRoot,
  });
  const url = stdout.trim().split("\n").pop();
  if (!url?.startsWith("postgres")) throw new Error(`local-pg.sh printed no URL: ${stdout}`);
  return url;
}

/** Drops a database made by createDatabase (kept when E2E_KEEP_DB=1, for debugging). */
export async function dropDatabase(databaseUrl) {
  if (!databaseUrl || process.env.E2E_KEEP_DB === "1") return;
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  if (!/^e2e_[0-9a-f]+$/.test(name)) throw new Error(`not an e2e database: ${name}`);
  url.pathname = "/postgres";
  await psql(url.toString(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * Runs SQL on the database with psql (for seeding, which needs no proof of work).
 * Listings inserted this way get their search terms as on an upgraded board, by
 * `powboard listings reindex` (the server makes the terms, not SQL).
 */
export async function psql(databaseUrl, sql) {
  const { stdout } = await run("psql", [databaseUrl, "-v", "ON_ERROR_STOP=1", "-qAtc", sql]);
  if (/INSERT INTO listings\b/i.test(sql)) {
    await run(serverBinary(), ["listings", "reindex"], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
  }
  return stdout.trim();
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `powboard serve` with `env` on top of the test defaults and waits for
 * /readyz. Returns { url, port, stop, logs }. `port` restarts a stopped server
 * on the same address (a page that lost its server gets it back).
 * @param {string} databaseUrl
 * @param {Record<string, string>} env
 * @param {{ port?: number }} options
 */
export async function startServer(databaseUrl, env = {}, { port: fixedPort } = {}) {
  const port = fixedPort ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(serverBinary(), ["serve"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      LISTEN_ADDR: `127.0.0.1:${port}`,
      WEB_DIR: webDir,
      APP_ENV: "dev",
      POW_DIFFICULTY: "10",
      POW_SUBPUZZLES: "16",
      POW_ADAPTIVE_STEP: "0",
      // The site-wide surge would add bits as the tests post; a test about it sets it.
      POW_SURGE_BASELINE: "0",
      RATE_WRITE_MAX: "3",
      RATE_WRITE_WINDOW_SECS: "60",
      // Search-as-you-type and scrolling read a lot; the read and challenge
      // budgets are not what these tests are about.
      RATE_READ_MAX: "60000",
      RATE_CHALLENGE_MAX: "60000",
      RUST_LOG: process.env.RUST_LOG ?? "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let logs = "";
  child.stdout.on("data", (c) => (logs += c));
  child.stderr.on("data", (c) => (logs += c));
  const exited = new Promise((resolve) => child.on("exit", resolve));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`powboard exited early:\n${logs}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`powboard not ready within 60 s:\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    port,
    logs: () => logs,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

// The production build ships no source maps (a decision: see vite.config.ts).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const dist = new URL("../dist/", import.meta.url).pathname;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

test("the production build has no source maps and no references to them", () => {
  const all = files(dist);
  assert.ok(
    all.some((f) => f.endsWith(".js")),
    "dist holds the built scripts",
  );
  assert.deepEqual(
    all.filter((f) => /\.map(\.gz|\.br)?$/.test(f)),
    [],
  );
  for (const f of all.filter((f) => f.endsWith(".js") || f.endsWith(".css"))) {
    assert.ok(!readFileSync(f, "utf8").includes("sourceMappingURL"), f);
  }
});

// The committed kernels must be what the generator makes from the committed source.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("generated/ is up to date with build/gen-kernel.mjs", { timeout: 120_000 }, () => {
  const script = fileURLToPath(new URL("./build/build.mjs", import.meta.url));
  const out = execFileSync(process.execPath, [script, "--check"], { encoding: "utf8" });
  expect(out).toContain("up to date");
});

// Builds the solver benchmark page (bench/index.html) into bench/out; run.mjs serves it.
import path from "node:path";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  logLevel: "warn",
  resolve: { alias: { "@": path.resolve(import.meta.dirname, "..", "src") } },
  build: { outDir: "out", emptyOutDir: true, target: "es2022" },
  worker: { format: "es" },
});

import path from "node:path";
import react from "@vitejs/plugin-react";
import { compression, defineAlgorithm } from "vite-plugin-compression2";
import { defineConfig } from "vitest/config";

// The API server the dev server proxies to (see debug/); the production build is
// served by the same binary, so no proxy is needed there.
const apiTarget = process.env.POWBOARD_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [
    react(),
    // Precompressed siblings (.gz, .br) so the server can send them without
    // compressing on every request.
    compression({
      algorithms: [defineAlgorithm("gzip", { level: 9 }), defineAlgorithm("brotliCompress")],
      include: /\.(js|mjs|css|html|svg|json|wasm|txt)$/,
      threshold: 1024,
      deleteOriginalAssets: false,
    }),
  ],
  resolve: {
    alias: { "@": path.resolve(import.meta.dirname, "src") },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No source maps in the shipped build: the sources are public in the repository
    // anyway, but maps would double what a visitor can fetch and expose comments and
    // file layout for nothing; debug with `make frontend-dev` (served from source).
    sourcemap: false,
    target: "es2022",
  },
  worker: {
    format: "es",
  },
  server: {
    proxy: {
      "/api": { target: apiTarget, changeOrigin: true },
      "/readyz": { target: apiTarget, changeOrigin: true },
      "/healthz": { target: apiTarget, changeOrigin: true },
    },
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
    reporters: ["default"],
  },
});

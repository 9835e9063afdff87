# The browser proof-of-work solver (frontend/src/features/pow/solver/) and its benchmark.
# Included by the top-level Makefile; paths are relative to the repository root.

.PHONY: bench-solver solver-kernel solver-kernel-check

## bench-solver: our PoW solver vs @cap.js/wasm in headless Chromium (writes frontend/bench/results.json), then by CPU time in Node
bench-solver: frontend-deps
	cd frontend && node bench/run.mjs
	cd frontend && node bench/cpu-time.mjs

## solver-kernel: regenerate the PoW kernels (generated/kernel-scalar.ts, generated/kernel-simd.wasm) from build/gen-kernel.mjs
solver-kernel: frontend-deps
	cd frontend && node src/features/pow/solver/build/build.mjs

## solver-kernel-check: fail when the committed kernels differ from what the generator makes
solver-kernel-check: frontend-deps
	cd frontend && node src/features/pow/solver/build/build.mjs --check

# The browser proof-of-work solver (frontend/src/features/pow/solver/) and its benchmark.
# Included by the top-level Makefile; paths are relative to the repository root.

.PHONY: bench-solver solver-kernel solver-kernel-check equix-wasm

## equix-wasm: build the browser's Equi-X kernel (frontend/wasm/equix, LGPL-3.0 `equix`
##             crate) into $(EQUIX_WASM); built here, never committed
equix-wasm: $(EQUIX_WASM)

# Its own crate outside the workspace, its own lockfile; its build directory sits in
# target/ so the frontend's tools never walk it.
$(EQUIX_WASM): $(wildcard $(EQUIX_CRATE)/Cargo.* $(EQUIX_CRATE)/src/*.rs)
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	$(CARGO) build --release --locked --target wasm32-unknown-unknown \
		--manifest-path $(EQUIX_CRATE)/Cargo.toml --target-dir target/equix-wasm
	cp target/equix-wasm/wasm32-unknown-unknown/release/powboard_equix_wasm.wasm $@

## bench-solver: our PoW solver vs @cap.js/wasm in headless Chromium, and the Equi-X solver
##               against native Equi-X (writes frontend/bench/results.json), then by CPU time in Node
bench-solver: frontend-deps equix-wasm
	$(CARGO) build --release --locked --manifest-path frontend/bench/equix-native/Cargo.toml \
		--target-dir target/equix-native
	cd frontend && node bench/run.mjs
	cd frontend && node bench/cpu-time.mjs

## solver-kernel: regenerate the PoW kernels (generated/kernel-scalar.ts, generated/kernel-simd.wasm) from build/gen-kernel.mjs
solver-kernel: frontend-deps
	cd frontend && node src/features/pow/solver/build/build.mjs

## solver-kernel-check: fail when the committed kernels differ from what the generator makes
solver-kernel-check: frontend-deps
	cd frontend && node src/features/pow/solver/build/build.mjs --check

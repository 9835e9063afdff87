# Frontend: the React SPA in frontend/ (Vite + TypeScript + Tailwind 3).
# Included by the top-level Makefile; paths are relative to the repository root.

FRONTEND := frontend
FRONTEND_STAMP := $(FRONTEND)/node_modules/.installed
# The Equi-X kernel the solver loads, built by `make equix-wasm` (mk/solver.mk).
EQUIX_CRATE := $(FRONTEND)/wasm/equix
EQUIX_WASM := $(FRONTEND)/src/features/pow/solver/equix/equix.wasm

.PHONY: frontend-deps frontend-build frontend-check frontend-e2e frontend-test frontend-dev

## frontend-deps: install the locked npm packages (only when the lockfile changed)
frontend-deps: $(FRONTEND_STAMP)

$(FRONTEND_STAMP): $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	touch $@

# Everything the build reads; the build reruns only when one of these changed.
FRONTEND_INPUTS := $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/index.html $(FRONTEND)/*.config.* $(FRONTEND)/tsconfig*.json)

## frontend-build: production build into frontend/dist (the server's WEB_DIR), with .gz/.br siblings
frontend-build: $(FRONTEND)/dist/index.html

$(FRONTEND)/dist/index.html: $(FRONTEND_STAMP) $(FRONTEND_INPUTS) $(EQUIX_WASM)
	cd $(FRONTEND) && npx tsc -b && npx vite build
	touch $@

## frontend-check: typecheck, lint, format check and unit tests
frontend-check: frontend-deps equix-wasm
	cd $(FRONTEND) && npx tsc -b
	cd $(FRONTEND) && npx eslint --max-warnings=0 .
	cd $(FRONTEND) && npx prettier --check .
	cd $(FRONTEND) && npx vitest run

## frontend-e2e: browser tests (Chromium) against the real server and a fresh PostgreSQL database.
## Needs target/{debug,release}/powboard (POWBOARD_BIN overrides) and a built frontend/dist.
frontend-e2e: frontend-build
	cd $(FRONTEND) && node --test --test-concurrency=1 e2e/

## frontend-test: everything above the build: check + browser tests
frontend-test: frontend-check frontend-e2e

## frontend-dev: Vite dev server with hot reload, proxying /api to POWBOARD_API (default 127.0.0.1:8080)
frontend-dev: frontend-deps
	cd $(FRONTEND) && npx vite

# powboard: every task. `make run` and `make test` work on a fresh Debian/Ubuntu
# machine: they install or create what they need (PostgreSQL binaries, a private
# cluster under .data/, npm packages, Python venvs for the checkers).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Builds use the committed query metadata in .sqlx/ (no database needed to compile).
export SQLX_OFFLINE ?= true
CARGO ?= cargo
BIN := target/release/powboard
LISTEN_ADDR ?= 127.0.0.1:8080
# The private Prometheus endpoint of `make run` (METRICS_ADDR= turns it off).
METRICS_ADDR ?= 127.0.0.1:9464

.PHONY: help run release server-deps test rust-check rust-test sqlx-prepare sqlx-check db-url psql-local \
	hide unhide clean

## help: list the targets
help:
	@grep -hE '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'

## run: build the SPA and the server, start the board on http://127.0.0.1:8080
##      (against DATABASE_URL if set, else a private PostgreSQL cluster under .data/),
##      metrics on http://127.0.0.1:9464/metrics
run: frontend-build release
	@METRICS_ADDR=$(METRICS_ADDR) scripts/dev-env.sh exec $(BIN) serve

## release: the optimized server binary (target/release/powboard)
release: server-deps
	$(CARGO) build --release --locked -p powboard

# The C toolchain and pkg-config some crates need; Rust itself must be installed (rustup).
server-deps:
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it from https://rustup.rs" >&2; exit 1; }
	@command -v cc >/dev/null || scripts/apt-install.sh build-essential

## test: everything CI checks (format, lints, Rust tests on PostgreSQL, frontend unit and
##       browser tests, GeoIP tests, ops checks with the production topology smoke test,
##       the OpenAPI checks (generated types up to date, Schemathesis), the short
##       resilience run: faults, slow clients, a one-minute soak, and the cluster
##       scenarios: three instances, Redis and Caddy)
test: rust-check rust-test frontend-test openapi-test ops-test resilience-short cluster-test

## rust-check: rustfmt, clippy (warnings are errors), and .sqlx/ matching the migrations
rust-check: server-deps sqlx-check
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

# Every query re-checked against a database migrated from migrations/; fails when the
# committed .sqlx/ differs from what that produces.
sqlx-check: sqlx-prepare
	@if [ -n "$$(git status --porcelain -- .sqlx)" ]; then \
		git status --short -- .sqlx; echo ".sqlx/ is stale: commit the result of make sqlx-prepare" >&2; exit 1; fi
	@echo ".sqlx/ matches the migrations"

## rust-test: the server's unit and integration tests against a real PostgreSQL
rust-test: release geoip-test-deps
	@command -v cargo-nextest >/dev/null || $(CARGO) install --locked cargo-nextest
	@command -v redis-server >/dev/null || scripts/apt-install.sh redis-server
	@command -v promtool >/dev/null || scripts/apt-install.sh prometheus
	scripts/dev-env.sh exec $(CARGO) nextest run --release --locked --no-fail-fast

## sqlx-prepare: refresh .sqlx/ (the compile-time query metadata) after changing SQL
sqlx-prepare:
	@url=$$(scripts/local-pg.sh createdb powboard_sqlx); \
	for f in migrations/*.sql; do psql -X -q -v ON_ERROR_STOP=1 "$$url" -f "$$f"; done; \
	rm -rf .sqlx && mkdir -p .sqlx && touch backend/src/lib.rs && \
	SQLX_OFFLINE=false SQLX_OFFLINE_DIR=$$PWD/.sqlx DATABASE_URL=$$url $(CARGO) check -p powboard --all-targets
	@ls .sqlx | wc -l | sed 's/$$/ queries in .sqlx/'

## db-url: print the database URL `make run` uses (starting the private cluster)
db-url:
	@scripts/dev-env.sh url

## psql-local: psql on the database `make run` uses
psql-local:
	@psql "$$(scripts/dev-env.sh url)"

## hide / unhide: moderation against the database `make run` uses: ID=n and/or filters
##      (AND) SAME_CLIENT_AS=id SINCE=2h|RFC3339 UNTIL=30m|RFC3339 MATCHING="words";
##      DRY_RUN=1 shows how many would change; with no ID or filter it refuses
hide unhide: release
	scripts/dev-env.sh exec $(BIN) listings $@ $(MODERATION_ARGS)

# The id and filters of hide/unhide, read from the environment by the shell (make
# exports command-line variables) so that quotes and spaces in MATCHING survive.
MODERATION_ARGS = $(ID) $${SAME_CLIENT_AS:+--same-client-as "$$SAME_CLIENT_AS"} \
	$${SINCE:+--since "$$SINCE"} $${UNTIL:+--until "$$UNTIL"} \
	$${MATCHING:+--matching "$$MATCHING"} $${DRY_RUN:+--dry-run}

## clean: remove build outputs (keeps .data/)
clean:
	$(CARGO) clean
	rm -rf frontend/dist

# Every mk/*.mk is part of the build: a missing one is an error, not a silent gap.
include mk/*.mk

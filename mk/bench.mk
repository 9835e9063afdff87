# `make bench` (bench/): the board end to end against PostgreSQL's own ceiling, and
# `make resilience` (scripts/resilience/): black-box fault scenarios. Both run the
# release binary against private PostgreSQL clusters on 127.0.0.1 only.
# Included by the top-level Makefile; paths are relative to the repository root.

.PHONY: bench bench-deps resilience resilience-short

BENCH_SECS ?= 10
RESILIENCE_SOAK_SECS ?= 600

# Load tools: oha (crates.io), wrk and pgbench (Debian).
bench-deps:
	@command -v oha >/dev/null || $(CARGO) install --locked oha
	@command -v wrk >/dev/null || scripts/apt-install.sh wrk
	@command -v pgbench >/dev/null || scripts/apt-install.sh postgresql postgresql-contrib
	@command -v python3 >/dev/null || scripts/apt-install.sh python3

## bench: seed 1M listings (once, kept as a template database), then reads/writes/count/
##        challenge/healthz/memory side by side with pgbench; writes bench/report.md and
##        bench/report.json (BENCH_SECS=10 per phase, BENCH_CONC=16, BENCH_SPRAY_KEYS=1000000)
bench: release bench-deps
	BENCH_SECS=$(BENCH_SECS) python3 bench/run.py

## resilience: fault scenarios (PostgreSQL restart under write load, database down at start,
##             pool exhausted, SIGTERM under load, slow clients, soak of RESILIENCE_SOAK_SECS=600)
resilience: release bench-deps
	RESILIENCE_SOAK_SECS=$(RESILIENCE_SOAK_SECS) python3 scripts/resilience/run.py

## resilience-short: the same scenarios with a 60 s soak (part of `make test`)
resilience-short: release bench-deps
	RESILIENCE_SOAK_SECS=60 python3 scripts/resilience/run.py

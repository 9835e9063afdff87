# `make bench` (bench/): the board end to end against PostgreSQL's own ceiling. It runs
# the release binary against a private PostgreSQL cluster on 127.0.0.1 only (and, for the
# Redis and instances phases, redis-server and Caddy: cluster-deps, mk/cluster.mk); its
# load tools (bench-deps) serve `make resilience` (mk/resilience.mk) too.
# Included by the top-level Makefile; paths are relative to the repository root.

.PHONY: bench bench-deps attack-sim

BENCH_SECS ?= 10

# Load tools: oha (crates.io), wrk and pgbench (Debian).
bench-deps:
	@command -v oha >/dev/null || $(CARGO) install --locked oha
	@command -v wrk >/dev/null || scripts/apt-install.sh wrk
	@command -v pgbench >/dev/null || scripts/apt-install.sh postgresql postgresql-contrib
	@command -v python3 >/dev/null || scripts/apt-install.sh python3

## bench: seed 1M listings (once, kept as a template database), then reads/writes/count/
##        challenge/healthz/memory side by side with pgbench, metrics on/off, Redis vs memory
##        store, the front page from memory vs pgbench, one vs three instances behind Caddy;
##        writes bench/report.md and bench/report.json (BENCH_SECS=10 per phase, BENCH_CONC=16,
##        BENCH_SPRAY_KEYS=1000000)
bench: release bench-deps cluster-deps
	BENCH_SECS=$(BENCH_SECS) python3 bench/run.py

BENCH_VENV := .data/venv-bench
ATTACK_MINUTES ?= 10
ATTACK_KEYS ?= 1000
ATTACK_CORES ?= 2
ATTACK_ALGORITHM ?= both

# matplotlib for the attack simulation's plot (PyPI, in a venv of its own).
$(BENCH_VENV)/.stamp:
	python3 -m venv $(BENCH_VENV) || { echo "attack-sim: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check 'matplotlib>=3.9,<4'
	touch $@

## attack-sim: a bot farm (ATTACK_KEYS=1000 client keys solving natively on ATTACK_CORES=2 cores)
##             against the real server + PostgreSQL for ATTACK_MINUTES=10, surge off then on, with
##             one honest client, for ATTACK_ALGORITHM=sha256|equix|both (both: side by side);
##             writes bench/attack.md, bench/attack.json, bench/attack.png
attack-sim: release $(BENCH_VENV)/.stamp
	@test -f frontend/bench/results.json || { echo "attack-sim: frontend/bench/results.json missing (make bench-solver)" >&2; exit 1; }
	ATTACK_MINUTES=$(ATTACK_MINUTES) ATTACK_KEYS=$(ATTACK_KEYS) ATTACK_CORES=$(ATTACK_CORES) \
		ATTACK_ALGORITHM=$(ATTACK_ALGORITHM) python3 bench/attack_sim.py

# `make resilience` (scripts/resilience/): black-box fault scenarios against the release
# binary and a private PostgreSQL cluster on 127.0.0.1 only, with the load tools of
# `bench-deps` (mk/bench.mk) and the harness shared with the bench (scripts/harness/).
# Included by the top-level Makefile; paths are relative to the repository root.

.PHONY: resilience resilience-short

RESILIENCE_SOAK_SECS ?= 600

## resilience: fault scenarios (PostgreSQL restart under write load, database down at start,
##             pool exhausted, SIGTERM under load, slow clients, soak of RESILIENCE_SOAK_SECS=600)
resilience: release bench-deps
	RESILIENCE_SOAK_SECS=$(RESILIENCE_SOAK_SECS) python3 scripts/resilience/run.py

## resilience-short: the same scenarios with a 60 s soak (part of `make test`)
resilience-short: release bench-deps
	RESILIENCE_SOAK_SECS=60 python3 scripts/resilience/run.py

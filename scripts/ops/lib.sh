# Shared helpers for the ops test runners (sourced, not executed).
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
POWBOARD_BIN=${POWBOARD_BIN:-$ROOT/target/release/powboard}
passed=0
failed=0

say() { printf '%s: %s\n' "${TEST_NAME:-ops}" "$*" >&2; }
die() { say "$*"; exit 1; }

# check NAME COMMAND...: run COMMAND, record and print pass/fail.
check() {
    local name=$1; shift
    if "$@"; then
        passed=$((passed + 1)); printf 'PASS  %s\n' "$name"
    else
        failed=$((failed + 1)); printf 'FAIL  %s\n' "$name"
    fi
}

# tally FILE: print a sub-checker's PASS/FAIL lines and add them to this run's totals.
tally() {
    cat "$1"
    passed=$((passed + $(grep -c '^PASS' "$1" || true)))
    failed=$((failed + $(grep -c '^FAIL' "$1" || true)))
}

# quiet COMMAND...: run COMMAND silently; show its output only if it fails.
quiet() {
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    [ "$rc" = 0 ] || printf '%s\n' "$out" >&2
    return "$rc"
}

# The closing line CI reads; the exit status follows the failures.
summary() {
    printf '%s: %d passed, %d failed\n' "${TEST_NAME:-ops}" "$passed" "$failed"
    [ "$failed" = 0 ]
}

need_bin() {
    [ -x "$POWBOARD_BIN" ] || die "$POWBOARD_BIN is missing: run 'make release' first"
}

# fresh_db NAME: a new empty database in the private cluster; prints its URL.
fresh_db() {
    "$ROOT/scripts/local-pg.sh" createdb "$1"
}

# drop_db URL: remove a database made by fresh_db.
drop_db() {
    local url=$1 name=${1##*/}
    psql -X -q -d "${url%/*}/postgres" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1 || true
}

# sql URL QUERY: one value, unaligned.
sql() {
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# free_port: an unused TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL SECONDS: until URL answers 2xx, or fail.
wait_http() {
    local url=$1 deadline=$((SECONDS + $2))
    until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

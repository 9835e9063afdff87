#!/usr/bin/env bash
# Replace the contents of the board's database with a dump made by backup.sh.
#   restore.sh FILE.dump
# Target: PG_CONTAINER + POSTGRES_USER + POSTGRES_DB (the VPS), or DATABASE_URL.
# One transaction: existing objects are dropped and recreated from the dump, and
# any error rolls everything back, leaving the database as it was. Stop the app
# first (prod `make restore` does), so no request sees a half-restored state.
set -euo pipefail

file=${1:?usage: restore.sh FILE.dump}
say() { printf 'restore: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
[ -f "$file" ] || die "no such file: $file"

opts=(--clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error)
if [ -n "${PG_CONTAINER:-}" ]; then
    : "${POSTGRES_USER:?set POSTGRES_USER}" "${POSTGRES_DB:?set POSTGRES_DB}"
    docker exec -i "$PG_CONTAINER" pg_restore --list >/dev/null <"$file" || die "$file is not a readable dump"
    # From a file inside the container, not stdin: pg_restore can then seek in a
    # dump that has no data offsets (every dump made through docker exec).
    inside="/tmp/restore-$$.dump"
    docker cp "$file" "$PG_CONTAINER:$inside"
    trap 'docker exec "$PG_CONTAINER" rm -f "$inside"' EXIT
    docker exec "$PG_CONTAINER" pg_restore -U "$POSTGRES_USER" -d "$POSTGRES_DB" "${opts[@]}" "$inside"
    target="$POSTGRES_DB in container $PG_CONTAINER"
else
    : "${DATABASE_URL:?set DATABASE_URL or PG_CONTAINER}"
    pg_restore --list "$file" >/dev/null || die "$file is not a readable dump"
    pg_restore -d "$DATABASE_URL" "${opts[@]}" "$file"
    target="${DATABASE_URL##*/}"
fi
say "restored $file into $target"

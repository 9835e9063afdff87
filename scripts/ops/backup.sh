#!/usr/bin/env bash
# Dump the board's database in pg_dump's custom format to
# $BACKUP_DIR/$BACKUP_PREFIX-YYYYmmddTHHMMSSZ.dump and delete dumps older than
# $BACKUP_KEEP_DAYS days (only after a new dump has been written and verified).
#
# Where the database is:
#   PG_CONTAINER=powboard-db POSTGRES_USER=... POSTGRES_DB=...   pg_dump inside the
#       container (the VPS: versions always match the server), or
#   DATABASE_URL=postgres://...                                   the local pg_dump.
# The dump is verified before it counts: pg_restore must read its whole table of
# contents, and it must contain the table $BACKUP_REQUIRE_TABLE (default listings),
# so a dump of the wrong (empty) database fails loudly instead of rotating good
# dumps away.
set -euo pipefail

dir=${BACKUP_DIR:?set BACKUP_DIR}
keep_days=${BACKUP_KEEP_DAYS:-14}
prefix=${BACKUP_PREFIX:-powboard}
require_table=${BACKUP_REQUIRE_TABLE:-listings}

say() { printf 'backup: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[[ "$keep_days" =~ ^[1-9][0-9]*$ ]] || die "BACKUP_KEEP_DAYS must be a positive integer, not '$keep_days'"

if [ -n "${PG_CONTAINER:-}" ]; then
    : "${POSTGRES_USER:?set POSTGRES_USER}" "${POSTGRES_DB:?set POSTGRES_DB}"
    pg_dump_cmd() { docker exec "$PG_CONTAINER" pg_dump -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Fc; }
    pg_list_cmd() { docker exec -i "$PG_CONTAINER" pg_restore --list; }
    source_name="$POSTGRES_DB in container $PG_CONTAINER"
else
    : "${DATABASE_URL:?set DATABASE_URL or PG_CONTAINER}"
    pg_dump_cmd() { pg_dump -Fc -d "$DATABASE_URL"; }
    pg_list_cmd() { pg_restore --list; }
    source_name="${DATABASE_URL##*/}"
fi

umask 077
mkdir -p "$dir"
# One backup at a time (cron and a manual `make backup` may meet).
exec 9>"$dir/.backup.lock"
flock -n 9 || die "another backup is running in $dir"

name="$prefix-$(date -u +%Y%m%dT%H%M%SZ).dump"
partial="$dir/.$name.partial"
trap 'rm -f "$partial"' EXIT

# Through a pipe in both modes: a dump from `docker exec` always arrives through
# one, so it has no data offsets; the round trip test then restores dumps of the
# same shape as the VPS makes.
pg_dump_cmd | cat >"$partial" || die "pg_dump of $source_name failed"
toc=$(pg_list_cmd <"$partial") || die "the dump of $source_name is unreadable"
grep -qE "^[0-9]+; [0-9]+ [0-9]+ TABLE [^ ]+ ${require_table} " <<<"$toc" ||
    die "the dump of $source_name has no table '$require_table': wrong database? (kept nothing)"
mv "$partial" "$dir/$name"
trap - EXIT
say "wrote $dir/$name ($(du -h "$dir/$name" | cut -f1))"

# Retention: by age, never the dump just written.
find "$dir" -maxdepth 1 -type f -name "$prefix-*.dump" ! -name "$name" \
    -mmin +$((keep_days * 24 * 60)) -print -delete | sed 's/^/backup: removed old /' >&2

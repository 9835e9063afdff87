#!/usr/bin/env bash
# Backup + restore round trip with the real scripts (backup.sh, restore.sh) against
# the private PostgreSQL cluster: a database migrated by the server binary and
# seeded with awkward rows is dumped, restored into a fresh database and into
# itself after damage, and must come back with every row (count and checksum).
# Also: retention by age, and the refusal to keep a dump of the wrong database.
set -euo pipefail
TEST_NAME=backup-roundtrip
# shellcheck source=scripts/ops/lib.sh
. "$(dirname "$0")/lib.sh"
need_bin

work=$(mktemp -d)
src=$(fresh_db ops_backup_src)
dst=$(fresh_db ops_backup_dst)
empty=$(fresh_db ops_backup_empty)
cleanup() { drop_db "$src"; drop_db "$dst"; drop_db "$empty"; rm -rf "$work"; }
trap cleanup EXIT

DATABASE_URL=$src "$POWBOARD_BIN" migrate >/dev/null || die "powboard migrate failed"

# Rows with what a dump must keep: Unicode, quotes, newline and tab, hidden rows,
# countries and NULLs, exact timestamps, binary hashes, and a spent challenge.
sql "$src" "
INSERT INTO listings (body, is_hidden, hidden_at, created_at, ip_hash, country)
SELECT format(E'listing %s — Žemaitė \"quoted\" it''s\\nline two\\tTAB %s', g, md5(g::text)),
       g % 7 = 0,
       CASE WHEN g % 7 = 0 THEN timestamptz '2026-01-01 00:00:00.123456+00' + g * interval '1 second' END,
       timestamptz '2025-06-01 12:00:00.654321+00' + g * interval '1 minute',
       sha256(g::text::bytea),
       (ARRAY['LT', 'DE', NULL, 'US'])[1 + g % 4]
  FROM generate_series(1, 1000) g;
INSERT INTO spent_challenges (challenge, listing_id, expires_at)
SELECT substring(sha256(id::text::bytea) FROM 1 FOR 16), id, now() + interval '1 hour'
  FROM listings WHERE id % 10 = 0;" >/dev/null

# One checksum over everything the board keeps (generated columns included).
fingerprint() {
    sql "$1" "
SELECT (SELECT count(*) FROM listings) || ' ' ||
       (SELECT md5(string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s', id, body, is_hidden, hidden_at,
                                     created_at, encode(ip_hash, 'hex'), country, search), E'\n' ORDER BY id))
          FROM listings) || ' ' ||
       (SELECT md5(string_agg(format('%s|%s|%s', encode(challenge, 'hex'), listing_id, expires_at), E'\n'
                              ORDER BY challenge)) FROM spent_challenges) || ' ' ||
       (SELECT md5(string_agg(format('%s|%s', country, n), ',' ORDER BY country))
          FROM (SELECT country, sum(visible) AS n FROM listing_counts GROUP BY country) c) || ' ' ||
       (SELECT string_agg(version::text, ',' ORDER BY version) FROM _sqlx_migrations)"
}
before=$(fingerprint "$src")
say "source: ${before%% *} listings"

# Retention: a 15-day-old dump goes, a 13-day-old one stays.
backups=$work/backups
mkdir -p "$backups"
touch -d '15 days ago' "$backups/powboard-20000101T000000Z.dump"
touch -d '13 days ago' "$backups/powboard-20000102T000000Z.dump"

DATABASE_URL=$src BACKUP_DIR=$backups BACKUP_KEEP_DAYS=14 "$ROOT/scripts/ops/backup.sh"
dump=$(find "$backups" -name 'powboard-2*.dump' -newer "$backups/powboard-20000102T000000Z.dump" | head -1)

check "backup.sh wrote a dated custom-format dump" test -s "$dump"
check "retention removed the 15-day-old dump" test ! -e "$backups/powboard-20000101T000000Z.dump"
check "retention kept the 13-day-old dump" test -e "$backups/powboard-20000102T000000Z.dump"

DATABASE_URL=$dst "$ROOT/scripts/ops/restore.sh" "$dump"
after=$(fingerprint "$dst")
check "restore into a fresh database: count and checksum equal" test "$before" = "$after"
[ "$before" = "$after" ] || say "before: $before | after: $after"

max_id=$(sql "$dst" "SELECT max(id) FROM listings")
new_id=$(sql "$dst" "INSERT INTO listings (body, ip_hash) VALUES ('after restore', sha256('x')) RETURNING id")
check "the id sequence continues after the restore" test "$new_id" -gt "$max_id"
# sqlx checks the restored history against the binary's migrations (checksums).
versions=$(sql "$dst" "SELECT string_agg(version::text, ',' ORDER BY version) FROM _sqlx_migrations")
migrated_ok() {
    DATABASE_URL=$dst "$POWBOARD_BIN" migrate >/dev/null &&
        test "$(sql "$dst" "SELECT string_agg(version::text, ',' ORDER BY version) FROM _sqlx_migrations")" = "$versions"
}
check "the restored migration history matches the binary (migrate is a no-op)" migrated_ok

# Damage the source, then restore over it (what prod `make restore` does).
sql "$src" "DELETE FROM listings WHERE id % 3 = 0; UPDATE listings SET body = 'vandalised' WHERE id = 1" >/dev/null
DATABASE_URL=$src "$ROOT/scripts/ops/restore.sh" "$dump"
check "restore over a damaged database brings every row back" test "$(fingerprint "$src")" = "$before"

# The reference's backup dumped a database that did not exist; ours must refuse an
# empty one instead of keeping (and rotating in) a useless dump.
count_before=$(find "$backups" -name '*.dump' | wc -l)
if DATABASE_URL=$empty BACKUP_DIR=$backups "$ROOT/scripts/ops/backup.sh" 2>"$work/err"; then wrong=ok; else wrong=refused; fi
check "a dump without the listings table is refused" test "$wrong" = refused
check "the refused dump left no file behind" test "$(find "$backups" -name '*.dump*' | wc -l)" = "$count_before"
grep -q "no table 'listings'" "$work/err" || say "unexpected message: $(cat "$work/err")"

summary

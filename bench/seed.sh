#!/usr/bin/env bash
# Prints the URL of a fresh bench database holding BENCH_ROWS (default one million)
# seeded listings.
# Seeding takes minutes (every row goes through the GIN and keyset indexes and the
# count triggers), so the seeded database is kept as a template on the private
# cluster of scripts/local-pg.sh, named after a hash of the migrations and
# bench/sql/seed.sql; each run clones it (CREATE DATABASE ... TEMPLATE, seconds).
# BENCH_RESEED=1 forces a new seed.  Usage: bench/seed.sh BINARY
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${1:?usage: seed.sh BINARY}
base=$(scripts/local-pg.sh url)          # starts the private cluster if needed
server=${base%/*}
rows=${BENCH_ROWS:-1000000}
hash=$( (cat migrations/*.sql bench/sql/seed.sql; echo "$rows") | sha256sum | cut -c1-10)
tmpl="powboard_bench_seed_$hash"
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -tA "$server/postgres" "$@"; }

ready=$(q -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$tmpl'")
if [ "$ready" != "seeded" ] || [ "${BENCH_RESEED:-0}" = 1 ]; then
    for old in $(q -c "SELECT datname FROM pg_database WHERE datname LIKE 'powboard_bench_seed_%'"); do
        q -c "DROP DATABASE $old WITH (FORCE)"
    done
    echo "bench: seeding $rows listings into $tmpl (once; takes a few minutes)" >&2
    q -c "CREATE DATABASE $tmpl"
    start=$(date +%s)
    DATABASE_URL="$server/$tmpl" "$bin" migrate >&2
    psql -X -q -v ON_ERROR_STOP=1 -v rows="$rows" "$server/$tmpl" -f bench/sql/seed.sql >/dev/null
    # The search terms are made by the server (segmented and folded in Rust), as on
    # an upgraded board.
    echo "bench: powboard listings reindex" >&2
    DATABASE_URL="$server/$tmpl" "$bin" listings reindex --batch 5000 >&2
    psql -X -q "$server/$tmpl" -c "VACUUM ANALYZE listings" >/dev/null
    q -c "COMMENT ON DATABASE $tmpl IS 'seeded'"
    echo "bench: seeded in $(( $(date +%s) - start )) s" >&2
fi
q -c "DROP DATABASE IF EXISTS powboard_bench WITH (FORCE)"
q -c "CREATE DATABASE powboard_bench TEMPLATE $tmpl"
echo "$server/powboard_bench"

#!/usr/bin/env bash
# The environment of `make run` and `make test`: DATABASE_URL (yours if set, else the
# private cluster of scripts/local-pg.sh), dev secrets (generated once into
# .data/dev.secrets, so restarts keep client hashes and tokens stable), the GeoIP
# database when `make geoip` fetched one, and .env / .secrets when present.
#   dev-env.sh url           print the database URL
#   dev-env.sh exec CMD...   run CMD in that environment
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

load() { [ -f "$1" ] && { set -a; . "$1"; set +a; }; return 0; }
load .env
load .secrets

if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL=$(scripts/local-pg.sh url)
fi
export DATABASE_URL

mkdir -p .data
if [ ! -f .data/dev.secrets ]; then
    umask 077
    {
        echo "POW_SECRET_KEY=$(head -c 32 /dev/urandom | base64)"
        echo "IP_HASH_SALT=$(head -c 32 /dev/urandom | base64)"
    } > .data/dev.secrets
fi
if [ "${APP_ENV:-dev}" != prod ]; then
    [ -n "${POW_SECRET_KEY:-}" ] || export POW_SECRET_KEY=$(sed -n 's/^POW_SECRET_KEY=//p' .data/dev.secrets)
    [ -n "${IP_HASH_SALT:-}" ] || export IP_HASH_SALT=$(sed -n 's/^IP_HASH_SALT=//p' .data/dev.secrets)
fi
if [ -z "${GEOIP_DB:-}" ]; then
    for f in .data/geoip/*.mmdb; do [ -f "$f" ] && export GEOIP_DB="$root/$f" && break; done
fi

case "${1:-}" in
    url) echo "$DATABASE_URL" ;;
    exec) shift; exec "$@" ;;
    *) echo "usage: dev-env.sh url | exec CMD..." >&2; exit 2 ;;
esac

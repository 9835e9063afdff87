#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests, under .data/pg, listening
# on 127.0.0.1:${LOCAL_PG_PORT:-54329} only (trust auth for the local user "powboard").
# It never touches a system cluster. Commands:
#   url              start if needed; print the URL of database "powboard"
#   createdb NAME    start if needed; create database NAME (dropped first); print its URL
#   start | stop | status | nuke
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
port=${LOCAL_PG_PORT:-}
user=powboard
base="$root/.data/pg"

say() { printf 'local-pg: %s\n' "$*" >&2; }

find_bindir() {
    local d
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir; return 0
    fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    return 1
}

ensure_binaries() {
    if bindir=$(find_bindir); then return 0; fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing PostgreSQL server binaries with apt-get (no system cluster is created)"
        mkdir -p /etc/postgresql-common
        [ -f /etc/postgresql-common/createcluster.conf ] ||
            echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >&2
        bindir=$(find_bindir) && return 0
    fi
    say "PostgreSQL server binaries (initdb, pg_ctl) were not found."
    say "Install them, e.g. 'sudo apt-get install postgresql' (Debian/Ubuntu) or"
    say "'brew install postgresql@16' (macOS), or set DATABASE_URL to a server you have."
    exit 1
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to the "postgres"
# system user (created by the Debian package), in a directory that user can reach.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

data_dir() {
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
        mkdir -p "$root/.data"
        if ! runuser -u postgres -- test -x "$root/.data"; then
            # The checkout is not reachable for the postgres user (e.g. under /root).
            local alt="/var/lib/powboard-dev/$(echo -n "$root" | sha256sum | cut -c1-12)"
            mkdir -p "$alt" && chown postgres "$alt"
            [ -e "$base" ] || ln -s "$alt" "$base"
        fi
        mkdir -p "$base" && chown postgres "$base" "$(readlink -f "$base")"
    else
        mkdir -p "$base"
    fi
    echo "$base"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Our cluster's port: the one it runs on, else LOCAL_PG_PORT, else the first free
# port from 54329 up (another checkout's cluster may hold 54329).
choose_port() {
    if [ -f "$dir/data/postmaster.pid" ] && pgctl status >/dev/null 2>&1; then
        port=$(sed -n 4p "$dir/data/postmaster.pid"); return
    fi
    if [ -n "$port" ]; then return; fi
    port=54329
    while port_busy "$port"; do
        port=$((port + 1))
        [ "$port" -lt 54400 ] || { say "no free port in 54329..54399"; exit 1; }
    done
}

pgctl() { as_owner "$bindir/pg_ctl" -D "$dir/data" "$@"; }

psql_local() {
    local p
    p=$(command -v psql || echo "$bindir/psql")
    PGOPTIONS="-c client_min_messages=warning" "$p" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$user" "$@"
}

start() {
    ensure_binaries
    dir=$(data_dir)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        say "creating a private cluster in $dir/data"
        as_owner "$bindir/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        mkdir -p "$dir/run" && { [ "$(id -u)" != 0 ] || chown postgres "$dir/run"; }
    fi
    choose_port
    if ! pgctl status >/dev/null 2>&1; then
        pgctl -w -t 60 -l "$dir/postgres.log" \
            -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir/run -c max_connections=300 -c fsync=${LOCAL_PG_FSYNC:-on}" \
            start >/dev/null || { say "start failed; see $dir/postgres.log"; tail -20 "$dir/postgres.log" >&2; exit 1; }
    fi
    psql_local -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'powboard'" | grep -q 1 ||
        psql_local -d postgres -c "CREATE DATABASE powboard" >/dev/null
}

cmd=${1:-url}
case "$cmd" in
    url) start; echo "postgres://$user@127.0.0.1:$port/powboard" ;;
    start) start ;;
    createdb)
        name=${2:?usage: local-pg.sh createdb NAME}
        [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || { say "bad database name: $name"; exit 2; }
        start
        psql_local -d postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null
        echo "postgres://$user@127.0.0.1:$port/$name" ;;
    stop) bindir=$(find_bindir) || exit 0; dir=$base; [ -d "$dir/data" ] && pgctl -m fast stop || true ;;
    status) bindir=$(find_bindir) || exit 1; dir=$base; pgctl status ;;
    nuke) bindir=$(find_bindir) || true; dir=$base
        [ -n "${bindir:-}" ] && [ -d "$dir/data" ] && pgctl -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$(readlink -f "$base")" "$base"; say "removed $base" ;;
    *) say "unknown command: $cmd"; exit 2 ;;
esac

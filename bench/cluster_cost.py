"""Issue 12's other two figures, side by side in one run (standalone; wrk and pgbench):

- the front page (GET /api/listings, served from the in-memory cache) in requests per
  second against pgbench running that page's SQL (bench/pgbench/read-newest.sql) at the
  same concurrency, on the same database;
- one instance against three behind Debian's Caddy (the production Caddyfile, budgets
  in a private Redis), alternating rounds: on a 2-core machine an overhead figure, not
  a speed-up.

`scripts/dev-env.sh exec python3 bench/cluster_cost.py [DB_URL]` (default: a fresh
database of the private cluster with BENCH_CLUSTER_LISTINGS=10000 rows);
BENCH_CLUSTER_SECS, BENCH_CLUSTER_CONC, BENCH_CLUSTER_ROUNDS; BENCH_CLUSTER_MD writes
the markdown section there."""
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lib  # noqa: E402

sys.path.insert(0, str(lib.ROOT / "scripts/cluster"))
import cluster  # noqa: E402

SECS = int(os.environ.get("BENCH_CLUSTER_SECS", "8"))
CONC = int(os.environ.get("BENCH_CLUSTER_CONC", "16"))
ROUNDS = int(os.environ.get("BENCH_CLUSTER_ROUNDS", "2"))
AFTER_AT = "after_at=9999-12-31T23:59:59Z"
ENV = {"APP_ENV": "dev", "RUST_LOG": "warn", "RATE_READ_MAX": "65535", "RATE_READ_WINDOW_SECS": "1",
       "RATE_WRITE_MAX": "0", "RATE_CHALLENGE_MAX": "0", "DB_POOL_MAX": str(CONC),
       "POW_SECRET_KEY": "YmVuY2gtcG93LXNlY3JldC1rZXktMzItYnl0ZXMhISE=",
       "IP_HASH_SALT": "YmVuY2gtaXAtaGFzaC1zYWx0LTMyLWJ5dGVzLWxvbmc="}


def wrk(url):
    """Plain wrk (2 threads, CONC connections, SECS): requests per second and non-2xx."""
    out = lib.sh(["wrk", "-t", "2", "-c", str(CONC), "-d", f"{SECS}s", url])
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "non_2xx": int(non2xx[1]) if non2xx else 0,
            "command": f"wrk -t 2 -c {CONC} -d {SECS}s {url}"}


def front_page(db):
    srv = lib.Server(os.environ.get("BENCH_BIN", cluster.BIN), dict(ENV, DATABASE_URL=db),
                     lib.BENCH / "out/server-front-page.log")
    try:
        wrk(srv.base + "/api/listings")  # warm-up
        pg = lib.pgbench(db, lib.BENCH / "pgbench/read-newest.sql", SECS, CONC, [AFTER_AT])
        http = wrk(srv.base + "/api/listings")
        return {"http": http, "pgbench": pg, "ratio": round(http["rps"] / pg["tps"], 2)}
    finally:
        srv.stop()


def instances(db):
    per = {1: [], 3: []}
    cmd = None
    for r in range(ROUNDS):
        for n in (1, 3):
            board = cluster.Board(db, lib.BENCH / f"out/cluster-{n}", n=n, env=dict(ENV, LOG_FORMAT="json"))
            try:
                wrk(board.caddy.base + "/api/listings/count")  # warm-up
                res = wrk(board.caddy.base + "/api/listings/count")
                per[n].append(res["rps"])
                cmd = res["command"].replace(board.caddy.base, "http://<caddy>")
                lib.log(f"instances: round {r + 1}, {n} behind Caddy: {res['rps']} req/s, non-2xx {res['non_2xx']}")
            finally:
                board.stop()
    one, three = statistics.median(per[1]), statistics.median(per[3])
    return {"one_rps": one, "three_rps": three, "ratio": round(three / one, 2), "rounds": per,
            "command": f"{cmd} through Caddy with 1 then 3 upstreams (RATE_STORE=redis), {ROUNDS} alternating rounds"}


def markdown(res):
    f, i = res["front_page"], res["instances"]
    return "\n".join([
        "## Front page from memory; one instance against three", "",
        f"Same run, {res['machine']['nproc']} cores, load average {res['machine']['loadavg']} at the start, "
        f"{res['listings']} listings, concurrency {CONC}, {SECS} s per measurement:", "",
        "| measurement | figure |", "| --- | --- |",
        f"| front page `GET /api/listings` (cache) | {f['http']['rps']} req/s |",
        f"| pgbench on the page's SQL | {f['pgbench']['tps']} tps |",
        f"| **front page / pgbench** | **{f['ratio']}** (target >= 3) |",
        f"| one instance behind Caddy, `GET /api/listings/count` | {i['one_rps']} req/s |",
        f"| three instances behind Caddy | {i['three_rps']} req/s |",
        f"| **three / one** | **{i['ratio']}** (an overhead figure on this machine) |", "",
        "```", f['http']['command'], f['pgbench']['command'], i['command'], "```", ""])


def main():
    if len(sys.argv) > 1:
        db = sys.argv[1]
    else:
        db = cluster.createdb("powboard_bench_cluster")
        n = int(os.environ.get("BENCH_CLUSTER_LISTINGS", "10000"))
        cluster.psql(db, f"""INSERT INTO listings (body, ip_hash, created_at)
            SELECT 'bench listing ' || g, sha256(int8send(g % 100)), now() - g * interval '1 second'
            FROM generate_series(1, {n}) g""")
    (lib.BENCH / "out").mkdir(parents=True, exist_ok=True)
    res = {"machine": {"nproc": os.cpu_count(), "loadavg": " ".join(Path("/proc/loadavg").read_text().split()[:3])},
           "listings": int(cluster.psql(db, "SELECT count(*) FROM listings")),
           "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    res["front_page"] = front_page(db)
    res["instances"] = instances(db)
    print(json.dumps(res, indent=2))
    if os.environ.get("BENCH_CLUSTER_MD"):
        Path(os.environ["BENCH_CLUSTER_MD"]).write_text(markdown(res))


if __name__ == "__main__":
    main()

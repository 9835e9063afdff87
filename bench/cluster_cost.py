"""`make bench`, phases "front_page" and "instances" (issue 12's other two figures),
each side by side in alternating rounds (lib.alternate) so that a change in the
machine's load hits both sides alike; the figures are medians over rounds:

- front_page: GET /api/listings (the first page, served from the in-memory cache;
  read budget on, memory store) by plain wrk in requests per second, against pgbench
  running that page's SQL (bench/pgbench/read-newest.sql) at the same concurrency on
  the same database. wrk rather than oha: the load tool shares the cores with the
  server and PostgreSQL, and wrk's C loop costs the least of ours. Target: >= 3x.
- instances: one instance against three behind Debian's Caddy (the production
  Caddyfile, budgets in a private Redis: scripts/cluster/cluster.py's Board), both
  boards up at once, GET /api/listings/count by wrk through Caddy. On a 2-core machine
  this is an overhead figure (the CPU per request of Caddy + instances + Redis), not a
  speed-up.

Standalone: `scripts/dev-env.sh exec python3 bench/cluster_cost.py [DB_URL]` (default:
a fresh database of the private cluster with BENCH_CLUSTER_LISTINGS=10000 rows);
BENCH_CLUSTER_SECS, BENCH_CLUSTER_CONC, BENCH_CLUSTER_ROUNDS, BENCH_BIN; BENCH_CLUSTER_MD
writes the markdown section there."""
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lib  # noqa: E402

sys.path.insert(0, str(lib.ROOT / "scripts/cluster"))
import cluster  # noqa: E402

TARGET_RATIO = 3.0
FRONT = "/api/listings"
COUNT = "/api/listings/count"
AFTER_AT = "after_at=9999-12-31T23:59:59Z"
# The read budget on, high enough never to refuse one client (as in the Redis phase);
# wrk's threads on the front page are two clients (X-Forwarded-For from 127.0.0.1).
BUDGET = {"RATE_READ_MAX": "65535", "RATE_READ_WINDOW_SECS": "1"}


def _cpu(meter, requests):
    return {k: v for k, v in meter.stop(requests).items() if k != "wall_s"} if meter else {}


def front_page(binary, env, secs, conc, rounds, out_dir, postmaster=None):
    """env: the server environment with DATABASE_URL; postmaster: the PostgreSQL
    postmaster's pid, to add the CPU per request of each process (optional)."""
    db = env["DATABASE_URL"]
    srv = lib.Server(binary, dict(env, **BUDGET, RATE_STORE="memory", TRUSTED_PROXIES="127.0.0.1"),
                     out_dir / "server-front-page.log")
    meter = lib.CpuMeter(srv.proc.pid, postmaster) if postmaster else None
    script = lib.BENCH / "pgbench/read-newest.sql"

    def measure(name, _):
        m = meter.start() if meter else None
        if name == "pgbench":
            pg = lib.pgbench(db, script, secs, conc, [AFTER_AT])
            return {"rate": pg["tps"], "command": pg["command"], **_cpu(m, pg["transactions"])}
        w = lib.wrk_plain(srv.base + FRONT, secs, conc, clients=True)
        return {"rate": w["rps"], "non_2xx": w["non_2xx"], "command": w["command"], **_cpu(m, w["requests"])}

    def warmup(name, _):
        if name == "pgbench":
            lib.pgbench(db, script, 2, conc, [AFTER_AT])
        else:
            lib.wrk_plain(srv.base + FRONT, 2, conc, clients=True)

    try:
        per = lib.alternate({"pgbench": None, "http": srv}, rounds, measure, warmup)
    finally:
        srv.stop()
    res = {"route": FRONT, "secs": secs, "conc": conc, "rounds": rounds}
    for name, p in per.items():
        res[name] = {"rate": round(p["median"]["rate"], 1), "rounds_rate": [r["rate"] for r in p["rounds"]],
                     "cpu_us_per_req": {k: round(v, 1) for k, v in p["median"].items() if k.endswith("_per_req")},
                     "command": p["rounds"][0]["command"].replace(srv.base, "http://<server>")}
    res["http"]["non_2xx"] = sum(r["non_2xx"] for r in per["http"]["rounds"])
    res["ratio"] = round(res["http"]["rate"] / res["pgbench"]["rate"], 2) if res["pgbench"]["rate"] else None
    return res


def instances(binary, env, secs, conc, rounds, out_dir):
    """env: the instances' environment with DATABASE_URL (the Board adds RATE_STORE=redis
    and its own REDIS_URL)."""
    cluster.BIN = binary  # the Board's instances run cluster.BIN
    env = {k: v for k, v in dict(env, **BUDGET, LOG_FORMAT="json").items() if k not in ("RATE_STORE", "REDIS_URL")}
    boards = {}
    try:
        for n in (1, 3):
            boards[n] = cluster.Board(env["DATABASE_URL"], out_dir / f"cluster-{n}", n=n, env=env)

        def pids(b):
            return [b.caddy.proc.pid, b.redis.proc.pid] + [i.proc.pid for i in b.instances]

        def measure(n, b):
            t0 = lib.cpu_us(pids(b))
            w = lib.wrk_plain(b.caddy.base + COUNT, secs, conc)
            lib.log(f"instances: {n} behind Caddy: {w['rps']} req/s, non-2xx {w['non_2xx']}")
            return {"rps": w["rps"], "cpu_us": (lib.cpu_us(pids(b)) - t0) / max(1, w["requests"]),
                    "non_2xx": w["non_2xx"], "command": w["command"].replace(b.caddy.base, "http://<caddy>")}

        per = lib.alternate(boards, rounds, measure, lambda n, b: lib.wrk_plain(b.caddy.base + COUNT, 2, conc))
    finally:
        for b in boards.values():
            b.stop()
    res = {"route": COUNT, "secs": secs, "conc": conc, "rounds": rounds,
           "command": f"{per[1]['rounds'][0]['command']} through Caddy with 1 and with 3 upstreams "
                      f"(RATE_STORE=redis), {rounds} alternating rounds"}
    for n, key in ((1, "one"), (3, "three")):
        p = per[n]
        res[key] = {"rps": round(p["median"]["rps"], 1), "rounds_rps": [r["rps"] for r in p["rounds"]],
                    "cpu_us_per_req": round(p["median"]["cpu_us"], 1),
                    "non_2xx": sum(r["non_2xx"] for r in p["rounds"])}
    res["ratio"] = round(res["three"]["rps"] / res["one"]["rps"], 2) if res["one"]["rps"] else None
    return res


def main():
    secs = int(os.environ.get("BENCH_CLUSTER_SECS", "8"))
    conc = int(os.environ.get("BENCH_CLUSTER_CONC", "16"))
    rounds = int(os.environ.get("BENCH_CLUSTER_ROUNDS", "2"))
    binary = os.environ.get("BENCH_BIN", cluster.BIN)
    cluster.BIN = binary  # createdb migrates with it
    if len(sys.argv) > 1:
        db = sys.argv[1]
    else:
        db = cluster.createdb("powboard_bench_cluster")
        n = int(os.environ.get("BENCH_CLUSTER_LISTINGS", "10000"))
        cluster.psql(db, f"""INSERT INTO listings (body, ip_hash, created_at)
            SELECT 'bench listing ' || g, sha256(int8send(g % 100)), now() - g * interval '1 second'
            FROM generate_series(1, {n}) g""")
    out = lib.BENCH / "out"
    out.mkdir(parents=True, exist_ok=True)
    env = {"APP_ENV": "dev", "DATABASE_URL": db, "RUST_LOG": "warn", "WEB_DIR": str(lib.ROOT / "frontend/dist"),
           "RATE_WRITE_MAX": "0", "RATE_CHALLENGE_MAX": "0", "DB_POOL_MAX": str(conc),
           "POW_SECRET_KEY": "YmVuY2gtcG93LXNlY3JldC1rZXktMzItYnl0ZXMhISE=",
           "IP_HASH_SALT": "YmVuY2gtaXAtaGFzaC1zYWx0LTMyLWJ5dGVzLWxvbmc="}
    res = {"machine": {"nproc": os.cpu_count(), "loadavg": " ".join(Path("/proc/loadavg").read_text().split()[:3])},
           "listings": int(cluster.psql(db, "SELECT count(*) FROM listings")),
           "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        pm = lib.postmaster_pid()
    except OSError:
        pm = None
    res["front_page"] = front_page(binary, env, secs, conc, rounds, out, pm)
    res["instances"] = instances(binary, env, secs, conc, rounds, out)
    print(json.dumps(res, indent=2))
    if os.environ.get("BENCH_CLUSTER_MD"):
        import report
        m = res["machine"]
        head = [f"Standalone run of bench/cluster_cost.py at {res['at']}: {m['nproc']} cores, load average "
                f"{m['loadavg']} at the start, {res['listings']} listings.", ""]
        Path(os.environ["BENCH_CLUSTER_MD"]).write_text("\n".join(head + report.cluster_markdown(res)) + "\n")


if __name__ == "__main__":
    main()

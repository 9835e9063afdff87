"""`make bench`, phase "redis": what the shared rate-limit store (RATE_STORE=redis)
adds to a checked request, against the in-process store, side by side in one run.
Two servers on the same database with the read budget on (N high enough never to
refuse), one counting in memory and one in a private redis-server on loopback; one
client on a kept-alive connection sends GET /api/listings/count (a cached answer, so
the budget check is most of the work) to each in alternating rounds, so a change in
the machine's load hits both alike. Figures: the client-side latency (p50, p99) of
each and their difference, and the server's own CPU time per request (utime + stime
from /proc). Target (issue 12): the Redis store adds at most 1 ms p99.

Standalone: `scripts/dev-env.sh exec python3 bench/redis_cost.py` (a fresh database
of the private cluster; BENCH_REDIS_ROUNDS, BENCH_REDIS_REQUESTS)."""
import http.client
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lib  # noqa: E402

sys.path.insert(0, str(lib.ROOT / "scripts/cluster"))
import cluster  # noqa: E402  (the private redis-server of the cluster harness)

TARGET_P99_MS = 1.0
ROUTE = "/api/listings/count"


def _round(port, n):
    """n requests on one kept-alive connection: per-request latencies in ms."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    lat = []
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            c.request("GET", ROUTE)
            r = c.getresponse()
            r.read()
            lat.append((time.perf_counter() - t0) * 1000)
            if r.status != 200:
                raise RuntimeError(f"{ROUTE}: HTTP {r.status}")
    finally:
        c.close()
    return lat


def _pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def run(binary, env, rounds, requests, out_dir):
    """env: the server environment (memory store); returns the phase's report."""
    redis = cluster.Redis(out_dir / "redis")
    budget = {"RATE_READ_MAX": "65535", "RATE_READ_WINDOW_SECS": "1"}
    servers = {
        "memory": lib.Server(binary, dict(env, **budget, RATE_STORE="memory"), out_dir / "server-store-memory.log"),
        "redis": lib.Server(binary, dict(env, **budget, RATE_STORE="redis", REDIS_URL=redis.url),
                            out_dir / "server-store-redis.log"),
    }
    try:
        lat = {name: [] for name in servers}
        cpu = {name: [] for name in servers}
        for srv in servers.values():
            _round(srv.port, 500)  # warm-up (and the script loaded into Redis)
        for _ in range(rounds):
            for name, srv in servers.items():
                t0 = lib._cpu_ticks(srv.proc.pid)
                lat[name] += _round(srv.port, requests)
                ticks = lib._cpu_ticks(srv.proc.pid) - t0
                cpu[name].append(ticks / lib.CpuMeter.HZ * 1e6 / requests)
        res = {"rounds": rounds, "requests_per_round": requests, "route": ROUTE}
        for name in servers:
            res[name] = {"p50_ms": round(_pct(lat[name], 0.5), 3), "p99_ms": round(_pct(lat[name], 0.99), 3),
                         "server_cpu_us_per_req": round(statistics.median(cpu[name]), 1)}
        res["added_p50_ms"] = round(res["redis"]["p50_ms"] - res["memory"]["p50_ms"], 3)
        res["added_p99_ms"] = round(res["redis"]["p99_ms"] - res["memory"]["p99_ms"], 3)
        res["added_cpu_us_per_req"] = round(res["redis"]["server_cpu_us_per_req"]
                                            - res["memory"]["server_cpu_us_per_req"], 1)
        res["store_errors"] = "0" if "rate limit store unavailable" not in servers["redis"].logtext() else "outage logged"
        res["command"] = (f"one kept-alive client, {rounds} alternating rounds of {requests} GET {ROUTE} per "
                          "server (RATE_STORE=memory vs redis on a private redis-server); server CPU from /proc/<pid>/stat")
        return res
    finally:
        for srv in servers.values():
            srv.stop()
        redis.stop()


def main():
    out = lib.BENCH / "out"
    out.mkdir(parents=True, exist_ok=True)
    binary = os.environ.get("BENCH_BIN", str(lib.ROOT / "target/release/powboard"))
    db = cluster.createdb("powboard_bench_redis")
    env = {"APP_ENV": "dev", "DATABASE_URL": db, "RUST_LOG": "warn", "LOG_FORMAT": "json",
           "WEB_DIR": str(lib.ROOT / "frontend/dist"), "RATE_WRITE_MAX": "0", "RATE_CHALLENGE_MAX": "0",
           "POW_SECRET_KEY": "YmVuY2gtcG93LXNlY3JldC1rZXktMzItYnl0ZXMhISE=",
           "IP_HASH_SALT": "YmVuY2gtaXAtaGFzaC1zYWx0LTMyLWJ5dGVzLWxvbmc="}
    rounds = int(os.environ.get("BENCH_REDIS_ROUNDS", "5"))
    requests = int(os.environ.get("BENCH_REDIS_REQUESTS", "2000"))
    res = run(binary, env, rounds, requests, out)
    res["machine"] = {"nproc": os.cpu_count(), "loadavg_at_end": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
                      "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    print(json.dumps(res, indent=2))
    if os.environ.get("BENCH_REDIS_MD"):
        import report
        Path(os.environ["BENCH_REDIS_MD"]).write_text("\n".join(report.redis_markdown(res)) + "\n")


if __name__ == "__main__":
    main()

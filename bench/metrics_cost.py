"""`make bench`, phase "metrics": the server's CPU per request with the Prometheus
metrics on and off, side by side in one run. Two servers on the same database, one
with METRICS_ADDR set; the same oha load on each in alternating rounds (off, on,
off, on, ...) so that a change in the machine's load hits both alike; the figure is
the median over rounds of the server's own CPU time (utime + stime) per answered
request. Target: the recording costs at most 2 µs per request."""
import statistics

import lib

ROUTES = ("/healthz", "/api/listings/count")
TARGET_US = 2.0


def run(binary, env, secs, conc, rounds, out_dir):
    """env: the server environment (metrics off); returns the phase's report."""
    metrics_port = lib.harness.free_port()
    servers = {
        "off": lib.Server(binary, dict(env, METRICS_ADDR=""), out_dir / "server-metrics-off.log"),
        "on": lib.Server(binary, dict(env, METRICS_ADDR=f"127.0.0.1:{metrics_port}"),
                         out_dir / "server-metrics-on.log"),
    }
    try:
        res = {"rounds": rounds, "secs": secs, "conc": conc, "routes": {}}
        for route in ROUTES:
            per = {"off": [], "on": []}
            for srv in servers.values():
                lib.oha(srv.base + route, 2, conc)  # warm-up
            for _ in range(rounds):
                for name, srv in servers.items():
                    t0 = lib._cpu_ticks(srv.proc.pid)
                    r = lib.oha(srv.base + route, secs, conc)
                    ticks = lib._cpu_ticks(srv.proc.pid) - t0
                    per[name].append(round(ticks / lib.CpuMeter.HZ * 1e6 / max(1, r["requests"]), 2))
            off = statistics.median(per["off"])
            on = statistics.median(per["on"])
            res["routes"][route] = {"off_us": round(off, 2), "on_us": round(on, 2),
                                    "cost_us": round(on - off, 2), "rounds_off_us": per["off"],
                                    "rounds_on_us": per["on"]}
        status, body = lib.get(metrics_port, "/metrics")
        text = body.decode()
        res["scrape"] = {"status": status, "bytes": len(text),
                         "series": sum(1 for l in text.splitlines() if l and not l.startswith("#"))}
        worst = max(r["cost_us"] for r in res["routes"].values())
        res["worst_cost_us"] = worst
        res["command"] = (f"oha -z {secs}s -c {conc} on each route, {rounds} alternating rounds per server; "
                          "server CPU from /proc/<pid>/stat")
        return res
    finally:
        for srv in servers.values():
            srv.stop()

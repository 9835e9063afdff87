"""`make bench`, phase "metrics": the server's CPU per request with the Prometheus
metrics on and off, side by side in one run. Two servers on the same database, one
with METRICS_ADDR set; the same oha load on each in alternating rounds (off, on,
off, on, ...: lib.alternate) so that a change in the machine's load hits both alike;
the figure is the median over rounds of the server's own CPU time (utime + stime) per
answered request. Target: the recording costs at most 2 µs per request."""
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
            def measure(name, srv):
                t0 = lib.cpu_us([srv.proc.pid])
                r = lib.oha(srv.base + route, secs, conc)
                return {"us": round((lib.cpu_us([srv.proc.pid]) - t0) / max(1, r["requests"]), 2)}

            per = lib.alternate(servers, rounds, measure,
                                warmup=lambda name, srv: lib.oha(srv.base + route, 2, conc))
            off, on = per["off"]["median"]["us"], per["on"]["median"]["us"]
            res["routes"][route] = {"off_us": round(off, 2), "on_us": round(on, 2),
                                    "cost_us": round(on - off, 2),
                                    "rounds_off_us": [r["us"] for r in per["off"]["rounds"]],
                                    "rounds_on_us": [r["us"] for r in per["on"]["rounds"]]}
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

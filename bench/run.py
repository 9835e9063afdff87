"""`make bench`: the whole board against PostgreSQL's own ceiling, in one run on one
machine. Phases (each BENCH_SECS long, same concurrency BENCH_CONC on both sides):
reads (newest page and a word search) by oha vs pgbench running the server's SQL,
latency at half of the measured capacity, the count route, challenge issuance and
/healthz, writes with pre-solved proofs of work by wrk vs pgbench running the same
transaction, and memory (idle, after the reads, after a spray of distinct client
keys), the Redis store's cost against the memory store's, the front page from memory
against pgbench on its SQL, and one instance against three behind Caddy. Writes
bench/report.json and bench/report.md."""
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster_cost  # noqa: E402
import lib  # noqa: E402
import metrics_cost  # noqa: E402
import redis_cost  # noqa: E402
import report  # noqa: E402

SECS = int(os.environ.get("BENCH_SECS", "10"))
CONC = int(os.environ.get("BENCH_CONC", "16"))
WORD = os.environ.get("BENCH_WORD", "guitar")
# The CJK search row: a Japanese word as frequent in the seed as WORD, and the tsquery
# the server makes of it (Han/Kana bigrams, each a prefix).
CJK_WORD = "自転車"
CJK_TSQ = "'自転':* & '転車':*"
# BENCH_PHASES=search runs only the search phases (and prints their figures side by
# side); anything else, or unset, the whole bench.
PHASES = os.environ.get("BENCH_PHASES", "all")
COUNT_RATE = int(os.environ.get("BENCH_COUNT_RATE", "1000"))
SPRAY_KEYS = int(os.environ.get("BENCH_SPRAY_KEYS", "1000000"))
# Metrics on vs off: alternating rounds of METRICS_SECS each (see metrics_cost.py).
METRICS_ROUNDS = int(os.environ.get("BENCH_METRICS_ROUNDS", "3"))
METRICS_SECS = int(os.environ.get("BENCH_METRICS_SECS", "5"))
# Redis store vs memory store: alternating rounds of REDIS_REQUESTS (see redis_cost.py).
REDIS_ROUNDS = int(os.environ.get("BENCH_REDIS_ROUNDS", "5"))
REDIS_REQUESTS = int(os.environ.get("BENCH_REDIS_REQUESTS", "2000"))
# ... and the same two servers under wrk at BENCH_CONC: rounds of REDIS_CONC_SECS.
REDIS_CONC_ROUNDS = int(os.environ.get("BENCH_REDIS_CONC_ROUNDS", "3"))
REDIS_CONC_SECS = int(os.environ.get("BENCH_REDIS_CONC_SECS", "2"))
# Front page vs pgbench, one vs three instances: alternating rounds of BENCH_SECS (cluster_cost.py).
CLUSTER_ROUNDS = int(os.environ.get("BENCH_CLUSTER_ROUNDS", "3"))
BIN = os.environ.get("BENCH_BIN", str(lib.ROOT / "target/release/powboard"))
OUT = Path(os.environ.get("BENCH_OUT", str(lib.BENCH / "out")))
UA = "powboard-bench/1"
# A word no listing holds, and a pair rarer than one in a hundred listings.
RARE_QUERIES = ("zzzabsent", "xenia%20guitar")
RARE_RATE = int(os.environ.get("BENCH_RARE_RATE", "50"))
COUNTRY_RATE = int(os.environ.get("BENCH_COUNTRY_RATE", "200"))
# Fixed dev secrets (base64 of 32 bytes): the bench runs APP_ENV=dev on loopback only.
SECRETS = {"POW_SECRET_KEY": "YmVuY2gtcG93LXNlY3JldC1rZXktMzItYnl0ZXMhISE=",
           "IP_HASH_SALT": "YmVuY2gtaXAtaGFzaC1zYWx0LTMyLWJ5dGVzLWxvbmc="}
PG = lib.BENCH / "pgbench"
LUA = lib.BENCH / "lua"
AFTER_AT = "after_at=9999-12-31T23:59:59Z"


def server_env(db_url, **over):
    env = {"APP_ENV": "dev", "DATABASE_URL": db_url, "RUST_LOG": os.environ.get("BENCH_RUST_LOG", "warn"),
           "WEB_DIR": str(lib.ROOT / "frontend/dist"), "TRUSTED_PROXIES": "127.0.0.1",
           "RATE_READ_MAX": "0", "RATE_WRITE_MAX": "0", "RATE_CHALLENGE_MAX": "0",
           "POW_DIFFICULTY": "4", "POW_SUBPUZZLES": "1", "POW_TTL_SECONDS": "3600",
           "DB_POOL_MAX": str(CONC), **SECRETS}
    env.update(over)
    return env


def read_pair(srv, db, name, path, script, defines):
    """pgbench and oha on the same query, then oha at half the server's capacity.
    CPU time per request of each process is recorded to show where the gap is."""
    lib.log(f"reads/{name}: warm-up, pgbench, oha, oha at 50%")
    lib.pgbench(db, script, 2, CONC, defines)
    lib.oha(srv.base + path, 2, CONC)
    meter = lib.CpuMeter(srv.proc.pid, lib.postmaster_pid())
    m = meter.start()
    pg = lib.pgbench(db, script, SECS, CONC, defines)
    pg["cpu"] = m.stop(pg["transactions"])
    m = meter.start()
    http = lib.oha(srv.base + path, SECS, CONC)
    http["cpu"] = m.stop(http["requests"])
    half = lib.oha(srv.base + path, SECS, CONC, rate=max(1, int(http["rps"] / 2)))
    return {"path": path, "pgbench": pg, "http": http, "half_load": half,
            "ratio": round(http["rps"] / pg["tps"], 3) if pg["tps"] else None}


def country_reads(srv):
    """The country filter at one million listings (it once walked the whole newest index:
    145-243 ms a request). Page 2 of the newest listings, of one country and of a country
    with no listings: from the database (the cursor skips the front-page cache), at a
    fixed rate, one after the other; the target is a country p99 within 3x of the
    unfiltered page's."""
    def cursor(path):
        status, body = lib.get(srv.port, path)
        assert status == 200, (path, status)
        return urllib.parse.quote(json.loads(body)["next_cursor"], safe="")
    newest, de = cursor("/api/listings"), cursor("/api/listings?country=DE")
    paths = {"newest": f"/api/listings?cursor={newest}",
             "country DE": f"/api/listings?country=DE&cursor={de}",
             "country ZZ (none)": f"/api/listings?country=ZZ&cursor={newest}"}
    lib.log("reads/country: page 2 unfiltered, of DE and of an absent country, at a fixed rate")
    res = {name: dict(lib.oha(srv.base + path, SECS, 4, rate=COUNTRY_RATE), path=path)
           for name, path in paths.items()}
    base = res["newest"]["p99_ms"]
    worst = max(res["country DE"]["p99_ms"], res["country ZZ (none)"]["p99_ms"])
    return {"rate": COUNTRY_RATE, "routes": res,
            "p99_ratio": round(worst / base, 2) if base else None}


def writes(srv, db):
    lib.log("writes: pgbench insert transaction")
    pg = lib.pgbench(db, PG / "write.sql", SECS, CONC)
    n = min(200_000, int(pg["tps"] * SECS * 1.3) + 500)
    tokens = OUT / "tokens.txt"
    t0 = time.time()
    lib.presolve(BIN, srv.port, n, UA, tokens)
    lib.log(f"writes: {n} challenges fetched and solved with `powboard pow solve` in {time.time() - t0:.1f} s; wrk")
    w = lib.wrk(srv.base, LUA / "write.lua", SECS, CONC, 2, {"BENCH_TOKENS": str(tokens), "BENCH_UA": UA})
    rps = w["created"] / (w["duration_us"] / 1e6)
    return {"pgbench": pg, "tokens": n, "http": dict(w, rps=round(rps, 1)),
            "ratio": round(rps / pg["tps"], 3) if pg["tps"] else None}


def spray(db):
    """A fresh server with the read budget on (defaults, RATE_MAX_TRACKED_CLIENTS as
    default), sprayed with SPRAY_KEYS distinct client addresses through XFF."""
    srv = lib.Server(BIN, server_env(db, RATE_READ_MAX="120", RATE_WRITE_MAX="5", RATE_CHALLENGE_MAX="30"),
                     OUT / "server-spray.log")
    try:
        lib.get(srv.port, "/api/listings/count")
        time.sleep(2)
        before = srv.rss_mib()
        lib.log(f"spray: {SPRAY_KEYS} distinct client keys at /api/listings/count")
        t0 = time.time()
        w = lib.wrk(srv.base, LUA / "spray.lua", 900, CONC, 2, {"BENCH_SPRAY_KEYS": str(SPRAY_KEYS)},
                    done_dir=OUT / "spray-done")
        elapsed = time.time() - t0
        after = srv.rss_mib()
        ok_after = lib.get(srv.port, "/api/listings/count")[0]
        return {"keys": SPRAY_KEYS, "rss_before_mib": before, "rss_after_mib": after,
                "bytes_per_key": round((after - before) * 1048576 / max(1, SPRAY_KEYS), 1),
                "elapsed_s": round(elapsed, 1), "wrk": w, "status_after_spray": ok_after}
    finally:
        srv.stop()


def search_phases(srv, db):
    """The search rows alone: a common Latin word and a CJK word, each by oha vs
    pgbench on the server's SQL (with server CPU per request), then the rare queries
    (the GIN step) at a fixed rate."""
    cjk = urllib.parse.quote(CJK_WORD)
    res = {
        "search": read_pair(srv, db, "search", f"/api/listings?q={WORD}", PG / "read-search.sql",
                            [AFTER_AT, f"tsq='{WORD}':*"]),
        "search_cjk": read_pair(srv, db, "search-cjk", f"/api/listings?q={cjk}", PG / "read-search.sql",
                                [AFTER_AT, f"tsq={CJK_TSQ}"]),
    }
    lib.log("reads/rare: searches that need the GIN step, at a fixed rate")
    res["rare_search"] = {q: lib.oha(srv.base + f"/api/listings?q={q}", SECS, 4, rate=RARE_RATE)
                          for q in RARE_QUERIES + (urllib.parse.quote("自転車 冷蔵庫"),)}
    return res


def search_only():
    """`BENCH_PHASES=search`: seed (or clone the seeded template), then the search
    phases only; writes bench/out/search.json and prints the rows side by side."""
    lib.require_tools()
    OUT.mkdir(parents=True, exist_ok=True)
    db = subprocess.run([str(lib.BENCH / "seed.sh"), BIN], check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    listings = int(lib.sh(["psql", "-X", "-tAc", "SELECT count(*) FROM listings", db]))
    srv = lib.Server(BIN, server_env(db), OUT / "server.log")
    try:
        time.sleep(2)
        res = {"listings": listings, "machine": lib.machine(), "secs": SECS, "conc": CONC,
               **search_phases(srv, db)}
    finally:
        srv.stop()
    (OUT / "search.json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    print(f"{listings} listings, {SECS} s per phase, concurrency {CONC}")
    print("| row | server req/s | pgbench tps | ratio | p50 ms | p99 ms | server CPU us/req |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in ("search", "search_cjk"):
        r = res[name]
        cpu = r["http"].get("cpu", {})
        print(f"| {r['path']} | {r['http']['rps']:.0f} | {r['pgbench']['tps']:.0f} | {r['ratio']} "
              f"| {r['http'].get('p50_ms')} | {r['http'].get('p99_ms')} | {cpu} |")
    for q, r in res["rare_search"].items():
        print(f"| q={urllib.parse.unquote(q)} at {RARE_RATE}/s | {r.get('rps')} | | | {r.get('p50_ms')} | {r.get('p99_ms')} | |")


def main():
    if PHASES == "search":
        return search_only()
    lib.require_tools()
    OUT.mkdir(parents=True, exist_ok=True)
    res = {"started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": lib.machine(),
           "settings": {"BENCH_SECS": SECS, "BENCH_CONC": CONC, "BENCH_WORD": WORD, "BENCH_SPRAY_KEYS": SPRAY_KEYS, "BENCH_COUNT_RATE": COUNT_RATE,
                        "BENCH_CLUSTER_ROUNDS": CLUSTER_ROUNDS,
                        "server": {k: v for k, v in server_env("").items() if k not in SECRETS and k != "DATABASE_URL"}}}
    m = res["machine"]
    lib.log(f"machine: {m['nproc']} cores, {m['cpu_model']}, load {m['loadavg_at_start']}")
    db = subprocess.run([str(lib.BENCH / "seed.sh"), BIN], check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    res["listings_at_start"] = int(lib.sh(["psql", "-X", "-tAc", "SELECT count(*) FROM listings", db]))
    srv = lib.Server(BIN, server_env(db), OUT / "server.log")
    try:
        time.sleep(2)
        mem = {"idle_mib": srv.rss_mib()}
        res["reads"] = {
            "newest": read_pair(srv, db, "newest", "/api/listings", PG / "read-newest.sql", [AFTER_AT]),
            "search": read_pair(srv, db, "search", f"/api/listings?q={WORD}", PG / "read-search.sql",
                                [AFTER_AT, f"tsq='{WORD}':*"]),
        }
        # Words that do not fill a page from the newest rows take the search's second
        # step (the GIN index): latency at a fixed modest rate, one after the other.
        lib.log("reads/rare: searches that need the GIN step, at a fixed rate")
        res["rare_search"] = {q: lib.oha(srv.base + f"/api/listings?q={q}", SECS, 4, rate=RARE_RATE)
                              for q in RARE_QUERIES}
        res["country"] = country_reads(srv)
        mem["after_reads_mib"] = srv.rss_mib()
        lib.log("count, /healthz, challenge issuance")
        full = lib.oha(srv.base + "/api/listings/count", SECS, CONC)
        res["count"] = {"full": full, "rate": COUNT_RATE,
                        "fixed_rate": lib.oha(srv.base + "/api/listings/count", SECS, 4, rate=COUNT_RATE),
                        "half_load": lib.oha(srv.base + "/api/listings/count", SECS, CONC, rate=int(full["rps"] / 2)),
                        "pgbench_cache_miss_query": lib.pgbench(db, PG / "count.sql", SECS, CONC)}
        res["healthz"] = lib.oha(srv.base + "/healthz", SECS, CONC)
        res["challenge"] = lib.oha(srv.base + "/api/pow/challenge", SECS, CONC, headers=[f"User-Agent: {UA}"])
        res["writes"] = writes(srv, db)
        mem["after_writes_mib"] = srv.rss_mib()
    finally:
        srv.stop()
    res["memory"] = mem
    lib.log(f"metrics: server CPU per request, metrics off vs on, {METRICS_ROUNDS} alternating rounds")
    res["metrics"] = metrics_cost.run(BIN, server_env(db), METRICS_SECS, CONC, METRICS_ROUNDS, OUT)
    lib.log(f"redis: a checked request with RATE_STORE=redis vs memory, {REDIS_ROUNDS} alternating rounds")
    res["redis"] = redis_cost.run(BIN, server_env(db), REDIS_ROUNDS, REDIS_REQUESTS, OUT,
                                  conc=CONC, conc_secs=REDIS_CONC_SECS, conc_rounds=REDIS_CONC_ROUNDS)
    lib.log(f"front page: GET /api/listings (cache) by wrk vs pgbench on its SQL, {CLUSTER_ROUNDS} alternating rounds")
    res["front_page"] = cluster_cost.front_page(BIN, server_env(db), SECS, CONC, CLUSTER_ROUNDS, OUT,
                                                lib.postmaster_pid())
    lib.log(f"instances: one vs three behind Caddy (Redis store), {CLUSTER_ROUNDS} alternating rounds")
    res["instances"] = cluster_cost.instances(BIN, server_env(db), SECS, CONC, CLUSTER_ROUNDS, OUT)
    res["spray"] = spray(db)
    res["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    res["targets"] = report.targets(res)
    (lib.BENCH / "report.json").write_text(json.dumps(res, indent=2) + "\n")
    md = report.markdown(res)
    (lib.BENCH / "report.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()

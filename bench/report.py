"""bench/report.md from the figures of one `make bench` run (never mixes runs)."""

IDLE_MIB_TARGET = 30
COUNT_P99_MS_TARGET = 2.0
# The limiter is meant to hold a small fixed state per tracked key; the spray passes
# when the growth per key stays under this budget (about 256 MiB per million keys)
# and the server still answers after it.
SPRAY_BYTES_PER_KEY_BUDGET = 256


def targets(r):
    t = []

    def add(name, measured, target, ok):
        t.append({"name": name, "measured": measured, "target": target, "met": bool(ok)})

    for k in ("newest", "search"):
        ratio = r["reads"][k]["ratio"]
        add(f"reads {k}: HTTP / pgbench", ratio, ">= 0.80", ratio is not None and ratio >= 0.8)
    if r.get("country"):
        ratio = r["country"]["p99_ratio"]
        add("country filter, page 2 from the database: p99 / unfiltered p99", ratio, "<= 3",
            ratio is not None and ratio <= 3)
    wr = r["writes"]["ratio"]
    add("writes: HTTP / pgbench", wr, ">= 0.70", wr is not None and wr >= 0.7)
    p99 = r["count"]["fixed_rate"]["p99_ms"]
    add(f"count p99 at {r['count']['rate']} req/s (ms)", p99, f"<= {COUNT_P99_MS_TARGET}", p99 is not None and p99 <= COUNT_P99_MS_TARGET)
    idle = r["memory"]["idle_mib"]
    add("RSS idle (MiB)", idle, f"<= {IDLE_MIB_TARGET}", idle <= IDLE_MIB_TARGET)
    if r.get("metrics"):
        cost = r["metrics"]["worst_cost_us"]
        add("metrics on - off: server CPU per request (µs, worst route)", cost, "<= 2", cost <= 2.0)
    if r.get("redis"):
        added = r["redis"]["added_p99_ms"]
        add("Redis store - memory store: added p99 per checked request (ms)", added, "<= 1", added <= 1.0)
    if r.get("front_page"):
        ratio = r["front_page"]["ratio"]
        add("front page from memory (wrk) / pgbench on its SQL", ratio, ">= 3", ratio is not None and ratio >= 3)
    s = r["spray"]
    add(f"spray of {s['keys']} keys: RSS growth per key (bytes), server still serving",
        s["bytes_per_key"], f"<= {SPRAY_BYTES_PER_KEY_BUDGET} and 200 after",
        s["bytes_per_key"] <= SPRAY_BYTES_PER_KEY_BUDGET and s["status_after_spray"] == 200)
    return t


def _lat(x):
    return f"{x['p50_ms']} / {x['p99_ms']}"


def markdown(r):
    m, s = r["machine"], r["settings"]
    L = [
        "# powboard benchmark", "",
        f"Machine: **{m['nproc']} cores, {m['cpu_model']}**, {m['mem_gib']} GiB, Linux {m['kernel']}, "
        f"load at start {m['loadavg_at_start']} (shared machine: figures are noisy).",
        f"Tools: {m['oha']}, {m['wrk']}, {m['postgres']}.", "",
        f"Run {r['started_at']} .. {r['finished_at']} with `make bench` (BENCH_SECS={s['BENCH_SECS']}, "
        f"BENCH_CONC={s['BENCH_CONC']}, BENCH_WORD={s['BENCH_WORD']}); {r['listings_at_start']} listings seeded. "
        "All figures below come from this one run; server, load tool and PostgreSQL share the same cores.",
        "", "## Targets", "", "| target | measured | goal | met |", "| --- | --- | --- | --- |",
    ]
    for t in r["targets"]:
        L.append(f"| {t['name']} | {t['measured']} | {t['target']} | {'yes' if t['met'] else '**no**'} |")
    L += ["", "## Reads (same SQL, same concurrency)", "",
          "| query | pgbench tx/s | HTTP req/s | ratio | HTTP p50 / p99 ms at 50% (req/s) | statuses |",
          "| --- | --- | --- | --- | --- | --- |"]
    for k, v in r["reads"].items():
        h = v["half_load"]
        L.append(f"| `GET {v['path']}` | {v['pgbench']['tps']} | {v['http']['rps']} | {v['ratio']} | "
                 f"{_lat(h)} ({h['rps']}) | {v['http']['statuses']} |")
    w = r["writes"]
    if r.get("rare_search"):
        L += ["", "Searches that the newest 2048 rows do not answer (the GIN step; before it existed, a "
              "word found nowhere walked the whole table: about 3 s at one million listings):", "",
              "| query | p50 / p99 ms at a fixed rate (req/s) | statuses |", "| --- | --- | --- |"]
        for q, v in r["rare_search"].items():
            L.append(f"| `GET /api/listings?q={q}` | {_lat(v)} ({v['rps']}) | {v['statuses']} |")
    if r.get("country"):
        co = r["country"]
        L += ["", f"The country filter (page 2, from the database, {co['rate']} req/s each, one after the "
              f"other; p99 ratio to the unfiltered page **{co['p99_ratio']}**):", "",
              "| page | p50 / p99 ms | statuses |", "| --- | --- | --- |"]
        for name, v in co["routes"].items():
            L.append(f"| {name}: `GET {v['path'][:60]}…` | {_lat(v)} | {v['statuses']} |")
    L += ["", "CPU time per request (µs) during the full-load runs — the server and the load tool share "
          "the cores with PostgreSQL, so the HTTP side also pays for the server and for oha:", "",
          "| query | pgbench: postgres + pgbench | HTTP: postgres + server + oha |", "| --- | --- | --- |"]
    for k, v in r["reads"].items():
        a, b = v["pgbench"]["cpu"], v["http"]["cpu"]
        L.append(f"| {k} | {a['postgres_cpu_us_per_req']} + {a['loadtool_cpu_us_per_req']} | "
                 f"{b['postgres_cpu_us_per_req']} + {b['server_cpu_us_per_req']} + {b['loadtool_cpu_us_per_req']} |")
    L += ["", "## Writes", "",
          f"- pgbench, listing insert + spent challenge in one transaction: **{w['pgbench']['tps']} tx/s**",
          f"- `POST /api/listings` with {w['tokens']} pre-solved tokens (difficulty 4, k = 1, solved by "
          f"`powboard pow solve`): **{w['http']['rps']} created/s** ({w['http']['created']} created, "
          f"{w['http']['other']} other statuses, {w['http']['socket_errors']} socket errors, "
          f"p50 / p99 {w['http']['p50_us'] / 1000:.2f} / {w['http']['p99_us'] / 1000:.2f} ms)",
          f"- ratio **{w['ratio']}**"
          + (" — tokens ran out in some threads" if w["http"]["exhausted_threads"] else ""),
          "", "## Count, challenge, health", "",
          "| route | req/s (full load) | p50 / p99 ms at full load | p50 / p99 ms at 50% |", "| --- | --- | --- | --- |"]
    c = r["count"]
    L.append(f"| `GET /api/listings/count` | {c['full']['rps']} | {_lat(c['full'])} | {_lat(c['half_load'])} |")
    L.append(f"| `GET /api/listings/count` at a fixed {c['rate']} req/s | | | {_lat(c['fixed_rate'])} |")
    for name, route in (("challenge", "/api/pow/challenge"), ("healthz", "/healthz")):
        L.append(f"| `GET {route}` | {r[name]['rps']} | {_lat(r[name])} | |")
    L += ["", f"The count's cache-miss query by pgbench: {c['pgbench_cache_miss_query']['tps']} tx/s.",
          "", "## Memory (RSS)", ""]
    mem, sp = r["memory"], r["spray"]
    L += [f"- idle: **{mem['idle_mib']} MiB**; after the read runs: {mem['after_reads_mib']} MiB; "
          f"after the writes: {mem['after_writes_mib']} MiB",
          f"- spray of {sp['keys']} distinct client keys (X-Forwarded-For through TRUSTED_PROXIES=127.0.0.1, "
          f"default RATE_MAX_TRACKED_CLIENTS) on a fresh server: {sp['rss_before_mib']} → **{sp['rss_after_mib']} MiB** "
          f"({sp['bytes_per_key']} bytes per key) in {sp['elapsed_s']} s; {sp['wrk']['ok']} answered 200, "
          f"{sp['wrk']['refused']} 429, {sp['wrk']['other']} other; afterwards the server answered "
          f"{sp['status_after_spray']}", ""]
    if r.get("metrics"):
        me = r["metrics"]
        L += ["## Cost of the metrics", "",
              f"Server CPU per answered request (µs), median of {me['rounds']} alternating rounds of "
              f"{me['secs']} s at concurrency {me['conc']}, one server with `METRICS_ADDR` set and one without, "
              "same database, same run:", "",
              "| route | metrics off | metrics on | cost |", "| --- | --- | --- | --- |"]
        for route, v in me["routes"].items():
            L.append(f"| `GET {route}` | {v['off_us']} | {v['on_us']} | **{v['cost_us']}** |")
        L += ["", f"The exposition after the run: {me['scrape']['series']} series, {me['scrape']['bytes']} bytes "
              f"(HTTP {me['scrape']['status']}).", ""]
    if r.get("redis"):
        L += redis_markdown(r["redis"])
    if r.get("front_page") and r.get("instances"):
        L += cluster_markdown(r)
    L += ["## Commands", ""]
    cmds = [v[side]["command"] for v in r["reads"].values() for side in ("pgbench", "http", "half_load")]
    cmds += [v["command"] for v in r.get("rare_search", {}).values()]
    cmds += [v["command"] for v in r.get("country", {}).get("routes", {}).values()]
    cmds += [w["pgbench"]["command"], w["http"]["command"], c["full"]["command"], c["half_load"]["command"], c["fixed_rate"]["command"],
             r["healthz"]["command"], r["challenge"]["command"], sp["wrk"]["command"]]
    if r.get("metrics"):
        cmds.append(r["metrics"]["command"])
    if r.get("redis"):
        cmds.append(r["redis"]["command"])
        if r["redis"].get("concurrent"):
            cmds.append(r["redis"]["concurrent"]["command"])
    if r.get("front_page"):
        cmds += [r["front_page"]["pgbench"]["command"], r["front_page"]["http"]["command"]]
    if r.get("instances"):
        cmds.append(r["instances"]["command"])
    L += ["```"] + cmds + ["```", "", "Server settings: `" + " ".join(f"{k}={v}" for k, v in s["server"].items()) + "`",
          "(plus fixed dev secrets and the bench database URL). Raw figures: `bench/report.json`.", ""]
    return "\n".join(L)


def redis_markdown(rc):
    """The section of the Redis phase (bench/redis_cost.py)."""
    m, x = rc["memory"], rc["redis"]
    return ["## Cost of the Redis store", "",
            f"`GET {rc['route']}` (cached answer, read budget checked), one kept-alive client, "
            f"{rc['rounds']} alternating rounds of {rc['requests_per_round']} requests per server, "
            "RATE_STORE=memory vs RATE_STORE=redis (a private redis-server on loopback), same run:", "",
            "| store | p50 (ms) | p99 (ms) | server CPU per request (µs) |", "| --- | --- | --- | --- |",
            f"| memory | {m['p50_ms']} | {m['p99_ms']} | {m['server_cpu_us_per_req']} |",
            f"| redis | {x['p50_ms']} | {x['p99_ms']} | {x['server_cpu_us_per_req']} |",
            f"| **added by Redis** | **{rc['added_p50_ms']}** | **{rc['added_p99_ms']}** | "
            f"**{rc['added_cpu_us_per_req']}** |", ""] + _redis_concurrent(rc)


def _redis_concurrent(rc):
    c = rc.get("concurrent")
    if not c:
        return []
    m, x = c["memory"], c["redis"]
    return [f"The same two servers under wrk at concurrency {c['conc']} ({c['rounds']} alternating rounds of "
            f"{c['secs']} s; median, each wrk thread another client): the workers seldom sleep and Redis "
            "gets several commands per write, so this is the check's own cost, without the sleeps and "
            "cross-core wake-ups that a lone sequential client pays on every request (most of the "
            "sequential figure above):", "",
            "| store | req/s | server CPU per request (µs) | redis-server CPU per request (µs) | non-2xx |",
            "| --- | --- | --- | --- | --- |",
            f"| memory | {m['rps']} | {m['server_cpu_us_per_req']} | | {m['non_2xx']} |",
            f"| redis | {x['rps']} | {x['server_cpu_us_per_req']} | {x['redis_cpu_us_per_req']} | {x['non_2xx']} |",
            f"| **added by Redis** | | **{c['added_cpu_us_per_req']}** | | |", ""]


def cluster_markdown(r):
    """The sections of the front page and instances phases (bench/cluster_cost.py)."""
    f, i = r["front_page"], r["instances"]
    fc, pc = f["http"]["cpu_us_per_req"], f["pgbench"]["cpu_us_per_req"]
    L = ["## The front page from memory against pgbench", "",
         f"`GET {f['route']}` (the first page from the in-memory cache, read budget on) by wrk against pgbench "
         f"running the page's SQL, concurrency {f['conc']} each, {f['rounds']} alternating rounds of {f['secs']} s "
         "(median), same database, same run:", "",
         "| side | rate (median) | rounds | CPU per request (µs) |", "| --- | --- | --- | --- |",
         f"| front page, wrk | {f['http']['rate']} req/s | {f['http']['rounds_rate']} | "
         + (f"server {fc.get('server_cpu_us_per_req')} + postgres {fc.get('postgres_cpu_us_per_req')} + "
            f"wrk {fc.get('loadtool_cpu_us_per_req')}" if fc else "") + " |",
         f"| pgbench | {f['pgbench']['rate']} tps | {f['pgbench']['rounds_rate']} | "
         + (f"postgres {pc.get('postgres_cpu_us_per_req')} + pgbench {pc.get('loadtool_cpu_us_per_req')}"
            if pc else "") + " |",
         f"| **front page / pgbench** | **{f['ratio']}** (target >= 3) | | |", "",
         f"Non-2xx answers to wrk: {f['http']['non_2xx']}.", "",
         "## One instance against three behind Caddy", "",
         f"`GET {i['route']}` by wrk through Caddy (the production Caddyfile) with one and with three "
         f"upstreams, budgets in a private Redis, both boards up at once, {i['rounds']} alternating rounds of "
         f"{i['secs']} s (median). On a machine of a few cores this is the overhead of the extra processes, "
         "not a speed-up:", "",
         "| board | req/s (median) | rounds | CPU per request of Caddy + instances + Redis (µs) | non-2xx |",
         "| --- | --- | --- | --- | --- |",
         f"| one instance | {i['one']['rps']} | {i['one']['rounds_rps']} | {i['one']['cpu_us_per_req']} | "
         f"{i['one']['non_2xx']} |",
         f"| three instances | {i['three']['rps']} | {i['three']['rounds_rps']} | {i['three']['cpu_us_per_req']} | "
         f"{i['three']['non_2xx']} |",
         f"| **three / one** | **{i['ratio']}** | | | |", ""]
    return L

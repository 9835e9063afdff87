"""Database faults: PostgreSQL restarted under write load, database down at start,
pool exhausted by blocked queries. Each returns (passed, figures)."""
import os
import re
import shutil
import subprocess
import threading
import time

from common import OUT, UA, HERE, Server, error_code, log, oha, presolve, request, seed

WRITE_CONNS = 4
WRITE_DELAY_MS = int(os.environ.get("RES_DELAY_MS", "20"))


def _wrk_writes(srv, tokens, outdir, secs):
    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir(parents=True)
    env = dict(os.environ, RES_TOKENS=str(tokens), RES_UA=UA, RES_OUT=str(outdir),
               RES_WRK_THREADS="2", RES_DELAY_MS=str(WRITE_DELAY_MS))
    cmd = ["wrk", "-t", "2", "-c", str(WRITE_CONNS), "-d", f"{secs}s", "--timeout", "8s",
           "-s", str(HERE / "writes.lua"), srv.base]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _socket_errors(wrk_out):
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", wrk_out)
    # wrk prints the line only when some socket error happened.
    return dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()))) if m else \
        {"connect": 0, "read": 0, "write": 0, "timeout": 0}


def pg_restart(cl):
    """Restart PostgreSQL (pg_ctl -m fast) while wrk posts listings."""
    db = cl.createdb("res_restart")
    srv = Server("pg-restart", db, DB_POOL_MAX="8")
    try:
        secs, down_secs = 16, 3
        n = int(WRITE_CONNS * 1000 / WRITE_DELAY_MS * secs * 1.2) + 100
        tokens = OUT / "restart-tokens.txt"
        presolve(srv.port, n, tokens)
        outdir = OUT / "restart-responses"
        wrk = _wrk_writes(srv, tokens, outdir, secs)
        time.sleep(4)
        log("stopping PostgreSQL (fast) under write load")
        cl.stop("fast")
        time.sleep(down_secs)
        cl.start()
        t_up = time.monotonic()
        recovered = None
        while time.monotonic() - t_up < 30:
            try:
                if request(srv.port, "GET", "/api/listings?limit=1", timeout=5)[0] == 200:
                    recovered = round(time.monotonic() - t_up, 2)
                    break
            except OSError:
                pass
            time.sleep(0.05)
        wrk_out, _ = wrk.communicate(timeout=secs + 30)
        lines = [l.split() for f in sorted(outdir.glob("*.txt")) for l in f.read_text().splitlines()]
        created = [int(x[1]) for x in lines if x[0] == "201"]
        unavailable = sum(1 for x in lines if x[0] == "503" and x[1] == "UNAVAILABLE")
        other = [" ".join(x) for x in lines if x[0] not in ("201", "exhausted")
                 and not (x[0] == "503" and x[1] == "UNAVAILABLE")]
        # 201s after the first 503: the server served again without a restart.
        after = 0
        for f in outdir.glob("*.txt"):
            seen_503 = False
            for l in f.read_text().splitlines():
                seen_503 = seen_503 or l.startswith("503")
                after += seen_503 and l.startswith("201")
        found = int(cl.psql("res_restart", f"SELECT count(*) FROM listings l JOIN spent_challenges s ON s.listing_id = l.id "
                                            f"WHERE l.id = ANY('{{{','.join(map(str, created)) or '0'}}}'::bigint[])")) \
            if created else 0
        sock = _socket_errors(wrk_out)
        exhausted = sum(1 for x in lines if x[0] == "exhausted")
        figures = (f"201={len(created)} in_table={found} 503_UNAVAILABLE={unavailable} other={len(other)} "
                   f"timeouts={sock.get('timeout', '?')} 201_after_outage={after} recovered_after={recovered}s "
                   f"alive={srv.proc.poll() is None} tokens_exhausted_threads={exhausted}")
        if other:
            log(f"unexpected responses (first 5): {other[:5]}")
        ok = (created and found == len(created) and not other and sock.get("timeout", 1) == 0
              and recovered is not None and recovered <= 10 and after > 0 and srv.proc.poll() is None)
        return ok, figures
    finally:
        srv.stop()
        if not cl.running():
            cl.start()


def db_down_at_start(cl):
    """The server retries while PostgreSQL is down and comes up with it; with a short
    DB_CONNECT_TIMEOUT_SECS it exits non-zero in about that time."""
    db = cl.createdb("res_down")
    cl.stop("fast")
    try:
        srv = Server("db-down", db, wait=False, DB_CONNECT_TIMEOUT_SECS="60")
        time.sleep(4)
        waiting = srv.proc.poll() is None
        cl.start()
        t_up = time.monotonic()
        ready = srv.wait_ready(30, "/readyz")
        came_up = round(time.monotonic() - t_up, 2)
        retry_logged = "database not reachable yet" in srv.logtext()
        srv.stop()

        cl.stop("fast")
        t0 = time.monotonic()
        quit_srv = Server("db-down-giveup", db, wait=False, DB_CONNECT_TIMEOUT_SECS="3")
        try:
            rc = quit_srv.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rc = None
        gave_up = round(time.monotonic() - t0, 2)
        quit_srv.stop()
        figures = (f"waited_while_down={waiting} ready_after_db_up={came_up}s retry_logged={retry_logged} "
                   f"giveup_exit_code={rc} giveup_after={gave_up}s (DB_CONNECT_TIMEOUT_SECS=3)")
        ok = waiting and ready and came_up <= 10 and retry_logged and rc not in (0, None) and gave_up <= 3 + 6
        return ok, figures
    finally:
        if not cl.running():
            cl.start()


def pool_exhausted(cl):
    """DB_POOL_MAX=2, listings locked by another session: every connection blocks.
    New requests must get 503 UNAVAILABLE no later than the read deadline (3 s)."""
    db = cl.createdb("res_pool")
    seed(cl, "res_pool", 1000)
    srv = Server("pool-exhausted", db, DB_POOL_MAX="2")
    hold = 12
    locker = subprocess.Popen(["psql", "-X", "-q", db, "-c",
                               f"BEGIN; LOCK TABLE listings IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep({hold}); COMMIT;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0 = time.monotonic()
        while cl.psql("res_pool", "SELECT count(*) FROM pg_locks WHERE relation = 'listings'::regclass "
                                  "AND mode = 'AccessExclusiveLock' AND granted") != "1":
            time.sleep(0.05)
        health = []
        stop = threading.Event()

        def probe_health():
            while not stop.is_set():
                health.append(request(srv.port, "GET", "/healthz")[2] * 1000)
                time.sleep(0.1)

        th = threading.Thread(target=probe_health)
        th.start()
        load = oha(srv.base + "/api/listings", 6, 16, timeout=10)
        stop.set()
        th.join()
        status, data, _ = request(srv.port, "GET", "/api/listings?limit=1")
        code = error_code(data)
        locker.wait(timeout=hold + 10)
        t_rel = time.monotonic()
        recovered = None
        while time.monotonic() - t_rel < 15:
            if request(srv.port, "GET", "/api/listings?limit=1")[0] == 200:
                recovered = round(time.monotonic() - t_rel, 2)
                break
            time.sleep(0.05)
        health.sort()
        h99 = round(health[int(len(health) * 0.99) - 1], 1) if health else None
        statuses = load["statuses"]
        figures = (f"statuses={statuses} errors={load['errors']} p50={load['p50_ms']}ms p99={load['p99_ms']}ms "
                   f"max={load['max_ms']}ms single_503_code={code} healthz_p99={h99}ms "
                   f"recovered_after_unlock={recovered}s (lock held {round(t_rel - t0, 1)}s)")
        # The read deadline (3 s) bounds every answer; one second of slack for a loaded
        # machine's scheduling, as in slow-clients.
        ok = (set(statuses) == {"503"} and not load["errors"] and load["max_ms"] <= 3000 + 1000
              and status == 503 and code == "UNAVAILABLE" and recovered is not None and recovered <= 5
              and h99 is not None and h99 < 200)
        return ok, figures
    finally:
        if locker.poll() is None:
            locker.kill()
        srv.stop()

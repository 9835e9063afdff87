"""`make cluster-test`: three real instances (RATE_STORE=redis) behind the production
Caddyfile on Debian's Caddy, a private Redis and a fresh database of the private
PostgreSQL cluster, checked from outside as clients see them. Each scenario prints
`PASS <name> <figures>` or `FAIL <name> <figures>`; the last line is `N passed, M failed`
and the exit status is non-zero when any failed. CLUSTER_ONLY=name,name runs a subset.

Every source address in 127.0.0.0/8 is another client to the board (Caddy passes the
address it sees in X-Forwarded-For; the instances trust only 127.0.0.1, Caddy's), so
each scenario uses clients of its own. Timing: the checks bound what the board may do
(no W-long interval holds more than N accepted requests, judged from send and receive
times), never how fast it is; where a change must show "before the old answer expires"
the deadline is the cache's own second, with three attempts."""
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster  # noqa: E402
from cluster import log, request  # noqa: E402

OUT = Path(os.environ.get("CLUSTER_OUT", str(cluster.ROOT / ".data/cluster-test")))
READ_MAX, READ_WINDOW = 10, 4.0
SECRETS = {"POW_SECRET_KEY": "Y2x1c3Rlci10ZXN0LXBvdy1zZWNyZXQta2V5LTMyYnk=",
           "IP_HASH_SALT": "Y2x1c3Rlci10ZXN0LWlwLWhhc2gtc2FsdC0zMi1ieXQ="}
ENV = {"APP_ENV": "dev", **SECRETS, "RATE_READ_MAX": str(READ_MAX),
       "RATE_READ_WINDOW_SECS": str(int(READ_WINDOW)), "RATE_WRITE_MAX": "0", "RATE_CHALLENGE_MAX": "0",
       "POW_DIFFICULTY": "4", "POW_SUBPUZZLES": "1", "POW_ADAPTIVE_STEP": "0", "POW_TTL_SECONDS": "600"}

_next_client = [0]
_client_lock = threading.Lock()


def fresh_client():
    """A source address no scenario has used: a client with untouched budgets."""
    with _client_lock:
        _next_client[0] += 1
        n = _next_client[0]
    return f"127.1.{n // 250}.{n % 250 + 1}"


def timed(port, method, path, source, **kw):
    t0 = time.monotonic()
    try:
        status, data, headers = request(port, method, path, source=source, **kw)
    except OSError as e:
        status, data, headers = f"error:{type(e).__name__}", None, {}
    return {"status": status, "sent": t0, "recv": time.monotonic(), "data": data, "headers": headers}


def window_counts(accepted, w=READ_WINDOW):
    """For each accepted request i, how many were surely accepted in [send_i, send_i + W)
    (sent at or after send_i, answered before send_i + W)."""
    return [sum(1 for b in accepted if b["sent"] >= a["sent"] and b["recv"] < a["sent"] + w)
            for a in accepted]


def window_violations(accepted, n=READ_MAX, w=READ_WINDOW):
    """W-long intervals holding more than N surely accepted requests. Sound: only a
    real breach of the limiter's bound can make one appear."""
    return [c for c in window_counts(accepted, w) if c > n]


def shared_budget(board, db):
    """A client's read budget holds across three instances behind Caddy (and hit
    directly), in every W-long interval; a second client is unaffected."""
    a, b = fresh_client(), fresh_client()
    targets = [board.caddy.port] + [i.port for i in board.instances]
    res_a = []
    # A burst of 3N within much less than W, spread over Caddy and the three instances
    # (three local budgets would accept all of it), then 2 W at about twice N per W.
    for k in range(3 * READ_MAX):
        res_a.append(timed(targets[k % 4], "GET", "/api/listings/count", a))
    res_b = [timed(targets[k % 4], "GET", "/api/listings/count", b) for k in range(READ_MAX)]
    t_end = time.monotonic() + 2 * READ_WINDOW
    k = 0
    while time.monotonic() < t_end:
        res_a.append(timed(targets[k % 4], "GET", "/api/listings/count", a))
        k += 1
        time.sleep(READ_WINDOW / (2 * READ_MAX))
    ok_a = [r for r in res_a if r["status"] == 200]
    limited = [r for r in res_a if r["status"] == 429]
    other = [r["status"] for r in res_a + res_b if r["status"] not in (200, 429)]
    burst_ok = sum(1 for r in res_a[:3 * READ_MAX] if r["status"] == 200)
    viol = window_violations(ok_a)
    retry_ok = all(1 <= int(r["headers"].get("retry-after", 0)) <= READ_WINDOW + 1 for r in limited)
    b_ok = sum(1 for r in res_b if r["status"] == 200)
    figures = (f"burst_accepted={burst_ok}/{3 * READ_MAX} (N={READ_MAX}) total_accepted={len(ok_a)}/{len(res_a)} "
               f"busiest_window={max(window_counts(ok_a), default=0)} "
               f"violations={len(viol)} other_client={b_ok}/{READ_MAX} retry_after_ok={retry_ok} other_statuses={other}")
    ok = not viol and burst_ok <= READ_MAX and b_ok == READ_MAX and limited and retry_ok and not other
    return ok, figures


def one_token(board, db):
    """One solved token sent at once to all three instances (20 POSTs): one 201, the
    rest POW_REPLAYED, one row."""
    c = fresh_client()
    status, ch, _ = request(board.instances[0].port, "GET", "/api/pow/challenge", source=c)
    assert status == 200, f"challenge: {status}"
    pow_headers = cluster.solve(ch)
    body = {"body": f"one token {ch['challenge'][:8]}"}
    gate = threading.Barrier(20)

    def post(k):
        gate.wait()
        return request(board.instances[k % 3].port, "POST", "/api/listings", body=body,
                       headers=pow_headers, source=c)

    with ThreadPoolExecutor(20) as ex:
        results = list(ex.map(post, range(20)))
    created = [r for r in results if r[0] == 201]
    replayed = [r for r in results if r[0] == 409 and r[1]["error"]["code"] == "POW_REPLAYED"]
    rows = int(cluster.psql(db, f"SELECT count(*) FROM listings WHERE body = '{body['body']}'"))
    figures = f"201={len(created)} POW_REPLAYED={len(replayed)} other={20 - len(created) - len(replayed)} rows={rows}"
    return len(created) == 1 and len(replayed) == 19 and rows == 1, figures


ROUTES = ("/api/listings/count", "/api/stats/countries", "/api/listings?limit=5")


def _snapshot(data, route):
    if route == ROUTES[0]:
        return data["count"]
    if route == ROUTES[1]:
        return sum(c["count"] for c in data)
    return [i["id"] for i in data["items"]]


def _coherence_attempt(board, db, change, expect):
    """Primes the caches of instances 2 and 3, makes `change` through instance 1 (or the
    CLI), then polls until each shows it. Returns per (instance, route) the time from the
    change to the first answer showing it, and whether that came before the primed
    answer could have expired (which only a notification explains)."""
    primed = {}
    for inst in board.instances[1:]:
        for route in ROUTES:
            r = timed(inst.port, "GET", route, fresh_client())
            assert r["status"] == 200, (route, r["status"])
            primed[(inst.name, route)] = (r["sent"], _snapshot(r["data"], route))
    t_change = time.monotonic()
    new = change()
    seen = {}
    deadline = time.monotonic() + 5
    while len(seen) < len(primed) and time.monotonic() < deadline:
        for inst in board.instances[1:]:
            for route in ROUTES:
                if (inst.name, route) in seen:
                    continue
                r = timed(inst.port, "GET", route, fresh_client())
                if r["status"] == 200 and expect(route, primed[(inst.name, route)][1], _snapshot(r["data"], route), new):
                    seen[(inst.name, route)] = r["recv"]
        time.sleep(0.01)
    lag = {k: round((seen[k] - t_change) * 1000) if k in seen else None for k in primed}
    by_notification = all(k in seen and seen[k] < primed[k][0] + 1.0 for k in primed)
    return by_notification, lag


def coherence(board, db):
    """A listing posted through one instance, then hidden by the moderation CLI, shows
    in the count, the stats and the front page of the other two before their cached
    answers (at most a second old) expire: the NOTIFY reached them."""
    poster = fresh_client()

    def post():
        status, ch, _ = request(board.instances[0].port, "GET", "/api/pow/challenge", source=poster)
        hdrs = cluster.solve(ch)
        status, data, _ = request(board.instances[0].port, "POST", "/api/listings",
                                  body={"body": f"coherent {time.time()}"}, headers=hdrs, source=poster)
        assert status == 201, status
        return data["id"]

    def grew(route, old, now, new_id):
        return now == old + 1 if route != ROUTES[2] else bool(now) and now[0] == new_id

    def hide_latest():
        new_id = int(cluster.psql(db, "SELECT max(id) FROM listings WHERE NOT is_hidden"))
        cluster.subprocess.run([cluster.BIN, "listings", "hide", str(new_id)], check=True, capture_output=True,
                               env=dict(os.environ, DATABASE_URL=db, RUST_LOG="warn"))
        return new_id

    def shrank(route, old, now, hidden_id):
        return now == old - 1 if route != ROUTES[2] else hidden_id not in now

    figures, ok = [], True
    for name, change, expect in (("insert", post, grew), ("cli-hide", hide_latest, shrank)):
        for attempt in range(1, 4):
            by_notification, lag = _coherence_attempt(board, db, change, expect)
            if by_notification:
                break
            log(f"{name}: attempt {attempt} not within the cache's second: {lag}")
        ok &= by_notification
        worst = max((v for v in lag.values() if v is not None), default=None)
        figures.append(f"{name}: visible_on_others_after_ms<={worst} attempts={attempt} notified={by_notification}")
    return ok, " ".join(figures)


class Load:
    """Background readers through Caddy, each request from a fresh client (so budgets
    never refuse them): every status is kept."""

    def __init__(self, board, threads=3):
        self.board, self.stop_flag, self.results = board, threading.Event(), []
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self):
        while not self.stop_flag.is_set():
            self.results.append(timed(self.board.caddy.port, "GET", "/api/listings?limit=5", fresh_client(),
                                      timeout=15))

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join()
        return self.results


def _local_budgets(board):
    """A fresh client sends 2N to each instance directly: with the shared store it gets
    N in all; with local budgets each instance gives it its own N."""
    c = fresh_client()
    per = {}
    for inst in board.instances:
        rs = [timed(inst.port, "GET", "/api/listings/count", c, timeout=15) for _ in range(2 * READ_MAX)]
        per[inst.name] = rs
    return per


def _store_state(board, word):
    return [inst.logtext().count(word) for inst in board.instances]


def _wait_shared(board, since_counts, secs=30):
    """Until every instance logged that the shared store is back (after `since_counts`)."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        now = _store_state(board, "rate limit store is back")
        if all(n > s for n, s in zip(now, since_counts)):
            return True
        # The store comes back on the next check after Redis answers again: ask.
        for inst in board.instances:
            timed(inst.port, "GET", "/api/listings/count", fresh_client())
        time.sleep(0.2)
    return False


def redis_outage(board, db):
    """Redis slow (SIGSTOP), then stopped, under load: no 5xx, each instance enforces
    its own budget, the outage logged once per instance; Redis restarted: budgets are
    shared again without restarting the board."""
    load = Load(board)
    down_before = _store_state(board, "rate limit store unavailable")
    time.sleep(0.5)
    figures, ok = [], True
    for phase in ("slow", "down"):
        if phase == "slow":
            board.redis.pause()
        else:
            board.redis.resume()
            board.redis.kill()
        time.sleep(0.5)
        per = _local_budgets(board)
        accepted = {n: [r for r in rs if r["status"] == 200] for n, rs in per.items()}
        own = all(not window_violations(a) for a in accepted.values())
        enforced = all(any(r["status"] == 429 for r in rs) for rs in per.values())
        total = sum(len(a) for a in accepted.values())
        ok &= own and enforced and total > READ_MAX
        slowest = max(r["recv"] - r["sent"] for rs in per.values() for r in rs)
        figures.append(f"{phase}: accepted_per_instance={[len(a) for a in accepted.values()]} "
                       f"(N={READ_MAX}) own_budgets_hold={own} slowest_ms={slowest * 1000:.0f}")
    back_before = _store_state(board, "rate limit store is back")
    board.redis.start()
    shared_again = _wait_shared(board, back_before)
    per = _local_budgets(board)
    accepted = [r for rs in per.values() for r in rs if r["status"] == 200]
    shared = not window_violations(accepted) and len(accepted) <= READ_MAX
    results = load.stop()
    five = [r["status"] for r in results if not (isinstance(r["status"], int) and r["status"] < 500)]
    down_logs = [a - b for a, b in zip(_store_state(board, "rate limit store unavailable"), down_before)]
    logged_once = all(1 <= d <= 2 for d in down_logs)
    ok &= shared_again and shared and not five and logged_once and all(i.alive() for i in board.instances)
    figures.append(f"restarted: back_logged={shared_again} accepted_across_instances={len(accepted)} "
                   f"(N={READ_MAX}) shared={shared}")
    figures.append(f"load: requests={len(results)} 5xx_or_errors={len(five)} outage_log_lines={down_logs}")
    return ok, " ".join(figures)


def sigkill_under_writes(board, db):
    """One instance SIGKILLed under write load through Caddy: every 201 a client got is
    in the table, and the other instances keep serving."""
    c = fresh_client()
    n_tokens = 240
    def challenge(_):
        return request(board.caddy.port, "GET", "/api/pow/challenge", source=c)[1]
    with ThreadPoolExecutor(4) as ex:
        tokens = list(ex.map(cluster.solve, ex.map(challenge, range(n_tokens))))
    lock, results, stop = threading.Lock(), [], threading.Event()
    it = iter(tokens)

    def writer():
        while not stop.is_set():
            with lock:
                tok = next(it, None)
            if tok is None:
                return
            r = timed(board.caddy.port, "POST", "/api/listings", c, body={"body": "under fire"}, headers=tok)
            with lock:
                results.append(r)
            time.sleep(0.05)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    # The kill comes once a third of the tokens are spent (whatever the machine's
    # speed), so writes are in flight before, during and after it.
    deadline = time.monotonic() + 60
    while len(results) < n_tokens // 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    victim = board.instances[2]
    t_kill = time.monotonic()
    victim.proc.kill()
    log(f"SIGKILL {victim.name} under writes after {len(results)} posts")
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join()
    created = [r["data"]["id"] for r in results if r["status"] == 201]
    after = sum(1 for r in results if r["status"] == 201 and r["sent"] > t_kill)
    ids = ",".join(map(str, created)) or "0"
    found = int(cluster.psql(db, f"SELECT count(*) FROM listings WHERE id IN ({ids})"))
    others = {}
    for r in results:
        if r["status"] != 201:
            others[str(r["status"])] = others.get(str(r["status"]), 0) + 1
    survivors = all(request(i.port, "GET", "/readyz")[0] == 200 for i in board.instances[:2])
    via_caddy = [timed(board.caddy.port, "GET", "/api/listings?limit=1", fresh_client())["status"]
                 for _ in range(20)]
    figures = (f"201={len(created)} in_table={found} 201_after_kill={after} other={others} "
               f"survivors_ready={survivors} caddy_after_kill={sorted(set(map(str, via_caddy)))}")
    ok = found == len(created) and after > 0 and survivors and all(s == 200 for s in via_caddy)
    return ok, figures


SCENARIOS = [
    ("shared-budget", shared_budget),
    ("one-token-three-instances", one_token),
    ("cache-coherence", coherence),
    ("redis-outage", redis_outage),
    ("sigkill-under-writes", sigkill_under_writes),
]


def main():
    if not Path(cluster.BIN).exists():
        raise SystemExit(f"{cluster.BIN} not found (make release)")
    only = {s for s in os.environ.get("CLUSTER_ONLY", "").split(",") if s}
    OUT.mkdir(parents=True, exist_ok=True)
    db = cluster.createdb("powboard_cluster")
    board = cluster.Board(db, OUT, n=3, env=ENV)
    log(f"3 instances behind Caddy on {board.caddy.base}, Redis on {board.redis.url}")
    try:
        passed, failed = cluster.shared.run_scenarios(SCENARIOS, only, lambda fn: fn(board, db))
    finally:
        board.stop()
    print(f"{passed} passed, {failed} failed (logs in {OUT})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

"""`make attack-sim`: what the site-wide surge buys against a bot farm.

A bot farm of ATTACK_KEYS client keys (distinct X-Forwarded-For addresses through
the trusted loopback proxy, TRUSTED_PROXIES=127.0.0.1/32) solves every challenge
natively with `powboard pow solve --threads 1` in ATTACK_CORES parallel workers
(so on that many cores) and posts as fast as the budgets and the proof of work
allow, for ATTACK_MINUTES against the release server and a fresh PostgreSQL
database. Beside it one honest client (its own key) posts every
ATTACK_HONEST_EVERY seconds, and asks for a challenge at the end of every minute to
record what a person with a browser would wait: 2^difficulty / the browser rate
that `make bench-solver` measured (frontend/bench/results.json).

It runs twice with the same seed and duration, surge off (POW_SURGE_BASELINE=0)
and on (the server's defaults), for each algorithm of ATTACK_ALGORITHM (`sha256`,
`equix`, or `both`, the default: POW_ALGORITHM of the server, each with its own
default difficulty, and the same `powboard pow solve` solving it), then writes
bench/attack.md (the algorithms side by side), bench/attack.json and the plot
bench/attack.png (matplotlib from the bench venv, when it is there). Work is
counted in each algorithm's attempts (SHA-256 hashes, Equi-X solves)."""
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lib  # noqa: E402

MINUTES = float(os.environ.get("ATTACK_MINUTES", "10"))
KEYS = int(os.environ.get("ATTACK_KEYS", "1000"))
CORES = int(os.environ.get("ATTACK_CORES", "2"))
SEED = int(os.environ.get("ATTACK_SEED", "1"))
ALGORITHMS = {"both": ["sha256", "equix"]}.get(os.environ.get("ATTACK_ALGORITHM", "both"),
                                               [os.environ.get("ATTACK_ALGORITHM", "both")])
# Browser Equi-X solves per second per worker when results.json has no equix rows:
# the calibration of the wasm solver on this machine (issue 21).
EQUIX_FALLBACK_PER_WORKER = float(os.environ.get("ATTACK_EQUIX_BROWSER_RATE", "14"))
HONEST_EVERY = float(os.environ.get("ATTACK_HONEST_EVERY", "300"))
BIN = os.environ.get("BENCH_BIN", str(lib.ROOT / "target/release/powboard"))
OUT = Path(os.environ.get("ATTACK_OUT", str(lib.BENCH / "out")))
RESULTS = lib.ROOT / "frontend/bench/results.json"
SECRETS = {"POW_SECRET_KEY": "YXR0YWNrLXNpbS1wb3ctc2VjcmV0LWtleS0zMi1ieXQ=",
           "IP_HASH_SALT": "YXR0YWNrLXNpbS1pcC1oYXNoLXNhbHQtMzItYnl0ZXM="}
BOT_UA = "attack-sim-bot/1"
HONEST_UA = "Mozilla/5.0 (attack-sim honest person)"
HONEST_ADDR = "192.0.2.77"
# Extra server settings for both runs (e.g. "POW_SURGE_MAX_BITS=3 POW_ADAPTIVE_STEP=0.1").
EXTRA = dict(kv.split("=", 1) for kv in os.environ.get("ATTACK_SERVER_ENV", "").split() if "=" in kv)


def browser_rate(algorithm):
    """Attempts per second a person's browser solves at, from `make bench-solver`. For
    sha256 the median time of its difficulty-22 (k = 16) solves with one worker per
    core, the figure a person actually waits (it includes worker start and
    messaging); for equix its per-thread rate times the workers."""
    r = json.loads(RESULTS.read_text())
    src = RESULTS.relative_to(lib.ROOT)
    if algorithm == "sha256":
        ms = r["difficulty22k16"]["medianMs"]
        return {"hashes_per_sec": 2 ** 22 / (ms / 1000), "unit": "hashes", "source": f"{src} "
                f"({r['date']}): difficulty 22, k = 16, median {ms:.0f} ms, {r['workers']} workers"}
    per = r.get("equix", {}).get("perThread", {}).get("browserAttemptsPerSec")
    if per is None:
        return {"hashes_per_sec": EQUIX_FALLBACK_PER_WORKER * r["workers"], "unit": "solves",
                "source": f"{EQUIX_FALLBACK_PER_WORKER:g} Equi-X solves/s per worker (calibration; {src} has "
                f"no equix rows), {r['workers']} workers"}
    return {"hashes_per_sec": per * r["workers"], "unit": "solves", "source": f"{src} ({r['equix']['date']}): "
            f"{per:.1f} Equi-X solves/s per worker, {r['workers']} workers"}


class Client:
    """One keep-alive connection speaking as one client address."""

    def __init__(self, port, addr, ua):
        self.port, self.addr, self.ua = port, addr, ua
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        h = {"User-Agent": self.ua, "X-Forwarded-For": self.addr, **(headers or {})}
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def challenge(self):
        status, body = self.request("GET", "/api/pow/challenge")
        return status, (json.loads(body) if status == 200 else None)

    def post(self, ch, nonces, text):
        return self.request("POST", "/api/listings", body=json.dumps({"body": text}),
                            headers={"Content-Type": "application/json", "X-PoW-Challenge": ch["challenge"],
                                     "X-PoW-Token": ch["token"], "X-PoW-Nonce": nonces})


def solve(ch):
    """`powboard pow solve` on one core: the CLI's native solver."""
    return subprocess.run([BIN, "pow", "solve", "--threads", "1", json.dumps(ch)], check=True,
                          capture_output=True, text=True).stdout.strip()


def bot_addresses(rng):
    # Distinct /32 keys in 10.0.0.0/8, the same ones (in the same order) for both runs.
    picks = rng.sample(range(1, 1 << 24), KEYS)
    return [f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}" for n in picks]


def run(algorithm, label, surge_env, addrs, rate):
    db = lib.sh([str(lib.ROOT / "scripts/local-pg.sh"), "createdb",
                 f"powboard_attack_{algorithm}_{label}"]).strip()
    env = {"APP_ENV": "dev", "DATABASE_URL": db, "RUST_LOG": "warn", "TRUSTED_PROXIES": "127.0.0.1/32",
           "WEB_DIR": str(lib.ROOT / "frontend/dist"), "POW_ALGORITHM": algorithm, **SECRETS, **EXTRA,
           **surge_env}
    OUT.mkdir(parents=True, exist_ok=True)
    srv = lib.Server(BIN, env, OUT / f"attack-{algorithm}-{label}.log")
    secs = MINUTES * 60
    events, lock = [], threading.Lock()  # (t, kind, difficulty, breakdown)
    stop = threading.Event()
    next_key = iter(range(1 << 62))
    t0 = time.time()

    def record(kind, ch, extra=None):
        with lock:
            events.append({"t": round(time.time() - t0, 3), "kind": kind,
                           "difficulty": ch["difficulty"] if ch else None,
                           "breakdown": ch.get("breakdown") if ch else None, **(extra or {})})

    def bot(worker):
        clients = {}
        while not stop.is_set():
            with lock:
                i = next(next_key) % KEYS
            c = clients.setdefault(i, Client(srv.port, addrs[i], BOT_UA))
            status, ch = c.challenge()
            if status != 200:
                record(f"challenge_{status}", None)
                continue
            nonces = solve(ch)
            if stop.is_set():
                break
            status, body = c.post(ch, nonces, f"bot {worker} key {i} at {time.time() - t0:.1f}s")
            record("bot_post" if status == 201 else f"bot_refused_{status}", ch)

    def honest():
        c = Client(srv.port, HONEST_ADDR, HONEST_UA)
        minute, post_at, n = 1, min(30.0, secs / 2), 0
        while not stop.is_set():
            t = time.time() - t0
            if t >= post_at:
                status, ch = c.challenge()
                if status == 200:
                    status, _ = c.post(ch, solve(ch), f"an honest post, number {n + 1}")
                record("honest_post" if status == 201 else f"honest_refused_{status}", ch)
                n, post_at = n + 1, post_at + HONEST_EVERY
            if t >= minute * 60 - 1 or (t >= secs - 1 and minute * 60 > secs):
                status, ch = c.challenge()
                if status == 200:
                    record("honest_sample", ch, {"minute": minute,
                                                 "expected_wait_s": round(2 ** ch["difficulty"] / rate, 2)})
                minute += 1
            stop.wait(0.25)

    lib.log(f"{algorithm}, surge {label}: {KEYS} bot keys on {CORES} cores for {MINUTES:g} min; server {srv.base}")
    threads = [threading.Thread(target=bot, args=(w,), daemon=True) for w in range(CORES)]
    threads.append(threading.Thread(target=honest, daemon=True))
    for th in threads:
        th.start()
    time.sleep(secs)
    stop.set()
    for th in threads:
        th.join(timeout=120)
    counted = int(lib.sh(["psql", "-X", "-tAc", "SELECT count(*) FROM listings", db]))
    srv.stop()
    return summarize(algorithm, label, surge_env, events, counted, secs)


def summarize(algorithm, label, surge_env, events, counted, secs):
    minutes = []
    for m in range(1, int(-(-secs // 60)) + 1):
        lo, hi = (m - 1) * 60, m * 60
        in_min = [e for e in events if lo <= e["t"] < hi]
        bots = [e for e in in_min if e["kind"] == "bot_post"]
        sample = next((e for e in in_min if e["kind"] == "honest_sample"), None)
        minutes.append({
            "minute": m,
            "bot_posts": len(bots),
            "bot_difficulty_mean": round(sum(e["difficulty"] for e in bots) / len(bots), 2) if bots else None,
            "bot_difficulty_max": max((e["difficulty"] for e in bots), default=None),
            "surge_bits_last": bots[-1]["breakdown"]["surge"] if bots else None,
            "honest_difficulty": sample["difficulty"] if sample else None,
            "honest_client_bits": sample["breakdown"]["client"] if sample else None,
            "honest_expected_wait_s": sample["expected_wait_s"] if sample else None,
        })
    bot_posts = [e for e in events if e["kind"] == "bot_post"]
    hashes = sum(2 ** e["difficulty"] for e in bot_posts)
    refusals = {}
    for e in events:
        if "refused" in e["kind"] or e["kind"].startswith("challenge_"):
            refusals[e["kind"]] = refusals.get(e["kind"], 0) + 1
    return {"algorithm": algorithm, "label": label, "server_env": surge_env, "seconds": secs, "minutes": minutes,
            "bot_posts": len(bot_posts), "listings_in_db": counted,
            "honest_posts": sum(e["kind"] == "honest_post" for e in events),
            "bot_expected_hashes_per_sec": round(hashes / secs),
            "refusals": refusals}


def plot(runs, path):
    py = lib.ROOT / ".data/venv-bench/bin/python"
    if not py.exists():
        lib.log("no .data/venv-bench (make attack-sim-deps): plot skipped")
        return False
    script = r"""
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
runs = json.loads(sys.stdin.read())
fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
colors = {("sha256", "off"): "tab:red", ("sha256", "on"): "tab:blue",
          ("equix", "off"): "tab:orange", ("equix", "on"): "tab:green"}
for r in runs:
    color, name = colors[(r["algorithm"], r["label"])], f"{r['algorithm']}, surge {r['label']}"
    xs = [m["minute"] for m in r["minutes"]]
    a1.plot(xs, [m["bot_posts"] for m in r["minutes"]], "o-", color=color, label=name)
    a2.plot(xs, [m["honest_expected_wait_s"] for m in r["minutes"]], "o-", color=color, label=name)
a1.set_ylabel("bot posts accepted per minute")
a1.set_yscale("log")
a1.legend()
a1.grid(True, alpha=0.3)
a2.axhline(10, color="gray", ls="--", lw=1, label="10 s")
a2.set_ylabel("honest expected wait (s), browser")
a2.set_xlabel("minute")
a2.legend()
a2.grid(True, alpha=0.3)
fig.suptitle(sys.argv[1])
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
"""
    title = f"{KEYS} bot keys, {CORES} cores, {MINUTES:g} min, seed {SEED}"
    subprocess.run([str(py), "-c", script, title, str(path)], input=json.dumps(runs), text=True, check=True)
    return True


def rate_text(per_sec, unit):
    return f"{per_sec / 1e6:.1f} M {unit}" if per_sec >= 1e5 else f"{per_sec:.0f} {unit}"


def report(res):
    algs = res["algorithms"]
    cols = [(a, r) for a in algs for r in algs[a]["runs"]]
    ratio = {a: (v["runs"][1]["bot_posts"] / v["runs"][0]["bot_posts"] if v["runs"][0]["bot_posts"]
                 else float("nan")) for a, v in algs.items()}
    L = ["# Attack simulation (`make attack-sim`)", "",
         f"Started {res['started_at']} on {res['machine']['nproc']} cores ({res['machine']['cpu_model']}), "
         f"load average {res['machine']['loadavg_at_start']} at the start: a shared machine, so absolute rates "
         "are lower than on a quiet one; all runs share it alike.", "",
         f"Bot farm: {KEYS} client keys (X-Forwarded-For through TRUSTED_PROXIES=127.0.0.1/32), "
         f"{CORES} workers each solving with `powboard pow solve --threads 1`, posting as fast as budgets "
         f"and proof of work allow for {MINUTES:g} min; seed {SEED}. Honest client: one key, posts every "
         f"{HONEST_EVERY:g} s (first after {min(30.0, res['seconds'] / 2):g} s) and asks for a challenge at the end "
         "of every minute. Expected wait = 2^difficulty / the browser rate of the algorithm:", ""]
    L += [f"- {a}: {rate_text(v['browser']['hashes_per_sec'], v['browser']['unit'])}/s, "
          f"{v['browser']['source']}." for a, v in algs.items()]
    L += ["", f"Server: `POW_ALGORITHM` as named, each algorithm's defaults"
          f"{' plus ' + ' '.join(f'{k}={v}' for k, v in EXTRA.items()) if EXTRA else ''}; "
          "surge off = `POW_SURGE_BASELINE=0`.", "",
          "| | " + " | ".join(f"{a}, surge {r['label']}" for a, r in cols) + " |",
          "| --- |" + " --- |" * len(cols),
          "| bot posts accepted | " + " | ".join(
              f"{r['bot_posts']}" + (f" (**{ratio[a]:.3f}x**)" if r["label"] == "on" else "") for a, r in cols) + " |",
          "| bot work/s (expected work of accepted posts) | " + " | ".join(
              rate_text(r["bot_expected_hashes_per_sec"], algs[a]["browser"]["unit"]) for a, r in cols) + " |",
          "| honest posts | " + " | ".join(str(r["honest_posts"]) for _, r in cols) + " |",
          "| honest expected wait at the end | " + " | ".join(
              f"{r['minutes'][-1]['honest_expected_wait_s']} s" for _, r in cols) + " |",
          "| refusals | " + " | ".join(str(r["refusals"] or "none") for _, r in cols) + " |", ""]
    for a in algs:
        last = algs[a]["runs"][1]["minutes"][-1]["honest_expected_wait_s"]
        L.append(f"Target for {a} (2 cores, 1000 keys, 10 min): surge on ≤ 1/10 of surge off: "
                 f"{'met' if ratio[a] <= 0.1 else 'missed'} ({ratio[a]:.3f}); honest wait at the end ≤ 10 s: "
                 f"{'met' if last is not None and last <= 10 else 'missed'} ({last} s)."
                 + ("" if (MINUTES, KEYS, CORES) == (10, 1000, 2) else " (This run's parameters differ from the target's.)"))
    L.append("")
    for a, r in cols:
        L += [f"## {a}, surge {r['label']}", "",
              "| minute | bot posts accepted | bot difficulty (mean / max) | surge bits | "
              "honest difficulty (client bits) | honest expected wait |",
              "| --- | --- | --- | --- | --- | --- |"]
        for m in r["minutes"]:
            L.append(f"| {m['minute']} | {m['bot_posts']} | {m['bot_difficulty_mean']} / {m['bot_difficulty_max']} "
                     f"| {m['surge_bits_last']} | {m['honest_difficulty']} ({m['honest_client_bits']}) "
                     f"| {m['honest_expected_wait_s']} s |")
        L.append("")
    if res.get("plot"):
        L += ["![bot posts per minute and the honest wait, per algorithm, surge off and on](attack.png)", ""]
    return "\n".join(L)


def machine():
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown")
    return {"nproc": os.cpu_count(), "cpu_model": model,
            "loadavg_at_start": " ".join(Path("/proc/loadavg").read_text().split()[:3])}


def main():
    rng = random.Random(SEED)
    addrs = bot_addresses(rng)
    res = {"started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "machine": machine(),
           "seconds": MINUTES * 60,
           "settings": {"ATTACK_MINUTES": MINUTES, "ATTACK_KEYS": KEYS, "ATTACK_CORES": CORES, "ATTACK_SEED": SEED,
                        "ATTACK_ALGORITHM": ALGORITHMS, "ATTACK_HONEST_EVERY": HONEST_EVERY,
                        "ATTACK_SERVER_ENV": EXTRA},
           "algorithms": {}}
    for algorithm in ALGORITHMS:
        browser = browser_rate(algorithm)
        runs = []
        for label, env in (("off", {"POW_SURGE_BASELINE": "0"}), ("on", {})):
            r = run(algorithm, label, env, addrs, browser["hashes_per_sec"])
            lib.log(f"{algorithm}, surge {label}: {r['bot_posts']} bot posts, last honest wait "
                    f"{r['minutes'][-1]['honest_expected_wait_s']} s")
            runs.append(r)
        res["algorithms"][algorithm] = {"browser": browser, "runs": runs}
    res["plot"] = plot([r for v in res["algorithms"].values() for r in v["runs"]], lib.BENCH / "attack.png")
    (lib.BENCH / "attack.json").write_text(json.dumps(res, indent=1) + "\n")
    (lib.BENCH / "attack.md").write_text(report(res) + "\n")
    lib.log("wrote bench/attack.md, bench/attack.json" + (", bench/attack.png" if res["plot"] else ""))


if __name__ == "__main__":
    main()

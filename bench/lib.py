"""Helpers of `make bench`: the machine, CPU and memory meters, and the load tools
wrk and pgbench run as subprocesses whose own reports are parsed. The server
process, oha and pre-solving are the shared harness (scripts/harness.py). Standard
library only, so the bench needs no virtualenv."""
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT / "scripts"))
import harness  # noqa: E402
get, presolve = harness.get, harness.presolve  # used by run.py as lib.get, lib.presolve


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def machine():
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
    load = Path("/proc/loadavg").read_text().split()[:3]
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "mem_gib": round(mem_kib / 1048576, 1),
        "kernel": os.uname().release,
        "loadavg_at_start": " ".join(load),
        "postgres": sh(["pgbench", "--version"]).strip(),
        "oha": sh(["oha", "--version"]).strip(),
        "wrk": (subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines() or ["wrk"])[0],
    }


def _stat(pid):
    # fields after the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15)
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _cpu_ticks(pid):
    f = _stat(pid)
    return int(f[11]) + int(f[12])


def _reaped_ticks(pid):
    """CPU of the process's children that it has reaped (cutime + cstime)."""
    f = _stat(pid)
    return int(f[13]) + int(f[14])


def cpu_us(pids):
    """CPU seconds (utime + stime, µs) spent so far by the processes `pids`; read
    before and after a load, the difference divided by the requests answered is the
    CPU per request of those processes."""
    return sum(_cpu_ticks(p) for p in pids) / CpuMeter.HZ * 1e6


def alternate(sides, rounds, measure, warmup=None):
    """Two (or more) setups measured side by side in one run: `measure(name, side)` on
    each of `sides` (a dict name -> setup) in turn, `rounds` times over (a, b, a, b,
    ...), so that a change in the machine's load hits all alike. `measure` returns a
    dict of figures; `warmup(name, side)`, when given, runs once on each first.
    Returns {name: {"median": {figure: median over rounds, for the numeric figures},
    "rounds": [the dicts of each round]}}."""
    if warmup:
        for name, side in sides.items():
            warmup(name, side)
    per = {name: [] for name in sides}
    for _ in range(rounds):
        for name, side in sides.items():
            per[name].append(measure(name, side))
    res = {}
    for name, rs in per.items():
        keys = [k for k, v in rs[0].items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        res[name] = {"median": {k: statistics.median(r[k] for r in rs) for k in keys}, "rounds": rs}
    return res


def postmaster_pid():
    """The pid of the private PostgreSQL cluster's postmaster (scripts/local-pg.sh)."""
    pidfile = (ROOT / ".data/pg").resolve() / "data/postmaster.pid"
    return int(pidfile.read_text().split()[0])


class CpuMeter:
    """CPU seconds spent by the server, by PostgreSQL (postmaster, its live children,
    and the reaped ones counted in the postmaster's cutime), and by the load tool (our
    waited-for children), between start() and stop()."""

    HZ = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid, postmaster_pid):
        self.server, self.pm = server_pid, postmaster_pid

    def _pg(self):
        # A backend reaped between reading the postmaster's cutime and walking its
        # children would be counted in neither (a run once showed 0.2 µs of PostgreSQL
        # per search); so read cutime on both sides of the walk and retry until no
        # reap fell in between. Exited but unreaped backends still show their times.
        while True:
            reaped = _reaped_ticks(self.pm)
            live = 0
            for d in Path("/proc").iterdir():
                if d.name.isdigit():
                    try:
                        st = _stat(d.name)
                        if int(st[1]) == self.pm:
                            live += int(st[11]) + int(st[12])
                    except (OSError, IndexError):
                        pass
            if _reaped_ticks(self.pm) == reaped:
                return _cpu_ticks(self.pm) + reaped + live

    def _load(self):
        r = os.times()
        return r.children_user + r.children_system

    def start(self):
        self.t0 = (_cpu_ticks(self.server), self._pg(), self._load(), time.time())
        return self

    def stop(self, requests):
        s, p, l, t = self.t0
        wall = time.time() - t
        n = max(1, requests)
        return {"server_cpu_us_per_req": round((_cpu_ticks(self.server) - s) / self.HZ * 1e6 / n, 1),
                "postgres_cpu_us_per_req": round((self._pg() - p) / self.HZ * 1e6 / n, 1),
                "loadtool_cpu_us_per_req": round((self._load() - l) * 1e6 / n, 1),
                "wall_s": round(wall, 1)}


class Server(harness.Server):
    """target/release/powboard serve with the given environment (not the caller's
    DATABASE_URL), on a free port."""

    def __init__(self, binary, env, logfile):
        super().__init__(binary, env, logfile, drop=("DATABASE_URL",))


def oha(url, secs, conc, rate=None, headers=()):
    """One oha run; at a fixed rate, latency counts from when each request was due."""
    return harness.oha(url, secs, conc, rate=rate, headers=headers, latency_correction=True)


def pgbench(db_url, script, secs, conc, defines=()):
    cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(conc), "-j", str(min(conc, os.cpu_count() or 1)),
           "-T", str(secs), "-f", str(script)]
    for d in defines:
        cmd += ["-D", d]
    out = sh(cmd + [db_url])
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)[1])
    lat = re.search(r"latency average = ([\d.]+) ms", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    done = re.search(r"number of transactions actually processed: (\d+)", out)
    return {
        "tps": round(tps, 1),
        "transactions": int(done[1]) if done else 0,
        "latency_avg_ms": float(lat[1]) if lat else None,
        "failed": int(failed[1]) if failed else 0,
        "command": " ".join(cmd + ["$DB"]),
    }


def wrk(url, script, secs, conc, threads, env, done_dir=None):
    """One wrk run. With done_dir, the script's threads leave a file there when their
    work is done, and wrk is interrupted (SIGINT: it stops and reports) once all have."""
    cmd = ["wrk", "-t", str(threads), "-c", str(conc), "-d", f"{secs}s", "-s", str(script), url]
    full = dict(os.environ, BENCH_WRK_THREADS=str(threads), **env)
    if done_dir is None:
        out = sh(cmd, env=full)
    else:
        shutil.rmtree(done_dir, ignore_errors=True)
        Path(done_dir).mkdir(parents=True)
        full["BENCH_DONE_DIR"] = str(done_dir)
        p = subprocess.Popen(cmd, env=full, stdout=subprocess.PIPE, text=True)
        deadline = time.time() + secs
        while p.poll() is None and time.time() < deadline and len(list(Path(done_dir).iterdir())) < threads:
            time.sleep(0.2)
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
        out = p.communicate(timeout=60)[0]
    line = next(l for l in out.splitlines() if l.startswith("WRKJSON "))
    res = json.loads(line[len("WRKJSON "):])
    res["command"] = " ".join(cmd)
    return res


def wrk_plain(url, secs, conc, threads=2, clients=False):
    """wrk without a per-request script (its own C loop: the lightest load tool here):
    requests per second, requests answered and the count of non-2xx/3xx answers. With
    `clients`, each thread is another client (bench/lua/clients.lua: X-Forwarded-For,
    for a server that trusts 127.0.0.1), so one client's read budget does not cap it."""
    cmd = ["wrk", "-t", str(threads), "-c", str(conc), "-d", f"{secs}s"]
    if clients:
        cmd += ["-s", str(BENCH / "lua/clients.lua")]
    cmd.append(url)
    out = sh(cmd)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "requests": int(re.search(r"(\d+) requests in", out)[1]),
            "non_2xx": int(non2xx[1]) if non2xx else 0,
            "command": " ".join(cmd)}


def require_tools():
    missing = [t for t in ("oha", "wrk", "pgbench", "psql", "redis-server", "caddy") if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"missing tools: {', '.join(missing)} (make bench-deps cluster-deps installs them)")

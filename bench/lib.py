"""Helpers of `make bench`: the machine, the server process, and the load tools
(oha, wrk, pgbench) run as subprocesses whose own reports are parsed. Standard
library only, so the bench needs no virtualenv."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def rss_kib(pid):
    m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    return int(m[1])


class Server:
    """target/release/powboard serve with the given environment, on a free port."""

    def __init__(self, binary, env, logfile):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        full.update(env)
        full["LISTEN_ADDR"] = f"127.0.0.1:{self.port}"
        self.log = open(logfile, "w")
        self.proc = subprocess.Popen([binary, "serve"], env=full, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {logfile}")
            try:
                if get(self.port, "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not ready within 60 s; see {logfile}")

    def rss_mib(self):
        return round(rss_kib(self.proc.pid) / 1024, 1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def get(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def oha(url, secs, conc, rate=None, headers=()):
    """One oha run; requests/s, latency percentiles (ms) and status counts."""
    cmd = ["oha", "-z", f"{secs}s", "-c", str(conc), "--no-tui", "--output-format", "json"]
    if rate:
        # Latency measured from when each request was due (no coordinated omission).
        cmd += ["-q", str(rate), "--latency-correction"]
    for h in headers:
        cmd += ["-H", h]
    out = json.loads(sh(cmd + [url]))
    pct = out.get("latencyPercentiles", {})
    ms = lambda k: round(pct[k] * 1000, 3) if pct.get(k) is not None else None
    return {
        "rps": round(out["summary"]["requestsPerSec"], 1),
        "p50_ms": ms("p50"),
        "p99_ms": ms("p99"),
        "statuses": out.get("statusCodeDistribution", {}),
        "requests": sum(out.get("statusCodeDistribution", {}).values()),
        "errors": out.get("errorDistribution", {}),
        "command": " ".join(cmd + [url]),
    }


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


def presolve(binary, port, n, ua, path):
    """Fetches n challenges as the bench client (127.0.0.1, User-Agent ua) and solves
    each with `powboard pow solve`; writes "challenge token nonces" lines."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    challenges = []
    for _ in range(n):
        conn.request("GET", "/api/pow/challenge", headers={"User-Agent": ua})
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"challenge: HTTP {r.status} {body[:200]!r}")
        challenges.append(body.decode())
    conn.close()

    def solve(js):
        nonces = sh([binary, "pow", "solve", "--threads", "1", js]).strip()
        ch = json.loads(js)
        return f"{ch['challenge']} {ch['token']} {nonces}"

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        lines = list(ex.map(solve, challenges))
    Path(path).write_text("\n".join(lines) + "\n")
    return len(lines)


def require_tools():
    missing = [t for t in ("oha", "wrk", "pgbench", "psql") if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"missing tools: {', '.join(missing)} (make bench-deps installs them)")

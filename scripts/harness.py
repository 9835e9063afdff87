"""The harness shared by `make bench` (bench/), `make resilience` (scripts/resilience/)
and `make cluster-test` (scripts/cluster/): the release server on a free port, one
request on a fresh connection, the scenario loop with its PASS/FAIL lines, the oha
load tool with its report parsed, and PoW tokens pre-solved by `powboard pow solve`.
Standard library only, so none needs a virtualenv; all traffic goes to 127.0.0.1."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def log(msg):
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, headers=None, timeout=10):
    """One GET on a fresh connection: (status, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def request(port, method, path, body=None, headers=None, timeout=10, source=None, ua="powboard-harness/1"):
    """One request on a fresh connection, from `source` when given (a 127.0.0.0/8
    address: another client to the board): (status, parsed JSON or raw bytes,
    lower-cased headers, seconds)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                   source_address=(source, 0) if source else None)
    t0 = time.monotonic()
    try:
        hdrs = {"Connection": "close", "User-Agent": ua, **(headers or {})}
        if body is not None:
            hdrs["Content-Type"] = "application/json"
            body = json.dumps(body)
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        raw = r.read()
        try:
            data = json.loads(raw)
        except ValueError:
            data = raw
        return r.status, data, {k.lower(): v for k, v in r.getheaders()}, time.monotonic() - t0
    finally:
        c.close()


def run_scenarios(scenarios, only=(), call=lambda fn: fn()):
    """Runs each (name, fn) of `scenarios` (all, or those named in `only`) through
    `call`, which returns (ok, figures); prints `== name`, then `PASS name figures` or
    `FAIL name figures` (a scenario that raises fails, with its reason). Returns
    (passed, failed)."""
    passed = failed = 0
    for name, fn in scenarios:
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        t0 = time.monotonic()
        try:
            ok, figures = call(fn)
        except Exception as e:
            traceback.print_exc()
            ok, figures = False, f"error: {type(e).__name__}: {e}"
        figures += f" ({time.monotonic() - t0:.0f}s)"
        print(f"{'PASS' if ok else 'FAIL'} {name} {figures}", flush=True)
        passed += bool(ok)
        failed += not ok
    return passed, failed


class Server:
    """`powboard serve` on a free port with the caller's settings (`env`), logging to
    `logpath`. Variables of our own environment whose names start with one of `drop`
    are not passed on. With `wait`, returns once /healthz answers 200."""

    def __init__(self, binary, env, logpath, drop=(), wait=True, ready_secs=60):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logpath = Path(logpath)
        full = {k: v for k, v in os.environ.items() if not k.startswith(tuple(drop))}
        full.update(env)
        full["LISTEN_ADDR"] = f"127.0.0.1:{self.port}"
        self.log = open(self.logpath, "w")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([binary, "serve"], env=full, stdout=self.log, stderr=subprocess.STDOUT)
        if wait and not self.wait_ready(ready_secs):
            code = self.proc.poll()
            self.stop()
            why = f"exited with {code}" if code is not None else f"not ready within {ready_secs} s"
            raise RuntimeError(f"server {why}; see {self.logpath}")

    def wait_ready(self, secs, path="/healthz"):
        deadline = time.monotonic() + secs
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if get(self.port, path, timeout=2)[0] == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def alive(self):
        return self.proc.poll() is None

    def rss_mib(self):
        m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{self.proc.pid}/status").read_text())
        return round(int(m[1]) / 1024, 1)

    def logtext(self):
        self.log.flush()
        return self.logpath.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def real_errors(oha_json):
    """oha's error counts without "aborted due to deadline": the requests still in
    flight when its -z duration ends, which oha drops itself."""
    return {k: v for k, v in oha_json.get("errorDistribution", {}).items() if k != "aborted due to deadline"}


def oha(url, secs, conc, rate=None, headers=(), timeout=None, latency_correction=False):
    """One oha run: requests/s, latency (ms: p50, p99, max), status and error counts.
    With `latency_correction` (and a rate), latency counts from when each request was
    due, not when it was sent (no coordinated omission)."""
    cmd = ["oha", "-z", f"{secs}s", "-c", str(conc), "--no-tui", "--output-format", "json"]
    if rate:
        cmd += ["-q", str(rate)]
        if latency_correction:
            cmd += ["--latency-correction"]
    if timeout:
        cmd += ["-t", f"{timeout}s"]
    for h in headers:
        cmd += ["-H", h]
    out = json.loads(subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout)
    pct = out.get("latencyPercentiles", {})
    ms = lambda v, digits: round(v * 1000, digits) if v is not None else None
    statuses = out.get("statusCodeDistribution", {})
    return {
        "rps": round(out["summary"]["requestsPerSec"], 1),
        "p50_ms": ms(pct.get("p50"), 3),
        "p99_ms": ms(pct.get("p99"), 3),
        "max_ms": ms(out["summary"].get("slowest") or 0, 1),
        "statuses": statuses,
        "requests": sum(statuses.values()),
        "errors": real_errors(out),
        "command": " ".join(cmd + [url]),
    }


def presolve(binary, port, n, ua, path):
    """Fetches n challenges as one client (127.0.0.1, User-Agent `ua`), solves each
    with `powboard pow solve` on all cores, and writes "challenge token nonces"
    lines to `path` (for the wrk scripts); returns how many."""
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
        out = subprocess.run([binary, "pow", "solve", "--threads", "1", js], check=True, capture_output=True,
                             text=True)
        ch = json.loads(js)
        return f"{ch['challenge']} {ch['token']} {out.stdout.strip()}"

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        lines = list(ex.map(solve, challenges))
    Path(path).write_text("\n".join(lines) + "\n")
    return len(lines)

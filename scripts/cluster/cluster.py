"""Several powboard instances as production runs them, on one machine: a private
Redis (Debian's `redis-server` on a free port, files in a directory of ours, never the
machine's own server on 6379), N release binaries with RATE_STORE=redis against one
PostgreSQL database, and Debian's Caddy running the production caddy/Caddyfile with
the instances as its upstreams. Used by `make run-cluster` and `make cluster-test`;
the server process, requests and the scenario loop are the shared harness
(scripts/harness.py). Standard library only; everything listens on 127.0.0.1."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import harness as shared  # noqa: E402
from harness import free_port, log  # noqa: E402,F401  (run.py and serve.py use them from here)

BIN = os.environ.get("POWBOARD_BIN", str(ROOT / "target/release/powboard"))
UA = "powboard-cluster/1"


def wait_port(port, secs, proc=None):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Redis:
    """A private redis-server: no persistence, its log and working files in `home`."""

    def __init__(self, home, port=None):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc = None
        self.start()

    def start(self):
        if not Path("/usr/bin/redis-server").exists() and not _on_path("redis-server"):
            raise SystemExit("redis-server is not installed (Debian: apt-get install redis-server)")
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", str(self.home), "--protected-mode", "yes",
               "--logfile", str(self.home / "redis.log")]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(self.port, 20, self.proc):
            raise RuntimeError(f"redis-server did not start; see {self.home / 'redis.log'}")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def pause(self):
        """SIGSTOP: the server holds its connections but answers nothing (Redis slow)."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], check=True,
                              capture_output=True, text=True).stdout.strip()


def _on_path(tool):
    return any(Path(d, tool).exists() for d in os.environ.get("PATH", "").split(":"))


class Instance(shared.Server):
    """`powboard serve` on a free port with the cluster's settings (`env`), none of the
    caller's RATE_, POW_, DB_, REDIS_ or LISTEN_ variables; not waited for."""

    def __init__(self, name, env, logdir):
        self.name = name
        super().__init__(BIN, env, Path(logdir) / f"{name}.log",
                         drop=("RATE_", "POW_", "DB_", "REDIS_", "LISTEN_"), wait=False)


class Caddy:
    """Debian's caddy running the production caddy/Caddyfile, with the instances as
    its upstream list (APP_UPSTREAM, space-separated) and SITE_ADDRESS on plain http."""

    def __init__(self, upstreams, workdir, port=None):
        if not _on_path("caddy"):
            raise SystemExit("caddy is not installed (Debian: apt-get install caddy)")
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        work = Path(workdir)
        work.mkdir(parents=True, exist_ok=True)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(work), "XDG_DATA_HOME": str(work / "data"),
               "XDG_CONFIG_HOME": str(work / "config"), "SITE_ADDRESS": f"http://127.0.0.1:{self.port}",
               "APP_UPSTREAM": " ".join(upstreams), "CADDY_ADMIN": "off"}
        self.logpath = work / "caddy.log"
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen(["caddy", "run", "--config", str(ROOT / "caddy/Caddyfile"),
                                      "--adapter", "caddyfile"], env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        if not wait_port(self.port, 30, self.proc):
            raise RuntimeError(f"caddy did not start; see {self.logpath}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Board:
    """Redis + `n` instances + Caddy against the database `db_url`."""

    def __init__(self, db_url, workdir, n=3, env=None, caddy_port=None, redis_port=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.redis = Redis(self.workdir / "redis", redis_port)
        self.env = {"DATABASE_URL": db_url, "RATE_STORE": "redis", "REDIS_URL": self.redis.url,
                    "TRUSTED_PROXIES": "127.0.0.1/32", "RUST_LOG": "info", "LOG_FORMAT": "json",
                    "WEB_DIR": str(ROOT / "frontend/dist"), **(env or {})}
        self.instances = []
        self.caddy = None
        try:
            self.instances = [Instance(f"instance-{i + 1}", self.env, self.workdir) for i in range(n)]
            for inst in self.instances:
                if not inst.wait_ready(60, "/readyz"):
                    raise RuntimeError(f"{inst.name} not ready; see {inst.logpath}")
            self.caddy = Caddy([f"127.0.0.1:{i.port}" for i in self.instances], self.workdir / "caddy",
                               caddy_port)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        if self.caddy:
            self.caddy.stop()
        for inst in self.instances:
            inst.stop()
        self.redis.stop()


def request(port, method, path, body=None, headers=None, timeout=10, source=None):
    """One request on a fresh connection from `source` (a 127.0.0.0/8 address: each is
    another client to the board): (status, parsed JSON or raw bytes, headers)."""
    status, data, hdrs, _ = shared.request(port, method, path, body, headers, timeout, source, UA)
    return status, data, hdrs


def solve(challenge_json):
    """`powboard pow solve --headers` on a challenge JSON: the three X-PoW-* headers."""
    out = subprocess.run([BIN, "pow", "solve", "--headers", "--threads", "1", json.dumps(challenge_json)],
                         check=True, capture_output=True, text=True).stdout
    return dict(line.split(": ", 1) for line in out.strip().splitlines())


def createdb(name):
    """A fresh database in the private cluster of scripts/local-pg.sh, migrated."""
    url = subprocess.run([str(ROOT / "scripts/local-pg.sh"), "createdb", name], check=True,
                         capture_output=True, text=True).stdout.strip()
    subprocess.run([BIN, "migrate"], env=dict(os.environ, DATABASE_URL=url, RUST_LOG="warn"),
                   check=True, capture_output=True)
    return url


def psql(url, sql):
    return subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()

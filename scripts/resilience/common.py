"""Shared parts of `make resilience`: a private PostgreSQL cluster that the scenarios
stop and start themselves (port RESILIENCE_PG_PORT, default 54339, data under
.data/resilience-pg), the release server started with a scenario's environment, and
small HTTP helpers; the server process, oha and pre-solving are the harness shared
with the bench (scripts/harness.py). Standard library only; all traffic goes to
127.0.0.1."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import harness  # noqa: E402
from harness import log, oha, real_errors  # noqa: E402,F401  (the scenarios import them from here)
HERE = Path(__file__).resolve().parent
BIN = os.environ.get("RESILIENCE_BIN", str(ROOT / "target/release/powboard"))
OUT = Path(os.environ.get("RESILIENCE_OUT", str(ROOT / ".data/resilience-out")))
PG_PORT = int(os.environ.get("RESILIENCE_PG_PORT", "54339"))
SECRETS = {"POW_SECRET_KEY": "cmVzaWxpZW5jZS1wb3ctc2VjcmV0LWtleS0zMi1ieXQ=",
           "IP_HASH_SALT": "cmVzaWxpZW5jZS1pcC1oYXNoLXNhbHQtMzItYnl0ZXM="}
UA = "powboard-resilience/1"


def _bindir():
    out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
    if out.returncode == 0 and Path(out.stdout.strip(), "pg_ctl").exists():
        return out.stdout.strip()
    dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    for d in dirs:
        if (d / "pg_ctl").exists():
            return str(d)
    raise SystemExit("PostgreSQL server binaries (pg_ctl, initdb) not found")


class Cluster:
    """A cluster of our own, so scenarios can stop and restart PostgreSQL. As root the
    cluster belongs to the postgres system user (PostgreSQL refuses to run as root)."""

    def __init__(self):
        self.bindir = _bindir()
        self.dir = ROOT / ".data/resilience-pg"
        self.data = self.dir / "data"
        self.root = os.getuid() == 0
        self.base = f"postgres://powboard@127.0.0.1:{PG_PORT}"

    def _run(self, *cmd, check=True):
        cmd = list(cmd)
        if self.root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def init(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.root:
            subprocess.run(["chown", "postgres", str(self.dir)], check=True)
        if not (self.data / "PG_VERSION").exists():
            self._run(f"{self.bindir}/initdb", "-D", str(self.data), "-U", "powboard", "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8")

    def start(self):
        opts = (f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                "-c max_connections=200 -c fsync=off -c synchronous_commit=off")
        self._run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l",
                  str(self.dir / "postgres.log"), "-o", opts, "start")

    def stop(self, mode="fast"):
        self._run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-w", "-m", mode, "stop", check=False)

    def running(self):
        return self._run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def psql(self, db, sql):
        return subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", f"{self.base}/{db}", "-c", sql],
                              check=True, capture_output=True, text=True).stdout.strip()

    def createdb(self, name):
        """A fresh database with the server's migrations applied (`powboard migrate`)."""
        self.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.psql("postgres", f"CREATE DATABASE {name}")
        url = f"{self.base}/{name}"
        subprocess.run([BIN, "migrate"], env=dict(os.environ, DATABASE_URL=url, RUST_LOG="warn"),
                       check=True, capture_output=True)
        return url


class Server(harness.Server):
    """`powboard serve` on a free port with the scenario's settings (over budgets off,
    a tiny PoW and fixed secrets; none of the caller's RATE_, POW_ or DB_ settings)."""

    def __init__(self, name, db_url, wait=True, **env):
        full = {"APP_ENV": "dev", "DATABASE_URL": db_url, "RUST_LOG": "info", "LOG_FORMAT": "json",
                "RATE_READ_MAX": "0", "RATE_WRITE_MAX": "0", "RATE_CHALLENGE_MAX": "0", "POW_DIFFICULTY": "4",
                "POW_SUBPUZZLES": "1", "POW_TTL_SECONDS": "600", "WEB_DIR": str(ROOT / "frontend/dist"),
                **SECRETS, **env}
        super().__init__(BIN, full, OUT / f"{name}.log", drop=("RATE_", "POW_", "DB_"), wait=wait)


def request(port, method, path, body=None, headers=None, timeout=10):
    """One request on a fresh connection: (status, parsed JSON or raw bytes, seconds)."""
    status, data, _, secs = harness.request(port, method, path, body, headers, timeout, ua=UA)
    return status, data, secs


def error_code(data):
    return data.get("error", {}).get("code") if isinstance(data, dict) else None


def presolve(port, n, path):
    """n tokens solved as this client (127.0.0.1, UA), one line each (for wrk)."""
    harness.presolve(BIN, port, n, UA, path)


def seed(cluster, db, n):
    """n plain listings so reads have rows to return."""
    cluster.psql(db, f"""INSERT INTO listings (body, ip_hash, created_at)
        SELECT 'resilience listing ' || g || ' guitar bicycle', sha256(int8send(g % 100)),
               now() - g * interval '1 second' FROM generate_series(1, {n}) g""")

"""`make openapi-fuzz`: Schemathesis against the release server and a fresh database in
the private PostgreSQL cluster, twice: PoW off, then PoW on (hooks.py solves each
challenge with `powboard pow solve`). Settings: schemathesis.toml next to this file;
the budgets are raised to their maximum (RATE_*_MAX=65535 per minute) so the fuzzer measures the API, not its limiter,
while the guards stay on (every answer still carries the RateLimit fields)."""
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from harness import Server  # noqa: E402

BIN = os.environ.get("POWBOARD_BIN", str(ROOT / "target/release/powboard"))
VENV = Path(os.environ.get("OPENAPI_VENV", ROOT / ".data/venv-openapi"))
OUT = ROOT / ".data/schemathesis"
HERE = Path(__file__).resolve().parent

RUNS = [
    # name, PoW on, extra settings
    ("pow-off", False, {"POW_ENABLE": "false"}),
    # Low difficulty: the point is valid and invalid proofs, not solving time.
    ("pow-on", True, {"POW_ENABLE": "true", "POW_DIFFICULTY": "8", "POW_MAX_DIFFICULTY": "12",
                      "POW_SUBPUZZLES": "4", "POW_ADAPTIVE_STEP": "0", "POW_SURGE_BASELINE": "0"}),
]


def createdb(name):
    out = subprocess.run([str(ROOT / "scripts/local-pg.sh"), "createdb", name], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def run(name, pow_on, extra):
    db = createdb(f"powboard_fuzz_{name.replace('-', '_')}")
    env = {"APP_ENV": "dev", "DATABASE_URL": db, "WEB_DIR": "/nonexistent", "RUST_LOG": "warn",
           "RATE_READ_MAX": "65535", "RATE_WRITE_MAX": "65535", "RATE_CHALLENGE_MAX": "65535",
           **extra}
    OUT.mkdir(parents=True, exist_ok=True)
    server = Server(BIN, env, OUT / f"server-{name}.log", drop=("RATE_", "POW_", "METRICS_"))
    started = time.monotonic()
    try:
        cmd = [str(VENV / "bin/schemathesis"), "--config-file", str(HERE / "schemathesis.toml"), "run",
               f"{server.base}/api/openapi.json", "--report", "junit",
               "--report-junit-path", str(OUT / f"junit-{name}.xml")]
        st_env = dict(os.environ, SCHEMATHESIS_HOOKS="hooks", PYTHONPATH=str(HERE), POWBOARD_BIN=BIN,
                      POWBOARD_BASE_URL=server.base, POWBOARD_POW="1" if pow_on else "0")
        # In .data/, where its cache (.schemathesis/) belongs.
        code = subprocess.run(cmd, env=st_env, cwd=OUT).returncode
    finally:
        server.stop()
    print(f"schemathesis {name}: exit {code} in {time.monotonic() - started:.0f} s")
    return code


def main():
    failed = [name for name, pow_on, extra in RUNS if run(name, pow_on, extra) != 0]
    if failed:
        sys.exit(f"schemathesis failed: {', '.join(failed)} (server logs in {OUT})")


if __name__ == "__main__":
    main()

"""`make resilience`: black-box fault scenarios against target/release/powboard and a
private PostgreSQL cluster this script starts and stops itself. Each scenario prints
`PASS <name> <figures>` or `FAIL <name> <figures>`; the last line is
`N passed, M failed` and the exit status is non-zero when any failed.
RESILIENCE_ONLY=name,name runs a subset; RESILIENCE_SOAK_SECS sets the soak length."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import scenarios_db  # noqa: E402
import scenarios_http  # noqa: E402

SCENARIOS = [
    ("pg-restart-under-writes", scenarios_db.pg_restart),
    ("db-down-at-start", scenarios_db.db_down_at_start),
    ("pool-exhausted", scenarios_db.pool_exhausted),
    ("sigterm-under-load", scenarios_http.sigterm_under_load),
    ("slow-clients", scenarios_http.slow_clients),
    ("soak", scenarios_http.soak),
]


def main():
    for tool in ("oha", "wrk", "psql"):
        if not any(Path(d, tool).exists() for d in os.environ.get("PATH", "").split(":")):
            raise SystemExit(f"missing tool: {tool} (make bench-deps installs it)")
    if not Path(common.BIN).exists():
        raise SystemExit(f"{common.BIN} not found (make release)")
    only = {s for s in os.environ.get("RESILIENCE_ONLY", "").split(",") if s}
    common.OUT.mkdir(parents=True, exist_ok=True)
    cl = common.Cluster()
    cl.init()
    cl.stop("immediate")  # a cluster left over by an interrupted run
    cl.start()
    try:
        passed, failed = common.harness.run_scenarios(SCENARIOS, only, lambda fn: fn(cl))
    finally:
        cl.stop("fast")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

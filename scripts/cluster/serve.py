"""`make run-cluster`: a private Redis (files under .data/redis), three instances of the
board sharing their budgets in it, and Caddy running caddy/Caddyfile in front of them
on http://127.0.0.1:8080 (CLUSTER_PORT). Against DATABASE_URL and the secrets of
scripts/dev-env.sh, like `make run`. Ctrl-C stops everything."""
import os
import signal
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster  # noqa: E402


def first_free(port):
    """The first free port from `port` up (a stable Redis port across restarts)."""
    while True:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                port += 1


def main():
    n = int(os.environ.get("CLUSTER_INSTANCES", "3"))
    port = int(os.environ.get("CLUSTER_PORT", "8080"))
    work = cluster.ROOT / ".data/cluster"
    board = cluster.Board(os.environ["DATABASE_URL"], work, n=n, caddy_port=port,
                          redis_port=first_free(6380),
                          env={"RUST_LOG": os.environ.get("RUST_LOG", "info"), "LOG_FORMAT": "pretty"})
    print(f"powboard: {n} instances ({', '.join(i.base for i in board.instances)}) sharing budgets in "
          f"{board.redis.url}, behind Caddy on {board.caddy.base}", flush=True)
    print(f"logs: {work}/instance-*.log, {work}/caddy/caddy.log, {work}/redis/redis.log; Ctrl-C stops",
          flush=True)
    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.append(1))
    try:
        while not stop:
            for inst in board.instances:
                if not inst.alive():
                    print(f"{inst.name} exited; see {inst.logpath}", flush=True)
                    stop.append(1)
            time.sleep(0.5)
    finally:
        board.stop()


if __name__ == "__main__":
    main()

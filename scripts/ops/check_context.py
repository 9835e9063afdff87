"""The image's build context, as the VPS will see it: given a tree made by the
deploy rsync filter, apply prod/Dockerfile.dockerignore with docker-py's
implementation of Docker's pattern rules and check that every COPY source of
prod/Dockerfile is in the context and that no secret or build output is.
  check_context.py TREE      Prints PASS/FAIL lines; exits 1 on any failure."""
import re
import sys
from pathlib import Path

from docker.utils.build import exclude_paths

tree = Path(sys.argv[1])
patterns = [
    line.strip()
    for line in (tree / "prod/Dockerfile.dockerignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
context = exclude_paths(str(tree), patterns, dockerfile="prod/Dockerfile")
results = []


def check(name, ok):
    results.append(bool(ok))
    print(f"{'PASS' if ok else 'FAIL'}  {name}")


# COPY lines without --from take their sources from the context.
sources = []
for line in (tree / "prod/Dockerfile").read_text().splitlines():
    m = re.match(r"^COPY\s+(?!--from)(.*)$", line.strip())
    if m:
        args = [a for a in m.group(1).split() if not a.startswith("--")]
        sources += args[:-1]
for src in sources:
    src = src.rstrip("/")
    ok = src in context and (tree / src).exists()
    if ok and (tree / src).is_dir():
        ok = any(p.startswith(src + "/") for p in context)
    check(f"build context has COPY source {src}", ok)

for must in ("backend/src/main.rs", "frontend/src/main.tsx", "migrations"):
    check(f"build context has {must}", must in context)
for path in context - {"prod/Dockerfile"}:  # the Dockerfile itself always goes
    parts = path.split("/")
    if (parts[0] in {".data", ".git", "prod", "caddy"} or {"node_modules", "target"} & set(parts)
            or path.startswith("frontend/dist") or (parts[-1].startswith(".secrets") and path != ".secrets.example")):
        check(f"build context must not contain {path}", False)
        break
else:
    check("build context has no secrets, build outputs, node_modules or ops files", True)

sys.exit(0 if all(results) else 1)

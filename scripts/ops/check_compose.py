"""Topology checks the Compose schema cannot express: what DESIGN.md and the ops
issue require of debug/, dev/, prod/ and caddy/, and that the values shared between
them (edge network, Caddy's address, TRUSTED_PROXIES, upstream name) agree.
Prints PASS/FAIL lines; exits 1 on any failure. Run from the repository root."""
import ipaddress
import re
import sys
from pathlib import Path

from ruamel.yaml import YAML

results = []


def check(name, ok):
    results.append(bool(ok))
    print(f"{'PASS' if ok else 'FAIL'}  {name}")


def env_file(path):
    out = {}
    for line in Path(path).read_text().splitlines():
        m = re.match(r"^([A-Z_][A-Z0-9_]*)=(.*)$", line.strip())
        if m:
            out[m.group(1)] = m.group(2).strip().strip('"')
    return out


def compose(path):
    return YAML(typ="safe").load(Path(path).read_text())


def referenced_vars(path):
    return set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", Path(path).read_text()))


secret_names = set(env_file(".secrets.example"))
check("the root .secrets.example names POSTGRES_PASSWORD, IP_HASH_SALT, POW_SECRET_KEY",
      {"POSTGRES_PASSWORD", "IP_HASH_SALT", "POW_SECRET_KEY"} <= secret_names)
gen = Path("scripts/ops/gen-secrets.sh").read_text()
check("gen-secrets.sh writes every secret of .secrets.example",
      all(f"echo \"{n}=" in gen for n in secret_names))

# --- what dev and prod share -----------------------------------------------------
for env in ("dev", "prod"):
    c = compose(f"{env}/docker-compose.yml")
    envs = env_file(f"{env}/.env")
    db, app = c["services"]["db"], c["services"]["app"]
    check(f"{env}: db is postgres:16-bookworm", db["image"] == "postgres:16-bookworm")
    check(f"{env}: db data on a named volume",
          any(v.split(":")[0] in c["volumes"] and v.endswith(":/var/lib/postgresql/data") for v in db["volumes"]))
    check(f"{env}: db healthcheck uses pg_isready", "pg_isready" in " ".join(db["healthcheck"]["test"]))
    check(f"{env}: app waits for a healthy db", app["depends_on"]["db"]["condition"] == "service_healthy")
    build = app["build"]
    check(f"{env}: app image built from prod/Dockerfile",
          {k: build.get(k) for k in ("context", "dockerfile")} == {"context": "..", "dockerfile": "prod/Dockerfile"})
    if env == "prod":
        check("prod: the image is built with its commit (powboard_build_info)",
              build.get("args", {}).get("POWBOARD_GIT_COMMIT") == "${POWBOARD_GIT_COMMIT:-unknown}")
    check(f"{env}: app healthcheck probes /readyz", "/readyz" in " ".join(app["healthcheck"]["test"]))
    check(f"{env}: APP_ENV=prod (real secrets enforced)", envs.get("APP_ENV") == "prod")
    # POWBOARD_GIT_COMMIT comes from the Makefile (the checkout's commit), with a default.
    missing = referenced_vars(f"{env}/docker-compose.yml") - set(envs) - secret_names - {"POWBOARD_GIT_COMMIT"}
    check(f"{env}: every ${{VAR}} in the compose file is in .env or .secrets.example ({sorted(missing)})",
          not missing)
    check(f"{env}: the db network is internal", c["networks"]["db_net"].get("internal") is True)
    check(f"{env}: db is only on the internal network", db["networks"] == ["db_net"])
    check(f"{env}: db publishes no port", "ports" not in db)
    if env == "dev":
        check("dev: the app port is published on 127.0.0.1 only",
              all(str(p).startswith("127.0.0.1:") for p in app["ports"]))

# --- prod only -------------------------------------------------------------------
prod = compose("prod/docker-compose.yml")
penv = env_file("prod/.env")
papp = prod["services"]["app"]
check("prod: both services restart unless-stopped",
      all(s.get("restart") == "unless-stopped" for s in prod["services"].values()))
check("prod: the app publishes no port (Caddy is the only way in)", "ports" not in papp)
check("prod: the app is on db_net, edge_net and metrics_net",
      sorted(papp["networks"]) == ["db_net", "edge_net", "metrics_net"])
metrics_net = prod["networks"]["metrics_net"]
check("prod: metrics_net is internal", metrics_net.get("internal") is True)
m_subnet = ipaddress.ip_network(penv["METRICS_SUBNET"])
m_ip = ipaddress.ip_address(penv["METRICS_IP"])
check("prod: the app's fixed metrics address is inside METRICS_SUBNET",
      m_ip in m_subnet and "METRICS_IP" in str(papp["networks"]["metrics_net"]["ipv4_address"])
      and "METRICS_SUBNET" in str(metrics_net["ipam"]["config"][0]["subnet"]))
check("prod: METRICS_ADDR is that address (never 0.0.0.0) and not the public port",
      papp["environment"]["METRICS_ADDR"] == "${METRICS_IP:?set in prod/.env}:${METRICS_PORT:?set in prod/.env}"
      and penv["METRICS_PORT"] != penv.get("LISTEN_ADDR", "").rsplit(":", 1)[-1]
      and "METRICS_ADDR" not in penv)
check("prod: edge_net is external", prod["networks"]["edge_net"].get("external") is True)
check("prod: the app runs read-only without capabilities",
      papp.get("read_only") is True and papp.get("cap_drop") == ["ALL"])
check("prod: backups are kept 14 days", penv.get("BACKUP_KEEP_DAYS") == "14")
check("prod: backups live outside prod/ (safe from rsync --delete)",
      not penv.get("BACKUP_DIR", "").rstrip("/").endswith("/prod"))

# --- caddy <-> prod --------------------------------------------------------------
caddy = compose("caddy/docker-compose.yml")
cenv = env_file("caddy/.env")
subnet = ipaddress.ip_network(cenv["EDGE_SUBNET"])
ip_range = ipaddress.ip_network(cenv["EDGE_IP_RANGE"])
caddy_ip = ipaddress.ip_address(cenv["CADDY_EDGE_IP"])
check("caddy: its fixed address is inside EDGE_SUBNET", caddy_ip in subnet)
check("caddy: dynamic addresses (EDGE_IP_RANGE) can never take Caddy's",
      ip_range.subnet_of(subnet) and caddy_ip not in ip_range)
check("caddy: the container joins edge_net at CADDY_EDGE_IP",
      "CADDY_EDGE_IP" in str(caddy["services"]["caddy"]["networks"]["edge_net"]["ipv4_address"]))
check("caddy never joins the metrics network, nor overlaps its subnet",
      set(caddy["services"]["caddy"]["networks"]) == {"edge_net"}
      and not m_subnet.overlaps(subnet))
check("caddy and prod name the same edge network",
      cenv["EDGE_NET"] == prod["networks"]["edge_net"]["name"]
      and caddy["networks"]["edge_net"].get("external") is True)
trusted = [ipaddress.ip_network(n) for n in penv.get("TRUSTED_PROXIES", "").split(",") if n]
check("prod: TRUSTED_PROXIES is exactly Caddy's address on edge_net",
      trusted == [ipaddress.ip_network(f"{caddy_ip}/32")])
check("caddy: APP_UPSTREAM is the prod app container on :8080",
      cenv["APP_UPSTREAM"] == f"{papp['container_name']}:8080"
      and penv.get("LISTEN_ADDR", "").endswith(":8080"))
missing = referenced_vars("caddy/docker-compose.yml") - set(cenv)
check(f"caddy: every ${{VAR}} in the compose file is in caddy/.env ({sorted(missing)})", not missing)
check("caddy: restart unless-stopped, TLS state on named volumes",
      caddy["services"]["caddy"].get("restart") == "unless-stopped"
      and {"caddy_data", "caddy_config"} <= set(caddy["volumes"]))

# --- debug -------------------------------------------------------------------------
debug = compose("debug/docker-compose.yml")
check("debug: the db port is published on 127.0.0.1 only",
      all(str(p).startswith("127.0.0.1:") for p in debug["services"]["db"]["ports"]))

sys.exit(0 if all(results) else 1)

#!/usr/bin/env bash
# Installs Debian packages when we are root with apt-get; otherwise says exactly what
# to install. Usage: apt-install.sh PACKAGE...
set -euo pipefail
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
        apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
else
    echo "missing: $*  (install with: sudo apt-get install $*)" >&2
    exit 1
fi

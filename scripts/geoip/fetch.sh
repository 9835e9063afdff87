#!/usr/bin/env bash
# Fetch the free IP-to-country database used by powboard's GeoIP lookups.
#
#   scripts/geoip/fetch.sh            (what `make geoip` runs)
#
# Source: the npm registry package @ip-location-db/geo-whois-asn-country-mmdb
# (MMDB, flat `country_code` layout, IPv4 + IPv6 in one file). The data comes
# from the five RIRs' WHOIS and ASN statistics published by the NRO under
# CC BY 4.0, merged with public geofeeds; it must be credited (see ATTRIBUTION).
#
# Result: $GEOIP_DIR/geo-whois-asn-country.mmdb (default .data/geoip/), plus
# NRO_LICENSE and VERSION next to it. The path is printed on stdout (last line);
# everything else goes to stderr, so `GEOIP_DB=$(scripts/geoip/fetch.sh)` works.
#
# Idempotent: when VERSION already names the registry's latest version nothing
# is downloaded. When the registry cannot be reached but a database is present,
# the present one is kept. The tarball is checked against the registry's sha512
# integrity, and the file is replaced by rename, never rewritten in place: a
# running server has it memory-mapped, and a rename leaves its mapping intact.
set -euo pipefail

PACKAGE="@ip-location-db/geo-whois-asn-country-mmdb"
MMDB_NAME="geo-whois-asn-country.mmdb"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
GEOIP_DIR="${GEOIP_DIR:-$REPO_ROOT/.data/geoip}"
TARGET="$GEOIP_DIR/$MMDB_NAME"

log() { printf 'geoip: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

attribution() {
  cat >&2 <<'EOF'
ATTRIBUTION: IP-to-country data: "geo-whois-asn-country" by ip-location-db
  (npm @ip-location-db/geo-whois-asn-country-mmdb), built from RIR WHOIS and ASN
  data (c) Number Resource Organization (NRO), https://www.nro.net/, licensed
  CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Credit nro.net
  wherever the data is shown.
EOF
}

finish() {
  log "database: $(cat "$GEOIP_DIR/VERSION" 2>/dev/null | head -n1) ($(du -h "$TARGET" | cut -f1))"
  attribution
  printf '%s\n' "$TARGET"
}

command -v npm >/dev/null || die "npm is needed to query the npm registry (apt-get install npm)"
command -v curl >/dev/null || die "curl is needed (apt-get install curl)"
command -v openssl >/dev/null || die "openssl is needed to check the download (apt-get install openssl)"

mkdir -p "$GEOIP_DIR"

# One registry round trip: latest version, tarball address and integrity.
# GEOIP_PACKAGE_VERSION pins a version (e.g. for reproducible CI); default: latest.
spec="$PACKAGE@${GEOIP_PACKAGE_VERSION:-latest}"
if ! meta="$(npm view "$spec" version dist.tarball dist.integrity --json --loglevel=error)"; then
  if [[ -s "$TARGET" ]]; then
    log "warning: cannot query the npm registry for $spec; keeping the database already present"
    finish
    exit 0
  fi
  die "cannot query the npm registry for $spec (is the network up?)"
fi
field() { node -e 'const m = JSON.parse(process.argv[1]); process.stdout.write(String(m[process.argv[2]] ?? ""))' "$meta" "$1"; }
version="$(field version)"
tarball="$(field dist.tarball)"
integrity="$(field dist.integrity)"
[[ -n "$version" && -n "$tarball" && "$integrity" == sha512-* ]] \
  || die "unexpected answer from the npm registry: $meta"

if [[ -s "$TARGET" ]] && [[ "$(head -n1 "$GEOIP_DIR/VERSION" 2>/dev/null)" == "$PACKAGE@$version" ]]; then
  log "up to date: $PACKAGE@$version"
  finish
  exit 0
fi

work="$(mktemp -d "$GEOIP_DIR/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

log "downloading $PACKAGE@$version"
curl --fail --silent --show-error --location --retry 3 --output "$work/package.tgz" "$tarball" \
  || die "download failed: $tarball"

actual="sha512-$(openssl dgst -sha512 -binary "$work/package.tgz" | openssl base64 -A)"
[[ "$actual" == "$integrity" ]] \
  || die "integrity mismatch for $tarball: registry says $integrity, got $actual"

tar -xzmf "$work/package.tgz" -C "$work" "package/$MMDB_NAME" package/NRO_LICENSE \
  || die "the tarball lacks package/$MMDB_NAME or package/NRO_LICENSE: the package layout changed"

# Cheap sanity check before replacing anything: every MMDB ends with a metadata
# section introduced by this marker (the Rust reader does the full check).
LC_ALL=C grep -qa 'MaxMind\.com' "$work/package/$MMDB_NAME" \
  || die "package/$MMDB_NAME is not an MMDB file"

printf '%s@%s\n%s\nfetched %s\n' "$PACKAGE" "$version" "$integrity" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  > "$work/VERSION"
mv -f "$work/package/NRO_LICENSE" "$GEOIP_DIR/NRO_LICENSE"
mv -f "$work/package/$MMDB_NAME" "$TARGET"
mv -f "$work/VERSION" "$GEOIP_DIR/VERSION"
log "installed $TARGET"
finish

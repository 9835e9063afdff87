# GeoIP: the country database, the test fixtures' Python writer, the lookup bench.
# Included by the top-level Makefile; paths are relative to the repository root.

GEOIP_VENV := .data/venv-geoip
GEOIP_MMDB := .data/geoip/geo-whois-asn-country.mmdb

.PHONY: geoip geoip-test-deps bench-geoip

## geoip: fetch the free IP-to-country database (CC BY 4.0, NRO) into .data/geoip/
geoip:
	scripts/geoip/fetch.sh

## geoip-test-deps: Python venv with mmdb-writer, used by the tests to write small MMDBs
geoip-test-deps: $(GEOIP_VENV)/.installed

# The stamp makes this a no-op once the writer is installed; deleting the venv
# (or the stamp) reinstalls it.
$(GEOIP_VENV)/.installed:
	python3 -m venv $(GEOIP_VENV) || { echo "geoip-test-deps: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
	$(GEOIP_VENV)/bin/pip install --quiet --disable-pip-version-check 'mmdb-writer>=0.2.7,<0.3'
	$(GEOIP_VENV)/bin/python -c 'import mmdb_writer, netaddr'
	touch $@

## bench-geoip: criterion bench of one country lookup against the real database
bench-geoip: $(GEOIP_MMDB)
	cargo bench -p powboard --bench geoip

# Fetched only when absent; `make geoip` refreshes it.
$(GEOIP_MMDB):
	scripts/geoip/fetch.sh

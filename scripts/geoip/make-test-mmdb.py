#!/usr/bin/env python3
"""Write small MaxMind DB (MMDB) files for powboard's GeoIP tests.

Usage: .data/venv-geoip/bin/python scripts/geoip/make-test-mmdb.py OUTDIR
(`make geoip-test-deps` creates that venv with the `mmdb-writer` package.)

Files written to OUTDIR:

  geoip2-country.mmdb     GeoIP2/GeoLite2 Country layout (`country.iso_code`,
                          `registered_country.iso_code`), IPv6 tree with the
                          IPv4 space at ::/96 and NO ::ffff:0:0/96 alias, so an
                          IPv4-mapped address only resolves when the reader
                          turns it back into IPv4 itself.
  flat-country.mmdb       flat layout (`country_code`) as in ip-location-db,
                          IPv6 tree, same networks and countries as above.
  flat-country-ipv4.mmdb  flat layout, IPv4-only tree (the IPv4 rows below).
  asn-only.mmdb           NOT a country database (only `autonomous_system_*`
                          fields, for 192.0.2.0/24 and 2001:db8:1::/48): opening
                          it as a country database must fail.

Networks -> country, identical in geoip2-country.mmdb and flat-country.mmdb
(all from the documentation ranges of RFC 5737 / RFC 3849 / RFC 6676):

  network               country  how it is stored
  192.0.2.0/24          DE       geoip2: country DE + registered_country FR (country wins)
  198.51.100.0/24       FR
  198.51.100.128/25     CA       nested in the FR /24: the longest prefix wins
  203.0.113.0/24        AU       geoip2: registered_country only (the fallback);
                                 flat: stored lowercase "au" (normalized to AU)
  233.252.0.0/24        (none)   a record without a country code
  2001:db8:1::/48       JP
  2001:db8:2::/48       BR
  2001:db8:3::/48       (none)   a record without a country code

Everything else has no record, e.g. 192.0.3.1, 198.18.0.1, 8.8.8.8,
2001:db8:ffff::1 and ::1 are unknown. IPv4-mapped forms (::ffff:192.0.2.10)
map like their IPv4 address. In flat-country-ipv4.mmdb only the IPv4 rows
exist and every IPv6 address is unknown.
"""

import sys
from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

# (network, country or None, GeoIP2 record, flat record)
NETWORKS = [
    ("192.0.2.0/24", "DE",
     {"country": {"iso_code": "DE", "geoname_id": 2921044, "names": {"en": "Germany"}},
      "registered_country": {"iso_code": "FR", "geoname_id": 3017382}},
     {"country_code": "DE"}),
    ("198.51.100.0/24", "FR",
     {"country": {"iso_code": "FR"}, "registered_country": {"iso_code": "FR"}},
     {"country_code": "FR"}),
    ("198.51.100.128/25", "CA",
     {"country": {"iso_code": "CA"}, "registered_country": {"iso_code": "CA"}},
     {"country_code": "CA"}),
    ("203.0.113.0/24", "AU",
     {"continent": {"code": "OC"}, "registered_country": {"iso_code": "AU"}},
     {"country_code": "au"}),
    ("233.252.0.0/24", None,
     {"continent": {"code": "EU"}},
     {"country_code": ""}),
    ("2001:db8:1::/48", "JP",
     {"country": {"iso_code": "JP", "names": {"en": "Japan", "ja": "日本"}}},
     {"country_code": "JP"}),
    ("2001:db8:2::/48", "BR",
     {"country": {"iso_code": "BR"}, "registered_country": {"iso_code": "BR"}},
     {"country_code": "BR"}),
    ("2001:db8:3::/48", None,
     {"continent": {"code": "AS"}},
     {"country_code": ""}),
]


def is_ipv4(network: str) -> bool:
    return ":" not in network


def write(path: Path, ip_version: int, database_type: str, rows) -> None:
    writer = MMDBWriter(
        ip_version=ip_version,
        database_type=database_type,
        languages=["en"],
        description=f"powboard test fixture ({database_type})",
        ipv4_compatible=ip_version == 6,
        int_type="u32",
    )
    # Supernets before subnets: the writer splits an existing leaf when a more
    # specific network is inserted into it, not the other way round.
    for network, record in rows:
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    print(path)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)

    write(out / "geoip2-country.mmdb", 6, "PowboardTest-GeoIP2-Country",
          [(net, geoip2) for net, _, geoip2, _ in NETWORKS])
    write(out / "flat-country.mmdb", 6, "PowboardTest-flat-country",
          [(net, flat) for net, _, _, flat in NETWORKS])
    write(out / "flat-country-ipv4.mmdb", 4, "PowboardTest-flat-country-ipv4",
          [(net, flat) for net, _, _, flat in NETWORKS if is_ipv4(net)])
    write(out / "asn-only.mmdb", 6, "PowboardTest-ASN",
          [("192.0.2.0/24", {"autonomous_system_number": 64496,
                             "autonomous_system_organization": "Example AS"}),
           ("2001:db8:1::/48", {"autonomous_system_number": 64497,
                                "autonomous_system_organization": "Example AS 6"})])
    return 0


if __name__ == "__main__":
    sys.exit(main())

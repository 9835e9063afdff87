//! GeoIP lookups through the library API.
//!
//! The small databases are written at test start by
//! `scripts/geoip/make-test-mmdb.py` (its docstring has the network -> country
//! table these tests check); it runs in the venv made by `make geoip-test-deps`.
//! The last test reads the real database fetched by `make geoip`.

use std::net::IpAddr;

use crate::common;

use common::{geoip_fixtures as fixtures, repo_root};
use powboard::geoip::{CountryCode, GeoIp, GeoIpError};

fn open(name: &str) -> GeoIp {
    let path = fixtures().join(name);
    GeoIp::open(&path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

/// Looks every address up and reports all mismatches at once.
fn check(db: &GeoIp, cases: &[(&str, Option<&str>)]) {
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|&(ip, want)| {
            let got = db.country(ip.parse::<IpAddr>().expect(ip));
            let want = want.map(|w| CountryCode::parse(w).expect(w));
            let show = |c: Option<CountryCode>| c.map_or("none".to_owned(), |c| c.to_string());
            (got != want).then(|| format!("{ip}: want {}, got {}", show(want), show(got)))
        })
        .collect();
    assert!(wrong.is_empty(), "{}: {wrong:#?}", db.description());
}

const IPV4: &[(&str, Option<&str>)] = &[
    ("192.0.2.0", Some("DE")),
    ("192.0.2.77", Some("DE")),
    ("192.0.2.255", Some("DE")),
    ("198.51.100.1", Some("FR")),
    ("198.51.100.127", Some("FR")),
    ("198.51.100.128", Some("CA")),
    ("198.51.100.255", Some("CA")),
    ("203.0.113.9", Some("AU")),
];

const IPV6: &[(&str, Option<&str>)] = &[
    ("2001:db8:1::", Some("JP")),
    ("2001:db8:1:ffff:ffff:ffff:ffff:ffff", Some("JP")),
    ("2001:db8:2:abcd::5", Some("BR")),
];

const IPV4_MAPPED: &[(&str, Option<&str>)] = &[
    ("::ffff:192.0.2.10", Some("DE")),
    ("::ffff:198.51.100.200", Some("CA")),
    ("::ffff:203.0.113.1", Some("AU")),
    ("::ffff:8.8.8.8", None),
];

/// No record, or a record without a code.
const UNKNOWN: &[(&str, Option<&str>)] = &[
    ("192.0.3.1", None),
    ("192.0.1.255", None),
    ("198.18.0.1", None),
    ("8.8.8.8", None),
    ("0.0.0.0", None),
    ("255.255.255.255", None),
    ("233.252.0.1", None),
    ("2001:db8:ffff::1", None),
    ("2001:db8:4::1", None),
    ("2001:db8:3::1", None),
    ("::1", None),
    ("::", None),
];

#[test]
fn geoip2_layout_maps_ipv4_ipv6_mapped_and_unknown() {
    let db = open("geoip2-country.mmdb");
    for cases in [IPV4, IPV6, IPV4_MAPPED, UNKNOWN] {
        check(&db, cases);
    }
}

#[test]
fn flat_layout_maps_ipv4_ipv6_mapped_and_unknown() {
    let db = open("flat-country.mmdb");
    for cases in [IPV4, IPV6, IPV4_MAPPED, UNKNOWN] {
        check(&db, cases);
    }
}

#[test]
fn geoip2_layout_prefers_country_and_falls_back_to_registered_country() {
    let db = open("geoip2-country.mmdb");
    // 192.0.2.0/24 has country DE and registered_country FR.
    check(&db, &[("192.0.2.1", Some("DE"))]);
    // 203.0.113.0/24 has only registered_country AU.
    check(&db, &[("203.0.113.200", Some("AU"))]);
}

#[test]
fn ipv4_only_database_answers_ipv4_and_mapped_but_no_ipv6() {
    let db = open("flat-country-ipv4.mmdb");
    check(&db, IPV4);
    check(&db, IPV4_MAPPED);
    check(
        &db,
        &[
            ("2001:db8:1::1", None),
            ("2001:db8:2::1", None),
            ("::1", None),
        ],
    );
}

#[test]
fn description_names_type_and_build_epoch() {
    let desc = open("flat-country.mmdb").description();
    assert!(desc.starts_with("PowboardTest-flat-country "), "{desc}");
    assert!(desc.contains("build epoch 1"), "{desc}");
}

#[test]
fn shared_reader_answers_from_many_threads() {
    let db = std::sync::Arc::new(open("geoip2-country.mmdb"));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let db = db.clone();
            std::thread::spawn(move || (0..1000).all(|_| check_one(&db)))
        })
        .collect();
    for t in threads {
        assert!(t.join().unwrap());
    }

    fn check_one(db: &GeoIp) -> bool {
        db.country("2001:db8:2::9".parse().unwrap())
            .map(|c| c.to_string())
            == Some("BR".into())
    }
}

#[test]
fn database_without_country_codes_is_refused() {
    let path = fixtures().join("asn-only.mmdb");
    let err = GeoIp::open(&path).unwrap_err();
    assert!(matches!(err, GeoIpError::NotCountryDb { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("asn-only.mmdb") && msg.contains("PowboardTest-ASN"),
        "{msg}"
    );
}

#[test]
fn missing_file_is_an_error() {
    let path = fixtures().join("no-such-file.mmdb");
    let err = GeoIp::open(&path).unwrap_err();
    assert!(matches!(err, GeoIpError::Unreadable { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-file.mmdb"), "{err}");
}

#[test]
fn file_that_is_not_an_mmdb_is_an_error() {
    for (name, bytes) in [
        ("empty.mmdb", &b""[..]),
        ("text.mmdb", b"country_code,DE\n"),
    ] {
        let path = fixtures().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = GeoIp::open(&path).unwrap_err();
        assert!(matches!(err, GeoIpError::NotMmdb { .. }), "{name}: {err:?}");
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn truncated_database_is_an_error() {
    // The metadata sits at the end of an MMDB file; cutting the tail loses it.
    let full = std::fs::read(fixtures().join("flat-country.mmdb")).unwrap();
    let path = fixtures().join("truncated.mmdb");
    std::fs::write(&path, &full[..full.len() - 40]).unwrap();
    let err = GeoIp::open(&path).unwrap_err();
    assert!(matches!(err, GeoIpError::NotMmdb { .. }), "{err:?}");
}

/// The database `make geoip` fetches; CI sets POWBOARD_REQUIRE_REAL_GEOIP=1
/// after fetching it, so there a missing file fails instead of skipping.
#[test]
fn real_database_maps_public_resolvers_to_their_countries() {
    let path = repo_root().join(".data/geoip/geo-whois-asn-country.mmdb");
    if !path.exists() {
        let required = std::env::var("POWBOARD_REQUIRE_REAL_GEOIP").is_ok_and(|v| v == "1");
        assert!(!required, "{} is missing: run `make geoip`", path.display());
        eprintln!(
            "SKIPPED real_database_maps_public_resolvers_to_their_countries: {} is missing \
             (run `make geoip`; set POWBOARD_REQUIRE_REAL_GEOIP=1 to make this a failure)",
            path.display()
        );
        return;
    }
    let db = GeoIp::open(&path).expect("open the real database");
    check(
        &db,
        &[
            // 1.1.1.0/24 is APNIC's research prefix (APNIC Labs, Brisbane) lent to
            // Cloudflare; the WHOIS data this database is built from says AU.
            ("1.1.1.1", Some("AU")),
            ("8.8.8.8", Some("US")),              // Google, ARIN
            ("9.9.9.9", Some("US")),              // Quad9, registered at ARIN in Berkeley
            ("2001:4860:4860::8888", Some("US")), // Google, ARIN
            ("2606:4700:4700::1111", Some("US")), // Cloudflare, ARIN
            ("::ffff:8.8.8.8", Some("US")),
            ("193.0.0.1", Some("NL")),   // RIPE NCC, Amsterdam
            ("2a01:4f8::1", Some("DE")), // Hetzner, RIPE
            ("223.5.5.5", Some("CN")),   // AliDNS, APNIC
            ("127.0.0.1", None),
            ("10.0.0.1", None),
            ("::1", None),
        ],
    );
}

//! Cost of one country lookup against the real database (`make geoip`).
//! Target: at most 2 µs per lookup. Run with `make bench-geoip`.
//!
//! Addresses are pseudo-random but fixed (seeded), so runs compare: IPv4 drawn
//! from the whole space, IPv6 from 2000::/4 where the RIRs allocate. Most random
//! IPv6 addresses fall in unallocated space and end their tree walk early, so
//! the bench also times IPv6 addresses that are known to have a country.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use criterion::{Criterion, Throughput};
use powboard::geoip::GeoIp;

const SAMPLES: usize = 4096; // a power of two: the index wraps with a mask

/// splitmix64: a tiny, well-known generator; enough to spread addresses.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn random_ipv4(state: &mut u64) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(next(state) as u32))
}

fn random_ipv6_global(state: &mut u64) -> IpAddr {
    let bits = (u128::from(next(state)) << 64) | u128::from(next(state));
    IpAddr::V6(Ipv6Addr::from((bits >> 4) | (0x2u128 << 124)))
}

fn sample(db: &GeoIp, label: &str, mut make: impl FnMut() -> IpAddr) -> Vec<IpAddr> {
    let addrs: Vec<IpAddr> = (0..SAMPLES).map(|_| make()).collect();
    let hits = addrs.iter().filter(|ip| db.country(**ip).is_some()).count();
    eprintln!("geoip bench: {label}: {hits} of {SAMPLES} sampled addresses have a country");
    addrs
}

fn bench_lookups(c: &mut Criterion, db: &GeoIp) {
    let mut seed = 0x5eed_u64;
    let ipv4 = sample(db, "ipv4_random", || random_ipv4(&mut seed));
    let ipv6 = sample(db, "ipv6_random_2000::/4", || random_ipv6_global(&mut seed));
    let mut pool: Vec<IpAddr> = (0..SAMPLES * 1000)
        .map(|_| random_ipv6_global(&mut seed))
        .filter(|ip| db.country(*ip).is_some())
        .take(SAMPLES)
        .collect();
    assert_eq!(
        pool.len(),
        SAMPLES,
        "too few IPv6 addresses with a country in this database"
    );
    let known_v6 = sample(db, "ipv6_with_country", || pool.pop().unwrap());

    let mut group = c.benchmark_group("geoip_country");
    group.throughput(Throughput::Elements(1));
    for (name, addrs) in [
        ("ipv4_random", &ipv4),
        ("ipv6_random_2000::/4", &ipv6),
        ("ipv6_with_country", &known_v6),
    ] {
        group.bench_function(name, |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) & (SAMPLES - 1);
                db.country(black_box(addrs[i]))
            })
        });
    }
    group.finish();
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("backend/ has a parent");
    let path = root.join(".data/geoip/geo-whois-asn-country.mmdb");
    if !path.exists() {
        eprintln!(
            "geoip bench SKIPPED: {} is missing; fetch it first with `make geoip`",
            path.display()
        );
        return;
    }
    let db = GeoIp::open(&path).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("geoip bench: {}", db.description());
    let mut c = Criterion::default().configure_from_args();
    bench_lookups(&mut c, &db);
    c.final_summary();
}

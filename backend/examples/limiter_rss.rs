//! Resident memory of the sliding-window limiter holding 1 million client keys, then under an
//! address spray of 3 million more (the table must stay at its bound), and the sweep's cost.
//! `cargo run --release --example limiter_rss`
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use powboard::client_ip::ClientKey;
use powboard::limiter::{Decision, LimiterConfig, SlidingWindowLimiter};
use quanta::Instant;

/// Client `i`: an IPv6 /64, each in its own /48 so the coarse reserve fills too.
fn key(i: u64) -> ClientKey {
    let net = u128::from(i) << 80 | 0x1234 << 64;
    ClientKey::new(IpAddr::V6(Ipv6Addr::from(net | 1)), 32, 64)
}

/// Resident set size from /proc/self/statm (second field, in 4 KiB pages on x86_64 Linux).
fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("statm");
    (pages * 4096) as f64 / (1024.0 * 1024.0)
}

fn main() {
    const TRACKED: usize = 1_000_000;
    let before = rss_mib();
    let lim = SlidingWindowLimiter::new(LimiterConfig {
        max: 120,
        window: Duration::from_secs(60),
        max_tracked: TRACKED,
    });
    let now = Instant::now();
    let mut i = 0;
    while lim.tracked() < TRACKED {
        lim.check(key(i), now);
        i += 1;
    }
    let full = rss_mib();
    println!(
        "ClientKey: {} bytes (align {}); limiter state: 24 bytes a key",
        std::mem::size_of::<ClientKey>(),
        std::mem::align_of::<ClientKey>()
    );
    println!(
        "keys tracked: {}; RSS {full:.1} MiB (process before the limiter {before:.1} MiB, limiter {:.1} MiB, {:.0} bytes/key)",
        lim.tracked(),
        full - before,
        (full - before) * 1024.0 * 1024.0 / TRACKED as f64
    );
    let mut refused = 0;
    for j in i..i + 3 * TRACKED as u64 {
        refused += usize::from(!matches!(lim.check(key(j), now), Decision::Allowed { .. }));
    }
    println!(
        "after a spray of {} new keys: tracked {}, refused {refused}, RSS {:.1} MiB",
        3 * TRACKED,
        lim.tracked(),
        rss_mib()
    );
    // The sweep holds one shard lock at a time; how long it walks the full table.
    for (label, at) in [
        ("nothing idle", now),
        ("all idle", now + Duration::from_secs(120)),
    ] {
        let started = Instant::now();
        let dropped = lim.sweep(at);
        println!(
            "sweep ({label}): dropped {dropped} in {:?}",
            started.elapsed()
        );
    }
    println!(
        "after the sweep: tracked {}, RSS {:.1} MiB",
        lim.tracked(),
        rss_mib()
    );
}

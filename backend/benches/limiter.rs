//! Sliding-window limiter `check` against governor's keyed GCRA limiter, same keys, same run.
//!
//! Keys are the server's `ClientKey` (IPv6 /64s); both limiters use a DashMap with std's
//! SipHash. `ours` reads `Instant::now()` on every call, as the server does; `ours_given_now`
//! amortizes that read over 64 checks; governor reads its own quanta (TSC) clock inside
//! `check_key`. Budget: the read budget, 120 per 60 s.
//! `cargo bench --bench limiter`
use std::hint::black_box;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use powboard::client_ip::ClientKey;
use powboard::limiter::{LimiterConfig, SlidingWindowLimiter};
use quanta::Instant;

/// Client `i`: an IPv6 /64 spread over the address space (an odd multiplier is a bijection).
fn key(i: u64) -> ClientKey {
    let net = u128::from(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)) << 64;
    ClientKey::new(IpAddr::V6(Ipv6Addr::from(net | 1)), 32, 64)
}

const MAX: u32 = 120;
const WINDOW: Duration = Duration::from_secs(60);

fn ours(max_tracked: usize) -> SlidingWindowLimiter<ClientKey> {
    SlidingWindowLimiter::new(LimiterConfig {
        max: MAX,
        window: WINDOW,
        max_tracked,
    })
}

fn governor() -> DefaultKeyedRateLimiter<ClientKey> {
    RateLimiter::keyed(Quota::per_minute(NonZeroU32::new(MAX).unwrap()))
}

/// Pre-populated tables, then keys visited in a scattered order (stride coprime to n).
fn check_tracked(c: &mut Criterion) {
    let mut group = c.benchmark_group("check_tracked");
    for n in [1_000u64, 100_000, 1_000_000] {
        let order: Vec<ClientKey> = (0..n).map(|i| key((i * 7_919) % n)).collect();
        let lim = ours(2_000_000);
        let gov = governor();
        for i in 0..n {
            lim.check(key(i), Instant::now());
            let _ = gov.check_key(&key(i));
        }
        let mut next = 0;
        group.bench_function(BenchmarkId::new("ours", n), |b| {
            b.iter(|| {
                next = (next + 1) % order.len();
                black_box(lim.check(order[next], Instant::now()))
            })
        });
        // The caller's clock read amortized: `now` taken once per 64 checks.
        let mut now = Instant::now();
        group.bench_function(BenchmarkId::new("ours_given_now", n), |b| {
            b.iter(|| {
                next = (next + 1) % order.len();
                if next % 64 == 0 {
                    now = Instant::now();
                }
                black_box(lim.check(order[next], now))
            })
        });
        group.bench_function(BenchmarkId::new("governor", n), |b| {
            b.iter(|| {
                next = (next + 1) % order.len();
                black_box(gov.check_key(&order[next]).is_ok())
            })
        });
    }
    group.finish();
}

/// Times `iters` checks of keys never seen before, into a table of 100 thousand to 1.1 million
/// keys (growth included); refilling a fresh table is not timed.
fn fresh_keys<T>(
    iters: u64,
    table: &mut T,
    next: &mut u64,
    refill: impl Fn() -> T,
    check: impl Fn(&T, ClientKey),
) -> Duration {
    const REFILL_AT: u64 = 1_000_000;
    let (mut left, mut spent) = (iters, Duration::ZERO);
    while left > 0 {
        if *next == REFILL_AT {
            *table = refill();
            *next = 0;
        }
        let chunk = left.min(REFILL_AT - *next);
        let start = Instant::now();
        for i in *next..*next + chunk {
            check(table, key(i));
        }
        spent += start.elapsed();
        (*next, left) = (*next + chunk, left - chunk);
    }
    spent
}

fn first_sight(c: &mut Criterion) {
    let base = || (0..100_000).map(|i| key(u64::MAX - i));
    let mut group = c.benchmark_group("first_sight");
    group.bench_function("ours", |b| {
        let refill = || {
            let lim = ours(2_000_000);
            base().for_each(|k| {
                lim.check(k, Instant::now());
            });
            lim
        };
        let (mut lim, mut next) = (refill(), 0);
        b.iter_custom(|iters| {
            fresh_keys(iters, &mut lim, &mut next, refill, |l, k| {
                black_box(l.check(k, Instant::now()));
            })
        })
    });
    group.bench_function("governor", |b| {
        let refill = || {
            let gov = governor();
            base().for_each(|k| {
                let _ = gov.check_key(&k);
            });
            gov
        };
        let (mut gov, mut next) = (refill(), 0);
        b.iter_custom(|iters| {
            fresh_keys(iters, &mut gov, &mut next, refill, |g, k| {
                black_box(g.check_key(&k).is_ok());
            })
        })
    });
    group.finish();
}

/// New clients once the table is full: counted under their coarser key (ours only).
fn full_table(c: &mut Criterion) {
    let lim = ours(100_000);
    let mut i = 0;
    while lim.tracked() < 100_000 {
        lim.check(key(i), Instant::now());
        i += 1;
    }
    c.bench_function("full_table_new_client/ours", |b| {
        b.iter(|| {
            i += 1;
            black_box(lim.check(key(i), Instant::now()))
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = check_tracked, first_sight, full_table
}
criterion_main!(benches);

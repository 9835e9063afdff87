//! The measurement behind the early-refusal figures in the module docs: how many fewer
//! requests the sub-window ring accepts than an exact per-key timestamp log, on
//! reproducible Poisson traffic, for S = 4, 8 and 16 sub-windows. A unit test holds
//! S = 8 to its bound; `cargo run --release --example limiter_early_refusal` prints
//! the table.
use std::collections::VecDeque;

use super::sketch::OverflowSketch;
use super::window::{Clock, KeyState, Tick};
use super::Decision;

/// Requests per window `N` and the load (times the budget's rate) of the figures.
pub const BUDGETS: [u32; 2] = [5, 120];
pub const LOADS: [f64; 5] = [0.8, 1.0, 1.5, 3.0, 10.0];
/// The window of the figures, in ms.
pub const WINDOW_MS: u64 = 60_000;

/// One row: the share (in %) of the exact log's accepted requests refused early.
#[derive(Clone, Copy, Debug)]
pub struct EarlyRefusal {
    pub max: u32,
    pub load: f64,
    pub s4: f64,
    pub s8: f64,
    pub s16: f64,
}

/// The early refusal of S = 4, 8, 16 against an exact log, over 500 windows.
pub fn early_refusal(max: u32, load: f64) -> EarlyRefusal {
    let window = WINDOW_MS;
    let arrivals = poisson(load, max, window, 500, u64::from(max) + load as u64);
    let exact = exact_log(&arrivals, max as usize, window) as f64;
    let loss = |ours: usize| 100.0 * (exact - ours as f64) / exact;
    EarlyRefusal {
        max,
        load,
        s4: loss(accepted_with_slots::<5>(&arrivals, max, window)),
        s8: loss(accepted_with_slots::<9>(&arrivals, max, window)),
        s16: loss(accepted_with_slots::<17>(&arrivals, max, window)),
    }
}

/// Per-key exact log of accepted requests, the reference for the early-refusal figures.
fn exact_log(arrivals: &[u64], max: usize, window: u64) -> usize {
    let mut log = VecDeque::new();
    let mut accepted = 0;
    for &t in arrivals {
        while log.front().is_some_and(|&f| f + window <= t) {
            log.pop_front();
        }
        if log.len() < max {
            log.push_back(t);
            accepted += 1;
        }
    }
    accepted
}

/// Requests the ring with `M` slots (`M - 1` sub-windows) accepts.
fn accepted_with_slots<const M: usize>(arrivals: &[u64], max: u32, window: u64) -> usize {
    let clock = Clock {
        start: quanta::Instant::now(),
        sub: (window / (M as u64 - 1)) as u32,
        max,
    };
    let mut state = KeyState::<M>::fresh(arrivals[0] as u32, &clock);
    let tick = |t: u64| Tick {
        ms: t as u32,
        ns: 0,
    };
    let decisions = arrivals.iter().map(|&t| state.check(tick(t), &clock));
    decisions
        .filter(|d| matches!(d, Decision::Allowed { .. }))
        .count()
}

/// Poisson arrivals in ms at `rate` times the budget's rate (splitmix64; reproducible).
fn poisson(rate: f64, max: u32, window: u64, windows: u64, mut seed: u64) -> Vec<u64> {
    let mean_gap = window as f64 / (f64::from(max) * rate);
    let (mut t, mut out) = (0.0, Vec::new());
    while t < (window * windows) as f64 {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let u = ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64;
        t += -mean_gap * (1.0 - u).ln();
        out.push(t as u64);
    }
    out
}

/// The overflow sketch's error: the share (in %) of honest requests it refuses that a
/// key of their own would have allowed. Within one window of the read budget (120 per
/// 60 s), `sprayed` requests from distinct fresh keys (a sprayer using the sketch as
/// hard as it can) arrive first, then `clients` honest newcomers make `each` requests
/// (fewer than N: a key of their own refuses none of them).
pub fn sketch_false_refusal(buckets: usize, sprayed: u32, clients: u32, each: u32) -> f64 {
    let clock = Clock {
        start: quanta::Instant::now(),
        sub: 7_500,
        max: 120,
    };
    let sketch = OverflowSketch::new(buckets, 0, &clock);
    let at = |ms: u64| Tick {
        ms: ms as u32,
        ns: 0,
    };
    for i in 0..sprayed {
        sketch.check(&(u64::from(i) | 1 << 40), at(1), &clock);
    }
    let mut refused = 0u32;
    for c in 0..clients {
        for r in 0..each {
            let t = 2 + u64::from(c % 50_000) + u64::from(r);
            refused += u32::from(!sketch.check(&u64::from(c), at(t), &clock).is_allowed());
        }
    }
    100.0 * f64::from(refused) / f64::from(clients * each)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// S = 8 holds to the bound its design gives: at most 1/9 of a steady flood.
    #[test]
    fn early_refusal_against_an_exact_log() {
        for max in BUDGETS {
            for load in LOADS {
                let r = early_refusal(max, load);
                assert!(r.s8 < 100.0 / 9.0 + 0.5, "{r:?}");
            }
        }
    }

    /// The README's figure: 10,000 newcomers at 10 requests each over a sketch of 65,536
    /// buckets lose nothing; a spray of a million requests costs them a few per cent.
    #[test]
    fn the_sketch_refuses_few_honest_requests() {
        assert_eq!(sketch_false_refusal(1 << 16, 0, 10_000, 10), 0.0);
        assert!(sketch_false_refusal(1 << 16, 1_000_000, 10_000, 10) < 5.0);
    }
}

//! The degraded mode of a full table: clients that find no room for a key of their own
//! (nor for their coarser key) are counted in a fixed-size hashed table of sliding
//! windows, a count-min sketch whose cells are the same sub-window rings as a key's.
//!
//! Each client key hashes to two buckets: the low and high halves of one keyed SipHash
//! (a per-process random key), so the two are independent and a sprayer who picks its
//! addresses cannot aim its collisions.
//! A request is allowed while the smaller of the two buckets' counts is below `N`, and
//! an allowed request is counted in both. A bucket holds every request of every key
//! that maps to it, so a key's estimate (the smaller count) is never below what the
//! key itself was allowed: a collision can only make its limit stricter, never looser,
//! and no key gets more than `N` in any window `W`, as in the table. A refusal's
//! `Retry-After` is the exact time until one of the two buckets frees a slot, given the
//! counts at that moment; only a colliding key counted in the meantime can make it
//! longer.
//!
//! Why it serves newcomers under a spray: the sprayer's keys are counted here too, and
//! to refuse a newcomer both of its buckets must hold `N` allowed requests. Filling
//! every bucket takes `N * buckets / 2` allowed requests per window (3.9 million per
//! minute for the read budget at 65,536 buckets), where filling the table took one
//! request per key. The share of newcomers refused is about the square of the share
//! of full buckets (see `research::sketch_false_refusal` and the README).
//!
//! Hand-written: no count-min crate keeps sliding windows in its cells, and the cells
//! must be the table's own rings for the guarantees above to carry over.
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::Duration;

use super::window::{Clock, KeyState, Tick, SLOTS};
use super::Decision;

/// A fixed set of shared windows, sized once from the table's bound.
pub(crate) struct OverflowSketch {
    buckets: Box<[Mutex<KeyState<SLOTS>>]>,
    /// std's SipHash-1-3 with a random key: client keys are chosen by whoever sends
    /// the requests. (Two foldhash seeds, used before, depend on a per-process seed:
    /// in some processes they put a run of nearby addresses into a few shared buckets,
    /// up to 18 of 500 such keys in one of 1,024, against 5 to 8 for SipHash.)
    seed: RandomState,
    mask: usize,
}

impl OverflowSketch {
    /// Buckets for a table of `max_tracked` keys: a sixteenth of it, a power of two in
    /// 1,024..=65,536 (32 bytes each: at most 2 MiB per budget).
    pub fn for_table(max_tracked: usize) -> usize {
        (max_tracked / 16)
            .next_power_of_two()
            .clamp(1 << 10, 1 << 16)
    }

    pub fn new(buckets: usize, t: u32, clock: &Clock) -> Self {
        assert!(buckets.is_power_of_two());
        Self {
            buckets: (0..buckets)
                .map(|_| Mutex::new(KeyState::fresh(t, clock)))
                .collect(),
            seed: RandomState::new(),
            mask: buckets - 1,
        }
    }

    /// The key's two buckets, lower index first (the lock order); equal when they collide.
    fn slots<K: std::hash::Hash>(&self, key: &K) -> (usize, usize) {
        let h = self.seed.hash_one(key);
        let a = h as usize & self.mask;
        let b = (h >> 32) as usize & self.mask;
        (a.min(b), a.max(b))
    }

    /// Runs `f` on the key's two buckets (the same bucket twice when they collide).
    fn with_pair<K: std::hash::Hash, R>(
        &self,
        key: &K,
        f: impl FnOnce(&mut KeyState<SLOTS>, Option<&mut KeyState<SLOTS>>) -> R,
    ) -> R {
        // A poisoned bucket only means a panic elsewhere mid-update of plain counters:
        // the counts are still counts, so keep using them.
        let lock = |i: usize| self.buckets[i].lock().unwrap_or_else(|e| e.into_inner());
        let (a, b) = self.slots(key);
        let mut first = lock(a);
        if a == b {
            return f(&mut first, None);
        }
        let mut second = lock(b);
        f(&mut first, Some(&mut second))
    }

    /// Decides on one request of `key` at `t`; an allowed request is counted in both
    /// of its buckets.
    pub fn check<K: std::hash::Hash>(&self, key: &K, t: Tick, clock: &Clock) -> Decision {
        self.with_pair(key, |a, b| decide(a, b, t, clock, true))
    }

    /// What `check` would answer at `t`, counting nothing (it decides on copies).
    pub fn peek<K: std::hash::Hash>(&self, key: &K, t: Tick, clock: &Clock) -> Decision {
        self.with_pair(key, |a, b| {
            let (mut a, mut b) = (*a, b.map(|b| *b));
            decide(&mut a, b.as_mut(), t, clock, false)
        })
    }

    /// The window this key was counted in, for a key that leaves the sketch for an
    /// entry of its own: its smaller bucket (the one its answers came from), so what it
    /// spent here keeps counting. None when both are idle.
    pub fn state_of<K: std::hash::Hash>(
        &self,
        key: &K,
        t: Tick,
        clock: &Clock,
    ) -> Option<KeyState<SLOTS>> {
        self.with_pair(key, |a, b| {
            let mut a = *a;
            let load_a = a.load(t, clock);
            let (load, state) = match b.map(|b| *b) {
                Some(mut b) => {
                    let load_b = b.load(t, clock);
                    if load_b < load_a {
                        (load_b, b)
                    } else {
                        (load_a, a)
                    }
                }
                None => (load_a, a),
            };
            (load > 0).then_some(state)
        })
    }
}

/// The answer from a key's buckets (`b` None when both hashes chose `a`): allowed while
/// the smaller count is under N; with `count`, an allowed request is counted in each.
fn decide(
    a: &mut KeyState<SLOTS>,
    mut b: Option<&mut KeyState<SLOTS>>,
    t: Tick,
    clock: &Clock,
    count: bool,
) -> Decision {
    let load_a = a.load(t, clock);
    let load_b = b.as_mut().map(|b| b.load(t, clock));
    let est = load_b.map_or(load_a, |lb| lb.min(load_a));
    if est >= clock.max {
        let refused = a.refusal(load_a, t, clock);
        return match (b, load_b) {
            (Some(b), Some(lb)) => sooner(refused, b.refusal(lb, t, clock)),
            _ => refused,
        };
    }
    if count {
        a.add_one();
        if let Some(b) = b.as_mut() {
            b.add_one();
        }
    }
    let lower = match (b, load_b) {
        (Some(b), Some(lb)) if lb < load_a => &*b,
        _ => &*a,
    };
    Decision::Allowed {
        limit: clock.max,
        remaining: clock.max - est - u32::from(count),
        reset_after: lower.reset_after(t, clock),
    }
}

/// The key is served again as soon as either of its buckets frees a slot.
fn sooner(a: Decision, b: Decision) -> Decision {
    let wait = |d: Decision| match d {
        Decision::Limited { retry_after, .. } => retry_after,
        Decision::Allowed { .. } => Duration::ZERO,
    };
    if wait(a) <= wait(b) {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn clock(max: u32, window_ms: u64) -> Clock {
        Clock {
            start: quanta::Instant::now(),
            sub: window_ms.div_ceil(8) as u32,
            max,
        }
    }

    fn tick(ms: u64) -> Tick {
        Tick {
            ms: ms as u32,
            ns: 0,
        }
    }

    proptest! {
        /// Collisions only make limits stricter: with 4 buckets and up to 8 keys almost
        /// every key shares its buckets, and still no key gets more than N in any W.
        #[test]
        fn no_key_gets_more_than_n_in_any_window(
            max in 1..=5u32,
            window_ms in 8..=2_000u64,
            arrivals in prop::collection::vec((0..8u32, 0..400u64), 1..300),
        ) {
            let clock = clock(max, window_ms);
            let sketch = OverflowSketch::new(4, 0, &clock);
            let mut now = 0;
            let mut accepted: Vec<Vec<u64>> = vec![Vec::new(); 8];
            for (key, gap) in arrivals {
                now += gap;
                if sketch.check(&key, tick(now), &clock).is_allowed() {
                    accepted[key as usize].push(now);
                }
            }
            for times in &accepted {
                for run in times.windows(max as usize + 1) {
                    prop_assert!(run[max as usize] - run[0] >= window_ms, "{run:?}");
                }
            }
        }

        /// A key alone in the sketch is counted exactly like a key of its own, and its
        /// Retry-After is exact.
        #[test]
        fn a_key_alone_answers_like_its_own_window(
            max in 1..=6u32,
            window_ms in 8..=5_000u64,
            gaps in prop::collection::vec(0..3_000u64, 1..150),
        ) {
            let clock = clock(max, window_ms);
            let sketch = OverflowSketch::new(1024, 0, &clock);
            let mut own: Option<KeyState<SLOTS>> = None;
            let mut now = 0;
            for gap in gaps {
                now += gap;
                let t = tick(now);
                let state = own.get_or_insert_with(|| KeyState::fresh(t.ms, &clock));
                prop_assert_eq!(sketch.peek(&7u32, t, &clock), state.peek(t, &clock));
                prop_assert_eq!(sketch.check(&7u32, t, &clock), state.check(t, &clock));
            }
            if let Decision::Limited { retry_after, .. } = sketch.peek(&7u32, tick(now), &clock) {
                let free = now + retry_after.as_millis() as u64;
                prop_assert!(!sketch.peek(&7u32, tick(free - 1), &clock).is_allowed());
                prop_assert!(sketch.check(&7u32, tick(free), &clock).is_allowed());
            }
        }
    }
}

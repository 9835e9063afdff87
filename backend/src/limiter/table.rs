//! The bounded concurrent table of one budget: a key's window (see `window`) per
//! client key in a sharded map, with the memory bound, its reserve for coarser keys,
//! and the sweep of idle keys (see the module docs of `limiter`).
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use dashmap::mapref::entry::Entry;
use dashmap::DashMap;
// foldhash: a fast hasher with a per-process random seed (hashbrown's default), so
// sprayed keys cannot be chosen to collide; SipHash cost ~25% of a check here.
use foldhash::fast::RandomState;
// The limiter's clock: quanta reads the CPU's invariant TSC (a few ns; it falls back
// to the OS clock where there is none) where `std::time::Instant::now()` costs a
// clock_gettime (25-80 ns in this VM): a third of a check.
use quanta::Instant;

use super::sketch::OverflowSketch;
use super::window::{Clock, KeyState, Tick, MAX_SUB_MS, SLOTS, SUB_WINDOWS};
use super::{Decision, LimiterConfig, LimiterKey};

/// Share of `max_tracked` held back for coarser keys (1/16).
const RESERVE_DIVISOR: usize = 16;

/// The limiter for one budget; share it (`Arc`) between handlers and the sweeper task.
pub struct SlidingWindowLimiter<K: LimiterKey> {
    map: DashMap<K, KeyState<SLOTS>, RandomState>,
    /// Entries in `map`; slots are reserved here before an insert so the bound is hard.
    tracked: AtomicUsize,
    /// Coarse entries in `map`; while zero, new keys skip looking for one to inherit.
    coarse: AtomicUsize,
    /// New keys that found the table at its bound for fine keys (for the metrics).
    table_full: AtomicU64,
    /// Where clients are counted when neither they nor their coarser key find room.
    overflow: OverflowSketch,
    /// Set on the sketch's first use: until then no lookup needs to consult it.
    overflow_used: AtomicBool,
    clock: Clock,
    fine_limit: usize,
    max_tracked: usize,
}

impl<K: LimiterKey> SlidingWindowLimiter<K> {
    /// A budget switched off (`max` 0) has no table: see `guards::rate_limit::Budget`.
    pub fn new(cfg: LimiterConfig) -> Self {
        assert!(cfg.max > 0, "a switched-off budget (max 0) has no limiter");
        let window_ms =
            u64::try_from(cfg.window.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX);
        let sub = window_ms.div_ceil(SUB_WINDOWS as u64).clamp(1, MAX_SUB_MS) as u32;
        let reserve = cfg.max_tracked.div_ceil(RESERVE_DIVISOR);
        let clock = Clock {
            start: Instant::now(),
            sub,
            max: cfg.max.min(u32::from(u16::MAX)),
        };
        SlidingWindowLimiter {
            map: DashMap::with_hasher(RandomState::default()),
            tracked: AtomicUsize::new(0),
            coarse: AtomicUsize::new(0),
            table_full: AtomicU64::new(0),
            overflow: OverflowSketch::new(OverflowSketch::for_table(cfg.max_tracked), 0, &clock),
            overflow_used: AtomicBool::new(false),
            clock,
            fine_limit: cfg.max_tracked - reserve,
            max_tracked: cfg.max_tracked,
        }
    }

    /// Decides on one request of `key` at `now` (pass `quanta::Instant::now()`); an
    /// Allowed request is counted.
    pub fn check(&self, key: K, now: Instant) -> Decision {
        let t = self.clock.tick(now);
        if let Some(mut state) = self.map.get_mut(&key) {
            return state.check(t, &self.clock);
        }
        self.check_untracked(key, t)
    }

    /// What `check` would answer for `key` at `now`, without counting anything or
    /// tracking the key: `remaining` is how many requests it may make now. A client
    /// the full table counts under its coarser key is peeked there.
    pub fn peek(&self, key: K, now: Instant) -> Decision {
        let t = self.clock.tick(now);
        let held = self.map.get(&key).map(|s| *s).or_else(|| {
            let coarser = key
                .coarser()
                .filter(|_| self.coarse.load(Ordering::Relaxed) > 0)?;
            self.map.get(&coarser).map(|s| *s)
        });
        match held {
            Some(state) => state.peek(t, &self.clock),
            None if self.overflow_used.load(Ordering::Relaxed) => {
                self.overflow.peek(&key, t, &self.clock)
            }
            None => Decision::Allowed {
                limit: self.clock.max,
                remaining: self.clock.max,
                reset_after: Duration::ZERO,
            },
        }
    }

    #[cold]
    fn check_untracked(&self, key: K, t: Tick) -> Decision {
        let coarser = key.coarser();
        // Requests this client made under its coarser key keep counting once it has its own entry.
        // (Not under the same lock: nesting shard locks could deadlock. A sweep racing with a
        // concurrent request of this very key can at worst miss that one request.)
        // So do those it made in the overflow sketch: its smaller bucket comes along, which
        // can only be stricter (it also holds the requests of keys it collided with).
        let inherited = match coarser {
            Some(c) if self.coarse.load(Ordering::Relaxed) > 0 => self.map.get(&c).map(|s| *s),
            _ => None,
        }
        .or_else(|| {
            self.overflow_used
                .load(Ordering::Relaxed)
                .then(|| self.overflow.state_of(&key, t, &self.clock))?
        });
        if let Some(decision) = self.insert_or_check(key, t, self.fine_limit, inherited, false) {
            return decision;
        }
        self.table_full.fetch_add(1, Ordering::Relaxed);
        let coarse = coarser.and_then(|c| self.insert_or_check(c, t, self.max_tracked, None, true));
        if let Some(decision) = coarse {
            return decision;
        }
        // Degraded mode: no room at all. Counted in the fixed-size sketch, so a sprayed
        // table still serves newcomers (and refuses them only with an exact wait).
        self.overflow_used.store(true, Ordering::Relaxed);
        self.overflow.check(&key, t, &self.clock)
    }

    /// Checks `key` if present, else tracks it if fewer than `limit` keys are; None = no room.
    fn insert_or_check(
        &self,
        key: K,
        t: Tick,
        limit: usize,
        inherited: Option<KeyState<SLOTS>>,
        coarse: bool,
    ) -> Option<Decision> {
        match self.map.entry(key) {
            Entry::Occupied(mut e) => Some(e.get_mut().check(t, &self.clock)),
            Entry::Vacant(v) => {
                let reserved =
                    self.tracked
                        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                            (n < limit).then_some(n + 1)
                        });
                reserved.ok()?;
                let mut state = inherited.unwrap_or_else(|| KeyState::fresh(t.ms, &self.clock));
                state.coarse = coarse;
                if coarse {
                    self.coarse.fetch_add(1, Ordering::Relaxed);
                }
                let decision = state.check(t, &self.clock);
                v.insert(state);
                Some(decision)
            }
        }
    }

    /// Takes back one request of `key` that `check` allowed at `counted_at` but that was
    /// not let through after all (the Redis store's shadow, when Redis refuses it). Only
    /// from the key's own entry: one counted under a coarser key or in the sketch stays
    /// counted, which can only make the budget stricter.
    pub fn release(&self, key: K, counted_at: Instant) {
        let t = self.clock.tick(counted_at);
        if let Some(mut state) = self.map.get_mut(&key) {
            if !state.coarse {
                state.release(t.ms, &self.clock);
            }
        }
    }

    /// Drops the state of keys with nothing left counting at `now`; returns how many.
    /// Holds one shard's lock at a time. Call it every few seconds (or every `W / 8`).
    pub fn sweep(&self, now: Instant) -> usize {
        let t = self.clock.tick(now);
        let (mut removed, mut coarse) = (0, 0);
        self.map.retain(|_, state| {
            let idle = state.is_idle(t.ms, &self.clock);
            if idle {
                removed += 1;
                coarse += usize::from(state.coarse);
            }
            !idle
        });
        self.tracked.fetch_sub(removed, Ordering::AcqRel);
        self.coarse.fetch_sub(coarse, Ordering::Relaxed);
        removed
    }

    /// The instant of tick 0: sub-window edges fall on whole ms after it (tests that
    /// replay one sequence of times on another store align their clocks here).
    pub fn started(&self) -> Instant {
        self.clock.start
    }

    /// Keys currently held (fine and coarse).
    pub fn tracked(&self) -> usize {
        self.tracked.load(Ordering::Acquire)
    }

    /// New clients so far that found no room for a key of their own (served under their
    /// coarser key, or refused when there was no room for that either).
    pub fn table_full_events(&self) -> u64 {
        self.table_full.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use quanta::Instant;
    use std::time::Duration;

    /// An IPv4 client key: /32, coarser /24.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    struct Net {
        addr: u32,
        len: u8,
    }

    impl LimiterKey for Net {
        fn coarser(&self) -> Option<Self> {
            (self.len == 32).then_some(Net {
                addr: self.addr & 0xffff_ff00,
                len: 24,
            })
        }
    }

    fn ip(addr: u32) -> Net {
        Net { addr, len: 32 }
    }

    const MS: Duration = Duration::from_millis(1);
    const SEC: Duration = Duration::from_secs(1);

    fn limiter(max: u32, window: Duration, max_tracked: usize) -> SlidingWindowLimiter<Net> {
        SlidingWindowLimiter::new(LimiterConfig {
            max,
            window,
            max_tracked,
        })
    }

    fn allowed(d: Decision) -> bool {
        matches!(d, Decision::Allowed { .. })
    }

    fn retry_after(d: Decision) -> Duration {
        match d {
            Decision::Limited { retry_after, .. } => retry_after,
            other => panic!("expected Limited, got {other:?}"),
        }
    }

    #[test]
    fn allows_n_then_limits_until_the_exact_instant_a_slot_frees() {
        let lim = limiter(5, 60 * SEC, 100);
        let t0 = lim.clock.start + 10 * MS;
        for i in 0..5 {
            let expected = Decision::Allowed {
                limit: 5,
                remaining: 4 - i,
                // t0 is the last ms of its sub-window, which leaves the window at t0 + 1 ms + W.
                reset_after: Duration::from_millis(60_001),
            };
            assert_eq!(lim.check(ip(1), t0), expected);
        }
        let limited = lim.check(ip(1), t0 + SEC);
        assert_eq!(
            limited,
            Decision::Limited {
                limit: 5,
                retry_after: Duration::from_millis(59_001)
            }
        );
        let free = t0 + Duration::from_millis(60_001);
        assert!(!allowed(lim.check(ip(1), free - Duration::from_nanos(1))));
        for _ in 0..5 {
            assert!(allowed(lim.check(ip(1), free)));
        }
        assert!(!allowed(lim.check(ip(1), free)));
    }

    #[test]
    fn a_first_burst_waits_one_window_from_its_first_request() {
        let lim = limiter(5, 30 * SEC, 100);
        let t0 = lim.clock.start + 3 * MS;
        for i in 0..5 {
            assert!(allowed(lim.check(ip(1), t0 + i * 5 * MS)));
        }
        assert_eq!(
            retry_after(lim.check(ip(1), t0 + 25 * MS)),
            (30_001 - 25) * MS
        );
    }

    #[test]
    fn keys_have_their_own_edges() {
        let lim = limiter(2, 8 * SEC, 100);
        let t0 = lim.clock.start;
        for key in [ip(1), ip(2)] {
            let first = t0
                + if key == ip(1) {
                    Duration::ZERO
                } else {
                    3_500 * MS
                };
            assert!(allowed(lim.check(key, first)));
            assert!(allowed(lim.check(key, first)));
        }
        let at = t0 + 4 * SEC;
        assert_eq!(retry_after(lim.check(ip(1), at)), 4_001 * MS);
        assert_eq!(retry_after(lim.check(ip(2), at)), 7_501 * MS);
    }

    #[test]
    fn sweep_drops_only_keys_with_nothing_counting() {
        let lim = limiter(1, 60 * SEC, 100);
        let t0 = lim.clock.start;
        lim.check(ip(1), t0);
        lim.check(ip(2), t0 + 30 * SEC);
        assert!(!allowed(lim.check(ip(2), t0 + 60 * SEC)), "ip 2 is limited");
        assert_eq!(lim.sweep(t0 + 60_000 * MS), 0);
        assert_eq!(lim.sweep(t0 + 60_001 * MS), 1);
        assert_eq!(lim.tracked(), 1);
        assert!(
            !allowed(lim.check(ip(2), t0 + 90 * SEC)),
            "still limited after the sweep"
        );
        assert_eq!(lim.sweep(t0 + 90_001 * MS), 1);
        assert_eq!(lim.tracked(), 0);
    }

    #[test]
    fn a_key_back_after_weeks_starts_fresh_despite_tick_wrap() {
        let lim = limiter(1, 60 * SEC, 100);
        let t0 = lim.clock.start;
        for days in [30, 60, 120] {
            let at = t0 + Duration::from_secs(days * 86_400);
            assert!(allowed(lim.check(ip(1), at)), "{days} days later");
            assert_eq!(retry_after(lim.check(ip(1), at + SEC)), 59_001 * MS);
        }
    }

    /// max_tracked 64: 60 slots for clients, 4 reserved for coarser keys.
    #[test]
    fn spray_cannot_evict_limited_or_tracked_clients() {
        let lim = limiter(3, 60 * SEC, 64);
        let t0 = lim.clock.start;
        let (limited, served) = (ip(0x0a00_0001), ip(0x0a00_0002));
        for _ in 0..3 {
            lim.check(limited, t0);
        }
        let retry = retry_after(lim.check(limited, t0));
        assert!(allowed(lim.check(served, t0)));
        let mut refused = 0;
        for i in 0..100_000u32 {
            let at = t0 + SEC + Duration::from_micros(u64::from(i));
            refused += usize::from(!allowed(lim.check(ip(0xc000_0000 + i * 7), at)));
            assert!(lim.tracked() <= 64);
        }
        // Beyond the table the spray is counted in the overflow sketch (1,024 buckets):
        // once its buckets hold N each it is refused, with no room taken from anyone.
        assert!(
            refused > 95_000,
            "the spray is mostly refused, got {refused}"
        );
        assert_eq!(lim.tracked(), 64);
        let later = t0 + 2 * SEC;
        assert_eq!(retry_after(lim.check(limited, later)), retry - 2 * SEC);
        assert!(allowed(lim.check(served, later)));
        assert!(allowed(lim.check(served, later)));
    }

    #[test]
    fn untracked_clients_share_their_coarser_key_until_room_returns() {
        let lim = limiter(3, 60 * SEC, 64);
        let t0 = lim.clock.start;
        for i in 0..60 {
            assert!(allowed(lim.check(ip(0x0a00_0000 + i), t0)));
        }
        // 192.168.1.7 and .8 now share one budget under 192.168.1.0/24.
        let (a, b) = (ip(0xc0a8_0107), ip(0xc0a8_0108));
        let at = t0 + 60 * SEC;
        assert!(allowed(lim.check(a, at)));
        assert!(allowed(lim.check(b, at)));
        assert!(allowed(lim.check(a, at)));
        assert!(!allowed(lim.check(b, at)));
        // Other /24s get their own coarse budget while the reserve lasts (3 more), then wait.
        for net in 0..3 {
            assert!(allowed(lim.check(ip(0xc0a8_0200 + net * 256), at)));
        }
        // With the reserve full too, a newcomer is counted in the overflow sketch: served.
        let newcomer = ip(0xc0a8_ff01);
        assert!(allowed(lim.check(newcomer, at)));
        assert_eq!(lim.tracked(), 64);
        // The 60 first clients go idle and are swept; `a` gets its own entry back but its
        // requests counted under the /24 still count.
        let after = t0 + 68 * SEC;
        assert_eq!(lim.sweep(after), 60);
        assert_eq!(
            retry_after(lim.check(a, after)),
            Duration::from_millis(120_001 - 68_000)
        );
        assert_eq!(lim.tracked(), 5);
    }

    /// The probe's spray: 1,000 addresses in distinct /16s, each touched every 10 s, keep
    /// a table of 1,000 full. Newcomers must still be served, a newcomer that floods is
    /// refused after N with a Retry-After that is the real wait, and nothing grows.
    #[test]
    fn a_sprayed_full_table_still_serves_newcomers() {
        let lim = limiter(120, 60 * SEC, 1000);
        let t0 = lim.clock.start;
        let spray = |at: Instant| {
            for i in 0..1000u32 {
                lim.check(ip(0x0a00_0000 + (i << 16)), at);
            }
        };
        for round in 0..6 {
            spray(t0 + round * 10 * SEC);
        }
        assert_eq!(lim.tracked(), 1000, "the spray holds the table full");
        let at = t0 + 60 * SEC;
        spray(at);
        // 500 newcomers (none of them can be tracked), 10 requests each: all served.
        for n in 0..500u32 {
            let newcomer = ip(0xc000_0000 + (n << 8) + 9);
            for r in 0..10 {
                let d = lim.check(newcomer, at + r * MS);
                assert!(allowed(d), "newcomer {n} request {r}: {d:?}");
            }
            assert!(lim.peek(newcomer, at + 10 * MS).remaining() > 0);
        }
        // A flooding newcomer: N allowed less what it shares with the others, then
        // refused until exactly the wait it is told. The 500 newcomers put 10 requests in
        // each of 2 of 1,024 buckets (0.98 newcomers a bucket on average); the flood is
        // served N minus its smaller bucket's load, and both of its buckets holding 5 or
        // more newcomers (served < 70) has odds of about 1 in 80,000 per run (100..=120,
        // asked before, failed 0.7 % of runs: 3 newcomers in both, as chance predicts).
        let flood = ip(0xcb00_7107);
        let served = (0..200)
            .filter(|_| allowed(lim.check(flood, at + 20 * MS)))
            .count();
        assert!((70..=120).contains(&served), "served {served}");
        let wait = retry_after(lim.check(flood, at + 30 * MS));
        assert!(wait <= 60 * SEC + 2 * MS, "{wait:?}");
        assert_eq!(
            lim.peek(flood, at + 30 * MS),
            lim.check(flood, at + 30 * MS)
        );
        assert!(allowed(lim.check(flood, at + 30 * MS + wait)));
        assert_eq!(lim.tracked(), 1000);
    }

    /// A client counted in the overflow sketch while the table was full keeps what it
    /// spent there once room returns and it gets an entry of its own: no second N within
    /// one window.
    #[test]
    fn a_key_leaving_the_sketch_keeps_what_it_spent_there() {
        let lim = limiter(5, 60 * SEC, 1000);
        let t0 = lim.clock.start;
        for i in 0..1000u32 {
            lim.check(ip(0x0a00_0000 + (i << 16)), t0);
        }
        assert_eq!(lim.tracked(), 1000, "the spray holds the table full");
        let key = ip(0xc000_0209);
        let spent_at = t0 + 30 * SEC;
        for r in 0..5 {
            assert!(allowed(lim.check(key, spent_at + r * MS)), "request {r}");
        }
        assert!(!allowed(lim.check(key, spent_at + 5 * MS)));
        // The spray's window ends and the sweep makes room for the key's own entry.
        let later = t0 + 61 * SEC;
        lim.sweep(later);
        assert_eq!(lim.tracked(), 0);
        let wait = retry_after(lim.check(key, later));
        assert_eq!(lim.tracked(), 1, "the key has an entry of its own now");
        assert!(wait > 25 * SEC && wait <= 29 * SEC + 2 * MS, "{wait:?}");
        assert!(allowed(lim.check(key, later + wait)));
    }

    /// The Redis store's shadow takes back a request Redis refused: from the sub-window it
    /// was counted in, also once the ring has moved on; a key it never counted is untouched.
    #[test]
    fn release_takes_back_one_request_from_its_own_sub_window() {
        let lim = limiter(3, 80 * SEC, 100);
        let t0 = lim.clock.start + 5 * MS;
        for i in 0..3 {
            assert!(allowed(lim.check(ip(1), t0 + i * 10 * SEC)));
        }
        assert!(!allowed(lim.check(ip(1), t0 + 30 * SEC)));
        // The second request (at 10 s) is taken back 25 s later, two sub-windows on.
        lim.release(ip(1), t0 + 10 * SEC);
        let now = t0 + 35 * SEC;
        assert_eq!(lim.peek(ip(1), now).remaining(), 1);
        assert!(allowed(lim.check(ip(1), now)));
        assert!(!allowed(lim.check(ip(1), now)));
        // The first leaves at 80 s (+1 ms): one slot, not two, so the 10 s one is gone.
        let first_gone = t0 + Duration::from_millis(80_001);
        assert_eq!(lim.peek(ip(1), first_gone).remaining(), 1);
        lim.release(ip(2), t0);
        assert_eq!(lim.tracked(), 1);
    }

    #[test]
    fn peek_answers_like_check_without_counting() {
        let lim = limiter(3, 60 * SEC, 100);
        let t0 = lim.clock.start + 10 * MS;
        let untouched = Decision::Allowed {
            limit: 3,
            remaining: 3,
            reset_after: Duration::ZERO,
        };
        assert_eq!(lim.peek(ip(1), t0), untouched);
        assert_eq!(lim.tracked(), 0, "a peek tracks nothing");
        lim.check(ip(1), t0);
        let after_one = Decision::Allowed {
            limit: 3,
            remaining: 2,
            reset_after: Duration::from_millis(60_001),
        };
        for _ in 0..5 {
            assert_eq!(lim.peek(ip(1), t0), after_one);
        }
        lim.check(ip(1), t0);
        lim.check(ip(1), t0 + SEC);
        let later = t0 + 2 * SEC;
        let peeked = lim.peek(ip(1), later);
        assert_eq!(
            peeked,
            Decision::Limited {
                limit: 3,
                retry_after: Duration::from_millis(58_001)
            }
        );
        assert_eq!(lim.check(ip(1), later), peeked);
        // Once the first two leave the window, two slots are free again.
        let free = t0 + Duration::from_millis(60_001);
        assert!(matches!(
            lim.peek(ip(1), free),
            Decision::Allowed { remaining: 2, .. }
        ));
        assert_eq!(lim.peek(ip(2), later), untouched);
    }

    #[test]
    fn concurrent_checks_keep_the_budget_and_the_bound() {
        let lim = limiter(50, 60 * SEC, 1000);
        let now = lim.clock.start + SEC;
        let allowed_total: usize = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4u32)
                .map(|w| {
                    let lim = &lim;
                    s.spawn(move || {
                        let mut mine = 0;
                        for i in 0..5_000u32 {
                            mine += usize::from(allowed(lim.check(ip(1), now)));
                            lim.check(ip(0x0b00_0000 + w * 1_000_000 + i), now);
                        }
                        mine
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).sum()
        });
        assert_eq!(allowed_total, 50);
        assert_eq!(lim.tracked(), 1000);
        assert_eq!(lim.map.len(), 1000);
    }

    /// Up to 6 requests per window of 8 ms .. 5 s; arrivals as ns offsets from the limiter's
    /// start, with gaps that land on the window and sub-window edges.
    fn scenario() -> impl Strategy<Value = (u32, u64, Vec<u64>)> {
        (1..=6u32, 8..=5_000u64).prop_flat_map(|(max, window_ms)| {
            let (window, sub) = (window_ms * 1_000_000, window_ms.div_ceil(8) * 1_000_000);
            let gap = prop_oneof![
                Just(0),
                0..2_000_000u64,
                0..window,
                (0..=9u64).prop_map(move |k| k * sub),
                (0..=2u64).prop_map(move |d| window - 1 + d),
            ];
            let first = prop_oneof![Just(0), 0..3_000_000u64];
            let arrivals = (first, prop::collection::vec(gap, 1..150)).prop_map(|(first, gaps)| {
                gaps.iter()
                    .scan(first, |t, g| {
                        *t += g;
                        Some(*t)
                    })
                    .collect()
            });
            (Just(max), Just(window_ms), arrivals)
        })
    }

    fn at(lim: &SlidingWindowLimiter<Net>, offset_ns: u64) -> Instant {
        lim.clock.start + Duration::from_nanos(offset_ns)
    }

    proptest! {
        #[test]
        fn no_window_holds_more_than_n_and_refusals_are_justified(
            (max, window_ms, arrivals) in scenario()
        ) {
            let lim = limiter(max, Duration::from_millis(window_ms), 1000);
            let mut accepted: Vec<u64> = Vec::new();
            // A refusal means N accepted within the S + 1 counted sub-windows (plus a tick).
            let reach = (SLOTS as u64 * u64::from(lim.clock.sub) + 1) * 1_000_000;
            for &t in &arrivals {
                if allowed(lim.check(ip(1), at(&lim, t))) {
                    accepted.push(t);
                } else {
                    let recent = accepted.iter().filter(|&&a| a + reach > t).count();
                    prop_assert!(recent >= max as usize, "refused at {t} with {recent} recent");
                }
            }
            for pair in accepted.windows(max as usize + 1) {
                prop_assert!(pair[max as usize] - pair[0] >= window_ms * 1_000_000, "{pair:?}");
            }
        }

        #[test]
        fn remaining_and_retry_after_are_exact((max, window_ms, arrivals) in scenario()) {
            let lim = limiter(max, Duration::from_millis(window_ms), 1000);
            for &t in &arrivals {
                lim.check(ip(1), at(&lim, t));
            }
            let last = *arrivals.last().unwrap();
            let now = at(&lim, last);
            if let Decision::Allowed { remaining, .. } = lim.check(ip(1), now) {
                for _ in 0..remaining {
                    prop_assert!(allowed(lim.check(ip(1), now)));
                }
            }
            let retry = retry_after(lim.check(ip(1), now));
            prop_assert!(!retry.is_zero());
            prop_assert!(!allowed(lim.check(ip(1), now + retry - Duration::from_nanos(1))));
            prop_assert!(allowed(lim.check(ip(1), now + retry)));
        }

        #[test]
        fn keys_are_independent(
            (max, window_ms, arrivals) in scenario(),
            owners in prop::collection::vec(any::<bool>(), 150),
        ) {
            let window = Duration::from_millis(window_ms);
            let shared = limiter(max, window, 1000);
            let alone = [limiter(max, window, 1000), limiter(max, window, 1000)];
            for (&t, &second) in arrivals.iter().zip(&owners) {
                let key = ip(u32::from(second) + 1);
                let own = &alone[usize::from(second)];
                prop_assert_eq!(shared.check(key, at(&shared, t)), own.check(key, at(own, t)));
            }
        }
    }
}

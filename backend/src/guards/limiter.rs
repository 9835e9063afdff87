//! Per-client sliding-window rate limiter: one budget (`N` requests per window `W`) for
//! every client key, shared by all request handlers of that budget.
//!
//! # Algorithm
//! Each key's window is cut into [`SUB_WINDOWS`] (8) sub-windows of `W / 8`. A request counts
//! for as long as any part of its sub-window is inside the sliding window, so the counted set
//! always contains every request accepted in the last `W`: no interval of length `W` ever
//! holds more than `N` accepted requests. The grid is anchored per key, so that the key's
//! first request falls in the last millisecond of its sub-window: no two keys share an edge,
//! nothing resets globally, and a first burst waits `W` (+1 ms), not `W + W/8`.
//!
//! The price is refusing a little early: a refusal means at least `N` requests were accepted
//! in the last `W + W/8`. Against an exact timestamp log on Poisson traffic (test
//! `early_refusal_against_an_exact_log`), S = 8 accepts 1.3-2.5% fewer requests at 0.8x the
//! budget's rate, 4-7% fewer at 1x and 9-11% fewer under a 10x flood (S = 4: 5-20%; S = 16
//! halves S = 8 but needs 40 bytes a key). A key costs 24 bytes of state (9 `u16` counters
//! and the start of its newest sub-window) instead of `N` timestamps. Edges fall on whole
//! milliseconds since the limiter's creation (ticks wrap after 49 days, handled: an idle
//! key starts afresh); `W` is capped at 18 days and `N` at 65535. A `Retry-After` is the
//! exact time until enough counted sub-windows have left the window, never zero.
//!
//! # Memory bound
//! At most `max_tracked` keys are held. [`SlidingWindowLimiter::sweep`] drops keys whose
//! sub-windows have all expired and nothing else ever removes a key, so a limited (or merely
//! active) key stays tracked. The last sixteenth of the table is reserved for coarser keys
//! ([`LimiterKey::coarser`]): once `max_tracked - max_tracked / 16` keys are held, a client
//! that is not yet tracked is counted under its coarser key (one budget of `N` shared with
//! its neighbours), and when that cannot be tracked either, its request is refused for one
//! sub-window, until a sweep frees room. Tracked clients keep their own budget throughout.
//! A client counted under its coarser key inherits that key's counters when it gets its own
//! entry back, so what it spent there still counts. A sweep walks the table one shard lock
//! at a time (25-240 ms for a million keys on the 2-core dev box, idle to loaded, so each of
//! the 8 shards is held an eighth of that); the table keeps its capacity afterwards, which
//! the bound caps.
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The limiter's clock: quanta reads the CPU's invariant TSC (a few ns; it falls back
/// to the OS clock where there is none) where `std::time::Instant::now()` costs a
/// clock_gettime (25-80 ns in this VM): a third of a check. Callers pass
/// `guards::limiter::Instant::now()`.
pub use quanta::Instant;

use dashmap::mapref::entry::Entry;
use dashmap::DashMap;
// foldhash: a fast hasher with a per-process random seed (hashbrown's default), so
// sprayed keys cannot be chosen to collide; SipHash cost ~25% of a check here.
use foldhash::fast::RandomState;

/// A client key the limiter can count.
pub trait LimiterKey: Copy + Eq + Hash + Send + Sync + 'static {
    /// A coarser key that groups this one with its neighbours, used when the table is full (None = no coarser key).
    fn coarser(&self) -> Option<Self>;
}

/// One budget: `max` requests per `window`, at most `max_tracked` keys in memory.
#[derive(Clone, Copy, Debug)]
pub struct LimiterConfig {
    /// `N`, requests per window; 0 switches the budget off. Capped at 65535.
    pub max: u32,
    /// `W`; sub-windows are `W / 8` rounded up to a millisecond.
    pub window: Duration,
    /// Hard bound on the keys held (fine and coarse together).
    pub max_tracked: usize,
}

/// The answer for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Counted; `reset_after` runs until the oldest counted request stops counting.
    Allowed {
        limit: u32,
        remaining: u32,
        reset_after: Duration,
    },
    /// Not counted; a request sent `retry_after` from now finds a free slot.
    Limited { limit: u32, retry_after: Duration },
}

/// Sub-windows per window: 8 keeps the state at 24 bytes and the early-refusal loss small.
pub const SUB_WINDOWS: usize = 8;
/// A request's sub-window counts until it has wholly left the window, so `S + 1` are live.
const SLOTS: usize = SUB_WINDOWS + 1;
/// Share of `max_tracked` held back for coarser keys (1/16).
const RESERVE_DIVISOR: usize = 16;
/// Longest sub-window in ms, so that wrapping u32 tick arithmetic stays unambiguous.
const MAX_SUB_MS: u64 = 200_000_000;

/// A moment: ms since the limiter's start (wrapping after 49 days) and ns into that ms.
#[derive(Clone, Copy, Debug)]
struct Tick {
    ms: u32,
    ns: u32,
}

/// `a - b` in ms for wrapping ticks less than 24 days apart.
fn since(a: u32, b: u32) -> i64 {
    i64::from(a.wrapping_sub(b) as i32)
}

/// Counters of one key. Hand-written because it is the product's core: an exact bound with a
/// fixed 24-byte state is what no off-the-shelf limiter (GCRA, fixed window) provides.
#[derive(Clone, Copy, Debug)]
struct KeyState<const N: usize> {
    /// Start tick of the newest sub-window. The first request of a key (or of a key back
    /// from idle) places the grid, so each key has its own edges.
    head: u32,
    /// `counts[i]`: accepted requests in the sub-window that starts `i` sub-windows before `head`.
    counts: [u16; N],
    /// This entry is a coarser key standing in for untracked clients.
    coarse: bool,
}

/// Time and budget shared by all keys of one limiter.
#[derive(Clone, Copy, Debug)]
struct Clock {
    start: Instant,
    /// Sub-window length in ms, 1..=`MAX_SUB_MS`.
    sub: u32,
    max: u32,
}

impl Clock {
    fn tick(&self, now: Instant) -> Tick {
        let d = now.saturating_duration_since(self.start);
        Tick {
            ms: ((d.as_secs() * 1000) as u32).wrapping_add(d.subsec_millis()),
            ns: d.subsec_nanos() % 1_000_000,
        }
    }
}

impl<const N: usize> KeyState<N> {
    /// The grid is placed so that the first request falls in the last ms of its sub-window:
    /// it then counts for `W` plus at most that ms, not for up to `W + W / 8`.
    fn fresh(t: u32, clock: &Clock) -> Self {
        KeyState {
            head: t.wrapping_add(1).wrapping_sub(clock.sub),
            counts: [0; N],
            coarse: false,
        }
    }

    /// When the sub-window in slot `i` stops counting: once all of it has left the window.
    fn expiry(&self, i: usize, clock: &Clock) -> u32 {
        self.head.wrapping_add((N - i) as u32 * clock.sub)
    }

    /// Nothing counts any more at `t`: the entry can be dropped or re-anchored. A `t` more
    /// than a window before `head` can only be a tick that wrapped: the key is long idle.
    fn is_idle(&self, t: u32, clock: &Clock) -> bool {
        let wrapped = since(t, self.head) < -(N as i64 * i64::from(clock.sub));
        match self.counts.iter().position(|&c| c > 0) {
            Some(newest) => wrapped || since(t, self.expiry(newest, clock)) >= 0,
            None => true,
        }
    }

    /// Moves the ring to `t`, dropping sub-windows that have left. A `t` before `head`
    /// (threads racing) is counted in `head`, which only makes it count longer.
    fn advance(&mut self, t: u32, clock: &Clock) {
        if self.is_idle(t, clock) {
            *self = KeyState {
                coarse: self.coarse,
                ..Self::fresh(t, clock)
            };
            return;
        }
        let elapsed = since(t, self.head);
        if elapsed >= i64::from(clock.sub) {
            // Not idle, so fewer than N sub-windows have passed.
            let d = (elapsed / i64::from(clock.sub)) as usize;
            self.counts.copy_within(0..N - d, d);
            self.counts[..d].fill(0);
            self.head = self.head.wrapping_add(d as u32 * clock.sub);
        }
    }

    /// Exact time from `t` until tick `until` (which is after `t.ms`).
    fn wait(until: u32, t: Tick) -> Duration {
        let ms = since(until, t.ms).max(0) as u64;
        Duration::from_nanos(ms * 1_000_000 - u64::from(t.ns).min(ms * 1_000_000))
    }

    fn check(&mut self, t: Tick, clock: &Clock) -> Decision {
        self.advance(t.ms, clock);
        let total: u32 = self.counts.iter().map(|&c| u32::from(c)).sum();
        if total < clock.max {
            self.counts[0] += 1;
            let oldest = self.counts.iter().rposition(|&c| c > 0).unwrap_or(0);
            return Decision::Allowed {
                limit: clock.max,
                remaining: clock.max - total - 1,
                reset_after: Self::wait(self.expiry(oldest, clock), t),
            };
        }
        // The oldest sub-windows leave first; find the one whose departure frees a slot.
        let mut need = total - clock.max + 1;
        for i in (0..N).rev() {
            let c = u32::from(self.counts[i]);
            if c >= need {
                // Never zero: slot i still counts at t.ms, so it expires at a later tick.
                return Decision::Limited {
                    limit: clock.max,
                    retry_after: Self::wait(self.expiry(i, clock), t),
                };
            }
            need -= c;
        }
        unreachable!("total >= max > 0 means some sub-window holds the slot to free")
    }
}

/// The limiter for one budget; share it (`Arc`) between handlers and the sweeper task.
pub struct SlidingWindowLimiter<K: LimiterKey> {
    map: DashMap<K, KeyState<SLOTS>, RandomState>,
    /// Entries in `map`; slots are reserved here before an insert so the bound is hard.
    tracked: AtomicUsize,
    /// Coarse entries in `map`; while zero, new keys skip looking for one to inherit.
    coarse: AtomicUsize,
    clock: Clock,
    fine_limit: usize,
    max_tracked: usize,
}

impl<K: LimiterKey> SlidingWindowLimiter<K> {
    pub fn new(cfg: LimiterConfig) -> Self {
        let window_ms =
            u64::try_from(cfg.window.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX);
        let sub = window_ms.div_ceil(SUB_WINDOWS as u64).clamp(1, MAX_SUB_MS) as u32;
        let reserve = cfg.max_tracked.div_ceil(RESERVE_DIVISOR);
        SlidingWindowLimiter {
            map: DashMap::with_hasher(RandomState::default()),
            tracked: AtomicUsize::new(0),
            coarse: AtomicUsize::new(0),
            clock: Clock {
                start: Instant::now(),
                sub,
                max: cfg.max.min(u32::from(u16::MAX)),
            },
            fine_limit: cfg.max_tracked - reserve,
            max_tracked: cfg.max_tracked,
        }
    }

    /// Decides on one request of `key` at `now` (pass `Instant::now()`); an Allowed request is
    /// counted. A switched-off budget answers `Allowed` with `limit` 0 and tracks nothing.
    pub fn check(&self, key: K, now: Instant) -> Decision {
        if !self.is_enabled() {
            return Decision::Allowed {
                limit: 0,
                remaining: 0,
                reset_after: Duration::ZERO,
            };
        }
        let t = self.clock.tick(now);
        if let Some(mut state) = self.map.get_mut(&key) {
            return state.check(t, &self.clock);
        }
        self.check_untracked(key, t)
    }

    #[cold]
    fn check_untracked(&self, key: K, t: Tick) -> Decision {
        let coarser = key.coarser();
        // Requests this client made under its coarser key keep counting once it has its own entry.
        // (Not under the same lock: nesting shard locks could deadlock. A sweep racing with a
        // concurrent request of this very key can at worst miss that one request.)
        let inherited = match coarser {
            Some(c) if self.coarse.load(Ordering::Relaxed) > 0 => self.map.get(&c).map(|s| *s),
            _ => None,
        };
        if let Some(decision) = self.insert_or_check(key, t, self.fine_limit, inherited, false) {
            return decision;
        }
        let coarse = coarser.and_then(|c| self.insert_or_check(c, t, self.max_tracked, None, true));
        if let Some(decision) = coarse {
            return decision;
        }
        Decision::Limited {
            limit: self.clock.max,
            retry_after: Duration::from_millis(u64::from(self.clock.sub)),
        }
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

    /// Keys currently held (fine and coarse).
    pub fn tracked(&self) -> usize {
        self.tracked.load(Ordering::Acquire)
    }

    /// False when the budget is switched off (`max` = 0): every request is allowed and
    /// nothing is tracked.
    pub fn is_enabled(&self) -> bool {
        self.clock.max > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

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
    fn switched_off_budget_allows_everything_and_tracks_nothing() {
        let lim = limiter(0, 60 * SEC, 100);
        assert!(!lim.is_enabled());
        for _ in 0..1000 {
            assert!(allowed(lim.check(ip(7), Instant::now())));
        }
        assert_eq!(lim.tracked(), 0);
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
        assert!(
            refused > 99_000,
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
        let full = lim.check(ip(0xc0a8_ff01), at);
        assert_eq!(retry_after(full), 7_500 * MS);
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

    fn sub_windows<const M: usize>(arrivals: &[u64], max: u32, window: u64) -> usize {
        let clock = Clock {
            start: Instant::now(),
            sub: (window / (M as u64 - 1)) as u32,
            max,
        };
        let mut state = KeyState::<M>::fresh(arrivals[0] as u32, &clock);
        let tick = |t: u64| Tick {
            ms: t as u32,
            ns: 0,
        };
        let decisions = arrivals.iter().map(|&t| state.check(tick(t), &clock));
        decisions.filter(|&d| allowed(d)).count()
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

    /// Prints the accepted-request loss against an exact log (`cargo test -- --nocapture`)
    /// and holds S = 8 to the bound its design gives: at most 1/9 of a steady flood.
    #[test]
    fn early_refusal_against_an_exact_log() {
        let window = 60_000;
        for max in [5, 120] {
            for rate in [0.8, 1.0, 1.5, 3.0, 10.0] {
                let arrivals = poisson(rate, max, window, 500, u64::from(max) + rate as u64);
                let exact = exact_log(&arrivals, max as usize, window) as f64;
                let loss = |ours: usize| 100.0 * (exact - ours as f64) / exact;
                let s8 = loss(sub_windows::<9>(&arrivals, max, window));
                println!(
                    "N={max:3} load {rate:4.1}x: refused early S=4 {:5.2}%  S=8 {s8:5.2}%  S=16 {:5.2}%",
                    loss(sub_windows::<5>(&arrivals, max, window)),
                    loss(sub_windows::<17>(&arrivals, max, window)),
                );
                assert!(s8 < 100.0 / 9.0 + 0.5, "N={max} load {rate}: {s8}%");
            }
        }
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

//! One key's sliding window: a ring of sub-window counters and the arithmetic on it
//! (see the module docs of `limiter` for the algorithm and its figures). Hand-written
//! because it is the product's core: an exact bound with a fixed 24-byte state is
//! what no off-the-shelf limiter (GCRA, fixed window) provides.
use std::time::Duration;

use super::Decision;

/// Sub-windows per window: 8 keeps the state at 24 bytes and the early-refusal loss small.
pub const SUB_WINDOWS: usize = 8;
/// A request's sub-window counts until it has wholly left the window, so `S + 1` are live.
pub(crate) const SLOTS: usize = SUB_WINDOWS + 1;
/// Longest sub-window in ms, so that wrapping u32 tick arithmetic stays unambiguous.
pub(crate) const MAX_SUB_MS: u64 = 200_000_000;

/// A moment: ms since the limiter's start (wrapping after 49 days) and ns into that ms.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tick {
    pub ms: u32,
    pub ns: u32,
}

/// `a - b` in ms for wrapping ticks less than 24 days apart.
fn since(a: u32, b: u32) -> i64 {
    i64::from(a.wrapping_sub(b) as i32)
}

/// Time and budget shared by all keys of one limiter.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    pub start: quanta::Instant,
    /// Sub-window length in ms, 1..=`MAX_SUB_MS`.
    pub sub: u32,
    pub max: u32,
}

impl Clock {
    pub fn tick(&self, now: quanta::Instant) -> Tick {
        let d = now.saturating_duration_since(self.start);
        Tick {
            ms: ((d.as_secs() * 1000) as u32).wrapping_add(d.subsec_millis()),
            ns: d.subsec_nanos() % 1_000_000,
        }
    }
}

/// Counters of one key.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyState<const N: usize> {
    /// Start tick of the newest sub-window. The first request of a key (or of a key back
    /// from idle) places the grid, so each key has its own edges.
    head: u32,
    /// `counts[i]`: accepted requests in the sub-window that starts `i` sub-windows before `head`.
    counts: [u16; N],
    /// This entry is a coarser key standing in for untracked clients.
    pub coarse: bool,
}

impl<const N: usize> KeyState<N> {
    /// The grid is placed so that the first request falls in the last ms of its sub-window:
    /// it then counts for `W` plus at most that ms, not for up to `W + W / 8`.
    pub fn fresh(t: u32, clock: &Clock) -> Self {
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
    pub fn is_idle(&self, t: u32, clock: &Clock) -> bool {
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

    /// Moves the ring to `t` and returns how many requests still count (the overflow
    /// sketch reads a bucket this way before deciding across two buckets).
    pub(crate) fn load(&mut self, t: Tick, clock: &Clock) -> u32 {
        self.advance(t.ms, clock);
        self.total()
    }

    /// Counts one request at the ring's head (call `load` first). Saturating: a sketch
    /// bucket shared by many keys may exceed `max`, and a saturated count still refuses.
    pub(crate) fn add_one(&mut self) {
        self.counts[0] = self.counts[0].saturating_add(1);
    }

    /// Takes back one request counted at tick `t` (see `SlidingWindowLimiter::release`):
    /// from the sub-window that holds `t` now. A request counted in `head` although its
    /// `t` was earlier (threads racing) is taken from the older sub-window of its `t`,
    /// which leaves one request counted later than it was made: stricter, never laxer.
    pub(crate) fn release(&mut self, t: u32, clock: &Clock) {
        let behind = since(self.head, t);
        let slot = if behind <= 0 {
            0
        } else {
            ((behind - 1) / i64::from(clock.sub) + 1) as usize
        };
        if let Some(count) = self.counts.get_mut(slot) {
            *count = count.saturating_sub(1);
        }
    }

    /// Exact time from `t` until tick `until` (which is after `t.ms`).
    fn wait(until: u32, t: Tick) -> Duration {
        let ms = since(until, t.ms).max(0) as u64;
        Duration::from_nanos(ms * 1_000_000 - u64::from(t.ns).min(ms * 1_000_000))
    }

    /// Time until the oldest counted request stops counting (zero when nothing counts).
    pub(crate) fn reset_after(&self, t: Tick, clock: &Clock) -> Duration {
        match self.counts.iter().rposition(|&c| c > 0) {
            Some(oldest) => Self::wait(self.expiry(oldest, clock), t),
            None => Duration::ZERO,
        }
    }

    /// The refusal of a key holding `total` >= max counted requests at `t`.
    pub(crate) fn refusal(&self, total: u32, t: Tick, clock: &Clock) -> Decision {
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

    fn total(&self) -> u32 {
        self.counts.iter().map(|&c| u32::from(c)).sum()
    }

    /// Decides on one request at `t`; an allowed request is counted.
    pub fn check(&mut self, t: Tick, clock: &Clock) -> Decision {
        self.advance(t.ms, clock);
        let total = self.total();
        if total < clock.max {
            self.counts[0] += 1;
            return Decision::Allowed {
                limit: clock.max,
                remaining: clock.max - total - 1,
                reset_after: self.reset_after(t, clock),
            };
        }
        self.refusal(total, t, clock)
    }

    /// What `check` would answer at `t`, without counting: `remaining` is how many
    /// requests would be allowed now.
    pub fn peek(mut self, t: Tick, clock: &Clock) -> Decision {
        self.advance(t.ms, clock);
        let total = self.total();
        if total < clock.max {
            return Decision::Allowed {
                limit: clock.max,
                remaining: clock.max - total,
                reset_after: self.reset_after(t, clock),
            };
        }
        self.refusal(total, t, clock)
    }
}

//! Per-client sliding-window rate limiter: one budget (`N` requests per window `W`) for
//! every client key, shared by all request handlers of that budget. The guard that
//! applies it to routes is `guards::rate_limit`.
//!
//! - [`window`]: one key's ring of sub-window counters (the algorithm below);
//! - [`table`]: the bounded concurrent table of keys, its reserve and sweep;
//! - [`store`]: [`RateStore`], where a budget's counters live (this process's memory,
//!   or Redis behind the same calls), with the consuming `check` and `peek`;
//! - [`redis_store`]: the budgets shared by every instance in Redis or Valkey, with the
//!   shadow of this instance's own decisions that stands in while Redis is unreachable;
//!   [`redis_link`] its connection, [`redis_answer`] the check of every answer,
//!   [`store_health`] the outage (probes, log lines, metrics), [`store_fault`] its causes;
//! - [`sketch`]: the degraded mode of a full table (clients counted in hashed buckets);
//! - [`research`]: the measurement behind the early-refusal and sketch figures.
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
//! in the last `W + W/8`. Against an exact timestamp log on Poisson traffic (`research`;
//! `cargo run --release -p powboard --example limiter_early_refusal`), S = 8 accepts 1.3-2.5% fewer requests at 0.8x the
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
//! its neighbours), and when that cannot be tracked either (a spray of addresses in distinct
//! networks fills both), it is counted in the overflow sketch ([`sketch`]): a fixed-size
//! hashed table of the same sub-window rings, where a collision can only make a limit
//! stricter, so a full table still serves newcomers with their own budget, refused only
//! with an exact `Retry-After`. Tracked clients keep their own budget throughout. A
//! client counted under its coarser key, or in the sketch, inherits those counters when it
//! gets its own entry back, so what it spent there still counts. A sweep walks the table one shard lock
//! at a time (25-240 ms for a million keys on the 2-core dev box, idle to loaded, so each of
//! the 8 shards is held an eighth of that); the table keeps its capacity afterwards, which
//! the bound caps.
use std::hash::Hash;
use std::time::Duration;

pub mod redis_answer;
mod redis_link;
pub mod redis_store;
pub mod research;
mod sketch;
pub mod store;
pub mod store_fault;
mod store_health;
pub mod table;
pub mod window;

pub use store::RateStore;
pub use table::SlidingWindowLimiter;
pub use window::SUB_WINDOWS;

/// A client key the limiter can count.
pub trait LimiterKey: Copy + Eq + Hash + Send + Sync + 'static {
    /// A coarser key that groups this one with its neighbours, used when the table is full (None = no coarser key).
    fn coarser(&self) -> Option<Self>;
}

/// One budget: `max` requests per `window`, at most `max_tracked` keys in memory.
#[derive(Clone, Copy, Debug)]
pub struct LimiterConfig {
    /// `N`, requests per window, 1..=65535 (larger is capped). A switched-off budget
    /// (0) has no limiter.
    pub max: u32,
    /// `W`; sub-windows are `W / 8` rounded up to a millisecond.
    pub window: Duration,
    /// Hard bound on the keys held (fine and coarse together).
    pub max_tracked: usize,
}

/// The answer for one request (or, from `peek`, for a request made now).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Counted (`peek`: would be); `remaining` requests are left after it (`peek`: left
    /// now); `reset_after` runs until the oldest counted request stops counting (zero
    /// when nothing counts).
    Allowed {
        limit: u32,
        remaining: u32,
        reset_after: Duration,
    },
    /// Not counted; a request sent `retry_after` from now finds a free slot (never zero).
    Limited { limit: u32, retry_after: Duration },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// Requests left: 0 when limited.
    pub fn remaining(&self) -> u32 {
        match *self {
            Decision::Allowed { remaining, .. } => remaining,
            Decision::Limited { .. } => 0,
        }
    }
}

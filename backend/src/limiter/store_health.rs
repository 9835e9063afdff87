//! Whether the shared store answers, for every budget of the process (one outage for
//! all): which checks may try Redis while it does not (one probe per [`PROBE_EVERY`]),
//! the outage's log lines (its start with the real cause, once; its end, once), the
//! metrics (errors by reason, the fallback gauge) and the state `/readyz` shows.
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::time::Duration;

use metrics::{Counter, Gauge};

use super::store_fault::{FaultReason, StoreFault};

/// How often, at most, a check tries Redis again while it is unreachable.
pub const PROBE_EVERY: Duration = Duration::from_millis(500);

/// No failure yet (`last_reason`).
const NO_REASON: u8 = u8::MAX;

pub struct StoreHealth {
    start: quanta::Instant,
    down: AtomicBool,
    /// While down: ms since `start` from which the next check may probe Redis.
    next_probe_ms: AtomicU64,
    /// The reason of the latest failure (an index of `FaultReason::ALL`).
    last_reason: AtomicU8,
    /// When the outage began (ms since `start`) and its failed round trips so far.
    outage_start_ms: AtomicU64,
    outage_errors: AtomicU64,
    /// One counter per reason, indexed by `FaultReason as usize`.
    errors: [Counter; FaultReason::ALL.len()],
    fallback: Gauge,
}

impl StoreHealth {
    pub fn new(errors: [Counter; FaultReason::ALL.len()], fallback: Gauge) -> Self {
        fallback.set(0.0);
        Self {
            start: quanta::Instant::now(),
            down: AtomicBool::new(false),
            next_probe_ms: AtomicU64::new(0),
            last_reason: AtomicU8::new(NO_REASON),
            outage_start_ms: AtomicU64::new(0),
            outage_errors: AtomicU64::new(0),
            errors,
            fallback,
        }
    }

    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// None while Redis answers (budgets shared); else why the latest check failed.
    pub fn outage(&self) -> Option<FaultReason> {
        if !self.down.load(Ordering::Acquire) {
            return None;
        }
        let i = self.last_reason.load(Ordering::Relaxed);
        Some(
            FaultReason::ALL
                .get(usize::from(i))
                .copied()
                .unwrap_or(FaultReason::Other),
        )
    }

    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// Whether this check goes to Redis: always while it is up; while it is down, only
    /// the first check after the probe interval (the others count in memory at once).
    pub fn try_redis(&self) -> bool {
        if !self.down.load(Ordering::Acquire) {
            return true;
        }
        let (now, due) = (self.now_ms(), self.next_probe_ms.load(Ordering::Acquire));
        now >= due
            && self
                .next_probe_ms
                .compare_exchange(
                    due,
                    now + PROBE_EVERY.as_millis() as u64,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_ok()
    }

    pub fn failed(&self, fault: &StoreFault) {
        let index = fault.reason as usize;
        self.errors[index].increment(1);
        self.last_reason.store(index as u8, Ordering::Relaxed);
        self.outage_errors.fetch_add(1, Ordering::Relaxed);
        let now = self.now_ms();
        self.next_probe_ms
            .store(now + PROBE_EVERY.as_millis() as u64, Ordering::Release);
        if !self.down.swap(true, Ordering::AcqRel) {
            self.outage_start_ms.store(now, Ordering::Relaxed);
            self.fallback.set(1.0);
            // The error's text is the library's description of the failure (never
            // REDIS_URL, so never its password).
            tracing::warn!(
                reason = fault.reason.label(),
                error = %fault,
                "rate limit store unavailable: each instance counts its budgets in memory, \
                 from its own recent decisions (each enforces N on its own), until Redis \
                 answers again"
            );
        }
    }

    pub fn answered(&self) {
        if self.down.load(Ordering::Acquire) && self.down.swap(false, Ordering::AcqRel) {
            self.fallback.set(0.0);
            let lasted = self.now_ms() - self.outage_start_ms.load(Ordering::Relaxed);
            tracing::warn!(
                outage_ms = lasted,
                failed_checks = self.outage_errors.swap(0, Ordering::Relaxed),
                "rate limit store is back: budgets are shared by every instance again"
            );
        }
    }
}

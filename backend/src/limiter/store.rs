//! [`RateStore`]: where one budget's counters live, behind the two calls the server
//! makes: `check` (counts the request when the budget allows it) and `peek` (the
//! budget's state for a key, counting nothing). The calls are async so that a store
//! shared by several instances (one round trip per check) fits behind them; the
//! memory store answers at once, with no allocation and no lock beyond its shard's.
//! Each store reads its own clock (the memory store the CPU's TSC, see `table`; the
//! Redis store Redis's, one clock for all instances).
use std::sync::Arc;

use crate::client_ip::ClientKey;

use super::redis_store::{RedisShared, RedisStore};
use super::{Decision, LimiterConfig, LimiterKey, SlidingWindowLimiter};

impl LimiterKey for ClientKey {
    fn coarser(&self) -> Option<Self> {
        ClientKey::coarser(self)
    }
}

/// The counters of one budget.
pub enum RateStore {
    /// This process's memory: the bounded table of `table`.
    Memory(SlidingWindowLimiter<ClientKey>),
    /// Redis or Valkey, shared by every instance (`redis_store`), with a shadow in this
    /// process's memory of what this instance let through.
    Redis(RedisStore),
}

impl RateStore {
    pub fn memory(cfg: LimiterConfig) -> Self {
        Self::Memory(SlidingWindowLimiter::new(cfg))
    }

    pub fn redis(shared: Arc<RedisShared>, budget: &str, cfg: LimiterConfig) -> Self {
        Self::Redis(RedisStore::new(shared, budget, cfg))
    }

    /// Decides on one request of `key` now; an allowed request is counted.
    /// The decision at once, when this store can give it without waiting: the memory
    /// store; None for Redis, whose answer takes a round trip. The budget guard's fast
    /// path (no boxed future for a check that never waits).
    pub fn check_now(&self, key: ClientKey) -> Option<Decision> {
        match self {
            Self::Memory(table) => Some(table.check(key, quanta::Instant::now())),
            Self::Redis(_) => None,
        }
    }

    pub async fn check(&self, key: ClientKey) -> Decision {
        match self {
            Self::Memory(table) => table.check(key, quanta::Instant::now()),
            Self::Redis(store) => store.check(key).await,
        }
    }

    /// What `check` would answer now, counting nothing: `remaining` requests may be
    /// made now; when none, `Limited` carries the exact wait.
    pub async fn peek(&self, key: ClientKey) -> Decision {
        match self {
            Self::Memory(table) => table.peek(key, quanta::Instant::now()),
            Self::Redis(store) => store.peek(key).await,
        }
    }

    /// The table held in this process: the store itself, or the Redis store's shadow.
    fn local(&self) -> &SlidingWindowLimiter<ClientKey> {
        match self {
            Self::Memory(table) => table,
            Self::Redis(store) => store.shadow(),
        }
    }

    /// Upkeep: drops the keys held in this process with nothing left counting; returns
    /// how many. (Redis keys expire by themselves.)
    pub fn sweep(&self) -> usize {
        self.local().sweep(quanta::Instant::now())
    }

    /// Keys held in this process.
    pub fn tracked(&self) -> usize {
        self.local().tracked()
    }

    /// New clients so far that found this process's table at its bound.
    pub fn table_full_events(&self) -> u64 {
        self.local().table_full_events()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn key(addr: &str) -> ClientKey {
        ClientKey::new(addr.parse().unwrap(), 32, 64)
    }

    #[tokio::test]
    async fn memory_peek_counts_nothing_and_agrees_with_check() {
        let window = Duration::from_secs(600);
        let store = RateStore::memory(LimiterConfig {
            max: 2,
            window,
            max_tracked: 100,
        });
        let client = key("198.51.100.7");
        assert_eq!(store.peek(client).await.remaining(), 2);
        assert_eq!(store.tracked(), 0);
        assert_eq!(store.check(client).await.remaining(), 1);
        for _ in 0..3 {
            let peeked = store.peek(client).await;
            assert!(peeked.is_allowed());
            assert_eq!(peeked.remaining(), 1);
        }
        assert_eq!(store.check(client).await.remaining(), 0);
        match store.peek(client).await {
            Decision::Limited { limit, retry_after } => {
                assert_eq!(limit, 2);
                assert!(!retry_after.is_zero() && retry_after <= window + Duration::from_millis(1));
            }
            other => panic!("expected Limited, got {other:?}"),
        }
        assert!(!store.check(client).await.is_allowed());
        assert_eq!(store.peek(key("198.51.100.8")).await.remaining(), 2);
    }
}

//! Read caches that stay coherent across server instances: an entry answers for at
//! most [`MAX_AGE`] after its query started, and every entry is dropped as soon as any
//! instance changes a listing (PostgreSQL `NOTIFY`, see [`crate::notify`]). Requests
//! that miss the same key together wait for one query, so an expiry under load costs
//! one query, not one per request.
//!
//! Hand-written (about sixty lines) rather than `moka`: dropping an entry must also
//! stop a query that started before the drop from storing its older answer, which a
//! general cache's `invalidate_all` does not promise for loads in flight. Here a load
//! fills the cell of its own slot, and a dropped slot is no longer reachable.
use std::{
    collections::HashMap,
    future::Future,
    hash::Hash,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use tokio::sync::OnceCell;

/// The longest an answer is served from memory: with the `NOTIFY` listener down, what
/// another instance changed shows here within this.
pub const MAX_AGE: Duration = Duration::from_secs(1);

struct Slot<V> {
    /// When the slot's query started: its answer is at most as old as this.
    born: Instant,
    cell: Arc<OnceCell<V>>,
}

/// Answers by key, each at most `max_age` old, at most `capacity` keys held.
pub struct FreshCache<K, V> {
    slots: RwLock<HashMap<K, Slot<V>>>,
    capacity: usize,
    max_age: Duration,
}

impl<K: Eq + Hash, V: Clone> FreshCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self::with_max_age(capacity, MAX_AGE)
    }

    pub fn with_max_age(capacity: usize, max_age: Duration) -> Self {
        Self {
            slots: RwLock::new(HashMap::new()),
            capacity,
            max_age,
        }
    }

    /// The cached answer for `key`, or the one `load` gives (stored unless it failed).
    pub async fn get_or_load<E, Fut>(&self, key: K, load: impl FnOnce() -> Fut) -> Result<V, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let cell = match self.fresh_cell(&key) {
            Some(cell) => cell,
            None => match self.new_cell(key) {
                Some(cell) => cell,
                // Full of fresh keys (someone walking every `limit` and country): answer
                // without caching rather than grow.
                None => return load().await,
            },
        };
        cell.get_or_try_init(load).await.cloned()
    }

    fn fresh_cell(&self, key: &K) -> Option<Arc<OnceCell<V>>> {
        let slots = self.slots.read().unwrap_or_else(|p| p.into_inner());
        slots
            .get(key)
            .filter(|s| s.born.elapsed() < self.max_age)
            .map(|s| s.cell.clone())
    }

    fn new_cell(&self, key: K) -> Option<Arc<OnceCell<V>>> {
        let mut slots = self.slots.write().unwrap_or_else(|p| p.into_inner());
        // Another request may have started the query since the read above.
        if let Some(s) = slots.get(&key).filter(|s| s.born.elapsed() < self.max_age) {
            return Some(s.cell.clone());
        }
        if slots.len() >= self.capacity {
            slots.retain(|_, s| s.born.elapsed() < self.max_age);
            if slots.len() >= self.capacity {
                return None;
            }
        }
        let cell = Arc::new(OnceCell::new());
        let slot = Slot {
            born: Instant::now(),
            cell: cell.clone(),
        };
        slots.insert(key, slot);
        Some(cell)
    }

    /// Drops every entry; queries in flight still answer the requests that started
    /// them, but their answers are not kept.
    pub fn clear(&self) {
        self.slots
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Keys held (fresh or not yet swept).
    pub fn len(&self) -> usize {
        self.slots.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn counted(loads: &AtomicUsize, value: u32) -> Result<u32, ()> {
        loads.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        Ok(value)
    }

    #[tokio::test]
    async fn concurrent_misses_share_one_load() {
        let cache = FreshCache::<u8, u32>::with_max_age(8, Duration::from_secs(60));
        let loads = AtomicUsize::new(0);
        let answers = futures_util::future::join_all(
            (0..20).map(|_| cache.get_or_load(1, || counted(&loads, 7))),
        )
        .await;
        assert!(answers.iter().all(|a| *a == Ok(7)));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn clear_drops_entries_and_a_load_in_flight_is_not_kept() {
        let cache = FreshCache::<u8, u32>::with_max_age(8, Duration::from_secs(60));
        assert_eq!(
            cache.get_or_load(1, || async { Ok::<_, ()>(1) }).await,
            Ok(1)
        );
        cache.clear();
        assert_eq!(
            cache.get_or_load(1, || async { Ok::<_, ()>(2) }).await,
            Ok(2)
        );
        // A load that started before a clear answers its caller, but is not served after.
        let stale = cache.get_or_load(3, || async {
            cache.clear();
            Ok::<_, ()>(30)
        });
        assert_eq!(stale.await, Ok(30));
        assert_eq!(
            cache.get_or_load(3, || async { Ok::<_, ()>(31) }).await,
            Ok(31)
        );
    }

    #[tokio::test]
    async fn failed_loads_are_retried_and_the_size_is_bounded() {
        let cache = FreshCache::<u8, u32>::with_max_age(2, Duration::from_secs(60));
        assert_eq!(
            cache
                .get_or_load(1, || async { Err::<u32, _>("down") })
                .await,
            Err("down")
        );
        assert_eq!(
            cache.get_or_load(1, || async { Ok::<_, ()>(1) }).await,
            Ok(1)
        );
        assert_eq!(
            cache.get_or_load(1, || async { Ok::<_, ()>(9) }).await,
            Ok(1)
        );
        assert_eq!(
            cache.get_or_load(2, || async { Ok::<_, ()>(2) }).await,
            Ok(2)
        );
        // Full of fresh keys: a third key is answered but not kept.
        assert_eq!(
            cache.get_or_load(3, || async { Ok::<_, ()>(3) }).await,
            Ok(3)
        );
        assert_eq!(
            cache.get_or_load(3, || async { Ok::<_, ()>(4) }).await,
            Ok(4)
        );
        assert_eq!(cache.len(), 2);
    }

    #[tokio::test]
    async fn entries_expire_and_expired_keys_make_room() {
        let cache = FreshCache::<u8, u32>::with_max_age(2, Duration::from_millis(1));
        assert_eq!(
            cache.get_or_load(1, || async { Ok::<_, ()>(1) }).await,
            Ok(1)
        );
        assert_eq!(
            cache.get_or_load(2, || async { Ok::<_, ()>(2) }).await,
            Ok(2)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(
            cache.get_or_load(1, || async { Ok::<_, ()>(10) }).await,
            Ok(10)
        );
        assert_eq!(
            cache.get_or_load(3, || async { Ok::<_, ()>(30) }).await,
            Ok(30)
        );
        assert_eq!(cache.len(), 2, "the expired key 2 made room for 3");
    }
}

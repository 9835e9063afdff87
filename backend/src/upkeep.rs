//! Background upkeep while the server runs: idle limiter keys are dropped (every
//! 10 s), expired spent challenges and old `post_rate` buckets purged (every 60 s),
//! and the read caches dropped whenever any instance changes a listing (`notify`).
use std::time::Duration;

use tokio::task::JoinHandle;

use axum::extract::FromRef;

use crate::{listings, listings::caches::ListingCaches, notify, pow, state::AppState};

/// Starts the upkeep tasks; abort the handles at shutdown.
pub fn spawn(state: &AppState) -> Vec<JoinHandle<()>> {
    let budgets = state.budgets.clone();
    let sweep = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tick.tick().await;
            for store in budgets.all().into_iter().filter_map(|b| b.store()) {
                let dropped = store.sweep();
                if dropped > 0 {
                    tracing::debug!(dropped, tracked = store.tracked(), "limiter sweep");
                }
            }
        }
    });
    let pool = state.pool.clone();
    // The surge reads one window of post_rate buckets; older ones are kept an hour.
    let surge_keep = state.pow.surge.policy.window_secs.max(3600);
    let purge = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match listings::repo::purge_spent_challenges(&pool).await {
                Ok(n) if n > 0 => tracing::info!(purged = n, "expired spent challenges purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not purge spent challenges"),
            }
            if let Err(e) = pow::surge::purge(&pool, surge_keep).await {
                tracing::warn!(error = %e, "could not purge old post_rate buckets");
            }
        }
    });
    // Every instance drops its read caches when any instance changes a listing.
    let listener = notify::listener_pool((*state.pool.connect_options()).clone());
    let caches = ListingCaches::from_ref(state);
    let coherence = tokio::spawn(notify::listen(listener, move || caches.invalidate()));
    let mut tasks = vec![sweep, purge, coherence];
    if state.metrics.is_enabled() {
        let metrics = state.metrics.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                metrics.upkeep();
            }
        }));
    }
    tasks
}

//! Background upkeep while the server runs: idle limiter keys are dropped (every
//! 10 s) and expired spent challenges purged (every 60 s).
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::{listings, state::AppState};

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
    let purge = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match listings::repo::purge_spent_challenges(&pool).await {
                Ok(n) if n > 0 => tracing::info!(purged = n, "expired spent challenges purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not purge spent challenges"),
            }
        }
    });
    vec![sweep, purge]
}

//! `GET /metrics` on its own listener (`METRICS_ADDR`), never on the public one: an axum
//! router served by the same connection loop as the API (so the same header deadline
//! holds), rather than the exporter's own HTTP listener, which would bring a second
//! HTTP server stack and could not share the application's state, needed here to read
//! the values that are sampled when Prometheus scrapes. Beside the lifecycle, not in
//! `metrics`: it reads the whole state (pool, budgets, surge), which itself holds the
//! metrics, so inside `metrics` it would close a circle.
use std::time::Duration;

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use tokio::net::TcpListener;

use crate::state::AppState;

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How long a scrape waits for the moderation totals before answering without them.
const DB_SAMPLE_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

/// Serves the metrics router until the task running it is aborted (at shutdown:
/// a scrape needs no draining).
pub async fn serve(listener: TcpListener, state: AppState) {
    crate::server::serve(
        listener,
        router(state),
        std::future::pending(),
        Duration::ZERO,
    )
    .await;
}

async fn scrape(State(state): State<AppState>) -> Response {
    sample(&state).await;
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        state.metrics.render(),
    )
        .into_response()
}

/// Values read at scrape time rather than counted on the hot path.
async fn sample(state: &AppState) {
    let m = &state.metrics;
    m.db_pool_connections.set(f64::from(state.pool.size()));
    m.db_pool_idle_connections.set(state.pool.num_idle() as f64);
    for budget in state.budgets.all() {
        budget.sample_metrics();
    }
    // The surge as the next challenge would pay it (its count is cached for a second).
    match tokio::time::timeout(DB_SAMPLE_TIMEOUT, state.pow.surge.bits(&state.pool)).await {
        Ok(Ok(bits)) => m.pow_surge_bits.set(bits),
        _ => tracing::warn!("metrics: surge count unavailable; keeping the last value"),
    }
    // Hiding and unhiding happen in the moderation CLI, another process: the totals
    // come from the log it writes in the same transaction (`moderation_log`), so they
    // are exact whichever process moderated. Unchecked at compile time only to land
    // without a second .sqlx refresh; the scripted-session test runs it.
    let totals = sqlx::query_as::<_, (i64, i64)>(
        "SELECT coalesce(sum(listings) FILTER (WHERE action = 'hide'), 0)::bigint,
                coalesce(sum(listings) FILTER (WHERE action = 'unhide'), 0)::bigint
           FROM moderation_log",
    )
    .fetch_one(&state.pool);
    match tokio::time::timeout(DB_SAMPLE_TIMEOUT, totals).await {
        Ok(Ok((hidden, unhidden))) => {
            m.listings_hidden.absolute(hidden.max(0) as u64);
            m.listings_unhidden.absolute(unhidden.max(0) as u64);
        }
        Ok(Err(e)) => {
            if matches!(e, sqlx::Error::PoolTimedOut) {
                m.db_pool_acquire_timeouts.increment(1);
            }
            tracing::warn!(error = %e, "metrics: moderation totals unavailable; keeping the last values");
        }
        Err(_) => tracing::warn!("metrics: moderation totals timed out; keeping the last values"),
    }
}

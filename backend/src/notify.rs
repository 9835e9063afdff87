//! Cache coherence across instances: every change to `listings` sends a PostgreSQL
//! `NOTIFY` on [`CHANNEL`] (a trigger, see the migration `listings_notify`), and each
//! instance `LISTEN`s on one connection of its own and drops its read caches on every
//! notification. No extra service: the database every instance already uses carries it.
//!
//! A lost connection is opened again (with backoff while the database is away). What
//! was sent while it was down is lost, so the caches are dropped once more when it is
//! back; meanwhile the caches' one-second age limit ([`crate::cache::MAX_AGE`]) still
//! bounds how stale an answer can be.
use std::time::Duration;

use sqlx::{
    postgres::{PgConnectOptions, PgListener, PgPoolOptions},
    PgPool,
};

/// The channel the `listings_notify` trigger sends on.
pub const CHANNEL: &str = "powboard_listings";

const RETRY_MIN: Duration = Duration::from_millis(200);
const RETRY_MAX: Duration = Duration::from_secs(5);

/// A pool of one connection for the listener alone, so that it neither takes a
/// connection from the request pool for good nor waits behind requests to reconnect.
pub fn listener_pool(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy_with(options)
}

/// Runs forever: calls `on_change` for every notification on [`CHANNEL`], and whenever
/// notifications may have been missed (at the start, after a lost connection).
pub async fn listen(pool: PgPool, on_change: impl Fn() + Send + 'static) {
    let mut delay = RETRY_MIN;
    // Logged once per outage, not once per attempt.
    let mut down_since: Option<std::time::Instant> = None;
    loop {
        match subscribe(&pool).await {
            Ok(mut listener) => {
                if let Some(since) = down_since.take() {
                    tracing::info!(
                        channel = CHANNEL,
                        down_ms = since.elapsed().as_millis() as u64,
                        "cache notifications restored"
                    );
                }
                delay = RETRY_MIN;
                // Anything sent before the subscription is unknown: start from empty caches.
                on_change();
                if let Err(e) = relay(&mut listener, &on_change).await {
                    tracing::warn!(error = %e, channel = CHANNEL,
                        "cache notifications lost; caches fall back to their one-second age limit");
                    down_since = Some(std::time::Instant::now());
                }
            }
            Err(e) => {
                if down_since.is_none() {
                    tracing::warn!(error = %e, channel = CHANNEL,
                        "cannot listen for cache notifications; caches fall back to their one-second age limit");
                    down_since = Some(std::time::Instant::now());
                }
            }
        }
        on_change();
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(RETRY_MAX);
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // Reconnection is ours (with backoff and logging), not the listener's.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Relays notifications until the connection is lost (`Ok(None)` from `try_recv`) or fails.
async fn relay(listener: &mut PgListener, on_change: &impl Fn()) -> Result<(), sqlx::Error> {
    loop {
        match listener.try_recv().await? {
            Some(_) => on_change(),
            None => {
                return Err(sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "listener connection closed",
                )))
            }
        }
    }
}

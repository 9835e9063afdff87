//! The PostgreSQL pool: acquire and statement timeouts, a patient first connection
//! (retried with backoff, then a clear failure), and the embedded migrations.
use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};

use crate::config::Config;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Statement timeout: a little above the longest handler timeout (writes, 5 s), so
/// the handler's own timeout answers first and the server-side work is cancelled
/// even when a client has gone.
const STATEMENT_TIMEOUT_MS: u64 = 6_000;

pub fn connect_options(config: &Config) -> anyhow::Result<PgConnectOptions> {
    let opts: PgConnectOptions = config
        .database_url
        .parse()
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    Ok(opts
        .application_name("powboard")
        .options([("statement_timeout", STATEMENT_TIMEOUT_MS.to_string())]))
}

pub fn pool_options(config: &Config) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(config.db_pool_max)
        .min_connections(1)
        // No ping before every acquire (an extra round trip per request); a broken
        // connection fails its query, which answers 503, and the pool replaces it.
        .test_before_acquire(false)
        // A request waits at most this long for a connection, then gets a fast 503
        // (load shedding) rather than queueing towards its handler deadline.
        .acquire_timeout(Duration::from_millis(1_000))
        .idle_timeout(Duration::from_secs(300))
}

/// Connects, retrying with exponential backoff until `DB_CONNECT_TIMEOUT_SECS`.
pub async fn connect(config: &Config) -> anyhow::Result<PgPool> {
    let opts = connect_options(config)?;
    let deadline = Instant::now() + Duration::from_secs(config.db_connect_timeout_secs);
    let mut delay = Duration::from_millis(200);
    let mut attempt = 1u32;
    loop {
        match pool_options(config).connect_with(opts.clone()).await {
            Ok(pool) => return Ok(pool),
            Err(e) if Instant::now() + delay < deadline => {
                tracing::warn!(attempt, error = %e, retry_in_ms = delay.as_millis() as u64,
                    "database not reachable yet (host {}:{}); retrying", opts.get_host(), opts.get_port());
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                attempt += 1;
            }
            Err(e) => {
                return Err(anyhow::Error::new(e)).with_context(|| {
                    format!(
                        "database at {}:{} not reachable after {} s ({attempt} attempts); check DATABASE_URL or start it (make db-up)",
                        opts.get_host(),
                        opts.get_port(),
                        config.db_connect_timeout_secs
                    )
                })
            }
        }
    }
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .context("applying database migrations")
}

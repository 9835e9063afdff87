//! The PostgreSQL pool: acquire and statement timeouts, a patient first connection
//! (retried with backoff, then a clear failure), the embedded migrations, and the
//! check that a database holds exactly their schema (commands other than `serve`
//! and `migrate` run against it but never change it).
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

/// Refuses a database that is not powboard's at exactly this binary's schema: no
/// `_sqlx_migrations` (another database, or an empty one), a migration missing
/// (older), one this binary does not know (newer), one that differs or failed. Reads
/// only: a command that is not `serve` or `migrate` must never run DDL.
pub async fn check_schema(pool: &PgPool) -> anyhow::Result<()> {
    let applied: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
            .fetch_one(pool)
            .await
            .context("reading the database's schema version")?;
    anyhow::ensure!(
        applied.is_some(),
        "this database has no powboard schema (no _sqlx_migrations table): check DATABASE_URL; \
         to set up a new powboard database, run `powboard migrate` first. Nothing was changed"
    );
    // sqlx's own bookkeeping table, not one of ours: read without the query macros.
    let rows: Vec<(i64, Vec<u8>, bool)> =
        sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .context("reading the database's schema version")?;
    schema_difference(&rows).map_or(Ok(()), |why| {
        Err(anyhow::anyhow!(
            "the database's schema is not the one this powboard expects: {why}. Nothing was changed"
        ))
    })
}

/// What differs between the applied migrations (version, checksum, success) and the
/// embedded ones, in words; None when they are the same.
fn schema_difference(applied: &[(i64, Vec<u8>, bool)]) -> Option<String> {
    let expected: Vec<_> = MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    if let Some((v, ..)) = applied.iter().find(|(_, _, ok)| !ok) {
        return Some(format!("migration {v} failed partway; fix it by hand"));
    }
    if let Some((v, ..)) = applied
        .iter()
        .find(|(v, ..)| !expected.iter().any(|m| m.version == *v))
    {
        return Some(format!(
            "it has migration {v}, which this binary does not know (a newer schema): use the powboard that migrated it"
        ));
    }
    if let Some(m) = expected.iter().find(|m| {
        applied
            .iter()
            .any(|(v, c, _)| *v == m.version && **c != *m.checksum)
    }) {
        return Some(format!(
            "migration {} differs from this binary's ({})",
            m.version, m.description
        ));
    }
    let missing: Vec<String> = expected
        .iter()
        .filter(|m| !applied.iter().any(|(v, ..)| *v == m.version))
        .map(|m| m.version.to_string())
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "it lacks migration(s) {} (an older schema): run `powboard migrate` (or start the server) first",
            missing.join(", ")
        )
    })
}

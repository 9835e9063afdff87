//! The site-wide surge: extra bits for everyone while the whole board receives more
//! posts than usual, so a flood from many client keys (each inside its own budget)
//! grows expensive as a whole. `bits = clamp(log2(posts / POW_SURGE_BASELINE), 0,
//! POW_SURGE_MAX_BITS)` over the posts accepted site-wide in the last
//! `POW_SURGE_WINDOW_SECS`. The count comes from `post_rate` (10-second buckets kept
//! by a trigger on `listings`), so every instance agrees; it is read at most once a
//! second per instance, by one request at a time.
use sqlx::PgPool;

use crate::{cache::FreshCache, config::Config, error::ApiResult};

/// The width of a `post_rate` bucket (the migration's `date_bin`).
pub const BUCKET_SECS: u64 = 10;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SurgePolicy {
    /// Posts per window that cost nothing extra; 0 = surge off.
    pub baseline: f64,
    pub window_secs: u64,
    pub max_bits: f64,
}

impl SurgePolicy {
    pub fn from_config(c: &Config) -> Self {
        Self {
            baseline: c.pow_surge_baseline,
            window_secs: c.pow_surge_window_secs,
            max_bits: c.pow_surge_max_bits,
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.baseline > 0.0 && self.max_bits > 0.0
    }

    /// Extra bits for `posts` accepted site-wide within the window.
    pub fn bits(&self, posts: i64) -> f64 {
        if !self.is_enabled() || posts <= 0 {
            return 0.0;
        }
        (posts as f64 / self.baseline)
            .log2()
            .clamp(0.0, self.max_bits)
    }
}

/// The surge policy with its cached count: at most a second old, and dropped with the
/// other read caches whenever any instance changes a listing (`notify`), so a post is
/// priced into the next challenge at once rather than up to a second later.
pub struct SurgeMeter {
    pub policy: SurgePolicy,
    count: FreshCache<(), i64>,
}

impl std::fmt::Debug for SurgeMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SurgeMeter")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl SurgeMeter {
    pub fn new(policy: SurgePolicy) -> Self {
        Self {
            policy,
            count: FreshCache::new(1),
        }
    }

    /// Posts accepted site-wide in the window (at most a second old); 0 when off.
    pub async fn recent_posts(&self, pool: &PgPool) -> ApiResult<i64> {
        if !self.policy.is_enabled() {
            return Ok(0);
        }
        let window = self.policy.window_secs;
        Ok(self
            .count
            .get_or_load((), || count_posts(pool, window))
            .await?)
    }

    /// The surge's bits now.
    pub async fn bits(&self, pool: &PgPool) -> ApiResult<f64> {
        Ok(self.policy.bits(self.recent_posts(pool).await?))
    }

    /// Forgets the cached count (a listing changed somewhere).
    pub fn invalidate(&self) {
        self.count.clear();
    }
}

/// Posts accepted site-wide within the last `window_secs`: the buckets that start
/// inside the window (so the oldest up to 10 s of the window may be left out).
pub async fn count_posts(pool: &PgPool, window_secs: u64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT coalesce(sum(posts), 0)::bigint AS "n!" FROM post_rate
            WHERE bucket > now() - make_interval(secs => $1)"#,
        window_secs as f64
    )
    .fetch_one(pool)
    .await
}

/// Deletes buckets older than `keep_secs` (upkeep); returns how many rows went.
pub async fn purge(pool: &PgPool, keep_secs: u64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM post_rate WHERE bucket < now() - make_interval(secs => $1)",
        (keep_secs + BUCKET_SECS) as f64
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_log2_of_the_excess_clamped() {
        let p = SurgePolicy {
            baseline: 10.0,
            window_secs: 600,
            max_bits: 4.0,
        };
        assert_eq!(p.bits(0), 0.0);
        assert_eq!(p.bits(5), 0.0);
        assert_eq!(p.bits(10), 0.0);
        assert_eq!(p.bits(20), 1.0);
        assert!((p.bits(30) - 1.585).abs() < 1e-3);
        assert_eq!(p.bits(80), 3.0);
        assert_eq!(p.bits(160), 4.0);
        assert_eq!(p.bits(1_000_000), 4.0);
        let off = SurgePolicy { baseline: 0.0, ..p };
        assert_eq!(off.bits(1_000_000), 0.0);
    }
}

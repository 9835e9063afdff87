//! The front page from memory: the first page of the newest listings (no search, no
//! cursor), per `limit` and `country`. Every visitor opens it, so it should not cost a
//! query each. The answer is kept as the exact bytes the database path would send,
//! at most [`crate::cache::MAX_AGE`] old, and dropped whenever any instance changes a
//! listing ([`crate::notify`]).
use axum::body::Bytes;
use sqlx::PgPool;

use super::query::ListParams;
use crate::{
    cache::FreshCache,
    country::CountryCode,
    error::{ApiError, ApiResult},
};

/// Keys held at most: `limit` (1..=100) times the countries asked for; each lives a
/// second, so only someone walking every combination at once reaches this, and is then
/// answered from the database.
const CAPACITY: usize = 256;

pub struct FrontPageCache(FreshCache<(i64, Option<CountryCode>), Bytes>);

impl Default for FrontPageCache {
    fn default() -> Self {
        Self(FreshCache::new(CAPACITY))
    }
}

impl FrontPageCache {
    /// Whether `p` asks for a front page (what this cache answers).
    pub fn serves(p: &ListParams) -> bool {
        p.search.is_none() && p.cursor.is_none()
    }

    /// The JSON body of the page `p` asks for (`serves(p)` must hold).
    pub async fn get(&self, pool: &PgPool, p: &ListParams) -> ApiResult<Bytes> {
        debug_assert!(Self::serves(p));
        self.0
            .get_or_load((p.limit, p.country), || async {
                let page = super::page(pool, p).await?;
                serde_json::to_vec(&page)
                    .map(Bytes::from)
                    .map_err(|e| ApiError::Internal(e.into()))
            })
            .await
    }

    pub fn invalidate(&self) {
        self.0.clear();
    }
}

//! `GET /api/listings/count` and `GET /api/stats/countries`. Both read the small
//! `listing_counts` table (kept by triggers, never a scan of `listings`) through a
//! cache that is at most one second old, refreshed by one request at a time.
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{extract::State, Json};
use serde::Serialize;
use sqlx::PgPool;

use crate::error::ApiResult;

const MAX_AGE: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CountryCount {
    /// Two-letter code; null for listings whose country is unknown.
    pub country: Option<String>,
    pub count: i64,
}

#[derive(Debug, Default)]
pub struct Snapshot {
    pub total: i64,
    pub by_country: Vec<CountryCount>,
}

#[derive(Default)]
pub struct StatsCache {
    latest: Mutex<Option<(Instant, Arc<Snapshot>)>>,
    refreshing: tokio::sync::Mutex<()>,
}

impl StatsCache {
    fn fresh(&self) -> Option<Arc<Snapshot>> {
        let latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        latest
            .as_ref()
            .filter(|(at, _)| at.elapsed() < MAX_AGE)
            .map(|(_, s)| s.clone())
    }

    /// Forget the cached figures (after this instance inserted a listing).
    pub fn invalidate(&self) {
        *self.latest.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub async fn get(&self, pool: &PgPool) -> ApiResult<Arc<Snapshot>> {
        if let Some(s) = self.fresh() {
            return Ok(s);
        }
        let _one_at_a_time = self.refreshing.lock().await;
        if let Some(s) = self.fresh() {
            return Ok(s);
        }
        let rows = sqlx::query!(
            r#"SELECT nullif(country, '') AS country, sum(visible)::bigint AS "count!"
                 FROM listing_counts GROUP BY country HAVING sum(visible) > 0
                ORDER BY 2 DESC, 1"#
        )
        .fetch_all(pool)
        .await?;
        let by_country: Vec<CountryCount> = rows
            .into_iter()
            .map(|r| CountryCount {
                country: r.country,
                count: r.count,
            })
            .collect();
        let snapshot = Arc::new(Snapshot {
            total: by_country.iter().map(|c| c.count).sum(),
            by_country,
        });
        *self.latest.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), snapshot.clone()));
        Ok(snapshot)
    }
}

#[derive(Serialize)]
pub struct Count {
    count: i64,
}

pub async fn count(
    State(stats): State<Arc<StatsCache>>,
    State(pool): State<PgPool>,
) -> ApiResult<Json<Count>> {
    Ok(Json(Count {
        count: stats.get(&pool).await?.total,
    }))
}

pub async fn countries(
    State(stats): State<Arc<StatsCache>>,
    State(pool): State<PgPool>,
) -> ApiResult<Json<Vec<CountryCount>>> {
    Ok(Json(stats.get(&pool).await?.by_country.clone()))
}

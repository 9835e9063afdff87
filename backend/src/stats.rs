//! `GET /api/listings/count` and `GET /api/stats/countries`. Both read the small
//! `listing_counts` table (kept by triggers, never a scan of `listings`) through a
//! cache that is at most one second old, dropped whenever any instance changes a
//! listing, and refreshed by one query at a time.
use std::sync::Arc;

use axum::{extract::State, Json};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::{cache::FreshCache, country::CountryCode, error::ApiResult, openapi::BudgetErrors};

/// Visible listings from one country.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct CountryCount {
    /// Two-letter code; null for listings whose country is unknown.
    #[schema(value_type = Option<String>, pattern = "^[A-Z]{2}$", required = true)]
    pub country: Option<CountryCode>,
    pub count: i64,
}

#[derive(Debug, Default)]
pub struct Snapshot {
    pub total: i64,
    pub by_country: Vec<CountryCount>,
}

/// The figures of both routes, from one query, through a [`FreshCache`].
pub struct StatsCache(FreshCache<(), Arc<Snapshot>>);

impl Default for StatsCache {
    fn default() -> Self {
        Self(FreshCache::new(1))
    }
}

impl StatsCache {
    /// Forget the cached figures (a listing was inserted, hidden or shown).
    pub fn invalidate(&self) {
        self.0.clear();
    }

    pub async fn get(&self, pool: &PgPool) -> ApiResult<Arc<Snapshot>> {
        self.0.get_or_load((), || Self::load(pool)).await
    }

    async fn load(pool: &PgPool) -> ApiResult<Arc<Snapshot>> {
        let rows = sqlx::query!(
            r#"SELECT nullif(country, '') AS "country: CountryCode", sum(visible)::bigint AS "count!"
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
        Ok(Arc::new(Snapshot {
            total: by_country.iter().map(|c| c.count).sum(),
            by_country,
        }))
    }
}

/// How many listings are visible.
#[derive(Serialize, ToSchema)]
pub struct Count {
    count: i64,
}

/// The number of visible listings (at most a second old).
#[utoipa::path(
    get,
    path = "/listings/count",
    tag = "listings",
    operation_id = "countListings",
    responses(
        (status = 200, description = "The count", body = Count, headers(
            ("RateLimit" = String, description = "While the read budget is on: \"read\";r=<requests>;t=<seconds>"),
            ("RateLimit-Policy" = String, description = "While the read budget is on: \"read\";q=<requests>;w=<window seconds>")
        )),
        BudgetErrors,
    )
)]
pub async fn count(
    State(stats): State<Arc<StatsCache>>,
    State(pool): State<PgPool>,
) -> ApiResult<Json<Count>> {
    Ok(Json(Count {
        count: stats.get(&pool).await?.total,
    }))
}

/// Visible listings per country, most first (at most a second old).
#[utoipa::path(
    get,
    path = "/stats/countries",
    tag = "listings",
    operation_id = "countryStats",
    responses(
        (status = 200, description = "One row per country with visible listings", body = Vec<CountryCount>, headers(
            ("RateLimit" = String, description = "While the read budget is on: \"read\";r=<requests>;t=<seconds>"),
            ("RateLimit-Policy" = String, description = "While the read budget is on: \"read\";q=<requests>;w=<window seconds>")
        )),
        BudgetErrors,
    )
)]
pub async fn countries(
    State(stats): State<Arc<StatsCache>>,
    State(pool): State<PgPool>,
) -> ApiResult<Json<Vec<CountryCount>>> {
    Ok(Json(stats.get(&pool).await?.by_country.clone()))
}

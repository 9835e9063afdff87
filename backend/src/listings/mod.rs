//! Listings: posting (behind the write budget and the proof of work) and reading
//! (behind the read budget): newest first, full-text search, country filter.
pub mod front_page;
pub mod query;
pub mod repo;
pub mod text;

use std::sync::Arc;

use axum::{
    extract::State,
    http::{header::CONTENT_TYPE, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::{
    error::ApiResult,
    extract::{ApiJson, ApiQuery},
    guards::client::Client,
    metrics::{Metrics, PowOutcome},
    pow::{unix_now, CheckedPow, PowSettings},
    state::ListingCaches,
};
use front_page::FrontPageCache;
use query::{ListParams, RawListParams};
use repo::{Listing, NewListing};
use text::{ListingText, MaxBodyChars};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateListing {
    pub body: String,
}

#[tracing::instrument(skip_all)]
#[allow(clippy::too_many_arguments)] // one axum extractor each
pub async fn create(
    State(pow): State<Arc<PowSettings>>,
    State(MaxBodyChars(max_chars)): State<MaxBodyChars>,
    State(pool): State<PgPool>,
    State(caches): State<ListingCaches>,
    State(metrics): State<Arc<Metrics>>,
    client: Client,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateListing>,
) -> ApiResult<(StatusCode, Json<Listing>)> {
    let pow_on = pow.enabled;
    let result: ApiResult<(StatusCode, Json<Listing>)> = async {
        // Cheap checks first (headers, token MAC, expiry), then the text, then hashing.
        let pow = match pow.enabled {
            true => Some(CheckedPow::check(
                &pow.key,
                &headers,
                &client.identity,
                unix_now(),
            )?),
            false => None,
        };
        let text = ListingText::parse(&req.body, max_chars)?;
        let spend = pow.map(CheckedPow::verify_work).transpose()?;
        let new = NewListing {
            text: &text,
            ip_hash: client.profile.ip_hash,
            country: client.profile.country,
        };
        let listing = repo::insert(&pool, new, spend).await?;
        // This instance at once; the others on the trigger's notification (crate::notify).
        caches.invalidate();
        tracing::info!(id = listing.id, "listing created");
        Ok((StatusCode::CREATED, Json(listing)))
    }
    .await;
    match &result {
        Ok(_) => {
            metrics.listings_created.increment(1);
            if pow_on {
                metrics.pow_verified(PowOutcome::Ok);
            }
        }
        Err(e) => {
            if let Some(outcome) = PowOutcome::of_error(e) {
                metrics.pow_verified(outcome);
            }
        }
    }
    result
}

#[derive(Debug, Serialize)]
pub struct ListingPage {
    pub items: Vec<Listing>,
    pub next_cursor: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn list(
    State(pool): State<PgPool>,
    State(front_page): State<Arc<FrontPageCache>>,
    ApiQuery(raw): ApiQuery<RawListParams>,
) -> ApiResult<Response> {
    let params = ListParams::parse(raw)?;
    if FrontPageCache::serves(&params) {
        let body = front_page.get(&pool, &params).await?;
        return Ok(([(CONTENT_TYPE, "application/json")], body).into_response());
    }
    Ok(Json(page(&pool, &params).await?).into_response())
}

/// One page of listings from the database (the front page's cache reads through this too).
pub async fn page(pool: &PgPool, params: &ListParams) -> ApiResult<ListingPage> {
    let mut items = repo::list(pool, params).await?;
    let next_cursor = if items.len() as i64 > params.limit {
        items.truncate(params.limit as usize);
        items.last().map(|l| l.cursor().encode())
    } else {
        None
    };
    Ok(ListingPage { items, next_cursor })
}

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
use utoipa::ToSchema;

use crate::{
    error::ApiResult,
    extract::{ApiJson, ApiQuery},
    guards::client::Client,
    metrics::{Metrics, PowOutcome},
    openapi::{BudgetErrors, QueryErrors, WriteErrors},
    pow::{unix_now, CheckedPow, PowHeaders, PowSettings},
    state::ListingCaches,
};
use front_page::FrontPageCache;
use query::{ListParams, RawListParams};
use repo::{Listing, NewListing};
use text::{ListingText, MaxBodyChars};

/// A new listing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateListing {
    /// The text: trimmed and NFC-normalized, then 1 to MAX_BODY_CHARS (255 by
    /// default) characters; control characters other than newline and tab,
    /// bidirectional controls, noncharacters and text of only invisible characters
    /// are refused (the README's text rules).
    #[schema(min_length = 1, max_length = 255)]
    pub body: String,
}

/// Post a listing. With PoW on, the three X-PoW-* headers carry a solved
/// challenge from GET /api/pow/challenge (bound to this client and User-Agent,
/// good for one listing).
#[utoipa::path(
    post,
    path = "/listings",
    tag = "listings",
    operation_id = "createListing",
    params(PowHeaders),
    request_body(content = CreateListing, content_type = "application/json"),
    responses(
        (status = 201, description = "The listing as stored", body = Listing, headers(
            ("RateLimit" = String, description = "While the write budget is on: \"write\";r=<requests>;t=<seconds>"),
            ("RateLimit-Policy" = String, description = "While the write budget is on: \"write\";q=<requests>;w=<window seconds>")
        )),
        WriteErrors,
        BudgetErrors,
    )
)]
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
                pow.algorithm,
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

/// One page of listings, newest first (or by search rank).
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingPage {
    pub items: Vec<Listing>,
    /// Pass as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Newest listings first, or a full-text search (`q`), optionally from one country.
#[utoipa::path(
    get,
    path = "/listings",
    tag = "listings",
    operation_id = "listListings",
    params(RawListParams),
    responses(
        (status = 200, description = "A page of visible listings", body = ListingPage, headers(
            ("RateLimit" = String, description = "While the read budget is on: \"read\";r=<requests>;t=<seconds>"),
            ("RateLimit-Policy" = String, description = "While the read budget is on: \"read\";q=<requests>;w=<window seconds>")
        ), links(
            ("nextPage" = (operation_id = "listListings", description = "The next page",
                parameters(("cursor" = "$response.body#/next_cursor"))))
        )),
        QueryErrors,
        BudgetErrors,
    )
)]
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

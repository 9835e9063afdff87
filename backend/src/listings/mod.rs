//! Listings: posting (behind the write budget and the proof of work) and reading
//! (behind the read budget): newest first, full-text search, country filter.
pub mod query;
pub mod repo;
pub mod text;

use axum::{
    extract::State, http::HeaderMap, http::StatusCode, routing::get, Extension, Json, Router,
};
use serde::{Deserialize, Serialize};

use crate::{
    app::AppState,
    client_ip::ClientIdentity,
    error::ApiResult,
    extract::{ApiJson, ApiQuery},
    pow::{unix_now, CheckedPow},
};
use query::{ListParams, RawListParams};
use repo::{Listing, NewListing};
use text::ListingText;

pub fn read_router() -> Router<AppState> {
    Router::new().route("/api/listings", get(list))
}

pub fn write_router() -> Router<AppState> {
    Router::new().route("/api/listings", axum::routing::post(create))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateListing {
    pub body: String,
}

#[tracing::instrument(skip_all)]
async fn create(
    State(state): State<AppState>,
    Extension(client): Extension<ClientIdentity>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateListing>,
) -> ApiResult<(StatusCode, Json<Listing>)> {
    // Cheap checks first (headers, token MAC, expiry), then the text, then hashing.
    let pow = match state.pow.enabled {
        true => Some(CheckedPow::check(
            &state.secrets.pow_key,
            &headers,
            &client,
            unix_now(),
        )?),
        false => None,
    };
    let text = ListingText::parse(&req.body, state.max_body_chars)?;
    let spend = pow.map(CheckedPow::verify_work).transpose()?;
    let new = NewListing {
        text: &text,
        ip_hash: client.key.hash(&state.secrets.ip_salt),
        country: state.country_of(client.addr),
    };
    let listing = repo::insert(&state.pool, new, spend).await?;
    state.stats.invalidate();
    tracing::info!(id = listing.id, "listing created");
    Ok((StatusCode::CREATED, Json(listing)))
}

#[derive(Debug, Serialize)]
pub struct ListingPage {
    pub items: Vec<Listing>,
    pub next_cursor: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    ApiQuery(raw): ApiQuery<RawListParams>,
) -> ApiResult<Json<ListingPage>> {
    let params = ListParams::parse(raw)?;
    let mut items = repo::list(&state.pool, &params).await?;
    let next_cursor = if items.len() as i64 > params.limit {
        items.truncate(params.limit as usize);
        items.last().map(|l| l.cursor().encode())
    } else {
        None
    };
    Ok(Json(ListingPage { items, next_cursor }))
}

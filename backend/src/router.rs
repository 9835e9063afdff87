//! The whole HTTP surface, read like the route table in DESIGN.md: each API group
//! with its guards (outermost last), then health, then the web UI.
//!
//! | route | guards | handler |
//! | --- | --- | --- |
//! | `GET /api/pow/challenge` | client, challenge budget, read deadline | `pow::challenge` |
//! | `POST /api/listings` | client, write budget, write deadline, body limit (PoW in the handler) | `listings::create` |
//! | `GET /api/listings` | client, read budget, read deadline | `listings::list` |
//! | `GET /api/listings/count` | client, read budget, read deadline | `stats::count` |
//! | `GET /api/stats/countries` | client, read budget, read deadline | `stats::countries` |
//! | any other `/api` path | client | JSON 404 `NOT_FOUND` (405 for a known path) |
//! | `GET /healthz`, `GET /readyz` | none | `health` |
//! | everything else | none | `spa` |
use std::{sync::Arc, time::Duration};

use axum::{
    extract::{DefaultBodyLimit, MatchedPath, Request},
    middleware::from_fn_with_state,
    response::IntoResponse,
    routing::{any, get, post},
    Router,
};
use tower_http::{catch_panic::CatchPanicLayer, trace::TraceLayer};

use crate::{
    config::Config,
    error::ApiError,
    guards::{
        body, client,
        rate_limit::{self, Budget},
        timeout::{self, READ_TIMEOUT, WRITE_TIMEOUT},
    },
    health, listings, pow, spa,
    state::AppState,
    stats,
};

pub fn router(state: AppState, config: &Config) -> Router {
    let budgets = &state.budgets;
    let challenge = Router::new().route("/pow/challenge", get(pow::challenge));
    let challenge = guarded(challenge, &budgets.challenge, READ_TIMEOUT);
    let write = Router::new()
        .route("/listings", post(listings::create))
        .route_layer(DefaultBodyLimit::max(state.body_limit.0))
        // The body is read in full (413 / 415 / 408 of its own) before the write
        // deadline starts, so a slow client is never blamed on the database.
        .route_layer(from_fn_with_state(WRITE_TIMEOUT, timeout::deadline))
        .route_layer(from_fn_with_state(state.body_limit, body::buffer))
        .route_layer(from_fn_with_state(
            budgets.write.clone(),
            rate_limit::enforce,
        ));
    let read = Router::new()
        .route("/listings", get(listings::list))
        .route("/listings/count", get(stats::count))
        .route("/stats/countries", get(stats::countries));
    let read = guarded(read, &budgets.read, READ_TIMEOUT);
    let api = Router::new()
        .merge(challenge)
        .merge(write)
        .merge(read)
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clients.clone(), client::identify));
    let metrics = state.metrics.clone();
    let app = Router::new()
        .nest("/api", api)
        // The nested fallback covers `/api` and `/api/{*rest}`; a catch-all never
        // matches an empty tail, so `/api/` is named here.
        .route("/api/", any(api_not_found))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(state)
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str)
                .unwrap_or("-");
            tracing::info_span!("http", method = %req.method(), route)
        }))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .merge(spa::router(&config.web_dir));
    // Outermost, over the web UI too; absent when metrics are off (no cost at all).
    match metrics.is_enabled() {
        true => app.layer(crate::metrics::http::TrackLayer(metrics)),
        false => app,
    }
}

/// A group's guards around its own: its budget (outermost), then its handler deadline.
fn guarded(routes: Router<AppState>, budget: &Arc<Budget>, deadline: Duration) -> Router<AppState> {
    routes
        .route_layer(from_fn_with_state(deadline, timeout::deadline))
        .route_layer(from_fn_with_state(budget.clone(), rate_limit::enforce))
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

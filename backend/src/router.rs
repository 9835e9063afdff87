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
//! | `GET /api/openapi.json` | client, read budget, read deadline | `routes::document` |
//! | any other `/api` path | client | JSON 404 `NOT_FOUND` (405 for a known path) |
//! | `GET /healthz`, `GET /readyz` | none | `health` |
//! | everything else | none | `spa` |
//!
//! Each route is registered once, in [`Routes`], which also builds the OpenAPI
//! document from the same registration; this file adds the guards.
use std::{sync::Arc, time::Duration};

use axum::{
    extract::{DefaultBodyLimit, MatchedPath, Request},
    middleware::from_fn_with_state,
    response::IntoResponse,
    routing::any,
    Extension, Router,
};
use tower_http::{catch_panic::CatchPanicLayer, trace::TraceLayer};

use crate::{
    config::Config,
    error::ApiError,
    guards::{
        body,
        client::IdentifyLayer,
        rate_limit::{Budget, BudgetLayer},
        timeout::{DeadlineLayer, READ_TIMEOUT, WRITE_TIMEOUT},
    },
    metrics::http::RouteLabel,
    routes::Routes,
    spa,
    state::AppState,
};

pub fn router(state: AppState, config: &Config) -> Router {
    let budgets = &state.budgets;
    let routes = Routes::new();
    let challenge = guarded(routes.challenge.into(), &budgets.challenge, READ_TIMEOUT);
    let write = Router::from(routes.write)
        .route_layer(DefaultBodyLimit::max(state.body_limit.0))
        // The body is read in full (413 / 415 / 408 of its own) before the write
        // deadline starts, so a slow client is never blamed on the database.
        .route_layer(DeadlineLayer(WRITE_TIMEOUT))
        .route_layer(from_fn_with_state(state.body_limit, body::buffer))
        .route_layer(BudgetLayer(budgets.write.clone()));
    let read = guarded(routes.read.into(), &budgets.read, READ_TIMEOUT);
    let api = Router::new()
        .merge(challenge)
        .merge(write)
        .merge(read)
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(IdentifyLayer(state.clients.clone()));
    let metrics = state.metrics.clone();
    let app = Router::new()
        .nest("/api", api)
        // The nested fallback covers `/api` and `/api/{*rest}`; a catch-all never
        // matches an empty tail, so `/api/` is named here.
        .route("/api/", any(api_not_found))
        .merge(Router::from(routes.health))
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
        .route_layer(DeadlineLayer(deadline))
        .route_layer(BudgetLayer(budget.clone()))
}

/// Every unknown API path shares one metrics label, whatever route axum matched it
/// through (the nested fallback, or `/api/` named above).
async fn api_not_found() -> impl IntoResponse {
    (
        Extension(RouteLabel(crate::metrics::http::UNKNOWN_API)),
        ApiError::NotFound,
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

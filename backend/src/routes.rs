//! Every documented route, registered once through `utoipa_axum::routes!`, by the
//! guards it shares: the same registration gives the router ([`crate::router`]) its
//! handlers and the OpenAPI document its operations, so neither can list a route the
//! other lacks. The document is assembled and served here, above the features whose
//! handlers it describes and below the router that puts guards around them.
use std::sync::LazyLock;

use axum::{http::header, response::IntoResponse};
use utoipa::OpenApi as _;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    health, listings,
    openapi::{self, ApiDoc, BudgetErrors},
    pow,
    state::AppState,
    stats,
};

/// The routes of each guard group; paths under `api` are relative to `/api`.
pub struct Routes {
    pub challenge: OpenApiRouter<AppState>,
    pub write: OpenApiRouter<AppState>,
    pub read: OpenApiRouter<AppState>,
    pub health: OpenApiRouter<AppState>,
}

impl Routes {
    pub fn new() -> Self {
        Self {
            challenge: OpenApiRouter::default().routes(routes!(pow::challenge)),
            write: OpenApiRouter::default().routes(routes!(listings::create)),
            read: OpenApiRouter::default()
                .routes(routes!(listings::list))
                .routes(routes!(stats::count))
                .routes(routes!(stats::countries))
                .routes(routes!(document)),
            health: OpenApiRouter::default()
                .routes(routes!(health::healthz))
                .routes(routes!(health::readyz)),
        }
    }
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

/// The OpenAPI 3.1 description of every route the router serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let r = Routes::new();
    let api = r.challenge.merge(r.write).merge(r.read);
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api", api)
        .merge(r.health)
        .into_openapi()
}

/// The document as JSON, built once (it depends only on the code).
static DOCUMENT: LazyLock<String> = LazyLock::new(|| openapi::to_json(openapi()));

/// The whole document, as `powboard openapi` prints it.
pub fn document_json() -> &'static str {
    DOCUMENT.as_str()
}

/// The OpenAPI 3.1 description of this API.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    operation_id = "openapi",
    responses(
        (status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json",
            body = Object, headers(
                ("RateLimit" = String, description = "While the read budget is on: what is left, \"read\";r=<requests>;t=<seconds>"),
                ("RateLimit-Policy" = String, description = "While the read budget is on: \"read\";q=<requests>;w=<window seconds>")
            )),
        BudgetErrors,
    )
)]
pub async fn document() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

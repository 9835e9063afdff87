//! `GET /healthz` (the process answers) and `GET /readyz` (and its database does,
//! within 2 s): for the container's health check and the proxy.
use std::time::Duration;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

/// The answer of both probes.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, `ready`, or `database unavailable`.
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    operation_id = "healthz",
    responses((status = 200, description = "Alive", body = Health))
)]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the database answers within 2 s.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "meta",
    operation_id = "readyz",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database did not answer in time", body = Health),
    )
)]
pub async fn readyz(State(pool): State<PgPool>) -> Response {
    let probe = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query_scalar!("SELECT 1 AS \"one!\"").fetch_one(&pool),
    );
    match probe.await {
        Ok(Ok(_)) => Json(Health { status: "ready" }).into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "database unavailable",
            }),
        )
            .into_response(),
    }
}

//! `GET /healthz` (the process answers) and `GET /readyz` (and its database does,
//! within 2 s): for the container's health check and the proxy. `/readyz` also says
//! whether the shared rate-limit store answers, and if not why (it does not make the
//! instance unready: the budgets fall back to memory).
use std::{sync::Arc, time::Duration};

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::limiter::redis_store::RedisShared;

/// The answer of both probes.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, `ready`, or `database unavailable`.
    pub status: &'static str,
    /// `/readyz` with `RATE_STORE=redis` only: the shared store as this instance last
    /// found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_store: Option<RateStoreState>,
}

/// The shared rate-limit store as this instance's latest check found it.
#[derive(Serialize, ToSchema)]
pub struct RateStoreState {
    /// `shared` (Redis answers) or `fallback` (this instance counts alone).
    pub state: &'static str,
    /// During an outage, why the latest check failed: `timeout`, `refused`,
    /// `no_socket`, `auth`, `database`, `io`, `server`, `bad_answer` or `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

impl RateStoreState {
    fn of(redis: &RedisShared) -> Self {
        let reason = redis.outage();
        Self {
            state: if reason.is_some() {
                "fallback"
            } else {
                "shared"
            },
            reason: reason.map(|r| r.label()),
        }
    }
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
    Json(Health {
        status: "ok",
        rate_store: None,
    })
}

/// Readiness: the database answers within 2 s. The rate-limit store's state is a
/// detail, never a reason to be unready.
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
pub async fn readyz(
    State(pool): State<PgPool>,
    State(redis): State<Option<Arc<RedisShared>>>,
) -> Response {
    let probe = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query_scalar!("SELECT 1 AS \"one!\"").fetch_one(&pool),
    );
    let rate_store = redis.as_deref().map(RateStoreState::of);
    match probe.await {
        Ok(Ok(_)) => Json(Health {
            status: "ready",
            rate_store,
        })
        .into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "database unavailable",
                rate_store,
            }),
        )
            .into_response(),
    }
}

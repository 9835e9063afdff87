//! Handler deadlines: reads 3 s, writes 5 s. When one passes, the handler's future
//! is dropped (which cancels its database work) and the client gets 503 UNAVAILABLE
//! (tower-http's TimeoutLayer would answer 408, which blames the client).
use std::time::Duration;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::IntoResponse,
    response::Response,
};

use crate::error::ApiError;

pub const READ_TIMEOUT: Duration = Duration::from_secs(3);
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// The middleware: `from_fn_with_state(READ_TIMEOUT, deadline)` on a route group.
pub async fn deadline(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(
                timeout_ms = limit.as_millis() as u64,
                "handler deadline passed"
            );
            ApiError::Unavailable.into_response()
        }
    }
}

//! The request body of a write, read in full before the handler (and its database
//! deadline) starts, so that a body's problems get their own answers:
//! - a declared `Content-Length` over the limit: 413 at once, before hyper would
//!   send `100 Continue` (it sends it when the body is first read);
//! - any `Content-Encoding`: 415 (the server decodes none, and must not parse
//!   compressed bytes as JSON);
//! - a body that does not arrive within [`BODY_READ_TIMEOUT`]: 408, logged once at
//!   INFO (a slow or stalled client, not a server fault);
//! - a chunked body that grows over the limit: 413.
//!
//! 413 and 408 close the connection (see `ApiError`), since the rest of the body
//! was never read.
use std::time::Duration;

use axum::{
    body::Body,
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::{error::ApiError, extract::BodyLimit};

/// Time a client has to send a whole request body (at most `BODY_LIMIT_BYTES`).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn buffer(State(limit): State<BodyLimit>, req: Request, next: Next) -> Response {
    match read(limit.0, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn read(limit: usize, req: Request) -> Result<Request, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let encoded = req
        .headers()
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .any(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
    if encoded {
        return Err(ApiError::UnsupportedMediaType(
            "the server reads no Content-Encoding: send the body uncompressed",
        ));
    }
    let (parts, body) = req.into_parts();
    let collected = tokio::time::timeout(BODY_READ_TIMEOUT, Limited::new(body, limit).collect());
    let bytes = match collected.await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(ApiError::PayloadTooLarge(limit))
        }
        Ok(Err(e)) => {
            tracing::info!(error = %e, "request body could not be read");
            return Err(ApiError::invalid("could not read the request body"));
        }
        Err(_) => {
            tracing::info!(
                timeout_secs = BODY_READ_TIMEOUT.as_secs(),
                "request body did not arrive in time"
            );
            return Err(ApiError::RequestTimeout);
        }
    };
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

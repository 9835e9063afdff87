//! Request extractors whose every rejection is an `ApiError` (axum's own rejections
//! are plain text with other codes): JSON bodies and query strings.
use axum::{
    body::Bytes,
    extract::{FromRef, FromRequest, FromRequestParts, Query, Request},
    http::{header, request::Parts, StatusCode},
};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body: `Content-Type: application/json` (parameters such as charset
/// allowed, nothing else), within the body limit (which also holds for chunked
/// bodies: axum buffers through `http_body_util::Limited`), and exactly the
/// expected fields (types use `deny_unknown_fields`).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    BodyLimit: FromRef<S>,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let BodyLimit(limit) = BodyLimit::from_ref(state);
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(limit)
            } else {
                ApiError::invalid("could not read the request body")
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError::invalid(format!("invalid JSON body: {e}")))
    }
}

/// `BODY_LIMIT_BYTES`: enforced on the write routes by `DefaultBodyLimit` (see
/// `router`), named in the 413 message.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// Query-string parameters; a malformed query is `INVALID_INPUT`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| ApiError::invalid(format!("invalid query string: {}", e.body_text())))
    }
}

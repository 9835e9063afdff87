//! Request extractors whose every rejection is an `ApiError` (axum's own rejections
//! are plain text with other codes): JSON bodies and query strings. Messages are
//! our own words: they never name a Rust type or quote axum's text.
use axum::{
    body::Bytes,
    extract::{FromRef, FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, HeaderMap, StatusCode},
};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body: exactly one `Content-Type: application/json` (with no charset or
/// `charset=utf-8`, the only encoding JSON has), a JSON object at the top level
/// (serde would also read a struct from an array), within the body limit (which
/// also holds for chunked bodies: axum buffers through `http_body_util::Limited`),
/// and exactly the expected fields (types use `deny_unknown_fields`).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    BodyLimit: FromRef<S>,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        check_json_content_type(req.headers())?;
        let BodyLimit(limit) = BodyLimit::from_ref(state);
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(limit)
            } else {
                ApiError::invalid("could not read the request body")
            }
        })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::invalid(format!(
                "the body is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if !value.is_object() {
            return Err(ApiError::invalid("the body must be a JSON object"));
        }
        // Data errors only here ("missing field `body`", "unknown field `x`, expected
        // `body`", "invalid type: integer `5`, expected a string"): no type names.
        T::deserialize(value)
            .map(ApiJson)
            .map_err(|e| ApiError::invalid(format!("invalid body: {e}")))
    }
}

fn check_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let mut values = headers.get_all(header::CONTENT_TYPE).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(ApiError::UnsupportedMediaType(
            "send exactly one Content-Type: application/json header",
        ));
    };
    let value = value.to_str().unwrap_or_default();
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::UnsupportedMediaType(
            "send the body as application/json",
        ));
    }
    for param in parts {
        let (name, val) = param.split_once('=').unwrap_or((param, ""));
        let val = val.trim().trim_matches('"');
        if name.trim().eq_ignore_ascii_case("charset") && !val.eq_ignore_ascii_case("utf-8") {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as application/json in UTF-8",
            ));
        }
    }
    Ok(())
}

/// `BODY_LIMIT_BYTES`: enforced on the write routes by `DefaultBodyLimit` (see
/// `router`), named in the 413 message.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// Query-string parameters; a malformed query is `INVALID_INPUT`, and so is one
/// whose percent-escapes are not UTF-8 (`%ff` would otherwise become U+FFFD and be
/// searched for).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let utf8 = query.split('&').all(|pair| {
            percent_encoding::percent_decode_str(pair)
                .decode_utf8()
                .is_ok()
        });
        if !utf8 {
            return Err(ApiError::invalid(
                "the query string is not UTF-8 once percent-decoded",
            ));
        }
        serde_urlencoded::from_str::<T>(query)
            .map(ApiQuery)
            .map_err(|e| ApiError::invalid(format!("invalid query string: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ct(values: &[&str]) -> Result<(), ApiError> {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::CONTENT_TYPE, v.parse().unwrap());
        }
        check_json_content_type(&h)
    }

    #[test]
    fn content_types() {
        assert!(ct(&["application/json"]).is_ok());
        assert!(ct(&["Application/JSON; charset=UTF-8"]).is_ok());
        assert!(ct(&["application/json; charset=\"utf-8\""]).is_ok());
        for bad in [
            &["application/json; charset=utf-16"][..],
            &["application/json", "text/plain"],
            &["application/json", "application/json"],
            &["text/plain"],
            &[],
        ] {
            assert!(
                matches!(ct(bad), Err(ApiError::UnsupportedMediaType(_))),
                "{bad:?}"
            );
        }
    }
}

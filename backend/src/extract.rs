//! Request extractors whose every rejection is an `ApiError` (axum's own rejections
//! are plain text with other codes): JSON bodies and query strings. Messages are
//! our own words: they never name a Rust type or quote axum's text.
use axum::{
    body::Bytes,
    extract::{FromRef, FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, HeaderMap, StatusCode},
};
use serde::de::DeserializeOwned;

use crate::{error::ApiError, strict_json};

/// A JSON body: exactly one `Content-Type: application/json` (with no charset or
/// `charset=utf-8`, the only encoding JSON has), a JSON object at the top level
/// (serde would also read a struct from an array) with no key twice
/// ([`strict_json`]), within the body limit (which also holds for chunked bodies:
/// axum buffers through `http_body_util::Limited`), and exactly the expected fields
/// (types use `deny_unknown_fields`).
pub struct ApiJson<T>(pub T);

/// A type read from a JSON body names the shape it expects: a body without it is
/// told that shape, in our words, rather than serde's (which name Rust's view of it:
/// "missing field", "invalid type: integer, expected a string").
pub trait JsonBody: DeserializeOwned {
    /// The expected object, e.g. `{"body": "<text>"}`.
    const SHAPE: &'static str;
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    BodyLimit: FromRef<S>,
    T: JsonBody,
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
        let value = strict_json::from_slice(&bytes)
            .map_err(|e| ApiError::invalid(format!("the body is {e}")))?;
        let shape = || ApiError::invalid(format!("the body must be a JSON object {}", T::SHAPE));
        if !value.is_object() {
            return Err(shape());
        }
        T::deserialize(value).map(ApiJson).map_err(|_| shape())
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
        if let Some(name) = repeated_name(query) {
            return Err(ApiError::invalid(format!(
                "the query parameter `{name}` is given more than once"
            )));
        }
        // Every parameter is optional text: nothing else is left to fail here, and
        // serde's wording would name Rust's view of it.
        serde_urlencoded::from_str::<T>(query)
            .map(ApiQuery)
            .map_err(|_| ApiError::invalid("the query string is not valid"))
    }
}

/// The first parameter name that appears twice (after decoding, as serde sees it).
fn repeated_name(query: &str) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or_default().replace('+', " ");
            percent_encoding::percent_decode_str(&name)
                .decode_utf8_lossy()
                .into_owned()
        })
        .find(|name| !seen.insert(name.clone()))
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
    fn repeated_query_names() {
        assert_eq!(repeated_name("q=a&limit=2"), None);
        assert_eq!(repeated_name(""), None);
        assert_eq!(repeated_name("q=a&&q=b").as_deref(), Some("q"));
        assert_eq!(repeated_name("q=a&%71=b").as_deref(), Some("q"));
        assert_eq!(repeated_name("a+b=1&a%20b=2").as_deref(), Some("a b"));
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

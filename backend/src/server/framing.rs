//! Requests refused before routing, on what hyper lets through but this server does
//! not serve: a transfer coding other than one `chunked` (RFC 9112 §6.1: 501 for a
//! coding the server does not implement; hyper decodes a final `chunked` and ignores
//! the codings before it, so `gzip, chunked` would reach a handler as if it were
//! plain), and `CONNECT` (no tunnels here; hyper hands it to the service like any
//! method and the web UI's file server would answer an empty 405).
use axum::http::{header, HeaderMap, Method, Request};

use crate::error::ApiError;

pub const ONLY_CHUNKED: &str =
    "the only transfer coding this server decodes is a single chunked; send the body plain";

/// The error answering `req` before it reaches the router, if any.
pub fn refuse<B>(req: &Request<B>) -> Option<ApiError> {
    if !transfer_coding_ok(req.headers()) {
        return Some(ApiError::NotImplemented(ONLY_CHUNKED));
    }
    if req.method() == Method::CONNECT {
        return Some(ApiError::MethodNotAllowed);
    }
    None
}

/// No `Transfer-Encoding`, or exactly one field whose value is `chunked`.
fn transfer_coding_ok(headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(header::TRANSFER_ENCODING).iter();
    match (values.next(), values.next()) {
        (None, _) => true,
        (Some(v), None) => v
            .to_str()
            .is_ok_and(|v| v.trim().eq_ignore_ascii_case("chunked")),
        (Some(_), Some(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn te(values: &[&str]) -> bool {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::TRANSFER_ENCODING, v.parse().unwrap());
        }
        transfer_coding_ok(&h)
    }

    #[test]
    fn only_one_chunked_passes() {
        assert!(te(&[]));
        assert!(te(&["chunked"]));
        assert!(te(&["Chunked "]));
        for bad in [
            &["gzip, chunked"][..],
            &["chunked, chunked"],
            &["x-bogus, chunked"],
            &["identity, chunked"],
            &["deflate,chunked"],
            &["chunked", "chunked"],
            &["gzip", "chunked"],
        ] {
            assert!(!te(bad), "{bad:?}");
        }
    }
}

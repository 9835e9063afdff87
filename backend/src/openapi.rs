//! What every operation of the OpenAPI 3.1 description shares: the document's head,
//! the error answers (with their stable codes and headers), and the last touch on
//! the JSON. The features' handlers use it in their `#[utoipa::path]` attributes; the
//! document itself is assembled above them, where the routes are registered
//! (`routes`), so this module imports no feature and no router.
use serde_json::Value;
use utoipa::{IntoResponses, OpenApi};

use crate::error::{ErrorBody, ErrorCode};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "powboard",
        description = "A public bulletin board that bots find expensive to spam. Writes carry a \
            proof of work (GET /api/pow/challenge, then the X-PoW-* headers on POST /api/listings); \
            every /api route counts against a per-client budget (read, write or challenge) and \
            answers with the RateLimit and RateLimit-Policy fields of \
            draft-ietf-httpapi-ratelimit-headers while the budget is on. Every error is \
            {\"error\": {\"code\", \"message\"}} with a stable code. Any other /api path answers \
            404 NOT_FOUND, and a known path with another method 405 METHOD_NOT_ALLOWED. Any \
            request may also be refused before its route, with the same shape and the \
            connection closed: 400 INVALID_INPUT (not HTTP/1.1), 414 URI_TOO_LONG, 431 \
            HEADERS_TOO_LARGE, 501 NOT_IMPLEMENTED (a Transfer-Encoding other than one \
            chunked); CONNECT answers 405 METHOD_NOT_ALLOWED."
    ),
    components(schemas(ErrorBody, ErrorCode)),
    tags(
        (name = "listings", description = "Posting, searching and counting listings"),
        (name = "pow", description = "Proof of work"),
        (name = "meta", description = "Health and this description")
    )
)]
pub struct ApiDoc;

/// The document as JSON, in the form OpenAPI reads.
pub fn to_json(doc: utoipa::openapi::OpenApi) -> String {
    let mut doc = serde_json::to_value(doc).expect("the document serializes");
    camel_case_links(&mut doc);
    serde_json::to_string_pretty(&doc).expect("JSON serializes")
}

/// utoipa 5 writes a Link object's fields in snake_case (`operation_id`), which
/// OpenAPI does not know (utoipa 6 fixed it, but utoipa-axum 0.2 needs utoipa 5).
fn camel_case_links(doc: &mut Value) {
    let operations = doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    let links = operations
        .filter_map(|op| op.get_mut("responses")?.as_object_mut())
        .flat_map(|responses| responses.values_mut())
        .filter_map(|response| response.get_mut("links")?.as_object_mut())
        .flat_map(|links| links.values_mut())
        .filter_map(Value::as_object_mut);
    for link in links {
        for (from, to) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(v) = link.remove(from) {
                link.insert(to.to_owned(), v);
            }
        }
    }
}

/// Errors every budgeted route can answer: its budget refused, the database is
/// down or slow, a bug.
#[allow(dead_code)] // only its description is used
#[derive(IntoResponses)]
pub enum BudgetErrors {
    /// RATE_LIMITED: this client's budget for the route is spent; retry after
    /// `Retry-After` seconds (the exact wait until a slot frees, rounded up).
    #[response(status = 429, headers(
        ("Retry-After" = u64, description = "Whole seconds until a request is accepted again"),
        ("RateLimit" = String, description = "Budget left: \"name\";r=0;t=<seconds>"),
        ("RateLimit-Policy" = String, description = "The budget: \"name\";q=<requests>;w=<window seconds>")
    ), example = json!({"error": {"code": "RATE_LIMITED", "message": "too many requests; retry in 3 s"}}))]
    RateLimited(ErrorBody),
    /// UNAVAILABLE: the database is down or did not answer within the route's deadline.
    #[response(status = 503, headers(
        ("Retry-After" = u64, description = "Seconds after which a retry is reasonable")
    ), example = json!({"error": {"code": "UNAVAILABLE", "message": "the service is temporarily unavailable; retry shortly"}}))]
    Unavailable(ErrorBody),
    /// INTERNAL: an unexpected error (logged; the answer names no internals).
    #[response(status = 500, example = json!({"error": {"code": "INTERNAL", "message": "internal error"}}))]
    Internal(ErrorBody),
}

/// INVALID_INPUT on a read: a query parameter out of its rules.
#[allow(dead_code)] // only its description is used
#[derive(IntoResponses)]
pub enum QueryErrors {
    /// INVALID_INPUT: a query parameter breaks its rule (see the parameter), or the
    /// query string is not UTF-8.
    #[response(status = 400, example = json!({"error": {"code": "INVALID_INPUT", "message": "limit must be a whole number from 1 to 100"}}))]
    InvalidInput(ErrorBody),
}

/// What a POST's body and proof of work can be refused with.
#[allow(dead_code)] // only its description is used
#[derive(IntoResponses)]
pub enum WriteErrors {
    /// INVALID_INPUT (the body is not a JSON object with exactly a `body` string, names
    /// a key twice, or its text breaks the text rules) or POW_REQUIRED (PoW is on and an X-PoW-*
    /// header is missing).
    #[response(status = 400, example = json!({"error": {"code": "POW_REQUIRED", "message": "this request needs a proof of work: send X-PoW-Challenge, X-PoW-Token and X-PoW-Nonce"}}))]
    BadRequest(ErrorBody),
    /// POW_INVALID (malformed headers, a token for another challenge, client or
    /// browser, or nonces that do not solve it) or POW_EXPIRED (fetch a new challenge).
    #[response(status = 403, example = json!({"error": {"code": "POW_INVALID", "message": "the nonces do not solve the challenge"}}))]
    Forbidden(ErrorBody),
    /// POW_REPLAYED: this challenge was already spent on a listing.
    #[response(status = 409, example = json!({"error": {"code": "POW_REPLAYED", "message": "this proof of work was already used for a listing"}}))]
    Replayed(ErrorBody),
    /// REQUEST_TIMEOUT: the body did not arrive in time (the connection is closed).
    #[response(status = 408, headers(("Connection" = String, description = "close")), example = json!({"error": {"code": "REQUEST_TIMEOUT", "message": "the request body did not arrive in time"}}))]
    RequestTimeout(ErrorBody),
    /// PAYLOAD_TOO_LARGE: the body (declared or read) is over BODY_LIMIT_BYTES
    /// (answered at once on a declared length; the connection is closed).
    #[response(status = 413, headers(("Connection" = String, description = "close")), example = json!({"error": {"code": "PAYLOAD_TOO_LARGE", "message": "the request body is larger than 4096 bytes"}}))]
    PayloadTooLarge(ErrorBody),
    /// UNSUPPORTED_MEDIA_TYPE: not exactly one `Content-Type: application/json`
    /// (UTF-8), or a `Content-Encoding` (the server decodes none).
    #[response(status = 415, example = json!({"error": {"code": "UNSUPPORTED_MEDIA_TYPE", "message": "send the body as application/json"}}))]
    UnsupportedMediaType(ErrorBody),
}

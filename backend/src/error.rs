//! The one error type of the API: every failure becomes
//! `{"error": {"code": "...", "message": "..."}}` with a stable code and status.
//! Database and unexpected errors are logged and answered without internals.
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidInput(String),
    #[error(
        "this request needs a proof of work: send X-PoW-Challenge, X-PoW-Token and X-PoW-Nonce"
    )]
    PowRequired,
    #[error("{0}")]
    PowInvalid(&'static str),
    #[error("the proof-of-work challenge has expired; fetch a new one")]
    PowExpired,
    #[error("this proof of work was already used for a listing")]
    PowReplayed,
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(&'static str),
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("no such API route")]
    NotFound,
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    #[error("the request target is longer than this server reads")]
    UriTooLong,
    #[error("the request head is larger than this server reads")]
    HeadersTooLarge,
    #[error("{0}")]
    NotImplemented(&'static str),
    #[error("the service is temporarily unavailable; retry shortly")]
    Unavailable,
    /// `Unavailable` because no pool connection came in time (counted by the metrics).
    #[error("the service is temporarily unavailable; retry shortly")]
    PoolTimedOut,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::InvalidInput(_) => ErrorCode::InvalidInput,
            Self::PowRequired => ErrorCode::PowRequired,
            Self::PowInvalid(_) => ErrorCode::PowInvalid,
            Self::PowExpired => ErrorCode::PowExpired,
            Self::PowReplayed => ErrorCode::PowReplayed,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Self::RequestTimeout => ErrorCode::RequestTimeout,
            Self::NotFound => ErrorCode::NotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::UriTooLong => ErrorCode::UriTooLong,
            Self::HeadersTooLarge => ErrorCode::HeadersTooLarge,
            Self::NotImplemented(_) => ErrorCode::NotImplemented,
            Self::Unavailable | Self::PoolTimedOut => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidInput(_) | Self::PowRequired => StatusCode::BAD_REQUEST,
            Self::PowInvalid(_) | Self::PowExpired => StatusCode::FORBIDDEN,
            Self::PowReplayed => StatusCode::CONFLICT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UriTooLong => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            Self::Unavailable | Self::PoolTimedOut => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::InvalidInput(msg.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // A 503 is logged once, with its cause, where it arises (`From<sqlx::Error>`,
        // the handler deadline).
        if let Self::Internal(e) = &self {
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.error_code(),
                message: self.to_string(),
            },
        };
        let mut res = (self.status(), Json(body)).into_response();
        if let Self::RateLimited { retry_after_secs } = self {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        // The body may be unread (refused on its declared length, or stalled, or in a
        // transfer coding not decoded): close the connection rather than read what
        // follows as the next request.
        if matches!(
            self,
            Self::PayloadTooLarge(_) | Self::RequestTimeout | Self::NotImplemented(_)
        ) {
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if matches!(self, Self::Unavailable | Self::PoolTimedOut) {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        if matches!(self, Self::PoolTimedOut) {
            res.extensions_mut().insert(DbPoolTimedOut);
        }
        res
    }
}

/// The constraints whose violation is the client's doing, and what it means: the
/// one place where constraint names become API errors.
fn constraint_error(constraint: &str) -> Option<ApiError> {
    match constraint {
        // The challenge was already spent with another listing.
        "spent_challenges_pkey" => Some(ApiError::PowReplayed),
        _ => None,
    }
}

/// Database errors: a known constraint is the client's error (see
/// `constraint_error`); an unreachable, overloaded or too slow database is a 503;
/// anything else is a bug (500).
impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if let Some(mapped) = e
            .as_database_error()
            .and_then(|db| db.constraint())
            .and_then(constraint_error)
        {
            return mapped;
        }
        match &e {
            sqlx::Error::PoolTimedOut => {
                tracing::warn!(error = %e, "database unavailable");
                Self::PoolTimedOut
            }
            sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::Unavailable
            }
            sqlx::Error::Database(db) if is_transient(db.code().as_deref()) => {
                tracing::warn!(error = %e, "database refused the query for now");
                Self::Unavailable
            }
            _ => Self::Internal(anyhow::Error::new(e).context("database error")),
        }
    }
}

/// SQLSTATEs that mean "try again": query_canceled (statement_timeout), admin
/// shutdown, cannot connect now, too many connections, serialization failures.
fn is_transient(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "57014"
                | "57P01"
                | "57P02"
                | "57P03"
                | "53300"
                | "40001"
                | "40P01"
                | "08000"
                | "08003"
                | "08006"
        )
    )
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The stable machine codes, as the API sends them (and the OpenAPI description
/// lists them, so clients get them as a type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    InvalidInput,
    PowRequired,
    PowInvalid,
    PowExpired,
    PowReplayed,
    RateLimited,
    PayloadTooLarge,
    UnsupportedMediaType,
    RequestTimeout,
    NotFound,
    MethodNotAllowed,
    UriTooLong,
    HeadersTooLarge,
    NotImplemented,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "INVALID_INPUT",
            Self::PowRequired => "POW_REQUIRED",
            Self::PowInvalid => "POW_INVALID",
            Self::PowExpired => "POW_EXPIRED",
            Self::PowReplayed => "POW_REPLAYED",
            Self::RateLimited => "RATE_LIMITED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::RequestTimeout => "REQUEST_TIMEOUT",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::UriTooLong => "URI_TOO_LONG",
            Self::HeadersTooLarge => "HEADERS_TOO_LARGE",
            Self::NotImplemented => "NOT_IMPLEMENTED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }
}

/// The body of every error answer (the shape `IntoResponse` writes), for the
/// OpenAPI description.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// For people; may change between versions (the code does not).
    pub message: String,
}

/// A response extension: this 503 came from the pool's acquire timeout (read by the
/// metrics layer; extensions never reach the client).
#[derive(Clone, Copy, Debug)]
pub struct DbPoolTimedOut;

/// The status and error code of an answer (the unit tests of the guards read their
/// answers through this).
#[cfg(test)]
pub(crate) async fn answer_code(res: Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("answer body");
    let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON error body");
    let code = v["error"]["code"].as_str().unwrap_or_default();
    (status, code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_documented_status() {
        let cases = [
            (ApiError::invalid("x"), 400, "INVALID_INPUT"),
            (ApiError::PowRequired, 400, "POW_REQUIRED"),
            (ApiError::PowInvalid("x"), 403, "POW_INVALID"),
            (ApiError::PowExpired, 403, "POW_EXPIRED"),
            (ApiError::PowReplayed, 409, "POW_REPLAYED"),
            (
                ApiError::RateLimited {
                    retry_after_secs: 3,
                },
                429,
                "RATE_LIMITED",
            ),
            (ApiError::PayloadTooLarge(10), 413, "PAYLOAD_TOO_LARGE"),
            (
                ApiError::UnsupportedMediaType("x"),
                415,
                "UNSUPPORTED_MEDIA_TYPE",
            ),
            (ApiError::RequestTimeout, 408, "REQUEST_TIMEOUT"),
            (ApiError::UriTooLong, 414, "URI_TOO_LONG"),
            (ApiError::HeadersTooLarge, 431, "HEADERS_TOO_LARGE"),
            (ApiError::NotImplemented("x"), 501, "NOT_IMPLEMENTED"),
            (ApiError::Unavailable, 503, "UNAVAILABLE"),
            (ApiError::PoolTimedOut, 503, "UNAVAILABLE"),
            (
                ApiError::Internal(anyhow::anyhow!("secret detail")),
                500,
                "INTERNAL",
            ),
        ];
        for (e, status, code) in cases {
            assert_eq!(e.status().as_u16(), status);
            assert_eq!(e.code(), code);
            assert_eq!(serde_json::to_value(e.error_code()).unwrap(), code);
            if code == "INTERNAL" {
                assert!(!e.to_string().contains("secret"));
            }
        }
    }
}

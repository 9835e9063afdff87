//! Why the shared store gave no usable decision, as a small fixed set of reasons: the
//! label of `powboard_ratelimit_store_errors_total`, the `reason` of `/readyz`'s
//! `rate_store`, and the `reason` field of the outage's log line. A refused port, a wrong
//! password or a missing socket each say so, instead of all reading as a timeout.
use std::time::Duration;

/// One failed round trip (or a connection that could not be made).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultReason {
    /// No answer within `RATE_STORE_TIMEOUT_MS` (Redis slow, paused, or a silent network).
    Timeout,
    /// Nothing listens on the TCP port (connection refused).
    Refused,
    /// The unix socket of `REDIS_URL` does not exist (or refused us).
    NoSocket,
    /// The password or user was refused (WRONGPASS, NOAUTH, NOPERM).
    Auth,
    /// The database index of `REDIS_URL` does not exist on that server.
    Database,
    /// The connection broke, or another I/O failure.
    Io,
    /// Redis answered with an error (script error, out of memory, read-only replica...).
    Server,
    /// Redis answered something that is not a decision for this budget (shape or
    /// values out of range: see `redis_store::answer`).
    BadAnswer,
    /// Anything else the client library reports.
    Other,
}

impl FaultReason {
    /// Every reason, in declaration order: `ALL[r as usize] == r` (a metric handle per
    /// reason is found by index).
    pub const ALL: [Self; 9] = [
        Self::Timeout,
        Self::Refused,
        Self::NoSocket,
        Self::Auth,
        Self::Database,
        Self::Io,
        Self::Server,
        Self::BadAnswer,
        Self::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Refused => "refused",
            Self::NoSocket => "no_socket",
            Self::Auth => "auth",
            Self::Database => "database",
            Self::Io => "io",
            Self::Server => "server",
            Self::BadAnswer => "bad_answer",
            Self::Other => "other",
        }
    }
}

/// A reason with what the library said, for the log line. Never holds `REDIS_URL` (nor
/// its password): the library's errors describe the failure, not the address.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreFault {
    pub reason: FaultReason,
    message: String,
}

impl StoreFault {
    pub fn timeout(deadline: Duration) -> Self {
        Self {
            reason: FaultReason::Timeout,
            message: format!("no answer within {} ms", deadline.as_millis()),
        }
    }

    pub fn bad_answer(message: String) -> Self {
        Self {
            reason: FaultReason::BadAnswer,
            message,
        }
    }

    /// Sorts a library error. `unix`: `REDIS_URL` names a unix socket (a missing file
    /// and a refused port look alike to the library: both are "connection refusals").
    pub fn from_redis(e: &redis::RedisError, unix: bool) -> Self {
        use redis::{ErrorKind, ServerErrorKind};
        let reason = match e.kind() {
            _ if e.is_timeout() => FaultReason::Timeout,
            _ if e.is_connection_refusal() && unix => FaultReason::NoSocket,
            _ if e.is_connection_refusal() => FaultReason::Refused,
            ErrorKind::AuthenticationFailed => FaultReason::Auth,
            _ if matches!(e.code(), Some("NOAUTH" | "WRONGPASS" | "NOPERM")) => FaultReason::Auth,
            // The library has no kind of its own for a refused SELECT, only this wording
            // (redis 1.x, `check_db_select`).
            ErrorKind::Server(ServerErrorKind::ResponseError)
                if e.to_string().contains("refused to switch database") =>
            {
                FaultReason::Database
            }
            ErrorKind::UnexpectedReturnType | ErrorKind::Parse => FaultReason::BadAnswer,
            ErrorKind::Io => FaultReason::Io,
            ErrorKind::Server(_) | ErrorKind::Extension => FaultReason::Server,
            _ => FaultReason::Other,
        };
        Self {
            reason,
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_declaration_order_with_distinct_labels() {
        for (i, r) in FaultReason::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i);
            let same = FaultReason::ALL.iter().filter(|o| o.label() == r.label());
            assert_eq!(same.count(), 1);
        }
    }
}

//! Prometheus metrics: what an operator watches an attack with (requests and latency
//! per route, guard refusals, PoW outcomes and difficulty, listings, the pool).
//!
//! Each application owns its registry (a `metrics-exporter-prometheus` recorder that is
//! never installed globally): the handles below are registered once, so recording is an
//! atomic add, every series exists (at 0) from the start, and two servers in one test
//! process never see each other's counts. With `METRICS_ADDR` empty every handle is a
//! no-op and the request middleware is not installed at all.
//!
//! Label values come from small fixed sets only (budget names, PoW outcomes, HTTP
//! methods, matched routes, status codes): never an address, a client key, a raw path
//! or a query.
pub mod http;

use std::sync::Arc;

use metrics::{Counter, Gauge, Histogram, Key, Label, Level, Metadata, Recorder, SharedString};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::error::ApiError;
use crate::limiter::store_fault::FaultReason;

// The exported names (OpenTelemetry names with Prometheus unit suffixes). The README's
// metrics table and the Grafana dashboard use exactly these; a test scrapes a running
// server and checks every name the dashboard queries.
pub const HTTP_REQUEST_DURATION: &str = "http_server_request_duration_seconds";
pub const HTTP_ACTIVE_REQUESTS: &str = "http_server_active_requests";
pub const POW_CHALLENGES_ISSUED: &str = "powboard_pow_challenges_issued_total";
pub const POW_VERIFICATIONS: &str = "powboard_pow_verifications_total";
pub const POW_CHALLENGE_DIFFICULTY: &str = "powboard_pow_challenge_difficulty_bits";
pub const POW_SURGE_BITS: &str = "powboard_pow_surge_bits";
pub const RATELIMIT_REFUSED: &str = "powboard_ratelimit_refused_total";
pub const RATELIMIT_TRACKED_KEYS: &str = "powboard_ratelimit_tracked_keys";
pub const RATELIMIT_TABLE_FULL: &str = "powboard_ratelimit_table_full_total";
pub const RATELIMIT_STORE_ERRORS: &str = "powboard_ratelimit_store_errors_total";
pub const RATELIMIT_STORE_FALLBACK: &str = "powboard_ratelimit_store_fallback";
pub const LISTINGS_CREATED: &str = "powboard_listings_created_total";
pub const LISTINGS_HIDDEN: &str = "powboard_listings_hidden_total";
pub const LISTINGS_UNHIDDEN: &str = "powboard_listings_unhidden_total";
pub const DB_POOL_CONNECTIONS: &str = "powboard_db_pool_connections";
pub const DB_POOL_IDLE: &str = "powboard_db_pool_idle_connections";
pub const DB_POOL_ACQUIRE_TIMEOUTS: &str = "powboard_db_pool_acquire_timeouts_total";
pub const BUILD_INFO: &str = "powboard_build_info";

/// Request latency buckets: OpenTelemetry's default boundaries below 10 s, with three
/// finer ones under 5 ms, where most of this server's answers fall.
const DURATION_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// One bucket per whole bit: difficulties are fractional, `le="23"` holds 22.5.
const DIFFICULTY_BUCKETS: &[f64] = &[
    4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0,
    26.0, 27.0, 28.0, 29.0, 30.0, 32.0, 40.0, 64.0,
];

/// The git commit the binary was built from (`build.rs`: `POWBOARD_GIT_COMMIT`, else
/// `git rev-parse`, else "unknown").
pub const GIT_COMMIT: &str = env!("POWBOARD_GIT_COMMIT");

static METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, None);

/// How a POST's proof of work fared (label `outcome`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowOutcome {
    /// Verified and spent with a new listing.
    Ok,
    /// A PoW header was missing (`POW_REQUIRED`).
    Required,
    /// Malformed, forged, bound to another client, or not a solution (`POW_INVALID`).
    Invalid,
    /// The token's lifetime had passed (`POW_EXPIRED`).
    Expired,
    /// The challenge had already bought a listing (`POW_REPLAYED`).
    Replayed,
}

impl PowOutcome {
    pub const ALL: [Self; 5] = [
        Self::Ok,
        Self::Required,
        Self::Invalid,
        Self::Expired,
        Self::Replayed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Required => "required",
            Self::Invalid => "invalid",
            Self::Expired => "expired",
            Self::Replayed => "replayed",
        }
    }

    /// The outcome an error stands for; None for errors that say nothing about the
    /// proof of work (bad text, database down).
    pub fn of_error(e: &ApiError) -> Option<Self> {
        match e {
            ApiError::PowRequired => Some(Self::Required),
            ApiError::PowInvalid(_) => Some(Self::Invalid),
            ApiError::PowExpired => Some(Self::Expired),
            ApiError::PowReplayed => Some(Self::Replayed),
            _ => None,
        }
    }
}

/// The handles of one rate-limit budget (label `budget`).
#[derive(Clone)]
pub struct BudgetMetrics {
    /// Requests answered 429.
    pub refused: Counter,
    /// Client keys the budget holds now (set at scrape).
    pub tracked_keys: Gauge,
    /// Times a new client found the table at its bound (set at scrape from the limiter).
    pub table_full: Counter,
}

/// The registry and every fixed handle; `Arc`ed in the application state.
pub struct Metrics {
    registry: Option<Registry>,
    pub http_active_requests: Gauge,
    pub pow_challenges_issued: Counter,
    pub pow_challenge_difficulty: Histogram,
    pow_verifications: [Counter; 5],
    pub pow_surge_bits: Gauge,
    ratelimit_store_errors: [Counter; FaultReason::ALL.len()],
    pub ratelimit_store_fallback: Gauge,
    pub listings_created: Counter,
    pub listings_hidden: Counter,
    pub listings_unhidden: Counter,
    pub db_pool_connections: Gauge,
    pub db_pool_idle_connections: Gauge,
    pub db_pool_acquire_timeouts: Counter,
}

struct Registry {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    requests: http::RequestHistograms,
}

impl Registry {
    fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(HTTP_REQUEST_DURATION.into()),
                DURATION_BUCKETS,
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(POW_CHALLENGE_DIFFICULTY.into()),
                    DIFFICULTY_BUCKETS,
                )
            })
            .expect("bucket lists are not empty")
            .build_recorder();
        let handle = recorder.handle();
        Self {
            recorder,
            handle,
            requests: http::RequestHistograms::default(),
        }
    }

    fn counter(&self, name: &'static str, labels: Vec<Label>) -> Counter {
        self.recorder
            .register_counter(&Key::from_parts(name, labels), &METADATA)
    }

    fn gauge(&self, name: &'static str, labels: Vec<Label>) -> Gauge {
        self.recorder
            .register_gauge(&Key::from_parts(name, labels), &METADATA)
    }

    fn histogram(&self, name: &'static str, labels: Vec<Label>) -> Histogram {
        self.recorder
            .register_histogram(&Key::from_parts(name, labels), &METADATA)
    }

    /// The `# HELP` lines.
    fn describe(&self) {
        let r = &self.recorder;
        let help =
            |name: &'static str, text: &'static str| (name.into(), None, SharedString::from(text));
        for (name, unit, text) in [
            help(HTTP_ACTIVE_REQUESTS, "Requests being handled now"),
            help(POW_SURGE_BITS, "Site-wide surge bits added to every challenge now"),
            help(RATELIMIT_TRACKED_KEYS, "Client keys a rate-limit budget holds now"),
            help(RATELIMIT_STORE_FALLBACK, "1 while the shared rate-limit store is unreachable and this instance counts in memory"),
            help(DB_POOL_CONNECTIONS, "Open database connections of the pool"),
            help(DB_POOL_IDLE, "Idle database connections of the pool"),
            help(BUILD_INFO, "Version and git commit of the running binary (value 1)"),
        ] {
            r.describe_gauge(name, unit, text);
        }
        for (name, unit, text) in [
            help(POW_CHALLENGES_ISSUED, "Proof-of-work challenges issued"),
            help(
                POW_VERIFICATIONS,
                "Proofs of work checked on posts, by outcome",
            ),
            help(RATELIMIT_REFUSED, "Requests refused with 429, by budget"),
            help(
                RATELIMIT_TABLE_FULL,
                "New clients that found a budget's key table at its memory bound",
            ),
            help(
                RATELIMIT_STORE_ERRORS,
                "Failed round trips to the shared rate-limit store, by reason",
            ),
            help(LISTINGS_CREATED, "Listings created by this instance"),
            help(
                LISTINGS_HIDDEN,
                "Listings hidden by moderation (all instances: read from the database)",
            ),
            help(
                LISTINGS_UNHIDDEN,
                "Listings made visible again by moderation (all instances: read from the database)",
            ),
            help(
                DB_POOL_ACQUIRE_TIMEOUTS,
                "Requests that waited too long for a database connection (answered 503)",
            ),
        ] {
            r.describe_counter(name, unit, text);
        }
        for (name, unit, text) in [
            help(
                HTTP_REQUEST_DURATION,
                "Time from request to response head, by method, matched route and status",
            ),
            help(
                POW_CHALLENGE_DIFFICULTY,
                "Difficulty of issued challenges (log2 of the expected hashes)",
            ),
        ] {
            r.describe_histogram(name, unit, text);
        }
    }
}

impl Metrics {
    /// A live registry (`METRICS_ADDR` set).
    pub fn enabled() -> Self {
        let reg = Registry::new();
        reg.describe();
        let outcome =
            |o: PowOutcome| reg.counter(POW_VERIFICATIONS, vec![Label::new("outcome", o.label())]);
        reg.gauge(
            BUILD_INFO,
            vec![
                Label::new("version", env!("CARGO_PKG_VERSION")),
                Label::new("commit", GIT_COMMIT),
            ],
        )
        .set(1.0);
        Self {
            http_active_requests: reg.gauge(HTTP_ACTIVE_REQUESTS, vec![]),
            pow_challenges_issued: reg.counter(POW_CHALLENGES_ISSUED, vec![]),
            pow_challenge_difficulty: reg.histogram(POW_CHALLENGE_DIFFICULTY, vec![]),
            pow_verifications: PowOutcome::ALL.map(outcome),
            pow_surge_bits: reg.gauge(POW_SURGE_BITS, vec![]),
            ratelimit_store_errors: FaultReason::ALL.map(|r| {
                reg.counter(
                    RATELIMIT_STORE_ERRORS,
                    vec![Label::new("reason", r.label())],
                )
            }),
            ratelimit_store_fallback: reg.gauge(RATELIMIT_STORE_FALLBACK, vec![]),
            listings_created: reg.counter(LISTINGS_CREATED, vec![]),
            listings_hidden: reg.counter(LISTINGS_HIDDEN, vec![]),
            listings_unhidden: reg.counter(LISTINGS_UNHIDDEN, vec![]),
            db_pool_connections: reg.gauge(DB_POOL_CONNECTIONS, vec![]),
            db_pool_idle_connections: reg.gauge(DB_POOL_IDLE, vec![]),
            db_pool_acquire_timeouts: reg.counter(DB_POOL_ACQUIRE_TIMEOUTS, vec![]),
            registry: Some(reg),
        }
    }

    /// Every handle a no-op (`METRICS_ADDR` empty).
    pub fn disabled() -> Self {
        Self {
            registry: None,
            http_active_requests: Gauge::noop(),
            pow_challenges_issued: Counter::noop(),
            pow_challenge_difficulty: Histogram::noop(),
            pow_verifications: PowOutcome::ALL.map(|_| Counter::noop()),
            pow_surge_bits: Gauge::noop(),
            ratelimit_store_errors: FaultReason::ALL.map(|_| Counter::noop()),
            ratelimit_store_fallback: Gauge::noop(),
            listings_created: Counter::noop(),
            listings_hidden: Counter::noop(),
            listings_unhidden: Counter::noop(),
            db_pool_connections: Gauge::noop(),
            db_pool_idle_connections: Gauge::noop(),
            db_pool_acquire_timeouts: Counter::noop(),
        }
    }

    pub fn new(enabled: bool) -> Arc<Self> {
        Arc::new(if enabled {
            Self::enabled()
        } else {
            Self::disabled()
        })
    }

    pub fn is_enabled(&self) -> bool {
        self.registry.is_some()
    }

    /// Counts one PoW verification.
    pub fn pow_verified(&self, outcome: PowOutcome) {
        self.pow_verifications[outcome as usize].increment(1);
    }

    /// The counter of failed round trips to the shared store for `reason`.
    pub fn ratelimit_store_errors(&self, reason: FaultReason) -> Counter {
        self.ratelimit_store_errors[reason as usize].clone()
    }

    /// The handles of the budget `name` (one of a fixed few, from the code).
    pub fn budget(&self, name: &'static str) -> BudgetMetrics {
        match &self.registry {
            Some(reg) => {
                let label = || vec![Label::new("budget", name)];
                BudgetMetrics {
                    refused: reg.counter(RATELIMIT_REFUSED, label()),
                    tracked_keys: reg.gauge(RATELIMIT_TRACKED_KEYS, label()),
                    table_full: reg.counter(RATELIMIT_TABLE_FULL, label()),
                }
            }
            None => BudgetMetrics {
                refused: Counter::noop(),
                tracked_keys: Gauge::noop(),
                table_full: Counter::noop(),
            },
        }
    }

    /// Records one answered request. `route` is the matched route or [`http::UNMATCHED`].
    pub fn request_done(&self, method: &'static str, route: &str, status: u16, secs: f64) {
        if let Some(reg) = &self.registry {
            reg.requests.get(reg, method, route, status).record(secs);
        }
    }

    /// The exposition in the Prometheus text format (empty when disabled).
    pub fn render(&self) -> String {
        self.registry
            .as_ref()
            .map(|r| r.handle.render())
            .unwrap_or_default()
    }

    /// Moves recorded histogram samples into their buckets. Rendering does it too; run
    /// it every few seconds so that memory stays flat when nobody scrapes.
    pub fn upkeep(&self) {
        if let Some(r) = &self.registry {
            r.handle.run_upkeep();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixed_series_is_exported_from_the_start() {
        let m = Metrics::enabled();
        let _ = m.budget("read");
        let text = m.render();
        for name in [
            HTTP_ACTIVE_REQUESTS,
            POW_CHALLENGES_ISSUED,
            POW_VERIFICATIONS,
            POW_SURGE_BITS,
            RATELIMIT_REFUSED,
            RATELIMIT_TRACKED_KEYS,
            RATELIMIT_TABLE_FULL,
            RATELIMIT_STORE_ERRORS,
            RATELIMIT_STORE_FALLBACK,
            LISTINGS_CREATED,
            LISTINGS_HIDDEN,
            LISTINGS_UNHIDDEN,
            DB_POOL_CONNECTIONS,
            DB_POOL_IDLE,
            DB_POOL_ACQUIRE_TIMEOUTS,
        ] {
            assert!(
                text.contains(&format!("\n{name}")),
                "{name} missing from:\n{text}"
            );
        }
        assert!(text.contains("powboard_pow_challenge_difficulty_bits_bucket{le=\"22\"} 0"));
        assert!(
            text.contains(&format!(
                "powboard_build_info{{version=\"{}\",commit=\"{GIT_COMMIT}\"}} 1",
                env!("CARGO_PKG_VERSION")
            )),
            "{text}"
        );
        for o in PowOutcome::ALL {
            assert!(text.contains(&format!(
                "{POW_VERIFICATIONS}{{outcome=\"{}\"}} 0",
                o.label()
            )));
        }
    }

    #[test]
    fn request_histograms_are_found_again_not_registered_twice() {
        let m = Metrics::enabled();
        for _ in 0..3 {
            m.request_done("GET", "/api/listings", 200, 0.001);
        }
        m.request_done("GET", "/api/listings", 429, 0.001);
        m.request_done("POST", "/api/listings", 200, 0.001);
        m.request_done("GET", "/healthz", 200, 0.001);
        let text = m.render();
        let count = |labels: &str| {
            let head = format!("{HTTP_REQUEST_DURATION}_count{{{labels}}} ");
            let line = text.lines().find(|l| l.starts_with(&head));
            line.map(|l| l[head.len()..].to_owned())
        };
        let get = |route: &str, method: &str, status: u16| {
            count(&format!(
                "method=\"{method}\",route=\"{route}\",status=\"{status}\""
            ))
        };
        assert_eq!(
            get("/api/listings", "GET", 200).as_deref(),
            Some("3"),
            "{text}"
        );
        assert_eq!(get("/api/listings", "GET", 429).as_deref(), Some("1"));
        assert_eq!(get("/api/listings", "POST", 200).as_deref(), Some("1"));
        assert_eq!(get("/healthz", "GET", 200).as_deref(), Some("1"));
    }

    #[test]
    fn a_disabled_registry_renders_nothing_and_records_nothing() {
        let m = Metrics::disabled();
        m.listings_created.increment(1);
        m.request_done("GET", "/healthz", 200, 0.001);
        m.budget("read").refused.increment(1);
        assert_eq!(m.render(), "");
        assert!(!m.is_enabled());
    }
}

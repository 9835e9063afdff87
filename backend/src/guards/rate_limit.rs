//! The three budgets (read, write, challenge) as route-group middleware. Every
//! answer carries the `RateLimit-Policy` and `RateLimit` fields of
//! draft-ietf-httpapi-ratelimit-headers-11 (`"read";q=120;w=60` and
//! `"read";r=119;t=60`); a refusal is 429 RATE_LIMITED with `Retry-After`: the
//! whole seconds, rounded up, until a slot frees.
use std::{sync::Arc, time::Duration};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Response},
    Extension,
};

use serde::{Deserialize, Serialize};

use crate::{
    client_ip::{ClientIdentity, ClientKey},
    config::Config,
    error::ApiError,
    limiter::{redis_store::RedisShared, Decision, LimiterConfig, RateStore},
    metrics::{BudgetMetrics, Metrics},
};

/// One named budget: N requests per window W per client key.
pub struct Budget {
    name: &'static str,
    /// None: the budget is switched off (`max` 0); nothing is counted and answers
    /// carry no RateLimit fields.
    store: Option<RateStore>,
    policy: HeaderValue,
    metrics: BudgetMetrics,
}

impl Budget {
    /// A budget counted in this process's memory, without metrics (tests).
    pub fn new(name: &'static str, max: u32, window_secs: u64, max_tracked: usize) -> Self {
        Self::with_store(
            name,
            max,
            window_secs,
            max_tracked,
            &Metrics::disabled(),
            None,
        )
    }

    /// `redis`: the shared store (`RATE_STORE=redis`); None counts in memory.
    pub fn with_store(
        name: &'static str,
        max: u32,
        window_secs: u64,
        max_tracked: usize,
        metrics: &Metrics,
        redis: Option<&Arc<RedisShared>>,
    ) -> Self {
        let window = Duration::from_secs(window_secs);
        let store = (max > 0).then(|| {
            let cfg = LimiterConfig {
                max,
                window,
                max_tracked,
            };
            match redis {
                Some(shared) => RateStore::redis(shared.clone(), name, cfg),
                None => RateStore::memory(cfg),
            }
        });
        let policy =
            HeaderValue::try_from(format!("\"{name}\";q={max};w={window_secs}")).expect("ASCII");
        Self {
            name,
            store,
            policy,
            metrics: metrics.budget(name),
        }
    }

    /// Copies the store's own figures into the gauges (at scrape time).
    pub fn sample_metrics(&self) {
        if let Some(store) = &self.store {
            self.metrics.tracked_keys.set(store.tracked() as f64);
            self.metrics.table_full.absolute(store.table_full_events());
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The budget's counters; None when it is switched off.
    pub fn store(&self) -> Option<&RateStore> {
        self.store.as_ref()
    }

    /// This client's state of the budget, counting nothing; None when it is off.
    pub async fn peek(&self, key: ClientKey) -> Option<BudgetState> {
        let decision = self.store.as_ref()?.peek(key).await;
        Some(match decision {
            Decision::Allowed {
                limit, remaining, ..
            } if remaining > 0 => BudgetState {
                limit,
                remaining,
                retry_after_secs: 0,
            },
            Decision::Allowed {
                limit, reset_after, ..
            } => BudgetState {
                limit,
                remaining: 0,
                retry_after_secs: ceil_secs(reset_after),
            },
            Decision::Limited { limit, retry_after } => BudgetState {
                limit,
                remaining: 0,
                retry_after_secs: ceil_secs(retry_after),
            },
        })
    }

    fn headers(&self, remaining: u32, reset: Duration, out: &mut HeaderMap) {
        out.insert("ratelimit-policy", self.policy.clone());
        let value = format!("\"{}\";r={remaining};t={}", self.name, ceil_secs(reset));
        out.insert("ratelimit", HeaderValue::try_from(value).expect("ASCII"));
    }
}

/// A budget as one client stands with it (the challenge answer's `write_budget`):
/// `remaining` requests may be made now; with none, `retry_after_secs` is the exact
/// wait until one is accepted (rounded up, at least 1), else 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BudgetState {
    pub limit: u32,
    pub remaining: u32,
    pub retry_after_secs: u64,
}

/// Whole seconds, rounded up, at least 1.
pub fn ceil_secs(d: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.max(1)
}

#[derive(Clone)]
pub struct Budgets {
    pub read: Arc<Budget>,
    pub write: Arc<Budget>,
    pub challenge: Arc<Budget>,
}

impl Budgets {
    /// `redis`: the shared store when `RATE_STORE=redis`.
    pub fn from_config(c: &Config, metrics: &Metrics, redis: Option<&Arc<RedisShared>>) -> Self {
        let tracked = usize::try_from(c.rate_max_tracked_clients).unwrap_or(usize::MAX);
        let budget = |name, max, window_secs| {
            Arc::new(Budget::with_store(
                name,
                max,
                window_secs,
                tracked,
                metrics,
                redis,
            ))
        };
        Self {
            read: budget("read", c.rate_read_max, c.rate_read_window_secs),
            write: budget("write", c.rate_write_max, c.rate_write_window_secs),
            challenge: budget(
                "challenge",
                c.rate_challenge_max,
                c.rate_challenge_window_secs,
            ),
        }
    }

    pub fn all(&self) -> [&Arc<Budget>; 3] {
        [&self.read, &self.write, &self.challenge]
    }
}

/// The middleware: `from_fn_with_state(budget, enforce)` on a route group.
pub async fn enforce(
    State(budget): State<Arc<Budget>>,
    Extension(client): Extension<ClientIdentity>,
    req: Request,
    next: Next,
) -> Response {
    let Some(store) = &budget.store else {
        return next.run(req).await;
    };
    match store.check(client.key).await {
        Decision::Allowed {
            remaining,
            reset_after,
            ..
        } => {
            let mut res = next.run(req).await;
            budget.headers(remaining, reset_after, res.headers_mut());
            res
        }
        Decision::Limited { retry_after, .. } => {
            budget.metrics.refused.increment(1);
            // No client address in the log: only the budget and the wait.
            tracing::info!(
                budget = budget.name,
                retry_after_ms = retry_after.as_millis() as u64,
                "rate limited"
            );
            let mut res = ApiError::RateLimited {
                retry_after_secs: ceil_secs(retry_after),
            }
            .into_response();
            budget.headers(0, retry_after, res.headers_mut());
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(ceil_secs(Duration::ZERO), 1);
        assert_eq!(ceil_secs(Duration::from_millis(1)), 1);
        assert_eq!(ceil_secs(Duration::from_millis(1000)), 1);
        assert_eq!(ceil_secs(Duration::from_millis(1001)), 2);
        assert_eq!(ceil_secs(Duration::from_secs(59)), 59);
    }

    #[test]
    fn switched_off_budget_has_no_store() {
        assert!(Budget::new("read", 0, 60, 100).store().is_none());
        assert!(Budget::new("read", 1, 60, 100).store().is_some());
    }
}

//! The three budgets (read, write, challenge) as route-group middleware. Every
//! answer carries the `RateLimit-Policy` and `RateLimit` fields of
//! draft-ietf-httpapi-ratelimit-headers-11 (`"read";q=120;w=60` and
//! `"read";r=119;t=60`); a refusal is 429 RATE_LIMITED with `Retry-After`: the
//! whole seconds, rounded up, until a slot frees.
use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
};
use futures_util::future::BoxFuture;
use pin_project_lite::pin_project;
use serde::{Deserialize, Serialize};
use tower::{Layer, Service};

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
    /// Counts one request of `key`; None when the budget is switched off.
    pub async fn check(&self, key: ClientKey) -> Option<Decision> {
        Some(self.store.as_ref()?.check(key).await)
    }

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

    fn fields(&self, remaining: u32, reset: Duration) -> Fields {
        let value = format!("\"{}\";r={remaining};t={}", self.name, ceil_secs(reset));
        Fields {
            policy: self.policy.clone(),
            state: HeaderValue::try_from(value).expect("ASCII"),
        }
    }
}

enum Verdict {
    Go(Fields),
    Refused(Response),
}

/// The `RateLimit-Policy` and `RateLimit` fields of one answer.
pub struct Fields {
    policy: HeaderValue,
    state: HeaderValue,
}

impl Fields {
    fn apply(self, out: &mut HeaderMap) {
        out.insert("ratelimit-policy", self.policy);
        out.insert("ratelimit", self.state);
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

impl Budget {
    /// What the guard does with `decision`: an allowed request goes on, with the
    /// `RateLimit` fields its answer will carry; a refused one is answered here (429).
    fn judge(&self, decision: Decision) -> Verdict {
        match decision {
            Decision::Allowed {
                remaining,
                reset_after,
                ..
            } => Verdict::Go(self.fields(remaining, reset_after)),
            Decision::Limited { retry_after, .. } => {
                self.metrics.refused.increment(1);
                // No client address in the log: only the budget and the wait.
                tracing::info!(
                    budget = self.name,
                    retry_after_ms = retry_after.as_millis() as u64,
                    "rate limited"
                );
                let mut res = ApiError::RateLimited {
                    retry_after_secs: ceil_secs(retry_after),
                }
                .into_response();
                self.fields(0, retry_after).apply(res.headers_mut());
                Verdict::Refused(res)
            }
        }
    }
}

/// The guard: `route_layer(BudgetLayer(budget))` on a route group, inside the client
/// identity layer. A tower layer rather than `middleware::from_fn` (which clones the
/// inner service and boxes its future on every request, see `metrics::http::TrackLayer`):
/// the memory store decides at once, so only the Redis store's round trip needs a
/// boxed future.
#[derive(Clone)]
pub struct BudgetLayer(pub Arc<Budget>);

impl<S> Layer<S> for BudgetLayer {
    type Service = Enforce<S>;

    fn layer(&self, inner: S) -> Enforce<S> {
        Enforce {
            inner,
            budget: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Enforce<S> {
    inner: S,
    budget: Arc<Budget>,
}

impl<S> Service<Request> for Enforce<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EnforceFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let Some(store) = &self.budget.store else {
            return EnforceFuture::pass(self.inner.call(req), None);
        };
        let Some(&ClientIdentity { key, .. }) = req.extensions().get::<ClientIdentity>() else {
            let e = ApiError::Internal(anyhow::anyhow!("budget without the client-identity layer"));
            return EnforceFuture::answer(e.into_response());
        };
        if let Some(decision) = store.check_now(key) {
            return match self.budget.judge(decision) {
                Verdict::Go(fields) => EnforceFuture::pass(self.inner.call(req), Some(fields)),
                Verdict::Refused(res) => EnforceFuture::answer(res),
            };
        }
        // The service polled ready is the one that must be called: it goes into the
        // future, and a clone stays for the next request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let budget = self.budget.clone();
        EnforceFuture::Waiting {
            fut: Box::pin(async move {
                match budget.check(key).await.map(|d| budget.judge(d)) {
                    Some(Verdict::Refused(res)) => Ok(res),
                    Some(Verdict::Go(fields)) => {
                        let mut res = inner.call(req).await?;
                        fields.apply(res.headers_mut());
                        Ok(res)
                    }
                    None => inner.call(req).await,
                }
            }),
        }
    }
}

pin_project! {
    /// The answer of a guarded request: the inner service's (with the budget's fields
    /// added), the guard's own, or the Redis store's check then the inner service.
    #[project = EnforceProj]
    pub enum EnforceFuture<F> {
        Pass { #[pin] fut: F, fields: Option<Fields> },
        Answer { res: Option<Response> },
        Waiting { fut: BoxFuture<'static, Result<Response, Infallible>> },
    }
}

impl<F> EnforceFuture<F> {
    fn pass(fut: F, fields: Option<Fields>) -> Self {
        Self::Pass { fut, fields }
    }

    fn answer(res: Response) -> Self {
        Self::Answer { res: Some(res) }
    }
}

impl<F> Future for EnforceFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            EnforceProj::Pass { fut, fields } => {
                let mut res = std::task::ready!(fut.poll(cx))?;
                if let Some(fields) = fields.take() {
                    fields.apply(res.headers_mut());
                }
                Poll::Ready(Ok(res))
            }
            EnforceProj::Answer { res } => Poll::Ready(Ok(res
                .take()
                .expect("EnforceFuture polled after completion"))),
            EnforceProj::Waiting { fut } => fut.as_mut().poll(cx),
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

    mod layer {
        use std::net::IpAddr;

        use axum::{body::Body, http::StatusCode};
        use tower::{service_fn, ServiceExt};

        use super::*;
        use crate::error::answer_code;

        fn client() -> ClientIdentity {
            let addr: IpAddr = "198.51.100.7".parse().unwrap();
            ClientIdentity {
                addr,
                key: ClientKey::new(addr, 32, 64),
            }
        }

        async fn through(budget: &Arc<Budget>, client: Option<ClientIdentity>) -> Response {
            let ok = service_fn(|_: Request| async {
                Ok::<_, Infallible>(StatusCode::OK.into_response())
            });
            let mut req = Request::new(Body::empty());
            if let Some(client) = client {
                req.extensions_mut().insert(client);
            }
            BudgetLayer(budget.clone())
                .layer(ok)
                .oneshot(req)
                .await
                .unwrap()
        }

        fn field<'a>(res: &'a Response, name: &str) -> &'a str {
            res.headers()[name].to_str().unwrap()
        }

        #[tokio::test]
        async fn allowed_answers_carry_the_fields_and_the_n_plus_first_is_refused() {
            let budget = Arc::new(Budget::new("read", 2, 60, 100));
            for left in [1, 0] {
                let res = through(&budget, Some(client())).await;
                assert_eq!(res.status(), 200);
                assert_eq!(field(&res, "ratelimit-policy"), "\"read\";q=2;w=60");
                let state = field(&res, "ratelimit");
                assert!(
                    state.starts_with(&format!("\"read\";r={left};t=")),
                    "{state}"
                );
            }
            let res = through(&budget, Some(client())).await;
            assert!(field(&res, "ratelimit").starts_with("\"read\";r=0;t="));
            assert!(res.headers().contains_key("retry-after"));
            assert_eq!(answer_code(res).await, (429, "RATE_LIMITED".into()));
        }

        #[tokio::test]
        async fn a_route_without_the_identity_layer_is_an_internal_error() {
            let budget = Arc::new(Budget::new("read", 2, 60, 100));
            let res = through(&budget, None).await;
            assert_eq!(answer_code(res).await, (500, "INTERNAL".into()));
        }

        #[tokio::test]
        async fn a_switched_off_budget_passes_without_fields() {
            let budget = Arc::new(Budget::new("read", 0, 60, 100));
            for client in [Some(client()), None] {
                let res = through(&budget, client).await;
                assert_eq!(res.status(), 200);
                assert!(!res.headers().contains_key("ratelimit"));
                assert!(!res.headers().contains_key("ratelimit-policy"));
            }
        }
    }
}

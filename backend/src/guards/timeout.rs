//! Handler deadlines: reads 3 s, writes 5 s. When one passes, the handler's future
//! is dropped (which cancels its database work) and the client gets 503 UNAVAILABLE
//! (tower-http's TimeoutLayer would answer 408, which blames the client).
use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    task::{ready, Context, Poll},
    time::Duration,
};

use axum::{
    extract::Request,
    response::{IntoResponse, Response},
};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::error::ApiError;

pub const READ_TIMEOUT: Duration = Duration::from_secs(3);
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// The guard: `route_layer(DeadlineLayer(READ_TIMEOUT))` on a route group. A tower
/// layer rather than `middleware::from_fn`, which clones the inner service and boxes
/// its future on every request (see `metrics::http::TrackLayer`); this one only wraps
/// the inner future in tokio's `Timeout`.
#[derive(Clone, Copy, Debug)]
pub struct DeadlineLayer(pub Duration);

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Deadline<S> {
        Deadline {
            inner,
            limit: self.0,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Deadline<S> {
    inner: S,
    limit: Duration,
}

impl<S> Service<Request> for Deadline<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = DeadlineFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The deadline starts now, when the guard is reached (tokio takes the instant here).
        DeadlineFuture {
            inner: tokio::time::timeout(self.limit, self.inner.call(req)),
            limit: self.limit,
        }
    }
}

pin_project! {
    /// The handler's future under its deadline.
    pub struct DeadlineFuture<F> {
        #[pin]
        inner: tokio::time::Timeout<F>,
        limit: Duration,
    }
}

impl<F> Future for DeadlineFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        Poll::Ready(match ready!(this.inner.poll(cx)) {
            Ok(answer) => answer,
            Err(_elapsed) => {
                tracing::warn!(
                    timeout_ms = this.limit.as_millis() as u64,
                    "handler deadline passed"
                );
                Ok(ApiError::Unavailable.into_response())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::StatusCode};
    use tower::{service_fn, ServiceExt};

    use super::*;
    use crate::error::answer_code;

    #[tokio::test]
    async fn an_answer_in_time_passes_and_a_late_one_becomes_503() {
        let deadline = DeadlineLayer(Duration::from_millis(50));
        let quick = service_fn(|_: Request| async {
            Ok::<_, Infallible>(StatusCode::IM_A_TEAPOT.into_response())
        });
        let res = deadline.layer(quick).oneshot(Request::new(Body::empty()));
        assert_eq!(res.await.unwrap().status(), StatusCode::IM_A_TEAPOT);
        // A handler that never answers (a stuck query): the deadline answers for it.
        let stuck = service_fn(|_: Request| std::future::pending::<Result<Response, Infallible>>());
        let res = deadline.layer(stuck).oneshot(Request::new(Body::empty()));
        assert_eq!(
            answer_code(res.await.unwrap()).await,
            (503, "UNAVAILABLE".into())
        );
    }
}

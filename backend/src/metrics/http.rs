//! The request middleware: `http_server_request_duration_seconds` by method, matched
//! route and status, and `http_server_active_requests`. Installed on the public
//! router only when metrics are on, so switching them off removes its cost entirely.
use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{Arc, RwLock},
    task::{ready, Context, Poll},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request},
    http::Method,
    response::Response,
};
use foldhash::fast::RandomState;
use metrics::{Histogram, Label, SharedString};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::Metrics;
use crate::error::DbPoolTimedOut;

/// The route label of every request no route matched: the web UI's files and
/// client-side routes, and whatever path a scanner tries (a raw path is never a label).
pub const UNMATCHED: &str = "unmatched";

/// The route label of every unknown API path (`/api`, `/api/`, `/api/anything`): the
/// API's fallback answers them, and no route of the router matched.
pub const UNKNOWN_API: &str = "/api/{*rest}";

/// A response extension naming the route label of an answer that no route matched
/// but that is not the web UI's (the API's fallback sets it).
#[derive(Clone, Copy, Debug)]
pub struct RouteLabel(pub &'static str);

/// Methods outside the standard ones share one label value (OpenTelemetry's `_OTHER`),
/// so a client cannot invent label values.
pub fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
}

/// The status code as a label value; the statuses this server answers are borrowed
/// from a static table (no allocation per request), any other is formatted.
pub fn status_label(status: u16) -> SharedString {
    const COMMON: [(u16, &str); 16] = [
        (200, "200"),
        (201, "201"),
        (204, "204"),
        (304, "304"),
        (400, "400"),
        (403, "403"),
        (404, "404"),
        (405, "405"),
        (408, "408"),
        (409, "409"),
        (413, "413"),
        (415, "415"),
        (429, "429"),
        (500, "500"),
        (503, "503"),
        (206, "206"),
    ];
    match COMMON.iter().find(|(code, _)| *code == status) {
        Some((_, s)) => SharedString::const_str(s),
        None => SharedString::from(status.to_string()),
    }
}

/// The request histograms by route, then method and status: registered on first use
/// and then found with one read lock, one hash of the route and a scan of a few
/// entries, where registering per request would allocate the labels and hash them
/// all (about 1-2 µs a request here). Bounded: routes are the router's own (or
/// `unmatched`), methods a fixed set, statuses what this server answers.
#[derive(Default)]
pub struct RequestHistograms {
    routes: RwLock<HashMap<Box<str>, Arc<RouteHistograms>, RandomState>>,
}

type RouteHistograms = RwLock<Vec<(&'static str, u16, Histogram)>>;

impl RequestHistograms {
    pub(super) fn get(
        &self,
        reg: &super::Registry,
        method: &'static str,
        route: &str,
        status: u16,
    ) -> Histogram {
        let found = self
            .routes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(route)
            .cloned();
        let per_route = found.unwrap_or_else(|| {
            let mut routes = self.routes.write().unwrap_or_else(|p| p.into_inner());
            routes.entry(route.into()).or_default().clone()
        });
        let hit = per_route
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(m, s, _)| *m == method && *s == status)
            .map(|(_, _, h)| h.clone());
        hit.unwrap_or_else(|| {
            let mut list = per_route.write().unwrap_or_else(|p| p.into_inner());
            if let Some((_, _, h)) = list.iter().find(|(m, s, _)| *m == method && *s == status) {
                return h.clone();
            }
            let labels = vec![
                Label::new("method", method),
                Label::new("route", route.to_owned()),
                Label::new("status", status_label(status)),
            ];
            let h = reg.histogram(super::HTTP_REQUEST_DURATION, labels);
            list.push((method, status, h.clone()));
            h
        })
    }
}

/// Keeps `http_server_active_requests` right when a request future is dropped
/// (client gone, shutdown) as well as when it completes.
struct Active(Arc<Metrics>);

impl Active {
    fn enter(metrics: Arc<Metrics>) -> Self {
        metrics.http_active_requests.increment(1.0);
        Self(metrics)
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.0.http_active_requests.decrement(1.0);
    }
}

/// The outermost layer of the public router (`Router::layer` runs after routing, so
/// the matched route is known). A tower layer rather than `middleware::from_fn`:
/// `from_fn` clones the inner service and boxes its future on every request, about
/// 0.8 µs here, more than the recording itself (`benches/metrics.rs`).
#[derive(Clone)]
pub struct TrackLayer(pub Arc<Metrics>);

impl<S> Layer<S> for TrackLayer {
    type Service = Track<S>;

    fn layer(&self, inner: S) -> Track<S> {
        Track {
            inner,
            metrics: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Track<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> Service<Request> for Track<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = TrackFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let method = method_label(req.method());
        // A nested router's fallback may match through a route axum names itself
        // (`__private__axum...`): that is a fallback too.
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .filter(|p| !p.as_str().contains("__private__"))
            .cloned();
        let active = Active::enter(self.metrics.clone());
        TrackFuture {
            inner: self.inner.call(req),
            method,
            route,
            start: Instant::now(),
            active,
        }
    }
}

pin_project! {
    /// The inner service's future; records the request when it completes.
    pub struct TrackFuture<F> {
        #[pin]
        inner: F,
        method: &'static str,
        route: Option<MatchedPath>,
        start: Instant,
        active: Active,
    }
}

impl<F, E> Future for TrackFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let res = ready!(this.inner.poll(cx))?;
        let secs = this.start.elapsed().as_secs_f64();
        let route = match res.extensions().get::<RouteLabel>() {
            Some(RouteLabel(label)) => label,
            None => this.route.as_ref().map_or(UNMATCHED, MatchedPath::as_str),
        };
        let metrics = &this.active.0;
        metrics.request_done(this.method, route, res.status().as_u16(), secs);
        if res.extensions().get::<DbPoolTimedOut>().is_some() {
            metrics.db_pool_acquire_timeouts.increment(1);
        }
        Poll::Ready(Ok(res))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(
            method_label(&Method::from_bytes(b"BREW").unwrap()),
            "_OTHER"
        );
    }

    #[test]
    fn status_labels_are_the_code() {
        for code in [200, 201, 206, 404, 429, 503, 418, 599] {
            assert_eq!(&*status_label(code), code.to_string());
        }
    }
}

//! The per-request cost of recording the request metrics (`metrics::http::track`):
//! the same tiny router with the layer and without it, side by side in one run, so
//! the difference is the recording (the histogram lookup and record, the active
//! gauge, two clock reads). Target: at most 2 µs per request.
//! Run with `cargo bench -p powboard --bench metrics`.
use std::{hint::black_box, sync::Arc};

use axum::{body::Body, http::Request, routing::get, Router};
use criterion::{criterion_group, criterion_main, Criterion};
use powboard::metrics::{http::TrackLayer, Metrics};
use tower::ServiceExt;

fn app(metrics: Option<Arc<Metrics>>) -> Router {
    let api = Router::new()
        .route("/api/listings/{id}", get(|| async { "listing" }))
        .route("/healthz", get(|| async { "ok" }));
    match metrics {
        Some(m) => api.layer(TrackLayer(m)),
        None => api,
    }
}

fn request_recording(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let with = app(Some(Arc::new(Metrics::enabled())));
    let without = app(None);
    for (name, router) in [("metrics off", &without), ("metrics on", &with)] {
        c.bench_function(&format!("request /api/listings/{{id}}, {name}"), |b| {
            b.iter(|| {
                let req = Request::get("/api/listings/42")
                    .body(Body::empty())
                    .unwrap();
                black_box(rt.block_on(router.clone().oneshot(req)).unwrap())
            })
        });
    }
}

criterion_group!(benches, request_recording);
criterion_main!(benches);

//! The web UI: static files from `WEB_DIR` (precompressed `.br` / `.gz` siblings
//! served when the client accepts them), `index.html` for client-side routes, and a
//! plain page when the UI has not been built.
use std::path::Path;

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{Html, IntoResponse, Response},
    Router,
};
use tower_http::services::{ServeDir, ServeFile};

pub fn router(web_dir: &Path) -> Router {
    let index = web_dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(web_dir = %web_dir.display(), "no built web UI found (run: make frontend-build); serving a notice instead");
        return Router::new().fallback(not_built);
    }
    let files = ServeDir::new(web_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(index)
                .precompressed_br()
                .precompressed_gzip(),
        );
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_headers))
}

/// Hashed build assets never change; everything else (index.html) is revalidated.
async fn cache_headers(req: Request, next: Next) -> Response {
    let immutable = req.uri().path().starts_with("/assets/");
    let mut res = next.run(req).await;
    let value = if immutable && res.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

async fn not_built() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html("<!doctype html><title>powboard</title><h1>powboard</h1><p>The web UI is not built. \
              Run <code>make frontend-build</code> (or <code>make run</code>), or point WEB_DIR at a build. \
              The API is up under <code>/api/</code>.</p>"),
    )
}

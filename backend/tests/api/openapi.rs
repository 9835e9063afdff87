//! The OpenAPI description against the router that serves it: every route the
//! router serves is described, every described route is served, and the document
//! is OpenAPI 3.1 (checked against the specification's own JSON Schema).
use std::collections::BTreeSet;

use powboard::{router, secrets::Secrets, state::AppState};
use reqwest::Method;
use serde_json::Value;
use sqlx::PgPool;

use crate::common::{repo_root, TestApp};

/// The methods an OpenAPI path item can describe. HEAD is left out: axum answers it
/// for every GET route, as HTTP defines HEAD (a GET without the body).
const METHODS: [&str; 7] = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "PATCH", "TRACE"];

/// Every `(METHOD, path)` the document describes.
fn described(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths is an object");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(m.to_lowercase()).is_some())
                .map(|m| (m.to_string(), path.clone()))
        })
        .collect()
}

/// Every path in the router. axum has no API to list routes; its `Debug` output
/// names each one (`path_router: ... RouteId(3): "/api/listings"`), which is what
/// this reads. An
/// axum upgrade that changes that output fails the non-empty check below, loudly.
fn router_paths(router: &axum::Router) -> BTreeSet<String> {
    let debug = format!("{router:?}");
    // The routes proper; the fallback router that follows holds only catch-alls.
    let routes = debug.split("fallback_router:").next().unwrap_or_default();
    let mut paths = BTreeSet::new();
    let mut rest = routes;
    while let Some(i) = rest.find("RouteId(") {
        rest = &rest[i..];
        let Some(start) = rest.find("): \"") else {
            break;
        };
        let tail = &rest[start + 4..];
        let end = tail.find('"').expect("a closing quote");
        paths.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
    // axum's own names for the catch-alls of nested fallbacks: not routes of ours.
    paths.retain(|p| !p.contains("__private__axum"));
    paths
}

/// Whether the app serves `method` on `path`: anything but the API's fallbacks
/// (404 NOT_FOUND for an unknown path, 405 for a known path with another method).
async fn serves(app: &TestApp, method: &str, path: &str) -> bool {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let res = app
        .http
        .request(method, app.url(path))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    let fallback_404 = status == 404 && body["error"]["code"] == "NOT_FOUND";
    !(status == 405 || fallback_404)
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn every_route_served_is_described_and_every_route_described_is_served(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    let described = described(&doc);

    let secrets = Secrets::resolve(&app.config).unwrap();
    let state = AppState::new(&app.config, pool, secrets).unwrap();
    let paths = router_paths(&router::router(state, &app.config));
    assert!(
        paths.contains("/api/listings") && paths.contains("/healthz"),
        "the router's paths could not be read from its Debug output: {paths:?}"
    );
    let mut served = BTreeSet::new();
    for path in &paths {
        for method in METHODS {
            if serves(&app, method, path).await {
                served.insert((method.to_owned(), path.clone()));
            }
        }
    }
    let undescribed: Vec<_> = served.difference(&described).collect();
    let unserved: Vec<_> = described.difference(&served).collect();
    assert!(
        undescribed.is_empty() && unserved.is_empty(),
        "served but not described: {undescribed:?}; described but not served: {unserved:?}"
    );
    app.stop().await.unwrap();
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_document_is_openapi_3_1(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.get("/api/openapi.json").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    // Behind the read budget like every other read.
    assert!(res.headers().contains_key("ratelimit-policy"));
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
    // The OpenAPI Initiative's schema of 3.1 documents (2022-10-07), as published.
    let schema_path = repo_root().join("backend/tests/data/openapi-3.1-schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the 3.1 schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "not OpenAPI 3.1: {errors:#?}");
    // The document `powboard openapi` prints is the one served.
    assert_eq!(
        doc,
        serde_json::from_str::<Value>(powboard::routes::document_json()).unwrap()
    );
    app.stop().await.unwrap();
}

/// Found by Schemathesis: the server reads an empty `country` or `limit` as absent
/// (what an HTML form's empty field sends), and the description said two letters
/// and an integer, so a conforming client could not know `country=` is valid.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn empty_filters_are_described_as_the_server_reads_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (status, body) = app.get_json("/api/listings?country=&limit=").await;
    assert_eq!(status, 200, "{body}");
    let (_, doc) = app.get_json("/api/openapi.json").await;
    let params = doc["paths"]["/api/listings"]["get"]["parameters"]
        .as_array()
        .unwrap();
    for name in ["country", "limit"] {
        let schema = &params.iter().find(|p| p["name"] == name).unwrap()["schema"];
        let validator = jsonschema::validator_for(schema).unwrap();
        assert!(validator.is_valid(&Value::from("")), "{name}: {schema}");
    }
    app.stop().await.unwrap();
}

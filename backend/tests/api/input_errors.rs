//! Every bad request gets its 4xx code, never a 500, and nothing is written.
use crate::common;

use common::{error_code, TestApp};
use reqwest::header::HeaderMap;
use sqlx::PgPool;

async fn post_raw(app: &TestApp, body: &str, content_type: Option<&str>) -> (u16, String) {
    let pow = app.solved().await;
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert("content-type", ct.parse().unwrap());
    }
    let mut req = app
        .post_request(&pow)
        .headers(headers)
        .body(body.to_owned());
    if content_type.is_none() {
        req = req.header("content-type", "");
    }
    error_code(req.send().await.unwrap()).await
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn bad_listing_text_is_refused_and_nothing_is_written(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let too_long = "é".repeat(256);
    let cases = [
        r#"{"body":"nul \u0000 inside"}"#.to_owned(),
        r#"{"body":"bell \u0007"}"#.to_owned(),
        format!(r#"{{"body":"{too_long}"}}"#),
        r#"{"body":"   \n\t  "}"#.to_owned(),
        r#"{"body":""}"#.to_owned(),
        r#"{"body":"ok","extra":1}"#.to_owned(),
        r#"{"text":"wrong field"}"#.to_owned(),
        r#"{"body":42}"#.to_owned(),
        r#"{"body":"unterminated"#.to_owned(),
        "not json".to_owned(),
        "[]".to_owned(),
    ];
    for body in &cases {
        assert_eq!(
            post_raw(&app, body, Some("application/json")).await,
            (400, "INVALID_INPUT".to_owned()),
            "{body}"
        );
    }
    // Exactly 255 characters is fine.
    let ok = format!(r#"{{"body":"{}"}}"#, "é".repeat(255));
    let pow = app.solved().await;
    assert_eq!(
        app.post_solved(&ok, &pow, HeaderMap::new()).await.status(),
        201
    );
    assert_eq!(app.listing_count().await, 1);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn content_type_must_be_json(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let body = r#"{"body":"hello"}"#;
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonx"),
        None,
    ] {
        assert_eq!(
            post_raw(&app, body, ct).await,
            (415, "UNSUPPORTED_MEDIA_TYPE".to_owned()),
            "{ct:?}"
        );
    }
    let pow = app.solved().await;
    let res = app
        .post_request(&pow)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(app.listing_count().await, 1);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn oversized_bodies_are_413_even_when_chunked(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| c.body_limit_bytes = 1024).await;
    let big = format!(r#"{{"body":"{}"}}"#, "a".repeat(2000));
    assert_eq!(
        post_raw(&app, &big, Some("application/json")).await,
        (413, "PAYLOAD_TOO_LARGE".to_owned())
    );

    // The same body streamed without Content-Length (chunked transfer encoding).
    let pow = app.solved().await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.as_bytes().chunks(100).map(|c| Ok(c.to_vec())).collect();
    let stream = futures_util::stream::iter(chunks);
    let res = app
        .post_request(&pow)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await, (413, "PAYLOAD_TOO_LARGE".to_owned()));
    assert_eq!(app.listing_count().await, 0);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn bad_query_parameters_are_400(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for path in [
        "/api/listings?limit=0",
        "/api/listings?limit=101",
        "/api/listings?limit=-5",
        "/api/listings?limit=ten",
        "/api/listings?cursor=garbage",
        "/api/listings?cursor=AAAAAAAAAAAAAAAAAAAAAA",
        "/api/listings?country=DEU",
        "/api/listings?country=1",
        "/api/listings?q=%00",
        &format!("/api/listings?q={}", "a".repeat(201)),
    ] {
        let res = app.get(path).send().await.unwrap();
        assert_eq!(
            error_code(res).await,
            (400, "INVALID_INPUT".to_owned()),
            "{path}"
        );
    }
    for path in [
        "/api/listings?limit=1",
        "/api/listings?limit=100",
        "/api/listings?q=",
        "/api/listings?q=%21%21",
    ] {
        assert_eq!(app.get(path).send().await.unwrap().status(), 200, "{path}");
    }
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn search_syntax_in_queries_is_just_text(pool: PgPool) {
    common::seed(
        &pool,
        &[
            ("it's a (test) & more | !not", None),
            ("e-mail me at bob@example.com", None),
        ],
    )
    .await;
    let app = TestApp::spawn(pool).await;
    for q in [
        "it's",
        "(test)",
        "%26",
        "|",
        "!not",
        "a:*",
        "'",
        "\\",
        "e-mai",
        "bob@example.com",
        "example.com",
    ] {
        let res = app
            .get(&format!("/api/listings?q={q}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "q={q}");
    }
    let (_, page) = app.get_json("/api/listings?q=e-mail").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (_, page) = app.get_json("/api/listings?q=bob@example.com").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

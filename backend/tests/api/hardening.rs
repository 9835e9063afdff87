//! What an adversarial probe of the release binary found (issue 10), one test per
//! finding: each failed before its fix.
use crate::common;

use std::{io::Write as _, time::Duration};

use common::{error_code, TestApp};
use reqwest::header::HeaderMap;
use serde_json::Value;
use sqlx::PgPool;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Sends raw bytes and reads until the response head is complete (or the server
/// closes); wide slack, since CI is a loaded machine.
async fn raw_head(app: &TestApp, request: &[u8]) -> String {
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let read = async {
        let mut chunk = [0u8; 4096];
        loop {
            let n = s.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("an answer within 60 s");
    String::from_utf8_lossy(&buf).to_lowercase()
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn an_oversized_declared_length_gets_413_at_once_and_a_close(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let head = raw_head(
        &app,
        b"POST /api/listings HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n\
          content-length: 100000000\r\nexpect: 100-continue\r\n\r\n",
    )
    .await;
    // The first line is the 413 itself: no `100 Continue` invites the body first.
    assert!(head.starts_with("http/1.1 413"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_stalled_body_gets_408_not_a_database_error(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let head = raw_head(
        &app,
        b"POST /api/listings HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n\
          content-length: 40\r\n\r\n{\"body\":",
    )
    .await;
    assert!(head.starts_with("http/1.1 408"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_request_followed_by_a_half_close_gets_its_answer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let addr = app.addr;
    // The client on its own OS thread, racing the server as a separate process does,
    // 200 times: without the fix one in four to one in two went unanswered (a single
    // attempt from the test's own runtime passed every time; checked by reverting).
    let mut unanswered = Vec::new();
    for attempt in 0..200 {
        let answer = tokio::task::spawn_blocking(move || {
            use std::io::Read as _;
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").unwrap();
            s.shutdown(std::net::Shutdown::Write).unwrap();
            let mut answer = Vec::new();
            let _ = s.read_to_end(&mut answer);
            String::from_utf8_lossy(&answer).into_owned()
        })
        .await
        .unwrap();
        if !(answer.starts_with("HTTP/1.0 200") && answer.contains(r#""status":"ok""#)) {
            unanswered.push((attempt, answer));
        }
    }
    assert!(
        unanswered.is_empty(),
        "{} of 200 requests followed by a half-close left unanswered: {:?}",
        unanswered.len(),
        unanswered.first()
    );
}

/// Finding 9: messages name no internal type and quote no parser, on inputs that reach
/// the deserializer's own messages (a body that is JSON but not an object, a repeated
/// query parameter). Putting axum's query rejection text back fails this test.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn error_messages_name_no_types_and_quote_no_parser(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let json = [("content-type", "application/json")];
    for body in ["5", "null", r#""text""#, "[]"] {
        let (status, code, message) = post(&app, &json, body.as_bytes().to_vec()).await;
        assert_eq!((status, code.as_str()), (400, "INVALID_INPUT"), "{body}");
        assert!(
            !message.contains("CreateListing") && !message.contains("struct"),
            "{body}: {message}"
        );
    }
    for query in ["limit=1&limit=2", "q=a&q=b"] {
        let res = app
            .get(&format!("/api/listings?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{query}");
        let v: Value = res.json().await.unwrap();
        let m = v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(!m.contains("Failed to deserialize"), "{query}: {m}");
    }
}

/// A solved POST with extra headers and a raw body: (status, code, message).
async fn post(app: &TestApp, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, String, String) {
    let pow = app.solved().await;
    let mut req = app.post_request(&pow);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.body(body).send().await.unwrap();
    let status = res.status().as_u16();
    let v: Value = res.json().await.unwrap();
    (
        status,
        v["error"]["code"].as_str().unwrap_or_default().to_owned(),
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn bodies_that_must_be_refused_are_not_stored(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let json = [("content-type", "application/json")];
    // A top-level array (serde's sequence form of a struct), without naming types.
    let (status, code, message) = post(&app, &json, br#"["text"]"#.to_vec()).await;
    assert_eq!((status, code.as_str()), (400, "INVALID_INPUT"));
    assert!(!message.contains("CreateListing"), "{message}");

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"{"body":"zipped"}"#).unwrap();
    let gz = gz.finish().unwrap();
    for encoding in ["gzip", "br", "deflate", "x-anything"] {
        let headers = [
            ("content-type", "application/json"),
            ("content-encoding", encoding),
        ];
        let (status, code, _) = post(&app, &headers, gz.clone()).await;
        assert_eq!((status, code.as_str()), (415, "UNSUPPORTED_MEDIA_TYPE"));
    }
    let plain = br#"{"body":"plain"}"#.to_vec();
    let (status, code, _) = post(
        &app,
        &[
            ("content-type", "application/json"),
            ("content-type", "text/plain"),
        ],
        plain.clone(),
    )
    .await;
    assert_eq!((status, code.as_str()), (415, "UNSUPPORTED_MEDIA_TYPE"));
    let (status, code, _) = post(
        &app,
        &[("content-type", "application/json; charset=utf-16")],
        plain,
    )
    .await;
    assert_eq!((status, code.as_str()), (415, "UNSUPPORTED_MEDIA_TYPE"));
    assert_eq!(app.listing_count().await, 0);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn text_a_reader_cannot_see_is_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for body in [
        "\u{202E}gnp.exe",
        "\u{2067}x",
        "\u{200B}\u{200B}",
        "\u{FEFF}",
        "\u{301}\u{301}",
        "ok \u{FFFE}",
        "ok \u{E000}",
    ] {
        let res = app.post(body).await;
        assert_eq!(
            error_code(res).await,
            (400, "INVALID_INPUT".to_owned()),
            "{body:?}"
        );
    }
    assert_eq!(app.listing_count().await, 0);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn search_text_is_normalized_and_must_be_utf8(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    assert_eq!(app.post("café crème").await.status(), 201);
    let (status, page) = app.get_json("/api/listings?q=cafe%CC%81").await;
    assert_eq!(status, 200);
    assert_eq!(common::bodies(&page), ["café crème"]);
    for bad in ["q=%ff", "q=caf%C3", "cursor=%80", "limit=%ff"] {
        let res = app
            .get(&format!("/api/listings?{bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(res).await,
            (400, "INVALID_INPUT".to_owned()),
            "{bad}"
        );
    }
    // Finding 9: a sign or leading zeros. (`limit=+5` arrives as " 5": a plus is a space
    // in a query string, refused before the fix too.)
    for bad in ["limit=%2B5", "limit=007", "limit=+5"] {
        let res = app
            .get(&format!("/api/listings?{bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(res).await,
            (400, "INVALID_INPUT".to_owned()),
            "{bad}"
        );
    }
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_spent_challenge_stays_spent_after_its_listing_is_deleted(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let pow = app.solved().await;
    let json = r#"{"body":"once"}"#;
    assert_eq!(
        app.post_solved(json, &pow, HeaderMap::new()).await.status(),
        201
    );
    sqlx::query("DELETE FROM listings")
        .execute(&pool)
        .await
        .unwrap();
    let again = app.post_solved(json, &pow, HeaderMap::new()).await;
    assert_eq!(error_code(again).await, (409, "POW_REPLAYED".to_owned()));
    assert_eq!(app.listing_count().await, 0);
}

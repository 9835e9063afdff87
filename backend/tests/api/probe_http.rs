//! Issue 20, what the probe found on the wire: repeated JSON keys (item 3), transfer
//! codings (item 4), answers that were not ours (item 7), the metrics label of unknown
//! API paths (item 9). Raw TCP where the request must be malformed on purpose. Each
//! failed before its fix.
use std::{io::Write as _, time::Duration};

use powboard::config::MetricsAddr;
use serde_json::Value;
use sqlx::PgPool;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::common::{error_code, Proof, TestApp, UA};

/// One answer read off a raw connection.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// The head, lowercased.
    head: String,
    body: Value,
    /// The server closed the connection after the answer.
    closed: bool,
}

/// Sends `request`, reads one answer (by its Content-Length) and, with `then_eof`,
/// waits for the server to close. Wide slack: CI is a loaded machine.
async fn exchange(app: &TestApp, request: &[u8], then_eof: bool) -> Answer {
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    // The server may answer (and close) before it read everything: ignore a reset.
    let _ = s.write_all(request).await;
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let (head_len, body_len) = loop {
            let n = s.read(&mut chunk).await.unwrap_or(0);
            assert!(
                n > 0,
                "closed without an answer: {:?}",
                String::from_utf8_lossy(&buf)
            );
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                break (i + 4, len);
            }
        };
        while buf.len() < head_len + body_len {
            let n = s.read(&mut chunk).await.unwrap_or(0);
            assert!(n > 0, "closed inside the body");
            buf.extend_from_slice(&chunk[..n]);
        }
        let closed = then_eof && matches!(s.read(&mut chunk).await, Ok(0) | Err(_));
        let head = String::from_utf8_lossy(&buf[..head_len]).to_lowercase();
        let status = head[9..12].parse().unwrap();
        let body =
            serde_json::from_slice(&buf[head_len..head_len + body_len]).unwrap_or(Value::Null);
        Answer {
            status,
            head,
            body,
            closed,
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("an answer within 60 s")
}

/// The README's error shape with `code`, as JSON.
fn assert_error(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{a:?}");
    assert!(a.head.contains("content-type: application/json"), "{a:?}");
    assert_eq!(a.body["error"]["code"], code, "{a:?}");
    let message = a.body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{a:?}");
}

fn post_head(pow: &Proof, extra: &str) -> String {
    format!(
        "POST /api/listings HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA}\r\n\
         Content-Type: application/json\r\nX-PoW-Challenge: {}\r\nX-PoW-Token: {}\r\n\
         X-PoW-Nonce: {}\r\n{extra}\r\n",
        pow.challenge, pow.token, pow.nonces
    )
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n0\r\n\r\n");
    out
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_repeated_json_key_is_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for body in [
        r#"{"body":"first","body":"second"}"#,
        r#"{"body":"same","body":"same"}"#,
        "{\"body\":\"a\",\"b\\u006fdy\":\"b\"}",
    ] {
        let pow = app.solved().await;
        let res = app
            .post_request(&pow)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, code) = error_code(res).await;
        assert_eq!((status, code.as_str()), (400, "INVALID_INPUT"), "{body}");
    }
    assert_eq!(app.listing_count().await, 0);
    // The command line reads the challenge's JSON the same way.
    let ch = serde_json::to_string(&app.challenge().await).unwrap();
    let twice = ch.replacen('{', r#"{"threshold":"ffffffffffffffff","#, 1);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_powboard"))
        .args(["pow", "solve", &twice])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("twice"));
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn transfer_codings_other_than_one_chunked_are_not_implemented(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let plain = chunked(br#"{"body":"coded"}"#);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"{"body":"zipped"}"#).unwrap();
    let gzipped = chunked(&gz.finish().unwrap());
    for (te, body) in [
        ("gzip, chunked", &plain),
        ("gzip, chunked", &gzipped),
        ("deflate, chunked", &plain),
        ("x-bogus, chunked", &plain),
        ("identity, chunked", &plain),
        ("chunked, chunked", &plain),
        ("chunked\r\nTransfer-Encoding: chunked", &plain),
        // hyper refuses these itself (the last coding is not chunked).
        ("gzip", &plain),
        ("identity", &plain),
        ("x-bogus", &plain),
    ] {
        let pow = app.solved().await;
        let mut req = post_head(&pow, &format!("Transfer-Encoding: {te}\r\n")).into_bytes();
        req.extend_from_slice(body);
        let a = exchange(&app, &req, true).await;
        assert_error(&a, 501, "NOT_IMPLEMENTED");
        assert!(a.closed, "{te}: the connection stays open");
    }
    assert_eq!(app.listing_count().await, 0);
    // One chunked coding is served.
    let pow = app.solved().await;
    let mut req = post_head(&pow, "Transfer-Encoding: chunked\r\n").into_bytes();
    req.extend_from_slice(&plain);
    assert_eq!(exchange(&app, &req, false).await.status, 201);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn hypers_own_refusals_have_the_api_error_shape(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let long_uri = format!(
        "GET /api/listings?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    // Over hyper's 100 header lines (its byte bound is soft: a head read in one go
    // may pass it).
    let big_head = format!(
        "GET /api/listings HTTP/1.1\r\nHost: x\r\n{}\r\n",
        "X-N: 1\r\n".repeat(120)
    );
    for (request, status, code) in [
        ("GARBAGE\r\n\r\n".to_owned(), 400, "INVALID_INPUT"),
        (
            "GET /api/listings HTTP/1.1\r\nBad Header\r\n\r\n".to_owned(),
            400,
            "INVALID_INPUT",
        ),
        (
            "POST /api/listings HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n".to_owned(),
            400,
            "INVALID_INPUT",
        ),
        (long_uri, 414, "URI_TOO_LONG"),
        (big_head, 431, "HEADERS_TOO_LARGE"),
    ] {
        let a = exchange(&app, request.as_bytes(), true).await;
        assert_error(&a, status, code);
        assert!(a.closed, "{a:?}");
    }
    // After a good answer on the same connection, too.
    let a = exchange(
        &app,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n",
        false,
    )
    .await;
    assert_eq!(a.status, 200);
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n")
        .await
        .unwrap();
    let mut all = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut all))
        .await
        .unwrap()
        .unwrap();
    let all = String::from_utf8_lossy(&all);
    assert!(all.starts_with("HTTP/1.1 200"), "{all}");
    assert!(all.contains(r#"{"error":{"code":"INVALID_INPUT""#), "{all}");
    // CONNECT: no tunnels here.
    let a = exchange(
        &app,
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        false,
    )
    .await;
    assert_error(&a, 405, "METHOD_NOT_ALLOWED");
}

/// Messages are our words: serde's ("duplicate field", "invalid type", "missing
/// field", "expected") never reach a client.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn no_serde_wording_reaches_a_client(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let serde_words = [
        "duplicate field",
        "invalid type",
        "missing field",
        "unknown field",
        "expected",
    ];
    for query in ["q=a&q=b", "limit=1&limit=2", "country=DE&country=FR"] {
        let (status, v) = app.get_json(&format!("/api/listings?{query}")).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (400, Some("INVALID_INPUT"))
        );
        let m = v["error"]["message"].as_str().unwrap();
        assert!(!serde_words.iter().any(|w| m.contains(w)), "{query}: {m}");
        assert!(m.contains("more than once"), "{query}: {m}");
    }
    for body in [
        r#"{"body":5}"#,
        "{}",
        r#"{"body":"x","extra":1}"#,
        "[]",
        r#"{"body":"a","body":"b"}"#,
    ] {
        let pow = app.solved().await;
        let res = app
            .post_request(&pow)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{body}");
        let v: Value = res.json().await.unwrap();
        let m = v["error"]["message"].as_str().unwrap();
        assert!(!serde_words.iter().any(|w| m.contains(w)), "{body}: {m}");
    }
}

/// Unknown API paths are labelled `/api/{*rest}` (as the README says), the web UI's
/// paths `unmatched`.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn unknown_api_paths_have_the_documented_route_label(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| {
        c.metrics_addr = MetricsAddr(Some(([127, 0, 0, 1], 0).into()));
    })
    .await;
    for path in ["/api/nope", "/api/", "/api", "/api/listings/x/y"] {
        assert_eq!(app.get_json(path).await.0, 404, "{path}");
    }
    let _ = app.get("/some/client/route").send().await.unwrap();
    let url = format!("http://{}/metrics", app.metrics_addr.unwrap());
    let text = app
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let count = |route: &str, status: &str| {
        text.lines()
            .find(|l| {
                l.starts_with("http_server_request_duration_seconds_count{")
                    && l.contains(&format!("route=\"{route}\""))
                    && l.contains(&format!("status=\"{status}\""))
            })
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
    };
    assert_eq!(count("/api/{*rest}", "404"), Some(4.0), "{text}");
    assert_eq!(count("unmatched", "404"), None, "{text}");
    assert_eq!(count("/api/", "404"), None, "{text}");
    assert_eq!(count("unmatched", "503"), Some(1.0), "{text}");
}

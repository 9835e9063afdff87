//! Who the client is (spoofing, proxies, IPv6 /64, IPv4-mapped) and the budgets
//! (429 with Retry-After and the RateLimit fields).
use crate::common;

use common::{error_code, ip_hash, TestApp};
use powboard::client_ip::ClientKey;
use reqwest::header::HeaderMap;
use sqlx::PgPool;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(*k, v.parse().unwrap());
    }
    h
}

async fn stored_hash(app: &TestApp, id: i64) -> Vec<u8> {
    sqlx::query_scalar("SELECT ip_hash FROM listings WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn post_id(app: &TestApp, text: &str, h: HeaderMap) -> i64 {
    let res = app.post_with(text, h).await;
    assert_eq!(res.status(), 201);
    res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

fn key(addr: &str) -> ClientKey {
    ClientKey::new(addr.parse().unwrap(), 32, 64)
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn forged_headers_from_an_untrusted_peer_change_nothing(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| c.rate_write_max = 2).await;
    let forged = [
        headers(&[("x-forwarded-for", "203.0.113.9")]),
        headers(&[("x-real-ip", "203.0.113.10")]),
        headers(&[("forwarded", "for=203.0.113.11")]),
        headers(&[("x-test-ip", "203.0.113.12")]),
    ];
    let a = post_id(&app, "one", forged[0].clone()).await;
    let b = post_id(&app, "two", forged[1].clone()).await;
    assert_eq!(stored_hash(&app, a).await, ip_hash(key("127.0.0.1")));
    assert_eq!(stored_hash(&app, b).await, ip_hash(key("127.0.0.1")));
    // The write budget (2) is spent whatever the headers claim.
    for h in &forged[2..] {
        let res = app.post_with("three", h.clone()).await;
        assert_eq!(error_code(res).await, (429, "RATE_LIMITED".to_owned()));
    }
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
    })
    .await;
    let h = headers(&[
        ("x-forwarded-for", "6.6.6.6, 198.51.100.23, 10.1.2.3"),
        ("x-real-ip", "7.7.7.7"),
    ]);
    let id = post_id(&app, "via proxy", h).await;
    assert_eq!(stored_hash(&app, id).await, ip_hash(key("198.51.100.23")));
    // Without any header the proxy itself is the client.
    let id = post_id(&app, "direct", HeaderMap::new()).await;
    assert_eq!(stored_hash(&app, id).await, ip_hash(key("127.0.0.1")));
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn an_ipv6_slash_64_shares_one_budget_and_mapped_ipv4_does_not_collapse(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.rate_read_max = 3;
    })
    .await;
    let read = |addr: &'static str| {
        let app = &app;
        async move {
            app.get("/api/listings/count")
                .headers(headers(&[("x-forwarded-for", addr)]))
                .send()
                .await
                .unwrap()
        }
    };
    // Three different addresses of one /64 spend one budget of 3.
    for addr in [
        "2001:db8:aa:bb::1",
        "2001:db8:aa:bb:ffff::2",
        "2001:db8:aa:bb:1234:5678:9abc:def0",
    ] {
        assert_eq!(read(addr).await.status(), 200);
    }
    let res = read("2001:db8:aa:bb::99").await;
    assert_eq!(error_code(res).await.1, "RATE_LIMITED");
    // The neighbouring /64 has its own budget.
    assert_eq!(read("2001:db8:aa:bc::1").await.status(), 200);
    // IPv4-mapped IPv6 addresses are their IPv4 addresses, each its own key.
    for addr in [
        "::ffff:192.0.2.1",
        "::ffff:192.0.2.2",
        "::ffff:192.0.2.3",
        "::ffff:192.0.2.4",
    ] {
        assert_eq!(read(addr).await.status(), 200, "{addr}");
    }
    for _ in 0..2 {
        assert_eq!(read("192.0.2.1").await.status(), 200);
    }
    assert_eq!(
        read("::ffff:192.0.2.1").await.status(),
        429,
        "mapped and plain IPv4 share one key"
    );
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_request_past_the_budget_gets_429_with_retry_after(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| {
        c.rate_read_max = 5;
        c.rate_read_window_secs = 30;
        c.rate_challenge_max = 2;
        c.rate_challenge_window_secs = 45;
    })
    .await;
    for i in 0..5 {
        let res = app.get("/api/listings").send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["ratelimit-policy"], "\"read\";q=5;w=30");
        assert!(res.headers()["ratelimit"]
            .to_str()
            .unwrap()
            .starts_with(&format!("\"read\";r={};t=", 4 - i)));
    }
    let res = app.get("/api/listings/count").send().await.unwrap();
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (28..=30).contains(&retry),
        "Retry-After {retry} is the time until the first request leaves the window"
    );
    assert_eq!(
        res.headers()["ratelimit"],
        format!("\"read\";r=0;t={retry}").as_str()
    );
    assert_eq!(error_code(res).await, (429, "RATE_LIMITED".to_owned()));

    // Budgets are separate: challenges still work, then run out on their own.
    for _ in 0..2 {
        assert_eq!(
            app.get("/api/pow/challenge").send().await.unwrap().status(),
            200
        );
    }
    let res = app.get("/api/pow/challenge").send().await.unwrap();
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((43..=46).contains(&retry), "Retry-After {retry}");
    // Health checks sit behind no budget.
    assert_eq!(app.get("/healthz").send().await.unwrap().status(), 200);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_budget_of_zero_is_off(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| c.rate_read_max = 0).await;
    for _ in 0..50 {
        let res = app.get("/api/listings/count").send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("ratelimit").is_none());
    }
}

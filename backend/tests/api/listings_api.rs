//! The listings API over HTTP against a fresh PostgreSQL database per test.
use crate::common;

use common::{bodies, error_code, seed, TestApp};
use serde_json::Value;
use sqlx::PgPool;

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn post_then_list_search_count_and_stats(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.post("  Jonathan Smith, plumber in Oslo \n").await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["body"], "Jonathan Smith, plumber in Oslo");
    assert!(created["id"].as_i64().unwrap() >= 1);
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(created["country"], Value::Null);

    let (status, page) = app.get_json("/api/listings").await;
    assert_eq!(status, 200);
    assert_eq!(page["items"][0]["id"], created["id"]);
    assert_eq!(page["next_cursor"], Value::Null);

    for (q, hits) in [
        ("jon", 1),
        ("Smith plu", 1),
        ("oslo", 1),
        ("J", 1),
        ("smith xyz", 0),
        ("nathan", 0),
    ] {
        let (status, page) = app
            .get_json(&format!("/api/listings?q={}", urlencode(q)))
            .await;
        assert_eq!(status, 200);
        assert_eq!(page["items"].as_array().unwrap().len(), hits, "q={q}");
    }
    let (_, count) = app.get_json("/api/listings/count").await;
    assert_eq!(count["count"], 1);
    let (_, stats) = app.get_json("/api/stats/countries").await;
    assert_eq!(stats, serde_json::json!([{ "country": null, "count": 1 }]));
}

fn urlencode(s: &str) -> String {
    s.replace(' ', "%20")
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn keyset_pages_over_equal_timestamps_have_no_gaps_or_duplicates(pool: PgPool) {
    // 25 listings in one transaction share created_at = now().
    sqlx::query("INSERT INTO listings (body, ip_hash) SELECT 'same time ' || g, decode(repeat('00', 32), 'hex') FROM generate_series(1, 25) g")
        .execute(&pool)
        .await
        .unwrap();
    let app = TestApp::spawn(pool).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/listings?limit=7&cursor={c}"),
            None => "/api/listings?limit=7".to_owned(),
        };
        let (status, page) = app.get_json(&path).await;
        assert_eq!(status, 200);
        pages += 1;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    let mut expected: Vec<i64> = (1..=25).collect();
    expected.reverse();
    assert_eq!(
        seen, expected,
        "newest first by (created_at, id), each exactly once"
    );
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn country_filter_and_statistics_agree(pool: PgPool) {
    seed(
        &pool,
        &[
            ("a de", Some("DE")),
            ("b de", Some("DE")),
            ("c fr", Some("FR")),
            ("d none", None),
        ],
    )
    .await;
    let app = TestApp::spawn(pool).await;
    let (_, de) = app.get_json("/api/listings?country=de").await;
    assert_eq!(bodies(&de), ["b de", "a de"]);
    let (_, fr) = app.get_json("/api/listings?country=FR&q=c").await;
    assert_eq!(fr["items"].as_array().unwrap().len(), 1);
    let (_, stats) = app.get_json("/api/stats/countries").await;
    assert_eq!(
        stats,
        serde_json::json!([
            { "country": "DE", "count": 2 },
            { "country": "FR", "count": 1 },
            { "country": null, "count": 1 }
        ])
    );
    let (_, count) = app.get_json("/api/listings/count").await;
    assert_eq!(count["count"], 4);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn hidden_listings_are_invisible_everywhere(pool: PgPool) {
    seed(
        &pool,
        &[("visible apple", Some("DE")), ("secret apple", Some("FR"))],
    )
    .await;
    assert!(powboard::listings::repo::set_hidden(&pool, 2, true)
        .await
        .unwrap());
    assert!(!powboard::listings::repo::set_hidden(&pool, 999, true)
        .await
        .unwrap());
    let app = TestApp::spawn(pool.clone()).await;
    for path in [
        "/api/listings",
        "/api/listings?q=apple",
        "/api/listings?q=secret",
        "/api/listings?country=FR",
    ] {
        let (_, page) = app.get_json(path).await;
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["id"] != 2),
            "{path}"
        );
    }
    let (_, count) = app.get_json("/api/listings/count").await;
    assert_eq!(count["count"], 1);
    let (_, stats) = app.get_json("/api/stats/countries").await;
    assert_eq!(stats, serde_json::json!([{ "country": "DE", "count": 1 }]));

    // Unhiding brings it back (the count is at most a second old).
    assert!(powboard::listings::repo::set_hidden(&pool, 2, false)
        .await
        .unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, count) = app.get_json("/api/listings/count").await;
    assert_eq!(count["count"], 2);
    let hidden_at: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT hidden_at FROM listings WHERE id = 2")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(hidden_at.is_none());
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn health_readiness_and_json_404s(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert_eq!(app.get_json("/healthz").await.0, 200);
    assert_eq!(
        app.get_json("/readyz").await,
        (200, serde_json::json!({ "status": "ready" }))
    );
    for path in ["/api/nope", "/api/listings/1/x", "/api", "/api/"] {
        let res = app.get(path).send().await.unwrap();
        assert_eq!(
            error_code(res).await,
            (404, "NOT_FOUND".to_owned()),
            "{path}"
        );
    }
    let res = app
        .http
        .delete(app.url("/api/listings"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(res).await,
        (405, "METHOD_NOT_ALLOWED".to_owned())
    );
    // No web UI built: a plain page says so, the API keeps working.
    let res = app.get("/some/client/route").send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.text().await.unwrap().contains("not built"));
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_spa_is_served_with_fallback_and_precompression(pool: PgPool) {
    let dir = tempdir();
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>board</title>",
    )
    .unwrap();
    std::fs::write(dir.join("assets/app.js"), "console.log(1)").unwrap();
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b"console.log(1)").unwrap();
        e.finish().unwrap()
    };
    std::fs::write(dir.join("assets/app.js.gz"), gz).unwrap();
    let web = dir.clone();
    let app = TestApp::spawn_with(pool, move |c| c.web_dir = web).await;
    let res = app.get("/").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-cache");
    let res = app.get("/search/deep/link").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("<title>board</title>"));
    let res = app
        .get("/assets/app.js")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    std::fs::remove_dir_all(dir).ok();
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("powboard-web-{}", rand_suffix()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    format!(
        "{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_new_listing_shows_in_the_cached_count_at_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    // Fill the one-second cache first, then post: the poster sees the new count.
    assert_eq!(app.get_json("/api/listings/count").await.1["count"], 0);
    assert_eq!(
        app.get_json("/api/stats/countries").await.1,
        serde_json::json!([])
    );
    assert_eq!(app.post("fresh").await.status(), 201);
    assert_eq!(app.get_json("/api/listings/count").await.1["count"], 1);
    assert_eq!(
        app.get_json("/api/stats/countries").await.1,
        serde_json::json!([{ "country": null, "count": 1 }])
    );
}

/// A stored country is read as a `CountryCode` (from `char(2)` or text): a value that
/// is not a two-letter code is a decode error, never a listing with a made-up country.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_stored_country_decodes_as_a_code_or_not_at_all(pool: PgPool) {
    use powboard::country::CountryCode;
    let code = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, CountryCode>(sql)
                .fetch_one(&pool)
                .await
        }
    };
    assert_eq!(code("SELECT 'DE'::char(2)").await.unwrap().as_str(), "DE");
    assert_eq!(code("SELECT 'FR'::text").await.unwrap().as_str(), "FR");
    for bad in ["SELECT 'D1'::text", "SELECT 'DEU'::text", "SELECT ''::text"] {
        let err = code(bad).await.expect_err(bad).to_string();
        assert!(
            err.contains("not a two-letter country code"),
            "{bad}: {err}"
        );
    }
}

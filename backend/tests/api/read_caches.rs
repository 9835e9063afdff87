//! The read caches (count, stats, front page) against a fresh database: the front page
//! from memory is byte-for-byte what the database path answers, at most a second old;
//! a change made on another connection (another instance, the moderation CLI, psql)
//! drops every cache at once through the `powboard_listings` notification, also after
//! the listener's connection was killed.
use std::time::{Duration, Instant};

use crate::common;

use common::{seed, wait_for_listener, TestApp};
use powboard::listings::{
    self,
    query::{ListParams, RawListParams},
};
use serde_json::Value;
use sqlx::PgPool;

const ROUTES: [&str; 3] = [
    "/api/listings/count",
    "/api/stats/countries",
    "/api/listings?limit=5",
];

/// What the database path answers for these parameters, serialized.
async fn from_database(pool: &PgPool, limit: Option<&str>, country: Option<&str>) -> Vec<u8> {
    let raw = RawListParams {
        q: None,
        cursor: None,
        limit: limit.map(Into::into),
        country: country.map(Into::into),
    };
    let params = ListParams::parse(raw).unwrap();
    let page = listings::page(pool, &params).await.unwrap();
    serde_json::to_vec(&page).unwrap()
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_front_page_from_memory_is_byte_for_byte_the_database_answer(pool: PgPool) {
    let rows: Vec<(String, Option<&str>)> = (0..40)
        .map(|i| {
            let country = [Some("DE"), Some("FR"), None][i % 3];
            (
                format!("listing {i} with \"quotes\", ünïcödé and a\nnewline"),
                country,
            )
        })
        .collect();
    let refs: Vec<(&str, Option<&str>)> = rows.iter().map(|(b, c)| (b.as_str(), *c)).collect();
    seed(&pool, &refs).await;
    sqlx::query("UPDATE listings SET is_hidden = true, hidden_at = now() WHERE id % 7 = 0")
        .execute(&pool)
        .await
        .unwrap();
    let app = TestApp::spawn(pool.clone()).await;
    let search = app.get("/api/listings?q=listing").send().await.unwrap();
    let json_type = search.headers()["content-type"].clone();
    for (limit, country) in [
        (None, None),
        (Some("1"), None),
        (Some("100"), None),
        (Some("7"), Some("DE")),
        (None, Some("fr")),
        (Some("3"), Some("JP")),
    ] {
        let mut path = String::from("/api/listings?");
        if let Some(l) = limit {
            path += &format!("limit={l}&");
        }
        if let Some(c) = country {
            path += &format!("country={c}");
        }
        let expected = from_database(&pool, limit, country).await;
        // The first request fills the cache, the second is served from it.
        for round in ["miss", "hit"] {
            let res = app.get(&path).send().await.unwrap();
            assert_eq!(res.status(), 200);
            assert_eq!(res.headers()["content-type"], json_type, "{path} {round}");
            let body = res.bytes().await.unwrap();
            assert_eq!(
                body.as_ref(),
                expected.as_slice(),
                "{path} ({round}): {}",
                String::from_utf8_lossy(&body)
            );
        }
    }
    // A page with a cursor or a search is not the front page: it still comes from the database.
    let (_, first) = app.get_json("/api/listings?limit=5").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (status, next) = app
        .get_json(&format!("/api/listings?limit=5&cursor={cursor}"))
        .await;
    assert_eq!(status, 200);
    assert_ne!(next["items"][0]["id"], first["items"][0]["id"]);
}

/// Served from memory while the notification is switched off, and fresh again once the
/// cached answer is a second old: the age limit that holds while the listener is down.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn without_notifications_answers_are_at_most_a_second_old(pool: PgPool) {
    seed(&pool, &[("first", None)]).await;
    sqlx::query("ALTER TABLE listings DISABLE TRIGGER listings_notify")
        .execute(&pool)
        .await
        .unwrap();
    let app = TestApp::spawn(pool.clone()).await;
    wait_for_listener(&pool, None).await;
    let mut served_stale = false;
    for n in 0..10 {
        let primed = Instant::now();
        let (_, before) = app.get_json("/api/listings?limit=5").await;
        let (_, count_before) = app.get_json("/api/listings/count").await;
        seed(&pool, &[(&format!("unannounced {n}"), None)]).await;
        let (_, after) = app.get_json("/api/listings?limit=5").await;
        let (_, count_after) = app.get_json("/api/listings/count").await;
        // Only meaningful when all of it happened within the cached answers' second.
        if primed.elapsed() < Duration::from_millis(900) {
            assert_eq!(after, before, "the front page comes from memory");
            assert_eq!(count_after, count_before, "so does the count");
            served_stale = true;
            break;
        }
    }
    assert!(
        served_stale,
        "the machine never managed four requests within 0.9 s"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, page) = app.get_json("/api/listings?limit=5").await;
    let newest = page["items"][0]["body"].as_str().unwrap();
    assert!(newest.starts_with("unannounced"), "{page}");
    let db: i64 = sqlx::query_scalar("SELECT count(*) FROM listings WHERE NOT is_hidden")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(app.get_json("/api/listings/count").await.1["count"], db);
}

fn summary(route: &str, v: &Value) -> Value {
    match route {
        "/api/listings/count" => v["count"].clone(),
        "/api/stats/countries" => v.clone(),
        _ => v["items"].clone(),
    }
}

/// Primes the three caches, runs `change` on another connection, and polls until every
/// route shows it. True when each did before its primed answer could have expired:
/// only the notification explains that.
async fn dropped_by_notification(
    app: &TestApp,
    change: impl std::future::Future<Output = ()>,
) -> bool {
    // No cached answer may be older than its `sent`: one left by earlier requests would
    // expire early and show the change without any notification.
    tokio::time::sleep(powboard::cache::MAX_AGE + Duration::from_millis(100)).await;
    let mut primed = Vec::new();
    for route in ROUTES {
        let sent = Instant::now();
        let (status, v) = app.get_json(route).await;
        assert_eq!(status, 200);
        primed.push((route, sent, summary(route, &v)));
    }
    change.await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut by_notification = true;
    for (route, sent, old) in primed {
        loop {
            let (_, v) = app.get_json(route).await;
            if summary(route, &v) != old {
                by_notification &= sent.elapsed() < Duration::from_secs(1);
                break;
            }
            assert!(Instant::now() < deadline, "{route} never changed");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    by_notification
}

async fn within_three_attempts<F, Fut>(app: &TestApp, mut change: F) -> bool
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for attempt in 0..3 {
        if dropped_by_notification(app, change(attempt)).await {
            return true;
        }
    }
    false
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_change_on_another_connection_drops_every_cache_at_once(pool: PgPool) {
    seed(
        &pool,
        &[("one", Some("DE")), ("two", Some("FR")), ("three", None)],
    )
    .await;
    let app = TestApp::spawn(pool.clone()).await;
    wait_for_listener(&pool, None).await;
    let inserted = within_three_attempts(&app, |n| {
        let pool = pool.clone();
        async move { seed(&pool, &[(&format!("elsewhere {n}"), Some("DE"))]).await }
    })
    .await;
    assert!(
        inserted,
        "an insert by another instance reached this one's caches"
    );
    // A hide on another connection (the trigger notifies for every path: CLI, psql).
    let hidden = within_three_attempts(&app, |_| {
        let pool = pool.clone();
        async move {
            let newest: i64 =
                sqlx::query_scalar("SELECT max(id) FROM listings WHERE NOT is_hidden")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            assert!(listings::repo::set_hidden(&pool, newest, true)
                .await
                .unwrap());
        }
    })
    .await;
    assert!(hidden, "a hide by the moderation CLI reached the caches");
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_listener_comes_back_after_its_connection_is_killed(pool: PgPool) {
    seed(&pool, &[("one", None)]).await;
    let app = TestApp::spawn(pool.clone()).await;
    let first = wait_for_listener(&pool, None).await;
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(first)
        .execute(&pool)
        .await
        .unwrap();
    wait_for_listener(&pool, Some(first)).await;
    let notified = within_three_attempts(&app, |n| {
        let pool = pool.clone();
        async move { seed(&pool, &[(&format!("after the reconnect {n}"), None)]).await }
    })
    .await;
    assert!(notified, "notifications flow again after the reconnect");
}

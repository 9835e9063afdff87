//! The difficulty policy as a client sees it in `GET /api/pow/challenge`: the
//! site-wide surge (counted in PostgreSQL, shared by every instance), the breakdown,
//! the client's recent posts, the write budget's state and a lifetime that grows with
//! the difficulty.
use crate::common;

use std::time::Duration;

use common::TestApp;
use powboard::pow::unix_now;
use reqwest::header::{HeaderMap, HeaderValue};
use sqlx::PgPool;

fn from(addr: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-forwarded-for", HeaderValue::from_str(addr).unwrap());
    h
}

/// The surge cache holds a count for up to a second: wait it out.
async fn past_the_cache() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

fn surge_config(c: &mut powboard::config::Config) {
    c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    c.pow_surge_baseline = 2.0;
    c.pow_surge_window_secs = 600;
    c.pow_surge_max_bits = 3.0;
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn posts_from_many_clients_raise_everyones_difficulty(pool: PgPool) {
    let app = TestApp::spawn_with(pool, surge_config).await;
    let quiet = app.challenge().await;
    assert_eq!(quiet.difficulty, 6.0);
    assert_eq!(quiet.breakdown.surge, 0.0);

    // Eight posts from eight client keys: log2(8 / 2) = 2 bits for everyone, also
    // for a client that never posted.
    for i in 1..=8 {
        let res = app
            .post_with(&format!("post {i}"), from(&format!("198.51.100.{i}")))
            .await;
        assert_eq!(res.status(), 201);
    }
    past_the_cache().await;
    let busy = app.challenge_with(from("203.0.113.50")).await;
    assert_eq!(busy.breakdown.surge, 2.0);
    assert_eq!(busy.breakdown.base, 6.0);
    assert_eq!(busy.breakdown.client, 0.0);
    assert_eq!(busy.difficulty, 8.0);
    assert_eq!(busy.recent_posts, 0);
    assert_eq!(
        busy.threshold,
        format!("{:016x}", powboard::pow::puzzle::threshold(8.0, 4))
    );
    // The token carries the surcharged total: a solution at that difficulty posts.
    let pow = common::solve(&busy);
    let res = app
        .post_solved(r#"{"body":"after the surge"}"#, &pow, from("203.0.113.50"))
        .await;
    assert_eq!(res.status(), 201);

    // Sixteen more: log2(25 / 2) = 3.64, capped at POW_SURGE_MAX_BITS = 3.
    for i in 1..=16 {
        sqlx::query("INSERT INTO listings (body, ip_hash) VALUES ($1, $2)")
            .bind(format!("direct {i}"))
            .bind(vec![7u8; 32])
            .execute(&app.pool)
            .await
            .unwrap();
    }
    past_the_cache().await;
    let capped = app.challenge().await;
    assert_eq!(capped.breakdown.surge, 3.0);
    assert_eq!(capped.difficulty, 9.0);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn every_instance_sees_the_same_surge(pool: PgPool) {
    let a = TestApp::spawn_with(pool.clone(), surge_config).await;
    let b = TestApp::spawn_with(pool, surge_config).await;
    assert_eq!(b.challenge().await.breakdown.surge, 0.0);
    for i in 1..=4 {
        let res = a
            .post_with(&format!("via a {i}"), from(&format!("198.51.100.{i}")))
            .await;
        assert_eq!(res.status(), 201);
    }
    past_the_cache().await;
    let seen_by_b = b.challenge().await;
    assert_eq!(seen_by_b.breakdown.surge, 1.0, "log2(4 / 2)");
    assert_eq!(seen_by_b.difficulty, 7.0);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn only_the_window_counts_and_old_buckets_are_purged(pool: PgPool) {
    // Posts of half an hour ago, as the trigger would have left them.
    sqlx::query(
        "INSERT INTO post_rate (bucket, shard, posts)
         VALUES (date_bin('10 seconds', now() - interval '30 minutes', timestamptz '2000-01-01'), 0, 5000)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let app = TestApp::spawn_with(pool.clone(), surge_config).await;
    let ch = app.challenge().await;
    assert_eq!(ch.breakdown.surge, 0.0, "outside the 600 s window");
    assert_eq!(
        powboard::pow::surge::count_posts(&pool, 3600)
            .await
            .unwrap(),
        5000
    );

    assert_eq!(app.post("now").await.status(), 201);
    assert_eq!(
        powboard::pow::surge::count_posts(&pool, 600).await.unwrap(),
        1
    );
    assert_eq!(powboard::pow::surge::purge(&pool, 600).await.unwrap(), 1);
    assert_eq!(
        powboard::pow::surge::count_posts(&pool, 3600)
            .await
            .unwrap(),
        1
    );
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_zero_baseline_switches_the_surge_off(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| {
        surge_config(c);
        c.pow_surge_baseline = 0.0;
    })
    .await;
    for i in 1..=8 {
        assert_eq!(app.post(&format!("post {i}")).await.status(), 201);
    }
    past_the_cache().await;
    let ch = app.challenge().await;
    assert_eq!(ch.breakdown.surge, 0.0);
    assert_eq!(ch.difficulty, 6.0);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_breakdown_keeps_uncapped_parts_and_counts_the_clients_posts(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| {
        c.pow_adaptive_step = 2.5;
        c.pow_adaptive_window_secs = 1800;
        c.pow_max_difficulty = Some(10.0);
    })
    .await;
    for i in 1..=3 {
        assert_eq!(app.post(&format!("post {i}")).await.status(), 201);
    }
    let ch = app.challenge().await;
    assert_eq!(ch.recent_posts, 3);
    assert_eq!(ch.recent_window_secs, 1800);
    assert_eq!(ch.breakdown.base, 6.0);
    assert_eq!(ch.breakdown.client, 7.5, "uncapped: 3 x 2.5");
    assert_eq!(ch.difficulty, 10.0, "the total is capped");
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_challenges_lifetime_grows_with_its_difficulty(pool: PgPool) {
    // 3 x 2^d / 10 hashes/s: d = 6 -> 20 s, d = 10 -> 308 s, d = 14 -> 4916 s.
    let app = TestApp::spawn_with(pool, |c| {
        c.pow_adaptive_step = 4.0;
        c.pow_max_difficulty = Some(30.0);
        c.pow_ttl_seconds = 10;
        c.pow_ttl_max_seconds = 4000;
        c.pow_slow_hash_rate = Some(10);
    })
    .await;
    let mut lifetimes = Vec::new();
    for i in 0..3 {
        let before = unix_now();
        let ch = app.challenge().await;
        let after = unix_now();
        lifetimes.push((ch.difficulty, ch.expires_at - before, ch.expires_at - after));
        if i < 2 {
            let pow = common::solve(&ch);
            let res = app
                .post_solved(r#"{"body":"one more"}"#, &pow, HeaderMap::new())
                .await;
            assert_eq!(res.status(), 201);
        }
    }
    let (d, hi, lo) = lifetimes[0];
    assert_eq!(d, 6.0);
    assert!((lo..=hi).contains(&20), "{lifetimes:?}");
    let (d, hi, lo) = lifetimes[1];
    assert_eq!(d, 10.0);
    assert!((lo..=hi).contains(&308), "{lifetimes:?}");
    let (d, hi, lo) = lifetimes[2];
    assert_eq!(d, 14.0);
    assert!(
        (lo..=hi).contains(&4000),
        "capped at POW_TTL_MAX_SECONDS: {lifetimes:?}"
    );

    // The expiry is under the MAC: a token whose expiry was pushed out is refused.
    let ch = app.challenge().await;
    let pow = common::solve(&ch);
    let parts: Vec<&str> = pow.token.split(':').collect();
    // v2:<algorithm>:<expires_at>:<difficulty>:<k>:<mac>
    let later = (parts[2].parse::<u64>().unwrap() + 1000).to_string();
    let forged = [parts[0], parts[1], &later, parts[3], parts[4], parts[5]].join(":");
    let res = app
        .post_solved(
            r#"{"body":"forged"}"#,
            &common::Proof {
                token: forged,
                ..pow.clone()
            },
            HeaderMap::new(),
        )
        .await;
    assert_eq!(common::error_code(res).await, (403, "POW_INVALID".into()));
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_challenge_tells_the_write_budget_without_spending_it(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| {
        c.rate_write_max = 2;
        c.rate_write_window_secs = 600;
    })
    .await;
    let budget = |ch: &powboard::pow::ChallengeResponse| {
        let b = ch.write_budget.expect("the write budget is on");
        (b.limit, b.remaining, b.retry_after_secs)
    };
    // Asking twice spends nothing.
    assert_eq!(budget(&app.challenge().await), (2, 2, 0));
    assert_eq!(budget(&app.challenge().await), (2, 2, 0));
    assert_eq!(app.post("one").await.status(), 201);
    assert_eq!(budget(&app.challenge().await), (2, 1, 0));
    assert_eq!(app.post("two").await.status(), 201);
    let (limit, remaining, retry) = budget(&app.challenge().await);
    assert_eq!((limit, remaining), (2, 0));
    // The first post's sub-window (75 s of the 600) frees its slot once it has wholly
    // left the window: 600 s after the post at the earliest, 675 s at the latest.
    assert!((500..=675).contains(&retry), "retry_after_secs {retry}");
    // And the POST agrees: refused, with the same wait.
    let res = app.post("three").await;
    let header: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(common::error_code(res).await, (429, "RATE_LIMITED".into()));
    assert!(header.abs_diff(retry) <= 2, "{header} vs {retry}");
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn write_budget_is_null_when_the_budget_is_off(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| c.rate_write_max = 0).await;
    let res = app.get("/api/pow/challenge").send().await.unwrap();
    let v: serde_json::Value = res.json().await.unwrap();
    assert!(v["write_budget"].is_null(), "{v}");
    assert_eq!(v["breakdown"]["base"], 6.0);
    assert_eq!(v["recent_window_secs"], 3600);
}

/// A post anywhere prices the next challenge at once: the surge count is dropped by the
/// same notification as the read caches rather than kept for its second. True when the
/// change showed before the primed count could have expired (only the notification
/// explains that); three attempts, as a loaded machine may delay one notification.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_post_anywhere_reaches_the_surge_before_its_cached_second_is_over(pool: PgPool) {
    let app = TestApp::spawn_with(pool.clone(), |c| {
        surge_config(c);
        c.rate_challenge_max = 0;
    })
    .await;
    common::seed(&pool, &[("one", None), ("two", None), ("three", None)]).await;
    common::wait_for_listener(&pool, None).await;
    let mut by_notification = false;
    for attempt in 0..3 {
        // No cached count may be older than `primed`: one from a previous attempt would
        // expire early and show the change without any notification.
        past_the_cache().await;
        let primed = std::time::Instant::now();
        let before = app.challenge().await.breakdown.surge;
        // Another instance (here: another connection) accepts a post.
        common::seed(&pool, &[(&format!("elsewhere {attempt}"), None)]).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while app.challenge().await.breakdown.surge == before {
            assert!(
                std::time::Instant::now() < deadline,
                "the surge never moved"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if primed.elapsed() < Duration::from_millis(1000) {
            by_notification = true;
            break;
        }
    }
    assert!(by_notification, "the notification dropped the surge count");
}

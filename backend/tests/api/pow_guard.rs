//! The proof of work over HTTP: required, bound to client and browser, expiring,
//! spent exactly once, spent only with a listing, and adaptive.
use crate::common;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use common::{error_code, Proof, TestApp, POW_KEY};
use powboard::pow::token::{self, Binding, Claims, Difficulty};
use reqwest::header::HeaderMap;
use serde_json::json;
use sqlx::PgPool;

fn body(text: &str) -> String {
    json!({ "body": text }).to_string()
}

fn xff(addr: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-forwarded-for", addr.parse().unwrap());
    h
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn missing_or_malformed_pow_is_refused_before_any_work(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let res = app
        .http
        .post(app.url("/api/listings"))
        .header("content-type", "application/json")
        .body(body("no pow"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await, (400, "POW_REQUIRED".to_owned()));

    let good = app.solved().await;
    let k = good.nonces.split(',').count();
    let nonces = |nonces: String| Proof {
        nonces,
        ..good.clone()
    };
    let bad = [
        nonces("1".to_owned()),                             // too few nonces
        nonces(format!("{},1", good.nonces)),               // too many
        nonces(vec!["01"; k].join(",")),                    // leading zeros
        nonces(vec!["123456789012345678901"; k].join(",")), // 21 digits
        nonces(vec!["-1"; k].join(",")),
        Proof {
            token: "v1:garbage".to_owned(),
            ..good.clone()
        },
        Proof {
            challenge: "short".to_owned(),
            ..good.clone()
        },
        Proof {
            challenge: URL_SAFE_NO_PAD.encode([9u8; 16]),
            ..good.clone()
        }, // another challenge
    ];
    for pow in &bad {
        let res = app.post_solved(&body("x"), pow, HeaderMap::new()).await;
        assert_eq!(
            error_code(res).await,
            (403, "POW_INVALID".to_owned()),
            "{pow:?}"
        );
    }
    assert_eq!(app.listing_count().await, 0);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn wrong_nonces_are_invalid(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| c.pow_difficulty = Some(10.0)).await;
    let ch = app.challenge().await;
    let threshold = u64::from_str_radix(&ch.threshold, 16).unwrap();
    let bytes: [u8; 16] = URL_SAFE_NO_PAD
        .decode(&ch.challenge)
        .unwrap()
        .try_into()
        .unwrap();
    // Find a nonce that fails sub-puzzle 0 and use the real solution elsewhere.
    let pow = common::solve(&ch);
    let failing = (0u64..)
        .find(|n| {
            powboard::pow::puzzle::prefix_u64(&bytes, 0, n.to_string().as_bytes()) >= threshold
        })
        .unwrap();
    let mut parts: Vec<String> = pow.nonces.split(',').map(str::to_owned).collect();
    parts[0] = failing.to_string();
    let wrong = Proof {
        nonces: parts.join(","),
        ..pow.clone()
    };
    let res = app.post_solved(&body("x"), &wrong, HeaderMap::new()).await;
    assert_eq!(error_code(res).await, (403, "POW_INVALID".to_owned()));
    // The failed attempt did not spend the challenge.
    assert_eq!(
        app.post_solved(&body("x"), &pow, HeaderMap::new())
            .await
            .status(),
        201
    );
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn tokens_are_bound_to_client_key_user_agent_expiry_and_difficulty(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]
    })
    .await;

    // Solved as 198.51.100.1, posted as 198.51.100.2: another client key.
    let pow = app.solved_with(xff("198.51.100.1")).await;
    let res = app.post_solved(&body("x"), &pow, xff("198.51.100.2")).await;
    assert_eq!(error_code(res).await, (403, "POW_INVALID".to_owned()));
    // Same /64 is the same client key: accepted.
    let pow6 = app.solved_with(xff("2001:db8:5:6::1")).await;
    assert_eq!(
        app.post_solved(&body("v6"), &pow6, xff("2001:db8:5:6::ffff"))
            .await
            .status(),
        201
    );

    // Another User-Agent.
    let pow = app.solved_with(xff("198.51.100.1")).await;
    let mut other_ua = xff("198.51.100.1");
    other_ua.insert("user-agent", "another-browser/2".parse().unwrap());
    let res = app.post_solved(&body("x"), &pow, other_ua).await;
    assert_eq!(error_code(res).await, (403, "POW_INVALID".to_owned()));

    // An edited difficulty in the token.
    let pow = app.solved_with(xff("198.51.100.1")).await;
    let edited = Proof {
        token: pow.token.replacen(":6:", ":1:", 1),
        ..pow.clone()
    };
    assert_ne!(edited.token, pow.token);
    let res = app
        .post_solved(&body("x"), &edited, xff("198.51.100.1"))
        .await;
    assert_eq!(error_code(res).await, (403, "POW_INVALID".to_owned()));

    // A token that expired (issued with the server's key, expiry in the past).
    let key = powboard::secrets::Secrets::resolve(&app.config)
        .unwrap()
        .pow_key;
    assert_eq!(key.expose(), POW_KEY);
    let bytes: [u8; 16] = URL_SAFE_NO_PAD
        .decode(&pow.challenge)
        .unwrap()
        .try_into()
        .unwrap();
    let claims = Claims {
        algorithm: powboard::pow::algorithm::Algorithm::Sha256,
        expires_at: powboard::pow::unix_now() - 1,
        difficulty: Difficulty::new(6.0),
        subpuzzles: 4,
    };
    let binding = Binding {
        client_key: "198.51.100.1/32",
        user_agent: common::UA.as_bytes(),
    };
    let expired = Proof {
        token: token::issue(&key, &bytes, &claims, &binding),
        ..pow
    };
    let res = app
        .post_solved(&body("x"), &expired, xff("198.51.100.1"))
        .await;
    assert_eq!(error_code(res).await, (403, "POW_EXPIRED".to_owned()));
    assert_eq!(app.listing_count().await, 1);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn one_token_gives_exactly_one_listing_under_concurrency(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let pow = app.solved().await;
    let b = body("race");
    let (a, b2) = tokio::join!(
        app.post_solved(&b, &pow, HeaderMap::new()),
        app.post_solved(&b, &pow, HeaderMap::new())
    );
    let mut statuses = vec![a.status().as_u16(), b2.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    let loser = if a.status() == 409 { a } else { b2 };
    assert_eq!(error_code(loser).await.1, "POW_REPLAYED");
    // And later, sequentially.
    let res = app
        .post_solved(&body("again"), &pow, HeaderMap::new())
        .await;
    assert_eq!(error_code(res).await, (409, "POW_REPLAYED".to_owned()));
    assert_eq!(app.listing_count().await, 1);
    let spent: i64 = sqlx::query_scalar("SELECT count(*) FROM spent_challenges")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(spent, 1);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_failed_insert_does_not_burn_the_work(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let pow = app.solved().await;
    // Make the insert fail after every PoW check passed: a listing that the table refuses.
    sqlx::query("ALTER TABLE listings ADD CONSTRAINT test_refuse CHECK (body <> 'refused')")
        .execute(&pool)
        .await
        .unwrap();
    let res = app
        .post_solved(&body("refused"), &pow, HeaderMap::new())
        .await;
    assert!(res.status().is_server_error());
    let spent: i64 = sqlx::query_scalar("SELECT count(*) FROM spent_challenges")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(spent, 0, "the challenge was not spent");
    // The same solved token still buys one listing.
    assert_eq!(
        app.post_solved(&body("accepted"), &pow, HeaderMap::new())
            .await
            .status(),
        201
    );
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn each_recent_post_raises_the_next_difficulty(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| {
        c.pow_adaptive_step = 1.5;
        c.pow_max_difficulty = Some(9.0);
    })
    .await;
    let first = app.challenge().await;
    assert_eq!(first.difficulty, 6.0);
    assert_eq!(app.post("one").await.status(), 201);
    assert_eq!(app.challenge().await.difficulty, 7.5);
    assert_eq!(app.post("two").await.status(), 201);
    assert_eq!(app.challenge().await.difficulty, 9.0);
    assert_eq!(app.post("three").await.status(), 201);
    let capped = app.challenge().await;
    assert_eq!(capped.difficulty, 9.0, "capped at POW_MAX_DIFFICULTY");
    assert_eq!(
        capped.threshold,
        format!("{:016x}", powboard::pow::puzzle::threshold(9.0, 4))
    );
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn pow_can_be_switched_off(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |c| c.pow_enable = false).await;
    let res = app.get("/api/pow/challenge").send().await.unwrap();
    assert_eq!(res.status(), 204);
    let res = app
        .http
        .post(app.url("/api/listings"))
        .header("content-type", "application/json")
        .body(body("free"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

//! `POW_ALGORITHM=equix` over HTTP: the challenge names its algorithm, a natively
//! solved post is accepted once, a changed solution and a token of the other
//! algorithm are refused. (The SHA-256 side is `pow_guard`, unchanged.)
use crate::common;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use common::{error_code, Proof, TestApp};
use powboard::{
    config::Config,
    pow::{
        algorithm::Algorithm,
        token::{self, Binding, Claims, Difficulty},
        unix_now,
    },
    secrets::Secrets,
};
use reqwest::header::HeaderMap;
use serde_json::json;
use sqlx::PgPool;

fn body(text: &str) -> String {
    json!({ "body": text }).to_string()
}

/// Equi-X at its default shape: 4 bits over 4 sub-puzzles (16 solves).
fn equix(c: &mut Config) {
    c.pow_algorithm = Algorithm::Equix;
    c.pow_difficulty = Some(4.0);
    c.pow_subpuzzles = Some(4);
}

/// A token for `challenge` of `algorithm`, minted with the test key for a client
/// without X-Forwarded-For, as the server would issue it.
fn token_for(app: &TestApp, algorithm: Algorithm, challenge: &[u8; 16]) -> String {
    let key = Secrets::resolve(&app.config).unwrap().pow_key;
    let claims = Claims {
        algorithm,
        expires_at: unix_now() + 600,
        difficulty: Difficulty::new(4.0),
        subpuzzles: 4,
    };
    let binding = Binding {
        client_key: "127.0.0.1/32",
        user_agent: common::UA.as_bytes(),
    };
    token::issue(&key, challenge, &claims, &binding)
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn equix_challenges_are_solved_natively_and_spent_once(pool: PgPool) {
    let app = TestApp::spawn_with(pool, equix).await;
    let ch = app.challenge().await;
    assert_eq!(ch.algorithm, "equix");
    assert_eq!((ch.difficulty, ch.subpuzzles), (4.0, 4));
    assert_eq!(
        ch.threshold,
        format!("{:016x}", Algorithm::Equix.threshold(4.0, 4))
    );
    assert!(ch.token.starts_with("v2:equix:"), "{}", ch.token);

    let pow = common::solve(&ch);
    let entries: Vec<&str> = pow.nonces.split(',').collect();
    assert_eq!(entries.len(), 4);
    assert!(entries
        .iter()
        .all(|e| e.split_once('-').unwrap().1.len() == 32));
    let res = app
        .post_solved(&body("equix"), &pow, HeaderMap::new())
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post_solved(&body("again"), &pow, HeaderMap::new())
        .await;
    assert_eq!(error_code(res).await, (409, "POW_REPLAYED".to_owned()));
    assert_eq!(app.listing_count().await, 1);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn changed_equix_solutions_are_invalid(pool: PgPool) {
    let app = TestApp::spawn_with(pool, equix).await;
    let good = app.solved().await;
    let with_entry0 = |entry0: String| {
        let mut e: Vec<String> = good.nonces.split(',').map(str::to_owned).collect();
        e[0] = entry0;
        Proof {
            nonces: e.join(","),
            ..good.clone()
        }
    };
    let (n0, s0) = good
        .nonces
        .split(',')
        .next()
        .unwrap()
        .split_once('-')
        .unwrap();
    let n0: u64 = n0.parse().unwrap();
    let mut flipped = hex::decode(s0).unwrap();
    flipped[14] ^= 1;
    let bad = [
        with_entry0(format!("{}-{s0}", n0 + 1)), // the solution of another nonce
        with_entry0(format!("{n0}-{}", hex::encode(&flipped))), // a changed index
        with_entry0(format!("{n0}-{}", s0.to_uppercase())), // not the canonical text
        with_entry0(format!("{n0}")),            // a SHA-256 nonce
        Proof {
            nonces: good.nonces.split(',').rev().collect::<Vec<_>>().join(","),
            ..good.clone()
        }, // entries of other sub-puzzles
    ];
    for pow in &bad {
        let res = app.post_solved(&body("x"), pow, HeaderMap::new()).await;
        assert_eq!(
            error_code(res).await,
            (403, "POW_INVALID".to_owned()),
            "{pow:?}"
        );
    }
    // The work was not burnt: the unchanged solution still posts.
    let res = app.post_solved(&body("x"), &good, HeaderMap::new()).await;
    assert_eq!(res.status(), 201);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_token_of_the_other_algorithm_is_invalid(pool: PgPool) {
    // An Equi-X server, given a genuine SHA-256 token with a SHA-256 solution.
    let app = TestApp::spawn_with(pool.clone(), equix).await;
    let challenge = [0x42u8; 16];
    let sha = Algorithm::Sha256;
    let pow = Proof {
        challenge: URL_SAFE_NO_PAD.encode(challenge),
        token: token_for(&app, sha, &challenge),
        nonces: sha
            .solve(&challenge, 4, sha.threshold(4.0, 4), 2)
            .header_value(),
    };
    let res = app.post_solved(&body("x"), &pow, HeaderMap::new()).await;
    assert_eq!(error_code(res).await, (403, "POW_INVALID".to_owned()));
    app.stop().await.unwrap();

    // A SHA-256 server (the default), given a genuine Equi-X token and solution.
    let app = TestApp::spawn(pool).await;
    let eq = Algorithm::Equix;
    let pow = Proof {
        challenge: URL_SAFE_NO_PAD.encode(challenge),
        token: token_for(&app, eq, &challenge),
        nonces: eq
            .solve(&challenge, 4, eq.threshold(4.0, 4), 2)
            .header_value(),
    };
    let res = app.post_solved(&body("x"), &pow, HeaderMap::new()).await;
    assert_eq!(error_code(res).await, (403, "POW_INVALID".to_owned()));
    assert_eq!(app.listing_count().await, 0);
}

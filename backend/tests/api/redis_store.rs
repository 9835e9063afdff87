//! The shared store (`RATE_STORE=redis`) against a private redis-server: it answers
//! like the memory store on the same sequence, keeps the limiter's bound with an exact
//! Retry-After, shares one budget between two instances under keys that name no address
//! and expire, reloads its script after SCRIPT FLUSH, and falls back to memory while
//! Redis is slow or gone, coming back to the shared store by itself.
use std::{cell::Cell, net::IpAddr, sync::Arc, time::Duration};

use powboard::{
    client_ip::ClientKey,
    config::{Config, RateStoreKind, TrustedNet},
    limiter::{
        redis_store::{RedisShared, RedisStore},
        store_fault::FaultReason,
        Decision, LimiterConfig, SlidingWindowLimiter,
    },
    metrics::{Metrics, RATELIMIT_STORE_ERRORS, RATELIMIT_STORE_FALLBACK},
    secrets::SecretKey,
};
use proptest::prelude::*;
use sqlx::PgPool;

use crate::common::{redis_server::RedisServer, TestApp};
use crate::metrics::scrape;

/// Whole ms since the epoch, in µs: the clock these tests give the script (ARGV[4]).
const BASE_US: u64 = 1_750_000_000_000_000;

fn client(n: u8) -> ClientKey {
    ClientKey::new(IpAddr::from([198, 51, 100, n]), 32, 64)
}

/// Must run inside a Tokio runtime (the connection is set up lazily on it).
fn shared(redis: &RedisServer) -> Arc<RedisShared> {
    // A generous deadline: these tests are about answers, not about the fallback.
    RedisShared::new(
        &redis.url(),
        Duration::from_secs(10),
        SecretKey::random(),
        &Metrics::disabled(),
    )
    .unwrap()
}

/// One request of a test sequence: after `gap_us`, client `who` checks (or peeks).
#[derive(Clone, Debug)]
struct Step {
    gap_us: u64,
    who: u8,
    peek: bool,
}

fn steps(max_gap_us: u64, clients: u8) -> impl Strategy<Value = Vec<Step>> {
    let step = (0..max_gap_us, 0..clients, prop::bool::weighted(0.2))
        .prop_map(|(gap_us, who, peek)| Step { gap_us, who, peek });
    prop::collection::vec(step, 1..60)
}

// Windows of at least a second: Redis expires keys on its own (real) clock, which
// must not overtake the script's (simulated, faster) one between two steps.
fn config() -> impl Strategy<Value = LimiterConfig> {
    (1u32..6, 1_000u64..4_000).prop_map(|(max, ms)| LimiterConfig {
        max,
        window: Duration::from_millis(ms),
        max_tracked: 1_000,
    })
}

#[test]
fn redis_store_answers_like_the_memory_store() {
    let redis = RedisServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let shared = rt.block_on(async { shared(&redis) });
    let case = Cell::new(0u32);
    let runner = ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(runner, |(cfg in config(), seq in steps(1_500_000, 3))| {
        case.set(case.get() + 1);
        let memory = SlidingWindowLimiter::new(cfg);
        let store = RedisStore::new(shared.clone(), &format!("same{}", case.get()), cfg);
        rt.block_on(async {
            let mut d = 0;
            for (i, step) in seq.iter().enumerate() {
                d += step.gap_us;
                // The same instant on both clocks, in whole µs (both compute exactly).
                let now = memory.started() + Duration::from_micros(d);
                let at = Some(BASE_US + d);
                let key = client(step.who);
                let (mem, red) = if step.peek {
                    (memory.peek(key, now), store.peek_at(key, at).await.unwrap())
                } else {
                    (memory.check(key, now), store.check_at(key, at).await.unwrap())
                };
                prop_assert_eq!(mem, red, "step {} at {} us", i, d);
            }
            Ok(())
        })?;
    });
}

#[test]
fn no_window_holds_more_than_n_and_retry_after_is_exact() {
    let redis = RedisServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let shared = rt.block_on(async { shared(&redis) });
    let case = Cell::new(0u32);
    let runner = ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(runner, |(cfg in config(), seq in steps(400_000, 1))| {
        case.set(case.get() + 1);
        let store = RedisStore::new(shared.clone(), &format!("bound{}", case.get()), cfg);
        let w = cfg.window.as_micros() as u64;
        // A refusal waits at most W and one sub-window (the limiter's early refusal).
        let longest_wait = w + (w / 1_000).div_ceil(8) * 1_000;
        let key = client(1);
        rt.block_on(async {
            let (mut d, mut accepted) = (0, vec![]);
            for step in &seq {
                d += step.gap_us;
                match store.check_at(key, Some(BASE_US + d)).await.unwrap() {
                    Decision::Allowed { .. } => accepted.push(d),
                    Decision::Limited { retry_after, .. } => {
                        let r = retry_after.as_micros() as u64;
                        prop_assert!(r > 0 && r <= longest_wait, "retry after {} us", r);
                        // Exact: refused a µs before, allowed at that instant.
                        let before = store.peek_at(key, Some(BASE_US + d + r - 1)).await.unwrap();
                        let at = store.peek_at(key, Some(BASE_US + d + r)).await.unwrap();
                        prop_assert!(!before.is_allowed(), "allowed 1 us early");
                        prop_assert!(at.is_allowed(), "still refused after {} us", r);
                    }
                }
            }
            for &a in &accepted {
                let inside = accepted.iter().filter(|&&b| b >= a && b < a + w).count();
                prop_assert!(inside as u32 <= cfg.max, "{} accepted in one window", inside);
            }
            Ok(())
        })?;
    });
}

#[tokio::test]
async fn a_flushed_script_is_loaded_again() {
    let redis = RedisServer::start();
    let cfg = LimiterConfig {
        max: 3,
        window: Duration::from_secs(60),
        max_tracked: 100,
    };
    let store = RedisStore::new(shared(&redis), "read", cfg);
    let first = store.check_at(client(1), None).await.unwrap();
    assert_eq!(first.remaining(), 2);
    assert_eq!(redis.cli(&["SCRIPT", "FLUSH"]).as_deref(), Some("OK"));
    let second = store.check_at(client(1), None).await.unwrap();
    assert_eq!(
        second.remaining(),
        1,
        "the state survived, the script came back"
    );
}

pub(crate) fn redis_config(c: &mut Config, url: String) {
    c.rate_store = RateStoreKind::Redis;
    c.redis_url = Some(url);
    c.rate_read_max = 3;
    c.rate_read_window_secs = 60;
    // Clients by X-Forwarded-For from the test's own address (as behind Caddy).
    c.trusted_proxies = vec![TrustedNet(Some("127.0.0.1/32".parse().unwrap()))];
}

pub(crate) async fn count_as(app: &TestApp, client: &str) -> reqwest::Response {
    app.get("/api/listings/count")
        .header("x-forwarded-for", client)
        .send()
        .await
        .unwrap()
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()[name].to_str().unwrap()
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn two_instances_share_one_budget_under_keys_without_addresses(pool: PgPool) {
    let redis = RedisServer::start();
    let a = TestApp::spawn_with(pool.clone(), |c| redis_config(c, redis.url())).await;
    let b = TestApp::spawn_with(pool.clone(), |c| redis_config(c, redis.url())).await;
    let addr = "203.0.113.77";
    for (app, left) in [(&a, 2), (&b, 1), (&a, 0)] {
        let res = count_as(app, addr).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "ratelimit-policy"), "\"read\";q=3;w=60");
        let fields = header(&res, "ratelimit");
        assert!(
            fields.starts_with(&format!("\"read\";r={left};t=")),
            "{fields}"
        );
    }
    for app in [&b, &a] {
        let res = count_as(app, addr).await;
        assert_eq!(res.status(), 429);
        let wait: u64 = header(&res, "retry-after").parse().unwrap();
        assert!((59..=61).contains(&wait), "Retry-After {wait}");
    }
    assert_eq!(count_as(&b, "203.0.113.78").await.status(), 200);

    let keys = redis.keys();
    assert_eq!(keys.len(), 2, "{keys:?}");
    for key in &keys {
        let hash = key
            .strip_prefix("powboard:rl:read:60000:")
            .unwrap_or_else(|| panic!("{key}"));
        assert!(hash.len() == 32 && hash.bytes().all(|c| c.is_ascii_hexdigit()));
        let value = redis.cli(&["GET", key]).unwrap();
        for text in [key, &value] {
            assert!(
                !text.contains("203.0.113") && !text.contains("cb0071"),
                "{text}"
            );
        }
        let pttl: i64 = redis.cli(&["PTTL", key]).unwrap().parse().unwrap();
        // Until its newest sub-window (W / 8) has left the window.
        assert!(pttl > 0 && pttl <= 60_000 + 7_500 + 1, "PTTL {pttl}");
    }
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

pub(crate) async fn store_metrics(app: &TestApp) -> (f64, f64) {
    let s = scrape(app).await;
    (
        s.get(RATELIMIT_STORE_FALLBACK, &[]),
        FaultReason::ALL
            .iter()
            .map(|r| s.get(RATELIMIT_STORE_ERRORS, &[("reason", r.label())]))
            .sum(),
    )
}

/// Four requests of one client: three accepted, then refused; never a 5xx.
async fn own_budget(app: &TestApp, addr: &str) {
    let mut statuses = vec![];
    for _ in 0..4 {
        statuses.push(count_as(app, addr).await.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429], "{addr}");
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn slow_or_dead_redis_falls_back_to_memory_and_comes_back(pool: PgPool) {
    let mut redis = RedisServer::start();
    let app = TestApp::spawn_with(pool, |c| {
        redis_config(c, redis.url());
        c.metrics_addr = "127.0.0.1:0".parse().unwrap();
        c.rate_store_timeout_ms = 100;
    })
    .await;
    assert_eq!(count_as(&app, "192.0.2.1").await.status(), 200);
    assert_eq!(redis.keys().len(), 1);
    assert_eq!(store_metrics(&app).await, (0.0, 0.0));

    // Slow: connected, silent. The deadline answers from memory: this instance's N.
    redis.pause(true);
    own_budget(&app, "192.0.2.2").await;
    let (fallback, errors) = store_metrics(&app).await;
    assert_eq!(fallback, 1.0);
    assert!(errors >= 1.0);
    redis.pause(false);

    // Gone. (It may have come back in between: either way the answers are the same.)
    redis.kill();
    own_budget(&app, "192.0.2.3").await;
    assert_eq!(store_metrics(&app).await.0, 1.0);

    // Back, empty: the next probe finds it, with no restart of the board.
    redis.restart();
    let mut n = 10u8;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while store_metrics(&app).await.0 != 0.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "never went back to Redis"
        );
        n += 1;
        assert!(count_as(&app, &format!("192.0.2.{n}"))
            .await
            .status()
            .is_success());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = redis.keys().len();
    own_budget(&app, "192.0.2.200").await;
    assert_eq!(redis.keys().len(), before + 1, "counted in Redis again");
    app.stop().await.unwrap();
}

/// `RATE_STORE=redis` without a usable `REDIS_URL` (unset or blank) is a mistake in the
/// deployment: the binary refuses to start and says what is missing, rather than
/// running every instance on its own budgets.
#[test]
fn the_redis_store_without_a_url_refuses_to_start() {
    for url in [None, Some("  ")] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_powboard"));
        cmd.arg("serve")
            .env_clear()
            .env("RATE_STORE", "redis")
            .env("APP_ENV", "dev")
            .env("LISTEN_ADDR", "127.0.0.1:0")
            // Never reached: the configuration is refused first.
            .env("DATABASE_URL", "postgres://127.0.0.1:1/none");
        if let Some(url) = url {
            cmd.env("REDIS_URL", url);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "REDIS_URL {url:?}: started");
        assert!(
            stderr.contains("RATE_STORE=redis needs REDIS_URL"),
            "REDIS_URL {url:?}: {stderr}"
        );
    }
    let mut c = Config::defaults();
    c.rate_store = RateStoreKind::Redis;
    c.redis_url = Some("redis://127.0.0.1:6379/0".into());
    c.validate().unwrap();
}

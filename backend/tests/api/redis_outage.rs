//! Budgets across an outage of the shared store (issue 20, item 2), against a private
//! redis-server: one client at 10 requests a second, budget 5 per 60 s (the window is
//! longer than each test, so "accepted in one window" is every 200 the client got).
//! Redis silenced by `DEBUG SLEEP`, or SIGKILLed and restarted empty: one instance never
//! lets the client through more than 5 times; two instances at most 5 each.
use std::time::Duration;

use powboard::{limiter::store_fault::FaultReason, metrics::RATELIMIT_STORE_ERRORS};
use sqlx::PgPool;
use tokio::time::Instant;

use crate::common::{redis_server::RedisServer, TestApp};
use crate::metrics::scrape;
use crate::redis_store::{count_as, redis_config, store_metrics};

const CLIENT: &str = "203.0.113.9";
const N: usize = 5;
const WINDOW: Duration = Duration::from_secs(60);

async fn spawn(pool: PgPool, redis: &RedisServer) -> TestApp {
    TestApp::spawn_with(pool, |c| {
        redis_config(c, redis.url());
        c.rate_read_max = N as u32;
        c.rate_read_window_secs = WINDOW.as_secs();
        c.metrics_addr = "127.0.0.1:0".parse().unwrap();
        c.rate_store_timeout_ms = 100;
    })
    .await
}

/// The client's requests, one every 100 ms, round-robin over the instances; beside each,
/// one request of a client seen for the first time, so that checks keep reaching the
/// store (the client's own stop at its instance once it has spent N there).
struct Traffic<'a> {
    apps: Vec<&'a TestApp>,
    start: Instant,
    sent: u32,
    accepted: Vec<usize>,
}

impl<'a> Traffic<'a> {
    fn new(apps: &[&'a TestApp]) -> Self {
        Self {
            apps: apps.to_vec(),
            start: Instant::now(),
            sent: 0,
            accepted: vec![0; apps.len()],
        }
    }

    async fn run(&mut self, requests: u32) {
        for _ in 0..requests {
            let i = self.sent as usize % self.apps.len();
            let app = self.apps[i];
            let res = count_as(app, CLIENT).await;
            match res.status().as_u16() {
                200 => self.accepted[i] += 1,
                429 => {
                    let wait: u64 = res.headers()["retry-after"]
                        .to_str()
                        .unwrap()
                        .parse()
                        .unwrap();
                    assert!((1..=68).contains(&wait), "Retry-After {wait}");
                }
                other => panic!("request {}: status {other}", self.sent),
            }
            let newcomer = format!("198.51.{}.{}", 101 + self.sent / 250, self.sent % 250 + 1);
            assert_eq!(count_as(app, &newcomer).await.status(), 200);
            self.sent += 1;
            tokio::time::sleep_until(self.start + Duration::from_millis(100) * self.sent).await;
        }
    }

    fn total(&self) -> usize {
        self.accepted.iter().sum()
    }

    /// Every request so far fell within one window of the budget.
    fn within_one_window(&self) {
        assert!(self.start.elapsed() < WINDOW, "{:?}", self.start.elapsed());
    }
}

async fn timeouts(app: &TestApp) -> f64 {
    let reason = FaultReason::Timeout.label();
    scrape(app)
        .await
        .get(RATELIMIT_STORE_ERRORS, &[("reason", reason)])
}

/// Waits until the instance counts in Redis again (its newcomers' checks probe it).
async fn until_shared(app: &TestApp, traffic: &mut Traffic<'_>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while store_metrics(app).await.0 != 0.0 {
        assert!(Instant::now() < deadline, "never went back to Redis");
        traffic.run(1).await;
    }
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn one_instance_never_exceeds_n_in_a_window_across_a_silent_redis(pool: PgPool) {
    let redis = RedisServer::start();
    let app = spawn(pool, &redis).await;
    let mut traffic = Traffic::new(&[&app]);
    traffic.run(3).await;
    assert_eq!(traffic.total(), 3, "through Redis");
    // Redis answers nothing for 3 s: this instance decides alone, from what it let
    // through (3), so 2 more, not 5.
    let mut sleep = redis.debug_sleep(3.0);
    traffic.run(35).await;
    assert!(timeouts(&app).await >= 1.0, "the outage was seen");
    sleep.wait().unwrap();
    traffic.run(10).await;
    traffic.within_one_window();
    assert_eq!(
        traffic.total(),
        N,
        "accepted in one window: {:?}",
        traffic.accepted
    );
    app.stop().await.unwrap();
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn one_instance_never_exceeds_n_in_a_window_across_a_killed_and_emptied_redis(pool: PgPool) {
    let mut redis = RedisServer::start();
    let app = spawn(pool, &redis).await;
    let mut traffic = Traffic::new(&[&app]);
    traffic.run(3).await;
    redis.kill();
    traffic.run(10).await;
    assert_eq!(traffic.total(), N, "3 through Redis, 2 alone");
    // Back, empty: it has forgotten the 5; this instance has not.
    redis.restart();
    until_shared(&app, &mut traffic).await;
    traffic.run(10).await;
    traffic.within_one_window();
    assert_eq!(traffic.total(), N, "accepted in one window");
    assert!(!redis.keys().is_empty(), "newcomers counted in Redis again");
    app.stop().await.unwrap();
}

/// The figure of the README: two instances, the client alternating between them.
/// Before the outage Redis holds the budget for both (4 accepted); during it each
/// instance goes on from its own share (2 each) up to N: 10 = 2N in one window, then
/// nothing more once Redis is back.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn two_instances_exceed_n_only_up_to_n_each_across_an_outage(pool: PgPool) {
    let redis = RedisServer::start();
    let a = spawn(pool.clone(), &redis).await;
    let b = spawn(pool, &redis).await;
    let mut traffic = Traffic::new(&[&a, &b]);
    traffic.run(4).await;
    assert_eq!(traffic.accepted, [2, 2], "through Redis");
    let mut sleep = redis.debug_sleep(3.0);
    traffic.run(35).await;
    sleep.wait().unwrap();
    assert!(timeouts(&a).await >= 1.0 && timeouts(&b).await >= 1.0);
    until_shared(&a, &mut traffic).await;
    until_shared(&b, &mut traffic).await;
    traffic.run(10).await;
    traffic.within_one_window();
    eprintln!(
        "two instances, one outage of 3 s: accepted {:?} = {} in one window (N = {N})",
        traffic.accepted,
        traffic.total()
    );
    assert!(
        traffic.accepted.iter().all(|&n| n <= N),
        "{:?}",
        traffic.accepted
    );
    assert_eq!(traffic.total(), 2 * N);
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

//! What the shared store's failures look like (issue 20, items 5 and 6), against real
//! redis-servers: each cause (refused port, wrong or missing password, database index
//! out of range, missing unix socket) is logged as itself once per outage, with its end
//! once, counted under its reason and shown by `/readyz`, and the password never
//! reaches the log. An answer that does not fit the budget is a fault of its own: the
//! request is decided by the instance's shadow, never with the store's numbers.
//!
//! Wrong answers come from a real Redis running a real script: `RedisShared::with_script`
//! loads another Lua source (the production script cannot be made to answer
//! `{1, 70000, 0}`, and a script of ours under its SHA cannot be faked), and the
//! production script itself answers a wait beyond the window for a key written
//! under a clock ahead of Redis's (a clock stepped back), which is checked too.
use std::{
    io::Write,
    net::{IpAddr, TcpListener},
    sync::{Arc, Mutex},
    time::Duration,
};

use powboard::{
    client_ip::ClientKey,
    limiter::{
        redis_store::{RedisShared, RedisStore},
        store_fault::FaultReason,
        Decision, LimiterConfig,
    },
    metrics::{Metrics, RATELIMIT_STORE_ERRORS},
    secrets::SecretKey,
};
use sqlx::PgPool;
use tracing_subscriber::fmt::MakeWriter;

use crate::common::{redis_server::RedisServer, repo_root, TestApp};
use crate::redis_store::{count_as, redis_config};

const N: u32 = 3;
const WINDOW: Duration = Duration::from_secs(60);
/// The longest wait of the budget: the window and one sub-window (7.5 s).
const LONGEST: Duration = Duration::from_millis(67_500);
/// Past the store's probe interval (500 ms): the next check tries Redis again.
const NEXT_PROBE: Duration = Duration::from_millis(600);

fn client(n: u8) -> ClientKey {
    ClientKey::new(IpAddr::from([198, 51, 100, n]), 32, 64)
}

/// This thread's log lines, as the server's pretty log writes them (no colours).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

impl Logs {
    /// Captures what this thread logs until the guard drops (the tests' runtime runs
    /// on this one thread, the store's code included).
    fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
        let logs = Self::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_ansi(false)
            .finish();
        (logs.clone(), tracing::subscriber::set_default(subscriber))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    fn lines_with(&self, needle: &str) -> Vec<String> {
        let text = self.text();
        text.lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

const OUTAGE: &str = "rate limit store unavailable";
const BACK: &str = "rate limit store is back";

struct Store {
    metrics: Metrics,
    shared: Arc<RedisShared>,
    store: RedisStore,
}

impl Store {
    fn new(url: &str, lua: Option<&str>) -> Self {
        let metrics = Metrics::enabled();
        let deadline = Duration::from_millis(500);
        let shared = match lua {
            Some(lua) => {
                RedisShared::with_script(url, deadline, SecretKey::random(), &metrics, lua)
            }
            None => RedisShared::new(url, deadline, SecretKey::random(), &metrics),
        }
        .unwrap();
        let cfg = LimiterConfig {
            max: N,
            window: WINDOW,
            max_tracked: 1_000,
        };
        let store = RedisStore::new(shared.clone(), "read", cfg);
        Self {
            metrics,
            shared,
            store,
        }
    }

    fn errors(&self, reason: FaultReason) -> u64 {
        let head = format!("{RATELIMIT_STORE_ERRORS}{{reason=\"{}\"}} ", reason.label());
        let text = self.metrics.render();
        let line = text.lines().find(|l| l.starts_with(&head));
        line.unwrap_or_else(|| panic!("no {head} in\n{text}"))[head.len()..]
            .parse()
            .unwrap()
    }

    /// `probes` checks of new clients, each one probe apart: each reaches Redis.
    async fn probe(&self, probes: u8) -> Vec<Decision> {
        let mut out = vec![];
        for i in 0..probes {
            out.push(self.store.check(client(100 + i)).await);
            tokio::time::sleep(NEXT_PROBE).await;
        }
        out
    }

    /// Three probes fail for `reason` and nothing else; each request is still served
    /// (the shadow decides); one outage line names the reason.
    async fn fails_for(&self, reason: FaultReason, logs: &Logs) {
        for d in self.probe(3).await {
            assert_eq!(d.remaining(), N - 1, "{d:?}");
        }
        assert_eq!(self.shared.outage(), Some(reason));
        assert_eq!(self.errors(reason), 3);
        for other in FaultReason::ALL.iter().filter(|&&r| r != reason) {
            assert_eq!(self.errors(*other), 0, "{}", other.label());
        }
        let lines = logs.lines_with(OUTAGE);
        assert_eq!(lines.len(), 1, "{}", logs.text());
        assert!(
            lines[0].contains(&format!("reason=\"{}\"", reason.label())),
            "{}",
            lines[0]
        );
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_refused_port_is_logged_as_refused() {
    let (logs, _guard) = Logs::capture();
    let store = Store::new(&format!("redis://127.0.0.1:{}", free_port()), None);
    store.fails_for(FaultReason::Refused, &logs).await;
}

#[tokio::test]
async fn a_missing_unix_socket_is_logged_as_missing() {
    let (logs, _guard) = Logs::capture();
    let path = repo_root().join(".data/test-redis/no-such-redis.sock");
    let store = Store::new(&format!("unix://{}", path.display()), None);
    store.fails_for(FaultReason::NoSocket, &logs).await;
}

#[tokio::test]
async fn a_database_index_out_of_range_is_logged_as_such() {
    let redis = RedisServer::start_with(&["--databases", "4"]);
    let (logs, _guard) = Logs::capture();
    let store = Store::new(&format!("redis://127.0.0.1:{}/9", redis.port), None);
    store.fails_for(FaultReason::Database, &logs).await;
}

/// A wrong password, then none at all, then the right one (the operator sets the
/// server's password to the one the board was given): the reason each time, one
/// outage line and one end line, and neither password anywhere in the log.
#[tokio::test]
async fn a_refused_password_is_logged_as_auth_without_the_password() {
    let server_password = "s3rver-pass-4d9b0e";
    let given = "hunter2-given-c71f5a";
    let redis = RedisServer::start_with(&["--requirepass", server_password]);
    let (logs, _guard) = Logs::capture();
    let url = format!("redis://:{given}@127.0.0.1:{}", redis.port);
    let wrong = Store::new(&url, None);
    wrong.fails_for(FaultReason::Auth, &logs).await;
    let none = Store::new(&format!("redis://127.0.0.1:{}", redis.port), None);
    for d in none.probe(1).await {
        assert!(d.is_allowed());
    }
    assert_eq!(none.shared.outage(), Some(FaultReason::Auth), "NOAUTH");

    let set = redis.cli(&["CONFIG", "SET", "requirepass", given]);
    assert_eq!(set.as_deref(), Some("OK"));
    wrong.probe(3).await;
    assert_eq!(wrong.shared.outage(), None, "shared again");
    assert_eq!(logs.lines_with(OUTAGE).len(), 2, "one per store");
    assert_eq!(logs.lines_with(BACK).len(), 1, "{}", logs.text());
    let text = logs.text();
    for secret in [given, server_password] {
        assert!(!text.contains(secret), "password in the log:\n{text}");
    }
}

/// `/readyz` says the store is shared, then why not; the instance stays ready.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn readyz_shows_the_store_state_and_the_reason(pool: PgPool) {
    let redis = RedisServer::start();
    let good = TestApp::spawn_with(pool.clone(), |c| redis_config(c, redis.url())).await;
    assert_eq!(count_as(&good, "192.0.2.1").await.status(), 200);
    let (status, body) = good.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(body["rate_store"], serde_json::json!({"state": "shared"}));

    let url = format!("redis://127.0.0.1:{}", free_port());
    let refused = TestApp::spawn_with(pool, |c| redis_config(c, url)).await;
    assert_eq!(count_as(&refused, "192.0.2.1").await.status(), 200);
    let (status, body) = refused.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ready");
    assert_eq!(
        body["rate_store"],
        serde_json::json!({"state": "fallback", "reason": "refused"})
    );
    good.stop().await.unwrap();
    refused.stop().await.unwrap();
}

/// Scripts answering out of range, run by a real Redis: each answer is a fault
/// (`bad_answer`, logged once), and the client gets the shadow's own numbers: N
/// requests with `remaining` counting down, then a refusal with a wait within the
/// window, never the store's 9223372036855 s or `r=70000`.
#[tokio::test]
async fn answers_that_do_not_fit_the_budget_are_faults() {
    let redis = RedisServer::start();
    for lua in [
        "return {0, 0, 9223372036854775807}",
        "return {1, 70000, 0}",
        "return {1, 2, -1}",
        "return {0, 0, 0}",
        "return {2, 1, 1000}",
        "return {1, 2}",
        "return {1, 2, 3, 4}",
        "return 'OK'",
    ] {
        let (logs, _guard) = Logs::capture();
        let store = Store::new(&redis.url(), Some(lua));
        let mut remaining = vec![];
        for _ in 0..N {
            let d = store.store.check(client(1)).await;
            if let Decision::Allowed { reset_after, .. } = d {
                assert!(reset_after <= LONGEST, "{lua}: {d:?}");
            }
            remaining.push(d.remaining());
        }
        assert_eq!(remaining, [2, 1, 0], "{lua}");
        match store.store.check(client(1)).await {
            Decision::Limited { retry_after, .. } => {
                assert!(retry_after <= LONGEST, "{lua}: {retry_after:?}")
            }
            d => panic!("{lua}: {d:?}"),
        }
        assert_eq!(store.shared.outage(), Some(FaultReason::BadAnswer), "{lua}");
        assert_eq!(store.errors(FaultReason::BadAnswer), 1, "{lua}");
        assert_eq!(logs.lines_with(OUTAGE).len(), 1, "{lua}");
    }
}

/// The production script, given a key written under a clock 60 s ahead of Redis's (a
/// clock that stepped back), answers a refusal with a wait of 127.5 s in a 60 s budget:
/// out of range, so a fault, and the request is decided by the shadow.
#[tokio::test]
async fn a_wait_beyond_the_window_from_the_real_script_is_a_fault() {
    let redis = RedisServer::start();
    let (logs, _guard) = Logs::capture();
    let store = Store::new(&redis.url(), None);
    let time = redis.cli(&["TIME"]).unwrap();
    let secs: u64 = time.lines().next().unwrap().parse().unwrap();
    let sub_ms = 7_500;
    let head = secs * 1_000 + 8 * sub_ms;
    let state = format!("{head} {N} 0 0 0 0 0 0 0 0");
    let key = store.store.key(client(1));
    assert_eq!(
        redis.cli(&["SET", &key, &state, "PX", "600000"]).as_deref(),
        Some("OK")
    );
    let d = store.store.check(client(1)).await;
    assert_eq!(d.remaining(), N - 1, "the shadow's answer: {d:?}");
    assert_eq!(store.shared.outage(), Some(FaultReason::BadAnswer));
    let lines = logs.lines_with(OUTAGE);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("does not fit the budget"), "{}", lines[0]);
}

//! Boots the real app (library) on 127.0.0.1:0 against a fresh PostgreSQL database
//! given by `#[sqlx::test]`, with test-friendly settings and known secrets.
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
    time::{Duration, Instant},
};

pub mod redis_server;

use base64::{engine::general_purpose::STANDARD, Engine};
use powboard::{client_ip::ClientKey, config::Config, pow::ChallengeResponse, secrets::SecretKey};
use reqwest::{header::HeaderMap, RequestBuilder, Response};
use serde_json::Value;
use sqlx::PgPool;

pub const POW_KEY: [u8; 32] = [0x11; 32];
pub const IP_SALT: [u8; 32] = [0x22; 32];
pub const UA: &str = "powboard-tests/1";

/// A solved proof of work: the values of `X-PoW-Challenge`, `X-PoW-Token` and
/// `X-PoW-Nonce`.
#[derive(Clone, Debug)]
pub struct Proof {
    pub challenge: String,
    pub token: String,
    pub nonces: String,
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// The private metrics listener, when the test set `metrics_addr`.
    pub metrics_addr: Option<SocketAddr>,
    pub http: reqwest::Client,
    pub pool: PgPool,
    pub config: Config,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Test settings: low difficulty, generous budgets, no web UI, fixed secrets.
pub fn test_config() -> Config {
    let mut c = Config::defaults();
    c.pow_difficulty = Some(6.0);
    c.pow_max_difficulty = Some(12.0);
    c.pow_subpuzzles = Some(4);
    c.pow_adaptive_step = 0.0;
    // The site-wide surge is off unless a test is about it (tests post many listings).
    c.pow_surge_baseline = 0.0;
    c.rate_read_max = 10_000;
    c.rate_write_max = 10_000;
    c.rate_challenge_max = 10_000;
    c.web_dir = "/nonexistent-web-dir".into();
    c.pow_secret_key = Some(STANDARD.encode(POW_KEY));
    c.ip_hash_salt = Some(STANDARD.encode(IP_SALT));
    c.shutdown_grace_secs = 10;
    c
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool, |_| {}).await
    }

    pub async fn spawn_with(pool: PgPool, tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = test_config();
        tweak(&mut config);
        let spawned = powboard::app::spawn(config.clone(), pool.clone())
            .await
            .expect("app starts");
        let http = reqwest::Client::builder().user_agent(UA).build().unwrap();
        Self {
            addr: spawned.addr,
            metrics_addr: spawned.metrics_addr,
            http,
            pool,
            config,
            shutdown: Some(spawned.shutdown),
            handle: Some(spawned.handle),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(self.url(path))
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let res = self.get(path).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn challenge_with(&self, headers: HeaderMap) -> ChallengeResponse {
        let res = self
            .get("/api/pow/challenge")
            .headers(headers)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "challenge");
        assert_eq!(res.headers()["cache-control"], "no-store");
        res.json().await.unwrap()
    }

    pub async fn challenge(&self) -> ChallengeResponse {
        self.challenge_with(HeaderMap::new()).await
    }

    /// A challenge fetched with `headers`, solved.
    pub async fn solved_with(&self, headers: HeaderMap) -> Proof {
        let ch = self.challenge_with(headers).await;
        solve(&ch)
    }

    pub async fn solved(&self) -> Proof {
        self.solved_with(HeaderMap::new()).await
    }

    /// POST /api/listings with a fresh proof of work.
    pub async fn post(&self, body: &str) -> Response {
        self.post_with(body, HeaderMap::new()).await
    }

    pub async fn post_with(&self, body: &str, headers: HeaderMap) -> Response {
        let pow = self.solved_with(headers.clone()).await;
        self.post_solved(
            &serde_json::json!({ "body": body }).to_string(),
            &pow,
            headers,
        )
        .await
    }

    pub async fn post_solved(&self, json: &str, pow: &Proof, headers: HeaderMap) -> Response {
        self.post_request(pow)
            .headers(headers)
            .header("content-type", "application/json")
            .body(json.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// `POST /api/listings` carrying a solved proof of work; the caller adds the
    /// content type and the body.
    pub fn post_request(&self, pow: &Proof) -> RequestBuilder {
        self.http
            .post(self.url("/api/listings"))
            .header("x-pow-challenge", &pow.challenge)
            .header("x-pow-token", &pow.token)
            .header("x-pow-nonce", &pow.nonces)
    }

    pub async fn listing_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM listings")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self.shutdown.take().unwrap().send(());
        self.handle.take().unwrap().await.unwrap()
    }
}

pub fn solve(ch: &ChallengeResponse) -> Proof {
    let json = serde_json::to_string(ch).unwrap();
    let (_, nonces) = powboard::cli::solve(&json, 2).unwrap();
    Proof {
        challenge: ch.challenge.clone(),
        token: ch.token.clone(),
        nonces,
    }
}

/// The bodies of a page of listings, in order.
pub fn bodies(page: &Value) -> Vec<&str> {
    let items = page["items"].as_array().expect("items");
    items
        .iter()
        .map(|i| i["body"].as_str().expect("body"))
        .collect()
}

/// The status and error code of an answer. The code is empty when the answer has none (a success): the caller's assertion then
/// shows the status beside its own case, where a panic here would hide both.
pub async fn error_code(res: Response) -> (u16, String) {
    let status = res.status().as_u16();
    let text = res.text().await.expect("answer body");
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("HTTP {status}, body not JSON ({e}): {text}"));
    let code = v["error"]["code"].as_str().unwrap_or_default();
    (status, code.to_owned())
}

/// What the database stores for a client key under the test salt.
pub fn ip_hash(key: ClientKey) -> Vec<u8> {
    key.hash(&test_salt()).to_vec()
}

fn test_salt() -> SecretKey {
    let mut c = test_config();
    c.app_env = powboard::config::AppEnv::Dev;
    powboard::secrets::Secrets::resolve(&c).unwrap().ip_salt
}

/// Inserts visible listings directly (for pagination and filter tests).
pub async fn seed(pool: &PgPool, bodies: &[(&str, Option<&str>)]) {
    for (body, country) in bodies {
        sqlx::query("INSERT INTO listings (body, ip_hash, country) VALUES ($1, $2, $3)")
            .bind(body)
            .bind(vec![0u8; 32])
            .bind(country)
            .execute(pool)
            .await
            .unwrap();
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("backend/ has a parent")
        .to_owned()
}

/// The directory holding the generated test databases, written once per run.
pub fn geoip_fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = repo_root();
        let python = root.join(".data/venv-geoip/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run `make geoip-test-deps` first",
            python.display()
        );
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("geoip-fixtures-{}", std::process::id()));
        let run = Command::new(&python)
            .arg(root.join("scripts/geoip/make-test-mmdb.py"))
            .arg(&out)
            .output()
            .expect("run make-test-mmdb.py");
        assert!(
            run.status.success(),
            "make-test-mmdb.py failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        out
    })
}

/// The backend pid of the app's notification listener, once it listens.
pub async fn listener_pid(pool: &PgPool) -> Option<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_optional(pool)
    .await
    .unwrap()
}

/// Waits until the listener is subscribed (it drops every cache when it subscribes);
/// `not` skips a listener connection known to be gone.
pub async fn wait_for_listener(pool: &PgPool, not: Option<i32>) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match listener_pid(pool).await {
            Some(pid) if Some(pid) != not => return pid,
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "the listener did not (re)connect"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

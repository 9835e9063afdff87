//! Metrics on the private listener: the exact change of every counter over a scripted
//! session (scraped, never read from inside), the exposition checked by `promtool`,
//! every metric the Grafana dashboard queries really exported, and the public port
//! never serving them.
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    io::Write,
    process::{Command, Stdio},
};

use crate::common::{self, error_code, repo_root, Proof, TestApp, POW_KEY, UA};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use powboard::{
    config::Config,
    pow::token::{self, Binding, Claims, Difficulty},
    secrets::SecretKey,
};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use sqlx::PgPool;

/// One scrape: sample name + sorted labels -> value.
#[derive(Debug, Default)]
pub(crate) struct Scrape {
    text: String,
    samples: HashMap<String, f64>,
}

fn series(name: &str, labels: &[(&str, &str)]) -> String {
    let labels: BTreeMap<_, _> = labels.iter().copied().collect();
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

impl Scrape {
    fn parse(text: String) -> Self {
        let mut samples = HashMap::new();
        for line in text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (head, value) = line.rsplit_once(' ').expect("sample line has a value");
            let (name, labels) = match head.split_once('{') {
                Some((n, rest)) => (n, rest.strip_suffix('}').expect("closing brace")),
                None => (head, ""),
            };
            // Our label values never hold commas or quotes (fixed sets), so a split is exact.
            let pairs: Vec<(&str, &str)> = labels
                .split(',')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').expect("label pair");
                    (k, v.trim_matches('"'))
                })
                .collect();
            let v: f64 = value.parse().expect("numeric sample value");
            assert!(
                samples.insert(series(name, &pairs), v).is_none(),
                "duplicate series in: {line}"
            );
        }
        Self { text, samples }
    }

    pub(crate) fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .get(&series(name, labels))
            .copied()
            .unwrap_or(0.0)
    }

    /// Every sample name (histograms appear as `_bucket`, `_sum`, `_count`).
    fn names(&self) -> BTreeSet<String> {
        self.samples
            .keys()
            .map(|k| k.split('{').next().unwrap().to_owned())
            .collect()
    }
}

pub(crate) async fn scrape(app: &TestApp) -> Scrape {
    let addr = app.metrics_addr.expect("metrics are on in these tests");
    let res = app
        .http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    Scrape::parse(res.text().await.unwrap())
}

fn with_metrics(c: &mut Config) {
    c.metrics_addr = "127.0.0.1:0".parse().unwrap();
    c.rate_write_max = 5;
}

fn body(text: &str) -> String {
    json!({ "body": text }).to_string()
}

/// A token for challenge `c` that expired a second ago, minted with the test key.
fn expired_token(key: &SecretKey, c: &str) -> String {
    let bytes: [u8; 16] = URL_SAFE_NO_PAD.decode(c).unwrap().try_into().unwrap();
    let claims = Claims {
        algorithm: powboard::pow::algorithm::Algorithm::Sha256,
        expires_at: powboard::pow::unix_now() - 1,
        difficulty: Difficulty::new(6.0),
        subpuzzles: 4,
    };
    let binding = Binding {
        client_key: "127.0.0.1/32",
        user_agent: UA.as_bytes(),
    };
    token::issue(key, &bytes, &claims, &binding)
}

/// The server's PoW key (the test configuration's), checked against the known bytes.
fn pow_key(app: &TestApp) -> SecretKey {
    let key = powboard::secrets::Secrets::resolve(&app.config)
        .unwrap()
        .pow_key;
    assert_eq!(key.expose(), POW_KEY);
    key
}

/// `powboard listings <action> <id>`: the moderation CLI, as its own process, on the
/// test's database.
fn moderate(pool: &PgPool, action: &str, id: i64) {
    use sqlx::ConnectOptions;
    let url = pool.connect_options().to_url_lossy().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_powboard"))
        .args(["listings", action, &id.to_string()])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "powboard listings {action} {id}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_scripted_session_moves_each_counter_by_exactly_its_events(pool: PgPool) {
    let app = TestApp::spawn_with(pool.clone(), with_metrics).await;
    let before = scrape(&app).await;

    // A solved post, then the same proof again (replayed).
    let pow = app.solved().await;
    let res = app
        .post_solved(&body("metrics one"), &pow, HeaderMap::new())
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = app
        .post_solved(&body("metrics two"), &pow, HeaderMap::new())
        .await;
    assert_eq!(error_code(res).await, (409, "POW_REPLAYED".to_owned()));
    // An expired token, a malformed one, none at all.
    let ch = app.challenge().await;
    let expired = Proof {
        challenge: ch.challenge.clone(),
        token: expired_token(&pow_key(&app), &ch.challenge),
        nonces: "1,1,1,1".to_owned(),
    };
    let res = app
        .post_solved(&body("late"), &expired, HeaderMap::new())
        .await;
    assert_eq!(error_code(res).await, (403, "POW_EXPIRED".to_owned()));
    let forged = Proof {
        challenge: ch.challenge.clone(),
        token: "v1:garbage".to_owned(),
        nonces: "1,1,1,1".to_owned(),
    };
    let res = app
        .post_solved(&body("forged"), &forged, HeaderMap::new())
        .await;
    assert_eq!(error_code(res).await, (403, "POW_INVALID".to_owned()));
    let res = app
        .http
        .post(app.url("/api/listings"))
        .header("content-type", "application/json")
        .body(body("no pow"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await, (400, "POW_REQUIRED".to_owned()));
    // The write budget (5) is spent: the sixth POST is refused before any PoW check.
    let res = app
        .post_solved(&body("one too many"), &pow, HeaderMap::new())
        .await;
    assert_eq!(error_code(res).await, (429, "RATE_LIMITED".to_owned()));
    // A read, an unknown API path, a web UI path.
    assert_eq!(app.get_json("/api/listings/count").await.0, 200);
    assert_eq!(app.get_json("/api/nope").await.0, 404);
    let _ = app.get("/some/client/route?q=secret").send().await.unwrap();
    // Moderation by the CLI (another process): hide, hide again (no change), unhide.
    moderate(&pool, "hide", id);
    moderate(&pool, "hide", id);
    let after_hide = scrape(&app).await;
    moderate(&pool, "unhide", id);

    let after = scrape(&app).await;
    let delta =
        |name: &str, labels: &[(&str, &str)]| after.get(name, labels) - before.get(name, labels);
    let outcome = |o| delta("powboard_pow_verifications_total", &[("outcome", o)]);
    assert_eq!(outcome("ok"), 1.0);
    assert_eq!(outcome("replayed"), 1.0);
    assert_eq!(outcome("expired"), 1.0);
    assert_eq!(outcome("invalid"), 1.0);
    assert_eq!(outcome("required"), 1.0);
    assert_eq!(delta("powboard_pow_challenges_issued_total", &[]), 2.0);
    let d = "powboard_pow_challenge_difficulty_bits";
    assert_eq!(delta(&format!("{d}_count"), &[]), 2.0);
    assert_eq!(delta(&format!("{d}_sum"), &[]), 12.0);
    assert_eq!(delta(&format!("{d}_bucket"), &[("le", "6")]), 2.0);
    assert_eq!(delta(&format!("{d}_bucket"), &[("le", "4")]), 0.0);
    let refused = |b| delta("powboard_ratelimit_refused_total", &[("budget", b)]);
    assert_eq!(
        (refused("write"), refused("read"), refused("challenge")),
        (1.0, 0.0, 0.0)
    );
    let tracked = |b| after.get("powboard_ratelimit_tracked_keys", &[("budget", b)]);
    assert_eq!(
        (tracked("write"), tracked("read"), tracked("challenge")),
        (1.0, 1.0, 1.0)
    );
    assert_eq!(
        delta(
            "powboard_ratelimit_table_full_total",
            &[("budget", "write")]
        ),
        0.0
    );
    assert_eq!(delta("powboard_listings_created_total", &[]), 1.0);
    let hidden = "powboard_listings_hidden_total";
    let unhidden = "powboard_listings_unhidden_total";
    assert_eq!(after_hide.get(hidden, &[]) - before.get(hidden, &[]), 1.0);
    assert_eq!(after_hide.get(unhidden, &[]), before.get(unhidden, &[]));
    assert_eq!(delta(hidden, &[]), 1.0);
    assert_eq!(delta(unhidden, &[]), 1.0);
    let requests = |method, route, status| {
        delta(
            "http_server_request_duration_seconds_count",
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("POST", "/api/listings", "201"), 1.0);
    assert_eq!(requests("POST", "/api/listings", "409"), 1.0);
    assert_eq!(requests("POST", "/api/listings", "403"), 2.0);
    assert_eq!(requests("POST", "/api/listings", "400"), 1.0);
    assert_eq!(requests("POST", "/api/listings", "429"), 1.0);
    assert_eq!(requests("GET", "/api/pow/challenge", "200"), 2.0);
    assert_eq!(requests("GET", "/api/listings/count", "200"), 1.0);
    assert_eq!(requests("GET", "unmatched", "404"), 1.0);
    assert_eq!(requests("GET", "unmatched", "503"), 1.0);
    // No raw path, query or address ever becomes a label value.
    for leak in ["/some/client/route", "secret", "/api/nope", "127.0.0.1"] {
        assert!(
            !after.text.contains(leak),
            "{leak} leaked into:\n{}",
            after.text
        );
    }
    assert_eq!(after.get("http_server_active_requests", &[]), 0.0);
    let open = after.get("powboard_db_pool_connections", &[]);
    let idle = after.get("powboard_db_pool_idle_connections", &[]);
    assert!(
        open >= 1.0 && idle <= open,
        "pool: {open} open, {idle} idle"
    );
    assert_eq!(delta("powboard_db_pool_acquire_timeouts_total", &[]), 0.0);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn build_info_names_the_version_and_the_checked_out_commit(pool: PgPool) {
    let app = TestApp::spawn_with(pool, with_metrics).await;
    let s = scrape(&app).await;
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    let labels = [
        ("version", env!("CARGO_PKG_VERSION")),
        ("commit", head.as_str()),
    ];
    assert_eq!(s.get("powboard_build_info", &labels), 1.0, "{}", s.text);
}

/// The surge gauge shows what the next challenge pays: 8 posts over a baseline of 2
/// is log2(4) = 2 bits, also when nobody has asked for a challenge yet.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_surge_gauge_follows_the_posts(pool: PgPool) {
    let app = TestApp::spawn_with(pool.clone(), |c| {
        with_metrics(c);
        c.pow_surge_baseline = 2.0;
        c.pow_surge_window_secs = 600;
        c.pow_surge_max_bits = 3.0;
    })
    .await;
    assert_eq!(scrape(&app).await.get("powboard_pow_surge_bits", &[]), 0.0);
    let bodies: Vec<String> = (0..8).map(|i| format!("post {i}")).collect();
    let rows: Vec<(&str, Option<&str>)> = bodies.iter().map(|b| (b.as_str(), None)).collect();
    common::seed(&pool, &rows).await;
    // The count is cached for at most a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(scrape(&app).await.get("powboard_pow_surge_bits", &[]), 2.0);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn promtool_accepts_the_exposition(pool: PgPool) {
    let app = TestApp::spawn_with(pool, with_metrics).await;
    // Every kind of series present: a request, a challenge, a refusal-free post.
    let _ = app.post("promtool").await;
    let text = scrape(&app).await.text;
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed (Debian package prometheus; make rust-test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Exit 3 = lint problems only (1 = the exposition did not parse). The contract's
    // names end in `_bits` for difficulty bits (log2 of the expected hashes), which
    // promtool's unit lint takes for a data size; any other problem fails.
    let tolerated = [
        "powboard_pow_challenge_difficulty_bits use base unit \"bytes\" instead of \"bits\"",
        "powboard_pow_surge_bits use base unit \"bytes\" instead of \"bits\"",
    ];
    let problems: Vec<&str> = report
        .lines()
        .filter(|l| !l.trim().is_empty() && !tolerated.contains(&l.trim()))
        .collect();
    assert!(
        matches!(out.status.code(), Some(0 | 3)) && problems.is_empty(),
        "promtool check metrics: {:?}\n{report}\n---\n{text}",
        out.status.code()
    );
}

/// The metric names a PromQL expression reads: identifiers that are not functions,
/// keywords, label names (in `by (...)`, `{...}`) or durations.
fn metric_names(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    let mut prev_word = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '{' || c == '[' || c == '"' {
            // Label matchers, ranges and strings hold no metric names.
            let close = match c {
                '{' => '}',
                '[' => ']',
                _ => '"',
            };
            i += 1;
            while i < chars.len() && chars[i] != close {
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            let rest: String = chars[j..].iter().collect();
            // A function call, or an aggregation with its grouping first: `sum by (x) (...)`.
            let is_call = rest.starts_with('(')
                || rest.starts_with("by ")
                || rest.starts_with("by(")
                || rest.starts_with("without");
            let grouping = [
                "by",
                "without",
                "on",
                "ignoring",
                "group_left",
                "group_right",
            ];
            let keyword = ["and", "or", "unless", "bool", "offset"].contains(&word.as_str());
            if grouping.contains(&word.as_str()) {
                // Skip the label list.
                while i < chars.len() && chars[i] != ')' {
                    i += 1;
                }
            } else if !is_call && !keyword && !grouping.contains(&prev_word.as_str()) {
                out.push(word.clone());
            }
            prev_word = word;
            continue;
        }
        if c.is_ascii_digit() || c == '.' {
            // Numbers (and the unit letters of a duration) are not names.
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    out
}

/// Every `expr` (panel targets) and `query` (template variables) in the dashboard.
fn dashboard_queries(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("expr", Value::String(s)) => out.push(s.clone()),
                    ("query", Value::Object(q)) => {
                        if let Some(Value::String(s)) = q.get("query") {
                            out.push(s.clone());
                        }
                    }
                    _ => dashboard_queries(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| dashboard_queries(v, out)),
        _ => {}
    }
}

#[test]
fn the_promql_reader_finds_names_and_skips_the_rest() {
    let e = r#"histogram_quantile(0.99, sum by (route, le) (rate(http_x_bucket{job=~"$job"}[$__rate_interval]))) - sum(b_total) * 60"#;
    assert_eq!(metric_names(e), ["http_x_bucket", "b_total"]);
    assert_eq!(
        metric_names("label_values(powboard_build_info, job)"),
        ["powboard_build_info", "job"]
    );
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn every_metric_the_dashboard_queries_is_exported(pool: PgPool) {
    let app = TestApp::spawn_with(pool, with_metrics).await;
    // One request, so that the per-route histogram has a series.
    let _ = app.post("dashboard").await;
    let exported = scrape(&app).await.names();
    let path = repo_root().join("docs/grafana/powboard.json");
    let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut queries = Vec::new();
    dashboard_queries(&dashboard, &mut queries);
    assert!(
        queries.len() >= 10,
        "found only {} queries in {}",
        queries.len(),
        path.display()
    );
    let mut used = BTreeSet::new();
    for q in &queries {
        // label_values(metric, label): the second argument is a label name.
        let names = metric_names(q);
        let names = if q.trim_start().starts_with("label_values(") {
            &names[..1]
        } else {
            &names[..]
        };
        used.extend(names.iter().cloned());
    }
    let missing: Vec<_> = used.difference(&exported).collect();
    assert!(missing.is_empty(), "the dashboard queries metrics the server does not export: {missing:?}\nexported: {exported:?}");
    // And the dashboard covers what the issue asks for.
    for wanted in [
        "http_server_request_duration_seconds_bucket",
        "powboard_ratelimit_refused_total",
        "powboard_pow_verifications_total",
        "powboard_pow_challenge_difficulty_bits_bucket",
        "powboard_listings_created_total",
        "powboard_db_pool_connections",
    ] {
        assert!(used.contains(wanted), "no panel reads {wanted}");
    }
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_public_port_never_serves_metrics(pool: PgPool) {
    let app = TestApp::spawn_with(pool, with_metrics).await;
    let _ = app.post("public").await;
    let exposition = scrape(&app).await.text;
    assert!(exposition.contains("powboard_build_info"));
    for path in ["/metrics", "/api/metrics", "/metrics/"] {
        let res = app.get(path).send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert!(
            !text.contains("powboard_") && !text.contains("# TYPE"),
            "{path} on the public port answered {status} with metrics"
        );
    }
    // And the metrics listener serves nothing but /metrics.
    let addr = app.metrics_addr.unwrap();
    for path in ["/", "/api/listings", "/healthz"] {
        let res = app
            .http
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path} on the metrics listener");
    }
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn metrics_are_off_without_metrics_addr(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert_eq!(app.metrics_addr, None);
    let res = app.get("/metrics").send().await.unwrap();
    assert!(!res.text().await.unwrap().contains("powboard_"));
}

#[test]
fn metrics_addr_may_not_be_the_public_port() {
    let mut c = Config::defaults();
    c.listen_addr = "0.0.0.0:8080".parse().unwrap();
    c.metrics_addr = "127.0.0.1:8080".parse().unwrap();
    let err = c.validate().unwrap_err().to_string();
    assert!(err.contains("METRICS_ADDR"), "{err}");
    c.metrics_addr = "127.0.0.1:9464".parse().unwrap();
    c.validate().unwrap();
    c.metrics_addr = "".parse().unwrap();
    c.validate().unwrap();
}

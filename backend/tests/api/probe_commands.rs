//! Issue 20, what the probe found in the commands and settings: moderation never
//! changes a database that is not powboard's at this schema (item 1), settings that
//! should not pass quietly and times resolved once (item 8). Each failed before its fix.
use std::{
    io::{BufRead as _, BufReader},
    path::PathBuf,
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use powboard::{config::AppEnv, db::MIGRATOR};
use sqlx::{migrate::Migrator, ConnectOptions, PgPool};

use crate::common::{self, TestApp};

/// Runs the real `powboard` binary against `pool`'s database: (success, stdout, stderr).
fn powboard(pool: &PgPool, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let url = pool.connect_options().to_url_lossy().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_powboard"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("DB_CONNECT_TIMEOUT_SECS", "5")
        .envs(env.iter().copied())
        .output()
        .expect("run powboard");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every table and sequence in the database, with `_sqlx_migrations`'s rows.
async fn schema(pool: &PgPool) -> (Vec<String>, Vec<i64>) {
    let relations: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
          ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let versions = match relations.iter().any(|r| r == "public._sqlx_migrations") {
        true => sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .unwrap(),
        false => Vec::new(),
    };
    (relations, versions)
}

/// A migrations directory: this binary's migrations but the last `drop`, plus `extra`.
fn migrations_dir(name: &str, drop: usize, extra: Option<&str>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("powboard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(common::repo_root().join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.truncate(files.len() - drop);
    for f in files {
        std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
    }
    if let Some(sql) = extra {
        std::fs::write(dir.join("29991231000000_from_the_future.sql"), sql).unwrap();
    }
    dir
}

/// The moderation commands, dry or not, on a database they must not touch: refused
/// with a clear message and a non-zero exit, and the database is as it was.
async fn moderation_refuses(pool: &PgPool, why: &str) {
    let before = schema(pool).await;
    for args in [
        &["listings", "hide", "--dry-run", "--matching", "spam"][..],
        &["listings", "hide", "--matching", "spam"],
        &["listings", "unhide", "1"],
    ] {
        let (ok, stdout, stderr) = powboard(pool, args, &[]);
        assert!(!ok, "{args:?} must fail: {stdout}");
        assert!(stderr.contains(why), "{args:?}: {stderr}");
        assert!(stderr.contains("Nothing was changed"), "{args:?}: {stderr}");
        assert_eq!(schema(pool).await, before, "{args:?} changed the database");
    }
}

#[sqlx::test(migrations = false)]
async fn moderation_never_migrates_an_empty_database(pool: PgPool) {
    assert_eq!(schema(&pool).await, (vec![], vec![]));
    moderation_refuses(&pool, "no powboard schema").await;
}

#[sqlx::test(migrations = false)]
async fn moderation_refuses_an_older_schema(pool: PgPool) {
    let dir = migrations_dir("older", 1, None);
    Migrator::new(dir.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let last = MIGRATOR.iter().last().unwrap().version;
    moderation_refuses(&pool, &format!("lacks migration(s) {last}")).await;
    // `migrate` brings it to this schema; then moderation runs.
    let (ok, _, stderr) = powboard(&pool, &["migrate"], &[]);
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = powboard(
        &pool,
        &["listings", "hide", "--dry-run", "--matching", "spam"],
        &[],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("would hide 0 listings"), "{stdout}");
}

#[sqlx::test(migrations = false)]
async fn moderation_refuses_a_newer_schema(pool: PgPool) {
    let dir = migrations_dir("newer", 0, Some("CREATE TABLE later_feature (id int);"));
    Migrator::new(dir.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    moderation_refuses(
        &pool,
        "migration 29991231000000, which this binary does not know",
    )
    .await;
}

/// `--since 1h --until 1h` is an empty range once "now" is read once per command:
/// refused, nothing logged (it was accepted and logged as an empty change).
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn one_now_per_command_and_an_empty_range_is_refused(pool: PgPool) {
    for (since, until) in [("1h", "1h"), ("0s", "0s"), ("90m", "1h30m")] {
        let args = ["listings", "hide", "--since", since, "--until", until];
        let (ok, stdout, stderr) = powboard(&pool, &args, &[]);
        assert!(!ok, "{since}..{until} must be refused: {stdout}");
        assert!(stderr.contains("the range is empty"), "{stderr}");
    }
    let logged: i64 = sqlx::query_scalar("SELECT count(*) FROM moderation_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(logged, 0);
}

/// The pretty log writes no ANSI colours into a pipe (stderr is one here).
#[sqlx::test(migrations = false)]
async fn the_pretty_log_has_no_colours_in_a_pipe(pool: PgPool) {
    let env = [("LOG_FORMAT", "pretty"), ("RUST_LOG", "info")];
    let (ok, _, stderr) = powboard(&pool, &["listings", "hide", "1"], &env);
    assert!(!ok);
    assert!(
        stderr.contains("powboard stopped with an error"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "ANSI escapes in a pipe: {stderr:?}"
    );
}

/// `GEOIP_DB=` (set, empty) is the documented default: no GeoIP, no refusal.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn an_empty_geoip_db_is_unset(pool: PgPool) {
    let (ok, stdout, stderr) = powboard(&pool, &["openapi"], &[("GEOIP_DB", "")]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("\"openapi\""));
    let line = serve_until(&pool, &[("GEOIP_DB", "")], "powboard listening");
    assert!(line.is_some(), "the server did not start with GEOIP_DB=");
}

/// Trusting every address lets each client pick its own key: refused in prod, in any
/// spelling that covers a whole address family.
#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn trusting_every_address_is_refused_in_prod(pool: PgPool) {
    for nets in [
        "0.0.0.0/0",
        "::/0",
        "10.77.0.2, 0.0.0.0/0",
        "0.0.0.0/1,128.0.0.0/1",
    ] {
        let mut config = common::test_config();
        config.app_env = AppEnv::Prod;
        config.trusted_proxies = nets.split(',').map(|n| n.parse().unwrap()).collect();
        let err = powboard::app::spawn(config, pool.clone())
            .await
            .err()
            .unwrap_or_else(|| panic!("{nets} must be refused in prod"));
        assert!(
            format!("{err:#}").contains("TRUSTED_PROXIES"),
            "{nets}: {err:#}"
        );
    }
    // A real proxy list still starts in prod.
    let app = TestApp::spawn_with(pool.clone(), |c| {
        c.app_env = AppEnv::Prod;
        c.trusted_proxies = vec!["10.77.0.2".parse().unwrap(), "::1/128".parse().unwrap()];
    })
    .await;
    app.stop().await.unwrap();
    // In dev it starts, with a warning on its log.
    let env = [("TRUSTED_PROXIES", "0.0.0.0/0"), ("RUST_LOG", "warn")];
    let warning = serve_until(&pool, &env, "TRUSTED_PROXIES");
    let warning = warning.expect("a warning about TRUSTED_PROXIES");
    assert!(
        warning.contains("WARN") && warning.contains("every client"),
        "{warning}"
    );
}

/// Starts `powboard serve` on a free port and returns the first stderr line that
/// contains `needle` (None if it exits or 60 s pass first), then stops it.
fn serve_until(pool: &PgPool, env: &[(&str, &str)], needle: &str) -> Option<String> {
    let url = pool.connect_options().to_url_lossy().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_powboard"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("WEB_DIR", "/nonexistent-web-dir")
        .env("LOG_FORMAT", "pretty")
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start powboard serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let needle = needle.to_owned();
    std::thread::spawn(move || {
        let found = BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .find(|l| l.contains(&needle));
        let _ = tx.send(found);
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).ok().flatten();
    let _ = child.kill();
    let _ = child.wait();
    line
}

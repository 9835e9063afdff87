//! Bulk moderation (`powboard listings hide|unhide` with filters) against a fresh
//! PostgreSQL database per test: each filter, their combination, the dry run, the
//! moderation log, the real binary's command line, and what the API shows afterwards.
use std::{process::Command, time::Duration};

use crate::common::{self, TestApp};
use powboard::moderation::{self, Action, Filter, ModerationError, Outcome, Selection};
use serde_json::{json, Value};
use sqlx::{ConnectOptions, PgPool};
use time::OffsetDateTime;

/// Inserts one listing with a chosen client (its ip_hash is 32 copies of `client`),
/// age and country; returns its id.
async fn listing(
    pool: &PgPool,
    body: &str,
    client: u8,
    minutes_ago: i64,
    country: Option<&str>,
) -> i64 {
    let id = sqlx::query_scalar(
        "INSERT INTO listings (body, ip_hash, created_at, country)
         VALUES ($1, $2, now() - make_interval(mins => $3::int), $4) RETURNING id",
    )
    .bind(body)
    .bind(vec![client; 32])
    .bind(minutes_ago as i32)
    .bind(country)
    .fetch_one(pool)
    .await
    .unwrap();
    powboard::listings::reindex::run(pool, powboard::listings::reindex::Scope::Missing, 100)
        .await
        .unwrap();
    id
}

/// The ids of the listings in the given state, ascending.
async fn ids(pool: &PgPool, hidden: bool) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM listings WHERE is_hidden = $1 ORDER BY id")
        .bind(hidden)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Every row of the log: (action, filter, listings).
async fn log(pool: &PgPool) -> Vec<(String, Value, i64)> {
    sqlx::query_as::<_, (String, String, i64)>(
        "SELECT action, filter::text, listings FROM moderation_log ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(a, f, n)| (a, serde_json::from_str(&f).unwrap(), n))
    .collect()
}

async fn apply(pool: &PgPool, action: Action, s: Selection) -> Outcome {
    let filter = Filter::parse(&s).expect("a valid selection");
    moderation::repo::apply(pool, action, &filter, s.dry_run)
        .await
        .expect("moderation succeeds")
}

fn sel() -> Selection {
    Selection::default()
}

/// A board of three clients: 1 posts spam now and earlier, 2 posts honestly, 3 once long ago.
async fn board(pool: &PgPool) -> [i64; 7] {
    [
        listing(pool, "cheap pills at example.com", 1, 5, None).await,
        listing(pool, "Cheap pillows, barely used", 2, 10, Some("DE")).await,
        listing(pool, "cheap pills again", 1, 90, None).await,
        listing(pool, "jonathan smith, plumber", 2, 100, Some("DE")).await,
        listing(pool, "cheap watches", 1, 200, Some("FR")).await,
        listing(pool, "guitar lessons in oslo", 3, 3000, None).await,
        listing(pool, "pills? no: plumbing", 2, 1, None).await,
    ]
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn same_client_as_selects_every_listing_of_that_client(pool: PgPool) {
    let [spam, _, spam2, _, spam3, _, _] = board(&pool).await;
    let o = apply(
        &pool,
        Action::Hide,
        Selection {
            same_client_as: Some(spam2),
            ..sel()
        },
    )
    .await;
    assert_eq!((o.selected, o.changed), (3, 3));
    assert_eq!(ids(&pool, true).await, [spam, spam2, spam3]);
    // Unhiding by the same client brings back exactly those.
    let o = apply(
        &pool,
        Action::Unhide,
        Selection {
            same_client_as: Some(spam),
            ..sel()
        },
    )
    .await;
    assert_eq!(o.changed, 3);
    assert!(ids(&pool, true).await.is_empty());
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn since_and_until_bound_the_creation_time(pool: PgPool) {
    let [a, b, c, d, e, f, g] = board(&pool).await;
    let t = |s: &str| Some(moderation::filter::parse_time(s).unwrap());
    // Relative: the listings of the last hour (5, 10 and 1 minutes old).
    let o = apply(
        &pool,
        Action::Hide,
        Selection {
            since: t("1h"),
            dry_run: true,
            ..sel()
        },
    )
    .await;
    assert_eq!(o.selected, 3);
    assert_eq!(
        o.examples.iter().map(|e| e.id).collect::<Vec<_>>(),
        [g, a, b],
        "newest first"
    );
    // Older than 95 minutes: 100, 200 and 3000 minutes old.
    let o = apply(
        &pool,
        Action::Hide,
        Selection {
            until: t("95m"),
            dry_run: true,
            ..sel()
        },
    )
    .await;
    assert_eq!(o.selected, 3);
    // A window, in RFC 3339: between 150 and 30 minutes ago (90 and 100 minutes old).
    let rfc = |mins: i64| {
        let at = OffsetDateTime::now_utc() - time::Duration::minutes(mins);
        moderation::filter::rfc3339(at)
    };
    let s = Selection {
        since: t(&rfc(150)),
        until: t(&rfc(30)),
        ..sel()
    };
    let o = apply(&pool, Action::Hide, s).await;
    assert_eq!(o.changed, 2);
    assert_eq!(ids(&pool, true).await, [c, d]);
    assert_eq!(ids(&pool, false).await, [a, b, e, f, g]);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn matching_hides_what_the_api_search_finds(pool: PgPool) {
    board(&pool).await;
    let app = TestApp::spawn(pool.clone()).await;
    for words in [
        "cheap pil",
        "Cheap PILLS",
        "pills",
        "plumb",
        "oslo guitar",
        "example.com",
        "jonathan smith",
    ] {
        let (status, page) = app
            .get_json(&format!(
                "/api/listings?limit=100&q={}",
                words.replace(' ', "%20")
            ))
            .await;
        assert_eq!(status, 200);
        let mut found: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        found.sort();
        assert!(!found.is_empty(), "{words}: the board has matches");
        let o = apply(
            &pool,
            Action::Hide,
            Selection {
                matching: Some(words.into()),
                ..sel()
            },
        )
        .await;
        assert_eq!(o.changed, found.len() as i64, "{words}");
        assert_eq!(ids(&pool, true).await, found, "{words}");
        apply(
            &pool,
            Action::Unhide,
            Selection {
                matching: Some(words.into()),
                ..sel()
            },
        )
        .await;
        assert!(ids(&pool, true).await.is_empty(), "{words}");
    }
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn filters_combine_with_and(pool: PgPool) {
    let [spam, _, spam2, _, _, _, _] = board(&pool).await;
    let since = Some(moderation::filter::parse_time("150m").unwrap());
    let s = Selection {
        same_client_as: Some(spam),
        since,
        matching: Some("cheap pills".into()),
        ..sel()
    };
    // Client 1 posted three listings; two in the last 150 minutes; both match; and
    // client 2's "Cheap pillows" matches the words but is another client.
    assert_eq!(apply(&pool, Action::Hide, s.clone()).await.changed, 2);
    assert_eq!(ids(&pool, true).await, [spam, spam2]);
    // An id narrows further: unhide only one of them.
    let one = Selection {
        id: Some(spam2),
        ..s
    };
    assert_eq!(apply(&pool, Action::Unhide, one).await.changed, 1);
    assert_eq!(ids(&pool, true).await, [spam]);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_dry_run_changes_nothing_and_logs_nothing(pool: PgPool) {
    let [spam, ..] = board(&pool).await;
    let snapshot = || async {
        sqlx::query_as::<_, (i64, bool, Option<OffsetDateTime>)>(
            "SELECT id, is_hidden, hidden_at FROM listings ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let counts = || async {
        sqlx::query_scalar::<_, i64>("SELECT sum(visible)::bigint FROM listing_counts")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = (snapshot().await, counts().await);
    let s = Selection {
        same_client_as: Some(spam),
        dry_run: true,
        ..sel()
    };
    let o = apply(&pool, Action::Hide, s.clone()).await;
    assert_eq!((o.selected, o.changed, o.log_id), (3, 0, None));
    assert_eq!(o.examples.len(), 3);
    assert_eq!(o.examples[0].id, spam);
    assert_eq!(o.examples[0].preview, "cheap pills at example.com");
    assert_eq!((snapshot().await, counts().await), before);
    assert!(log(&pool).await.is_empty());
    let text = moderation::report(Action::Hide, true, &o);
    assert!(
        text.starts_with("would hide 3 listings (dry run, nothing changed)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{spam}  ")) && text.contains("cheap pills at example.com"),
        "{text}"
    );

    // At most five examples, the body cut to its first 60 characters.
    for i in 0..7 {
        listing(&pool, &format!("{i} {}", "x".repeat(100)), 9, 0, None).await;
    }
    let o = apply(
        &pool,
        Action::Hide,
        Selection {
            matching: Some("xxx".into()),
            dry_run: true,
            ..sel()
        },
    )
    .await;
    assert_eq!(o.selected, 7);
    assert_eq!(o.examples.len(), moderation::repo::EXAMPLES as usize);
    assert!(o.examples.iter().all(|e| e.preview.chars().count() == 60));
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn every_action_is_logged_with_its_filter_and_count(pool: PgPool) {
    let [spam, b, ..] = board(&pool).await;
    let since = moderation::filter::parse_time("2026-12-01T10:00:00+01:00").unwrap();
    let o = apply(
        &pool,
        Action::Hide,
        Selection {
            same_client_as: Some(spam),
            since: Some(since),
            ..sel()
        },
    )
    .await;
    assert!(o.log_id.is_some());
    apply(
        &pool,
        Action::Hide,
        Selection {
            id: Some(b),
            ..sel()
        },
    )
    .await;
    // Nothing left to hide: still an action, logged with 0.
    apply(
        &pool,
        Action::Hide,
        Selection {
            id: Some(b),
            ..sel()
        },
    )
    .await;
    apply(
        &pool,
        Action::Unhide,
        Selection {
            matching: Some("cheap pil".into()),
            ..sel()
        },
    )
    .await;
    assert_eq!(
        log(&pool).await,
        [
            (
                "hide".into(),
                json!({"same_client_as": spam, "since": "2026-12-01T09:00:00Z"}),
                3
            ),
            ("hide".into(), json!({"id": b}), 1),
            ("hide".into(), json!({"id": b}), 0),
            ("unhide".into(), json!({"matching": "cheap pil"}), 3),
        ]
    );
    let recent: bool = sqlx::query_scalar(
        "SELECT bool_and(acted_at > now() - interval '1 minute') FROM moderation_log",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(recent);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn unknown_ids_are_errors_and_change_nothing(pool: PgPool) {
    board(&pool).await;
    for s in [
        Selection {
            id: Some(999),
            ..sel()
        },
        Selection {
            same_client_as: Some(999),
            ..sel()
        },
    ] {
        let filter = Filter::parse(&s).unwrap();
        let err = moderation::repo::apply(&pool, Action::Hide, &filter, false)
            .await
            .unwrap_err();
        assert!(matches!(err, ModerationError::NoSuchListing(999)), "{err}");
    }
    assert!(ids(&pool, true).await.is_empty());
    assert!(log(&pool).await.is_empty());
}

/// Polls the API until `path` answers `want` (its cache is at most a second old).
async fn eventually(app: &TestApp, path: &str, want: Value) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (_, got) = app.get_json(path).await;
        if got == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{path}: {got} != {want}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_api_counts_follow_a_bulk_hide_and_unhide(pool: PgPool) {
    let [spam, ..] = board(&pool).await;
    let app = TestApp::spawn(pool.clone()).await;
    eventually(&app, "/api/listings/count", json!({"count": 7})).await;
    let s = Selection {
        same_client_as: Some(spam),
        ..sel()
    };
    assert_eq!(apply(&pool, Action::Hide, s.clone()).await.changed, 3);
    eventually(&app, "/api/listings/count", json!({"count": 4})).await;
    eventually(
        &app,
        "/api/stats/countries",
        json!([{"country": "DE", "count": 2}, {"country": null, "count": 2}]),
    )
    .await;
    let (_, page) = app.get_json("/api/listings?q=cheap").await;
    assert_eq!(common::bodies(&page), ["Cheap pillows, barely used"]);
    assert_eq!(apply(&pool, Action::Unhide, s).await.changed, 3);
    eventually(&app, "/api/listings/count", json!({"count": 7})).await;
    eventually(
        &app,
        "/api/stats/countries",
        json!([{"country": null, "count": 4}, {"country": "DE", "count": 2}, {"country": "FR", "count": 1}]),
    )
    .await;
}

/// Runs the real `powboard` binary against the test's database.
fn powboard(pool: &PgPool, args: &[&str]) -> (bool, String, String) {
    let url = pool.connect_options().to_url_lossy().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_powboard"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run powboard");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_command_line_refuses_an_empty_selection_and_keeps_the_id_form(pool: PgPool) {
    let [spam, b, ..] = board(&pool).await;
    for args in [
        &["listings", "hide"][..],
        &["listings", "hide", "--dry-run"],
        &["listings", "unhide"],
        &["listings", "hide", "--matching", " ?! "],
        &["listings", "hide", "--since", "1h", "--until", "2h"],
        &["listings", "hide", "--since", "yesterday"],
    ] {
        let (ok, _, stderr) = powboard(&pool, args);
        assert!(!ok, "{args:?} must be refused");
        assert!(
            stderr.contains("refusing to act on every listing")
                || stderr.contains("--matching has no word")
                || stderr.contains("the range is empty")
                || stderr.contains("is neither an RFC 3339 time"),
            "{args:?}: {stderr}"
        );
    }
    assert!(ids(&pool, true).await.is_empty());

    let (ok, stdout, stderr) = powboard(&pool, &["listings", "hide", &b.to_string()]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.starts_with("hid 1 listing (moderation_log id "),
        "{stdout}"
    );
    let (ok, _, stderr) = powboard(&pool, &["listings", "hide", "999"]);
    assert!(!ok && stderr.contains("no listing with id 999"), "{stderr}");

    let spam = spam.to_string();
    let args = [
        "listings",
        "hide",
        "--same-client-as",
        &spam,
        "--since",
        "4h",
        "--matching",
        "cheap",
    ];
    let (ok, stdout, _) = powboard(&pool, &[&args[..], &["--dry-run"]].concat());
    assert!(ok);
    assert!(
        stdout.starts_with("would hide 3 listings (dry run, nothing changed); the newest:"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    let (ok, stdout, _) = powboard(&pool, &args);
    assert!(ok);
    assert!(stdout.starts_with("hid 3 listings"), "{stdout}");
    let (ok, stdout, _) = powboard(
        &pool,
        &[
            "listings",
            "unhide",
            "--same-client-as",
            &spam,
            "--until",
            "0s",
        ],
    );
    assert!(ok);
    assert!(stdout.starts_with("unhid 3 listings"), "{stdout}");
    assert_eq!(ids(&pool, true).await, [b]);
    assert_eq!(log(&pool).await.len(), 3);
}

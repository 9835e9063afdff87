//! Search in every script (issue 23): listings in nine languages posted through the
//! API; each query finds exactly the listings it should (words inside Japanese,
//! Chinese and Thai sentences, prefixes, case and accent folding), and rows stored
//! before the migration are found once `listings reindex` has run.
use crate::common;

use common::{bodies, TestApp};
use powboard::listings::reindex::{self, Scope};
use sqlx::PgPool;

const LISTINGS: &[&str] = &[
    "東京で中古の自転車を売ります",
    "我在北京卖二手自行车",
    "ขายจักรยานมือสองในกรุงเทพ",
    "서울에서 자전거를 팝니다",
    "Gebrauchtes Fahrrad in München, STRAẞE frei",
    "Café crème et vélo à Paris",
    "ΚΙΘΑΡΑΣ προς πώληση στην Αθήνα",
    "Продаю велосипед в Москве",
    "John Smith sells a guitar",
    "京都の古いギターを譲ります",
];

/// (query, the listings it must find: indexes into LISTINGS, newest first)
const QUERIES: &[(&str, &[usize])] = &[
    ("自転車", &[0]),
    ("東京", &[0]),
    ("自転", &[0]),
    ("中古 自転車", &[0]),
    ("自行车", &[1]),
    ("北京", &[1]),
    ("行车", &[1]),
    ("จักรยาน", &[2]),
    ("กรุงเทพ", &[2]),
    ("จักร", &[2]),
    ("자전거", &[3]),
    ("자전", &[3]),
    ("munchen", &[4]),
    ("MÜNCHEN fahr", &[4]),
    ("strasse", &[4]),
    ("cafe", &[5]),
    ("CAFÉ", &[5]),
    ("velo par", &[5]),
    ("κιθάρας", &[6]),
    ("κιθαρ", &[6]),
    ("αθηνα", &[6]),
    ("МОСКВЕ", &[7]),
    ("велос", &[7]),
    ("jo sm", &[8]),
    ("guitar", &[8]),
    ("ギター", &[9]),
    ("ギタ", &[9]),
    ("京都", &[9]),
    // Nothing finds what it should not.
    ("自転車 北京", &[]),
    ("東京 ギター", &[]),
    ("smith velo", &[]),
    ("ith", &[]),
    ("ahrrad", &[]),
    ("cafes", &[]),
];

fn url(q: &str) -> String {
    let enc: String = q
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/api/listings?limit=100&q={enc}")
}

async fn check_all(app: &TestApp) {
    for (q, want) in QUERIES {
        let (status, page) = app.get_json(&url(q)).await;
        assert_eq!(status, 200, "q={q}");
        let mut want: Vec<&str> = want.iter().map(|&i| LISTINGS[i]).collect();
        let mut got = bodies(&page);
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "q={q}");
    }
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn every_language_finds_its_listing_and_only_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for body in LISTINGS {
        assert_eq!(app.post(body).await.status(), 201, "{body}");
    }
    check_all(&app).await;
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn rows_from_before_the_migration_are_found_after_reindex(pool: PgPool) {
    for body in LISTINGS {
        sqlx::query("INSERT INTO listings (body, ip_hash) VALUES ($1, $2)")
            .bind(body)
            .bind(vec![0u8; 32])
            .execute(&pool)
            .await
            .unwrap();
    }
    let app = TestApp::spawn(pool.clone()).await;
    let (_, page) = app.get_json(&url("自転車")).await;
    assert!(bodies(&page).is_empty(), "not indexed yet");
    // Small batches, so the walk crosses batch boundaries.
    assert_eq!(reindex::run(&pool, Scope::Missing, 3).await.unwrap(), 10);
    assert_eq!(reindex::run(&pool, Scope::Missing, 3).await.unwrap(), 0);
    check_all(&app).await;
    assert_eq!(reindex::run(&pool, Scope::All, 4).await.unwrap(), 10);
    check_all(&app).await;
    // The stored body is untouched; the terms read naturally in psql.
    let (body, terms): (String, String) =
        sqlx::query_as("SELECT body, search::text FROM listings WHERE body LIKE 'Café%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(body, LISTINGS[5]);
    assert_eq!(terms, "'a' 'cafe' 'creme' 'et' 'paris' 'velo'");
}

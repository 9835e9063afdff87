//! The two-step search (a bounded keyset walk, then the GIN index) must give the
//! same pages as one exhaustive walk, whatever the window, for common, rare, absent
//! and old-only words, with and without a country, across pages.
use powboard::listings::{
    query::{ListParams, RawListParams},
    repo,
};
use sqlx::PgPool;

/// Listings whose words thin out with age in different ways: `common` everywhere,
/// `oldword` only in the oldest rows, `rare` in a few, `seven` every seventh row;
/// timestamps repeat (groups of three share one), some rows are hidden, countries
/// alternate.
async fn seed(pool: &PgPool) {
    sqlx::query(
        "INSERT INTO listings (body, created_at, ip_hash, country, is_hidden, hidden_at)
         SELECT concat_ws(' ', 'common', CASE WHEN g <= 20 THEN 'oldword' END,
                          CASE WHEN g IN (3, 50, 51, 140) THEN 'rare' END,
                          CASE WHEN g % 7 = 0 THEN 'seven' END, 'n' || g),
                timestamptz '2026-01-01' + (g / 3) * interval '1 minute',
                sha256(int8send(g)),
                (ARRAY['FR', 'DE', NULL])[1 + g % 3],
                g % 11 = 0, CASE WHEN g % 11 = 0 THEN now() END
           FROM generate_series(1, 150) g",
    )
    .execute(pool)
    .await
    .unwrap();
    // Rows inserted by SQL get their search terms the way a migrated board does.
    powboard::listings::reindex::run(pool, powboard::listings::reindex::Scope::Missing, 100)
        .await
        .unwrap();
}

fn params(q: &str, country: Option<&str>, limit: i64, cursor: Option<String>) -> ListParams {
    ListParams::parse(RawListParams {
        q: Some(q.to_owned()),
        cursor,
        limit: Some(limit.to_string()),
        country: country.map(str::to_owned),
    })
    .unwrap()
}

/// Every id the search yields, page by page, with the given window.
async fn all_pages(
    pool: &PgPool,
    q: &str,
    country: Option<&str>,
    limit: i64,
    window: i64,
) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let p = params(q, country, limit, cursor);
        let mut rows = repo::list_with_window(pool, &p, window).await.unwrap();
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        ids.extend(rows.iter().map(|l| l.id));
        if !more {
            return ids;
        }
        cursor = Some(rows.last().unwrap().cursor().encode());
    }
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn search_pages_do_not_depend_on_the_window(pool: PgPool) {
    seed(&pool).await;
    for q in [
        "common",
        "oldword",
        "rare",
        "seven",
        "sev",
        "common sev",
        "absent",
        "n1",
    ] {
        for country in [None, Some("FR")] {
            // What the query means, straight from SQL: visible matches, newest first.
            let expected: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM listings
                  WHERE NOT is_hidden AND search @@ to_tsquery('simple', $1)
                    AND ($2::text IS NULL OR country = $2)
                  ORDER BY created_at DESC, id DESC",
            )
            .bind(params(q, None, 1, None).search.unwrap().as_str().to_owned())
            .bind(country)
            .fetch_all(&pool)
            .await
            .unwrap();
            for limit in [1, 4, 30] {
                for window in [1, 5, 16, repo::SEARCH_WINDOW] {
                    let got = all_pages(&pool, q, country, limit, window).await;
                    assert_eq!(
                        got, expected,
                        "q={q} country={country:?} limit={limit} window={window}"
                    );
                }
            }
        }
    }
}

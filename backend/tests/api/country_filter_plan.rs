//! The country filter must read the country index under the plan PostgreSQL keeps
//! for a prepared statement after its first executions (the generic plan), with the
//! parameter types the server really sends. The test runs the server's own queries
//! on a one-connection pool that forces generic plans, then explains the statements
//! that connection prepared, with their real parameter types.
use powboard::listings::{
    query::{ListParams, RawListParams},
    repo,
};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool, Row,
};

async fn seed(pool: &PgPool) {
    // 20,000 visible rows over 40 countries (none from FR), enough for the planner
    // to have a real choice between the newest-first walk and the country index.
    sqlx::query(
        "INSERT INTO listings (body, created_at, ip_hash, country)
         SELECT 'word n' || g, timestamptz '2026-01-01' + g * interval '1 second',
                sha256(int8send(g)),
                chr(65 + g % 20) || chr(65 + (g / 20) % 2)
           FROM generate_series(1, 20000) g",
    )
    .execute(pool)
    .await
    .unwrap();
    // Rows inserted by SQL get their search terms the way a migrated board does.
    powboard::listings::reindex::run(pool, powboard::listings::reindex::Scope::Missing, 100)
        .await
        .unwrap();
    sqlx::query("ANALYZE listings").execute(pool).await.unwrap();
}

fn params(q: Option<&str>, country: &str) -> ListParams {
    ListParams::parse(RawListParams {
        q: q.map(str::to_owned),
        cursor: None,
        limit: None,
        country: Some(country.to_owned()),
    })
    .unwrap()
}

/// The generic plan, as JSON text, of the prepared statement whose SQL contains
/// `marker`, executed with `args` (SQL literals, one per parameter).
async fn generic_plan(pool: &PgPool, marker: &str, args: &str) -> String {
    let row = sqlx::query(
        "SELECT name, parameter_types::text AS types FROM pg_prepared_statements
          WHERE statement LIKE '%' || $1 || '%'",
    )
    .bind(marker)
    .fetch_one(pool)
    .await
    .unwrap_or_else(|e| panic!("no prepared statement holds {marker:?}: {e}"));
    let name: String = row.get("name");
    let types: String = row.get("types");
    assert!(
        types.contains("text"),
        "the country is bound as {types}, the test expects what sqlx sends"
    );
    let plan: serde_json::Value =
        sqlx::query_scalar(&format!("EXPLAIN (FORMAT JSON) EXECUTE {name}({args})"))
            .fetch_one(pool)
            .await
            .unwrap();
    plan.to_string()
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_country_filter_reads_the_country_index_under_a_generic_plan(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.options([("plan_cache_mode", "force_generic_plan")]))
        .await
        .unwrap();
    seed(&pool).await;

    // The newest listings of one country, and a search within one country (whose
    // first step walks the same index).
    assert!(repo::list(&pool, &params(None, "FR"))
        .await
        .unwrap()
        .is_empty());
    assert!(repo::list(&pool, &params(Some("word"), "FR"))
        .await
        .unwrap()
        .is_empty());

    let top = "'9999-12-31', 9223372036854775807";
    let plain = generic_plan(&pool, "AND country = $4 AND", &format!("{top}, 31, 'FR'")).await;
    let search = generic_plan(
        &pool,
        "AND country = $6 AND",
        &format!("{top}, 31, '''word'':*', 2048, 'FR'"),
    )
    .await;
    for (what, plan) in [("newest", plain), ("search", search)] {
        assert!(
            plan.contains("listings_country_newest_idx"),
            "{what}: the generic plan does not read the country index: {plan}"
        );
    }
}

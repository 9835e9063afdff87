//! GeoIP end to end: the country of the poster's address is stored and returned,
//! the filter and the statistics agree, and a country surcharge raises the
//! challenge's difficulty. Uses the generated test database (192.0.2.0/24 = DE,
//! 198.51.100.0/24 = FR, 2001:db8:1::/48 = JP; see scripts/geoip/make-test-mmdb.py).
use crate::common;

use common::{bodies, geoip_fixtures, TestApp};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use sqlx::PgPool;

fn from(addr: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-forwarded-for", addr.parse().unwrap());
    h
}

async fn geo_app(pool: PgPool, layout: &str, extra_bits: &str) -> TestApp {
    let db = geoip_fixtures().join(layout);
    let bits = extra_bits.parse().unwrap();
    TestApp::spawn_with(pool, move |c| {
        c.geoip_db = Some(db);
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.pow_country_extra_bits = bits;
    })
    .await
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn listings_carry_the_posters_country(pool: PgPool) {
    let app = geo_app(pool, "geoip2-country.mmdb", "").await;
    for (addr, text, want) in [
        ("192.0.2.10", "from germany", json!("DE")),
        ("::ffff:192.0.2.11", "mapped germany", json!("DE")),
        ("198.51.100.7", "from france", json!("FR")),
        ("2001:db8:1::5", "from japan", json!("JP")),
        ("192.0.3.1", "from nowhere", Value::Null),
    ] {
        let res = app.post_with(text, from(addr)).await;
        assert_eq!(res.status(), 201, "{addr}");
        let listing: Value = res.json().await.unwrap();
        assert_eq!(listing["country"], want, "{addr}");
    }
    let (_, de) = app.get_json("/api/listings?country=DE").await;
    assert_eq!(bodies(&de), ["mapped germany", "from germany"]);
    let (_, stats) = app.get_json("/api/stats/countries").await;
    assert_eq!(
        stats,
        json!([
            { "country": "DE", "count": 2 },
            { "country": "FR", "count": 1 },
            { "country": "JP", "count": 1 },
            { "country": null, "count": 1 }
        ])
    );
    let stored: Vec<Option<String>> =
        sqlx::query_scalar("SELECT country::text FROM listings ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored.iter().filter(|c| c.is_some()).count(), 4);
    // No address anywhere in the row.
    let leaked: i64 = sqlx::query_scalar("SELECT count(*) FROM listings WHERE row_to_json(listings)::text ~ '192\\.0\\.2|198\\.51|2001:db8'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(leaked, 0);
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn the_flat_layout_works_too(pool: PgPool) {
    let app = geo_app(pool, "flat-country.mmdb", "").await;
    let res = app.post_with("flat", from("198.51.100.200")).await;
    assert_eq!(res.json::<Value>().await.unwrap()["country"], "CA");
}

#[sqlx::test(migrator = "powboard::db::MIGRATOR")]
async fn a_country_surcharge_raises_the_difficulty(pool: PgPool) {
    let app = geo_app(pool, "geoip2-country.mmdb", "DE=2.5,JP=1").await;
    let de = app.challenge_with(from("192.0.2.10")).await;
    let jp = app.challenge_with(from("2001:db8:1::1")).await;
    let other = app.challenge_with(from("198.51.100.1")).await;
    assert_eq!(other.difficulty, 6.0);
    assert_eq!(de.difficulty, 8.5);
    assert_eq!(jp.difficulty, 7.0);
    // The surcharged challenge still buys a listing when solved.
    let pow = common::solve(&de);
    let res = app
        .post_solved(
            &json!({"body": "expensive"}).to_string(),
            &pow,
            from("192.0.2.10"),
        )
        .await;
    assert_eq!(res.status(), 201);
}

#[test]
fn an_unreadable_geoip_db_stops_the_start() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect_lazy("postgres://nobody@127.0.0.1:1/x")
            .unwrap();
        let mut c = common::test_config();
        c.geoip_db = Some("/nonexistent/country.mmdb".into());
        let err = powboard::app::spawn(c, pool).await.err().expect("refused");
        assert!(format!("{err:#}").contains("GEOIP_DB"), "{err:#}");
    });
}

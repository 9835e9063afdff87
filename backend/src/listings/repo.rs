//! The SQL of listings. Every query is checked against the schema at compile time
//! (`.sqlx/` holds the result for builds without a database).
use serde::Serialize;
use sqlx::PgPool;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{
    query::{Cursor, ListParams},
    search_text,
    text::ListingText,
};
use crate::{
    country::CountryCode,
    error::{ApiError, ApiResult},
    pow::SolvedChallenge,
};

/// A visible listing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Listing {
    pub id: i64,
    pub body: String,
    /// RFC 3339.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// ISO 3166-1 alpha-2 (uppercase), or null when unknown.
    #[schema(value_type = Option<String>, pattern = "^[A-Z]{2}$", required = true)]
    pub country: Option<CountryCode>,
}

impl Listing {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            created_at: self.created_at,
            id: self.id,
        }
    }
}

pub struct NewListing<'a> {
    pub text: &'a ListingText,
    pub ip_hash: [u8; 32],
    pub country: Option<CountryCode>,
}

/// Inserts a listing and spends its challenge in one statement (so in one
/// transaction, and in one round trip): one solved token yields exactly one
/// listing, and when either insert fails neither happens, so the token stays usable.
#[tracing::instrument(skip_all)]
pub async fn insert(
    pool: &PgPool,
    new: NewListing<'_>,
    spend: Option<SolvedChallenge>,
) -> ApiResult<Listing> {
    let expires_at = spend
        .map(|s| {
            OffsetDateTime::from_unix_timestamp(s.expires_at as i64)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("expiry out of range: {e}")))
        })
        .transpose()?;
    sqlx::query_as!(
        Listing,
        r#"WITH listing AS (
               INSERT INTO listings (body, ip_hash, country, search)
               VALUES ($1, $2, $3, array_to_tsvector($6::text[]))
               RETURNING id, body, created_at, country::text AS country
           ), spent AS (
               INSERT INTO spent_challenges (challenge, listing_id, expires_at)
               SELECT $4, id, $5 FROM listing WHERE $4::bytea IS NOT NULL
           )
           SELECT id AS "id!", body AS "body!", created_at AS "created_at!",
                  country AS "country: CountryCode" FROM listing"#,
        new.text.as_str(),
        &new.ip_hash[..],
        new.country.as_ref().map(CountryCode::as_str),
        spend.as_ref().map(|s| &s.challenge[..]),
        expires_at,
        &search_text::index_terms(new.text.as_str()),
    )
    .fetch_one(pool)
    .await
    .map_err(ApiError::from)
}

/// Removes spent challenges whose tokens have expired (they are refused as expired
/// anyway); returns how many.
pub async fn purge_spent_challenges(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query!("DELETE FROM spent_challenges WHERE expires_at < now() - interval '1 minute'")
            .execute(pool)
            .await?;
    Ok(done.rows_affected())
}

/// How many of the newest visible rows (from the cursor on) a search first walks
/// in keyset order, filtering each, before it turns to the full-text index.
pub const SEARCH_WINDOW: i64 = 2048;

/// One page of visible listings, newest first; `limit + 1` rows are read to know
/// whether another page follows. Static queries rather than one with
/// `$n IS NULL OR …` branches, so each keeps its own good plan (the keyset indexes,
/// or the GIN index) under prepared-statement generic plans; only where a condition
/// can never choose the index (the country on the GIN step's matches) is it shared.
///
/// A search runs in two steps, because no one plan is good for every word and
/// PostgreSQL's planner cannot tell them apart (a generic plan never sees the word;
/// even a custom plan misjudges prefixes): walking the keyset index and filtering
/// is fastest for a common word but reads the whole table for a word that occurs
/// nowhere (measured: 3 s over one million listings, a cheap way to load the
/// database), while the GIN index is fastest for a rare word but fetches and sorts
/// every match of a common one. So: walk at most `SEARCH_WINDOW` rows; when they
/// hold a full page, that page is the answer (the walk is in result order); only
/// otherwise ask the GIN index, whose work is then bounded by the word's matches.
#[tracing::instrument(skip_all, fields(search = p.search.is_some(), country = p.country.is_some()))]
pub async fn list(pool: &PgPool, p: &ListParams) -> ApiResult<Vec<Listing>> {
    list_with_window(pool, p, SEARCH_WINDOW).await
}

/// [`list`] with the search window as a parameter, so tests can drive both steps
/// over a small table; results never depend on the window.
pub async fn list_with_window(
    pool: &PgPool,
    p: &ListParams,
    window: i64,
) -> ApiResult<Vec<Listing>> {
    let page = Page::of(p);
    let country = p.country.as_ref().map(CountryCode::as_str);
    let Some(q) = &p.search else {
        return newest(pool, &page, country).await;
    };
    let near = search_recent(pool, &page, q.as_str(), country, window).await?;
    if near.len() as i64 >= page.fetch {
        return Ok(near);
    }
    search_index(pool, &page, q.as_str(), country).await
}

/// Where a page starts (after the cursor's row) and how many rows it reads.
struct Page {
    after_at: OffsetDateTime,
    after_id: i64,
    fetch: i64,
}

impl Page {
    fn of(p: &ListParams) -> Self {
        // A cursor-less first page starts above every row.
        let (after_at, after_id) = match p.cursor {
            Some(c) => (c.created_at, c.id),
            None => (
                OffsetDateTime::from_unix_timestamp(253_402_300_799).expect("year 9999"),
                i64::MAX,
            ),
        };
        Self {
            after_at,
            after_id,
            fetch: p.limit + 1,
        }
    }
}

/// No search: the keyset index, newest first (optionally one country).
async fn newest(pool: &PgPool, page: &Page, country: Option<&str>) -> ApiResult<Vec<Listing>> {
    let rows = match country {
        None => sqlx::query_as!(
            Listing,
            r#"SELECT id, body, created_at, country::text AS "country: CountryCode" FROM listings
                    WHERE NOT is_hidden AND (created_at, id) < ($1, $2)
                    ORDER BY created_at DESC, id DESC LIMIT $3"#,
            page.after_at,
            page.after_id,
            page.fetch
        )
        .fetch_all(pool)
        .await?,
        Some(cc) => sqlx::query_as!(
            Listing,
            r#"SELECT id, body, created_at, country::text AS "country: CountryCode" FROM listings
                    WHERE NOT is_hidden AND country = $4 AND (created_at, id) < ($1, $2)
                    ORDER BY created_at DESC, id DESC LIMIT $3"#,
            page.after_at,
            page.after_id,
            page.fetch,
            cc
        )
        .fetch_all(pool)
        .await?,
    };
    Ok(rows)
}

/// A search's first step: filter at most `window` of the newest rows in keyset order.
async fn search_recent(
    pool: &PgPool,
    page: &Page,
    q: &str,
    country: Option<&str>,
    window: i64,
) -> ApiResult<Vec<Listing>> {
    let rows = match country {
        None => {
            sqlx::query_as!(
                Listing,
                r#"SELECT id AS "id!", body AS "body!", created_at AS "created_at!",
                          country AS "country: CountryCode"
                             FROM (SELECT id, body, created_at, country::text AS country, search
                                     FROM listings
                                    WHERE NOT is_hidden AND (created_at, id) < ($1, $2)
                                    ORDER BY created_at DESC, id DESC LIMIT $5) recent
                            WHERE search @@ $4::text::tsquery
                            ORDER BY created_at DESC, id DESC LIMIT $3"#,
                page.after_at,
                page.after_id,
                page.fetch,
                q,
                window
            )
            .fetch_all(pool)
            .await?
        }
        Some(cc) => {
            sqlx::query_as!(
                Listing,
                r#"SELECT id AS "id!", body AS "body!", created_at AS "created_at!",
                          country AS "country: CountryCode"
                             FROM (SELECT id, body, created_at, country::text AS country, search
                                     FROM listings
                                    WHERE NOT is_hidden AND country = $6 AND (created_at, id) < ($1, $2)
                                    ORDER BY created_at DESC, id DESC LIMIT $5) recent
                            WHERE search @@ $4::text::tsquery
                            ORDER BY created_at DESC, id DESC LIMIT $3"#,
                page.after_at,
                page.after_id,
                page.fetch,
                q,
                window,
                cc
            )
            .fetch_all(pool)
            .await?
        }
    };
    Ok(rows)
}

/// A search's second step, when the first found less than a page: the GIN index.
/// MATERIALIZED fences the matches off from the ORDER BY … LIMIT, so the planner
/// cannot turn this back into the keyset walk. The country is only a filter on the
/// GIN index's matches here, so one query serves both cases.
async fn search_index(
    pool: &PgPool,
    page: &Page,
    q: &str,
    country: Option<&str>,
) -> ApiResult<Vec<Listing>> {
    let rows = sqlx::query_as!(
        Listing,
        r#"WITH hits AS MATERIALIZED (
                       SELECT id, body, created_at, country::text AS country FROM listings
                        WHERE NOT is_hidden AND search @@ $4::text::tsquery
                          AND ($5::text IS NULL OR country = $5)
                          AND (created_at, id) < ($1, $2))
                   SELECT id AS "id!", body AS "body!", created_at AS "created_at!",
                          country AS "country: CountryCode"
                     FROM hits ORDER BY created_at DESC, id DESC LIMIT $3"#,
        page.after_at,
        page.after_id,
        page.fetch,
        q,
        country
    )
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Hides (`hidden = true`) or shows a listing; false when no such listing exists.
pub async fn set_hidden(pool: &PgPool, id: i64, hidden: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"UPDATE listings
              SET is_hidden = $2, hidden_at = CASE WHEN $2 THEN coalesce(hidden_at, now()) END
            WHERE id = $1"#,
        id,
        hidden
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

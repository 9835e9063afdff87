//! The SQL of moderation: select the listings a [`Filter`] names, hide or show them
//! and log the action, in one transaction.
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::{filter::Filter, Action, ModerationError};

/// How many of the selected listings a dry run shows.
pub const EXAMPLES: i64 = 5;

/// Bulk work may take longer than the server's per-statement limit (6 s, set on
/// every pooled connection); this transaction gets its own.
const STATEMENT_TIMEOUT: &str = "10min";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub id: i64,
    pub created_at: OffsetDateTime,
    /// The first characters of the body.
    pub preview: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Listings the filter selects that the action would change (hide: the visible
    /// ones; unhide: the hidden ones).
    pub selected: i64,
    /// Listings changed: `selected` (barring a concurrent change), or 0 in a dry run.
    pub changed: i64,
    /// The `moderation_log` row written; none in a dry run.
    pub log_id: Option<i64>,
    /// The newest selected listings, at most [`EXAMPLES`].
    pub examples: Vec<Example>,
}

/// Applies `action` to the listings `filter` selects (or, with `dry_run`, only
/// reports them), and logs it in the same transaction.
#[tracing::instrument(skip_all, fields(action = action.as_str(), dry_run))]
pub async fn apply(
    pool: &PgPool,
    action: Action,
    filter: &Filter,
    dry_run: bool,
) -> Result<Outcome, ModerationError> {
    let mut tx = pool.begin().await?;
    sqlx::query_scalar!(
        "SELECT set_config('statement_timeout', $1, true)",
        STATEMENT_TIMEOUT
    )
    .fetch_one(&mut *tx)
    .await?;
    // A listing named by id must exist: a typo should fail loudly, not select nothing.
    if let Some(id) = filter.id {
        client_of(&mut tx, id).await?;
    }
    let client = match filter.same_client_as {
        Some(id) => Some(client_of(&mut tx, id).await?),
        None => None,
    };
    // One statement selects, changes and logs, so the filter is written once and
    // the dry run reports exactly what the real run would change. It runs once per
    // process, so PostgreSQL plans it with the actual values: the `$n IS NULL`
    // branches fold away and the GIN / ip_hash / keyset indexes stay usable.
    let rows = sqlx::query!(
        r#"WITH target AS (
               SELECT id, created_at, body FROM listings
                WHERE is_hidden = NOT $1
                  AND ($2::bigint IS NULL OR id = $2)
                  AND ($3::bytea IS NULL OR ip_hash = $3)
                  AND ($4::timestamptz IS NULL OR created_at >= $4)
                  AND ($5::timestamptz IS NULL OR created_at < $5)
                  AND ($6::text IS NULL OR search @@ $6::text::tsquery)
           ), changed AS (
               UPDATE listings l
                  SET is_hidden = $1, hidden_at = CASE WHEN $1 THEN now() END
                 FROM target t
                WHERE NOT $7 AND l.id = t.id AND l.is_hidden = NOT $1
               RETURNING l.id
           ), logged AS (
               INSERT INTO moderation_log (action, filter, listings)
               SELECT $8, $9::text::jsonb, (SELECT count(*) FROM changed)
                WHERE NOT $7
               RETURNING id
           )
           SELECT (SELECT count(*) FROM target) AS "selected!",
                  (SELECT count(*) FROM changed) AS "changed!",
                  (SELECT id FROM logged) AS log_id,
                  e.id AS "example_id?", e.created_at AS "example_created_at?",
                  e.preview AS "example_preview?"
             FROM (SELECT 1) one
             LEFT JOIN LATERAL (
                 SELECT id, created_at, left(body, 60) AS preview FROM target
                  ORDER BY created_at DESC, id DESC LIMIT $10) e ON true"#,
        action.hides(),
        filter.id,
        client.as_deref(),
        filter.since,
        filter.until,
        filter.matching.as_ref().map(|(_, q)| q.as_str()),
        dry_run,
        action.as_str(),
        filter.to_json().to_string(),
        EXAMPLES,
    )
    .fetch_all(&mut *tx)
    .await?;
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    let first = rows.first().expect("the outer SELECT always yields a row");
    Ok(Outcome {
        selected: first.selected,
        changed: first.changed,
        log_id: first.log_id,
        examples: rows
            .iter()
            .filter_map(|r| {
                Some(Example {
                    id: r.example_id?,
                    created_at: r.example_created_at?,
                    preview: r.example_preview.clone()?,
                })
            })
            .collect(),
    })
}

/// The client hash of a listing, or `NoSuchListing`.
async fn client_of(conn: &mut PgConnection, id: i64) -> Result<Vec<u8>, ModerationError> {
    sqlx::query_scalar!("SELECT ip_hash FROM listings WHERE id = $1", id)
        .fetch_optional(conn)
        .await?
        .ok_or(ModerationError::NoSuchListing(id))
}

//! `powboard listings reindex`: (re)computes the search terms of stored listings
//! with the server's segmentation and folding ([`super::search_text`]), in small
//! batches, each its own short transaction, so it runs on a live board: inserts and
//! searches go on, and a stopped run resumes where it was (rows still NULL are
//! found again). After the migration that moved term-making into Rust, listings
//! posted before it are NULL and found by no search until this has run.
use sqlx::PgPool;

use super::search_text;

/// Which rows to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Rows without terms (after the migration): the usual run.
    Missing,
    /// Every row (after a change of the segmentation or folding rules).
    All,
}

/// Re-indexes the rows of `scope`, `batch` at a time, in id order; returns how many.
pub async fn run(pool: &PgPool, scope: Scope, batch: i64) -> anyhow::Result<u64> {
    let mut after = 0i64;
    let mut done = 0u64;
    loop {
        let rows = sqlx::query!(
            r#"SELECT id, body FROM listings
                WHERE id > $1 AND ($3 OR search IS NULL)
                ORDER BY id LIMIT $2"#,
            after,
            batch,
            scope == Scope::All
        )
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(done);
        };
        after = last.id;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        // Terms never hold a space (search_text guarantees it), so a batch travels as
        // two flat arrays and is split again in SQL.
        let terms: Vec<String> = rows
            .iter()
            .map(|r| search_text::index_terms(&r.body).join(" "))
            .collect();
        let updated = sqlx::query!(
            r#"UPDATE listings l
                  SET search = array_to_tsvector(
                          array_remove(string_to_array(t.terms, ' '), ''))
                 FROM unnest($1::bigint[], $2::text[]) AS t(id, terms)
                WHERE l.id = t.id"#,
            &ids,
            &terms
        )
        .execute(pool)
        .await?;
        done += updated.rows_affected();
        tracing::info!(done, last_id = after, "reindexed a batch");
    }
}

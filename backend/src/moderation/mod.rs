//! Moderation from the command line: `powboard listings hide|unhide` by id and/or
//! filters (same client, time range, search words; combined with AND), with a dry
//! run, every change done in one transaction and recorded in `moderation_log`.
pub mod filter;
pub mod repo;

use std::fmt::Write as _;

pub use filter::{Filter, Selection, TimeArg};
pub use repo::{Example, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Hide,
    Unhide,
}

impl Action {
    /// The word stored in `moderation_log.action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hide => "hide",
            Self::Unhide => "unhide",
        }
    }

    pub fn hides(self) -> bool {
        self == Self::Hide
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    #[error("give a listing id or at least one filter (--same-client-as, --since, --until, --matching); refusing to act on every listing")]
    NoSelection,
    #[error("no listing with id {0}")]
    NoSuchListing(i64),
    #[error("--matching has no word to search for")]
    EmptySearch,
    #[error("--matching is not a search the API accepts: {0}")]
    BadSearch(String),
    #[error("{0}")]
    BadTime(String),
    #[error("--since {since} is not before --until {until}: the range is empty")]
    EmptyRange { since: String, until: String },
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

/// Applies the action (or previews it) and returns what to print.
pub async fn run(
    pool: &sqlx::PgPool,
    action: Action,
    filter: &Filter,
    dry_run: bool,
) -> Result<String, ModerationError> {
    let outcome = repo::apply(pool, action, filter, dry_run).await?;
    tracing::info!(
        action = action.as_str(),
        filter = %filter.to_json(),
        dry_run,
        selected = outcome.selected,
        changed = outcome.changed,
        "moderation"
    );
    Ok(report(action, dry_run, &outcome))
}

/// `would hide 3 listings (dry run, nothing changed); the newest: …` or `hid 3 listings (moderation_log id 7)`.
pub fn report(action: Action, dry_run: bool, o: &Outcome) -> String {
    let n = |k: i64| format!("{k} listing{}", if k == 1 { "" } else { "s" });
    let (verb, done, state) = match action {
        Action::Hide => ("hide", "hid", "visible"),
        Action::Unhide => ("unhide", "unhid", "hidden"),
    };
    let mut out = String::new();
    if dry_run {
        let _ = write!(
            out,
            "would {verb} {} (dry run, nothing changed)",
            n(o.selected)
        );
        if !o.examples.is_empty() {
            out.push_str("; the newest:");
        }
        for e in &o.examples {
            let preview: String = e
                .preview
                .chars()
                .map(|c| if c.is_whitespace() { ' ' } else { c })
                .collect();
            let _ = write!(
                out,
                "\n  {:>8}  {}  {preview}",
                e.id,
                filter::rfc3339(e.created_at)
            );
        }
    } else {
        let _ = write!(out, "{done} {}", n(o.changed));
        if let Some(id) = o.log_id {
            let _ = write!(out, " (moderation_log id {id})");
        }
    }
    if o.selected == 0 {
        let _ = write!(out, "\nnothing to {verb}: no {state} listing matches");
    }
    out
}

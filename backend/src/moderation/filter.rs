//! Which listings a moderation command acts on: the command-line selection (an id
//! and/or filters, combined with AND), parsed into a [`Filter`] that can never
//! select the whole board by accident.
use clap::Args;
use serde_json::{json, Map, Value};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

use super::ModerationError;
use crate::listings::query::SearchQuery;

/// The selection as typed. Every part given must hold (AND); at least one is required.
#[derive(Args, Debug, Clone, Default)]
pub struct Selection {
    /// One listing by id (may be combined with the filters below).
    pub id: Option<i64>,
    /// Every listing posted from the same client key as this listing (same ip_hash).
    #[arg(long, value_name = "ID")]
    pub same_client_as: Option<i64>,
    /// Listings created at or after TIME: RFC 3339 (`2026-12-02T01:00:00Z`) or a
    /// duration ago (`30m`, `2h`, `1h30m`, `3days`).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<TimeArg>,
    /// Listings created before TIME (same forms as --since).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<TimeArg>,
    /// Listings the API's search would find for these words (every word must
    /// match, the last one as a prefix).
    #[arg(long, value_name = "WORDS")]
    pub matching: Option<String>,
    /// Print how many listings would change and a few of them; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// A checked selection: at least one condition, a non-empty time range, a search
/// the API would accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub id: Option<i64>,
    pub same_client_as: Option<i64>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// The words as given, and the query the API builds from them.
    pub matching: Option<(String, SearchQuery)>,
}

impl Filter {
    /// Resolves the times against one reading of the clock, so `--since 1h --until
    /// 1h` is the empty range it says (read once per time, it was a range of a few
    /// microseconds, acted on and logged).
    pub fn parse(s: &Selection) -> Result<Self, ModerationError> {
        Self::parse_at(s, OffsetDateTime::now_utc())
    }

    pub fn parse_at(s: &Selection, now: OffsetDateTime) -> Result<Self, ModerationError> {
        let since = s.since.map(|t| t.resolve(now)).transpose()?;
        let until = s.until.map(|t| t.resolve(now)).transpose()?;
        let matching = match &s.matching {
            None => None,
            // The API's own parser, so `--matching` finds exactly what a search finds.
            Some(words) => match SearchQuery::parse(words) {
                Ok(Some(q)) => Some((words.clone(), q)),
                // A search without words shows everything: as a filter it would select
                // the whole board, so it is refused rather than ignored.
                Ok(None) => return Err(ModerationError::EmptySearch),
                Err(e) => return Err(ModerationError::BadSearch(e.to_string())),
            },
        };
        if let (Some(since), Some(until)) = (since, until) {
            if since >= until {
                return Err(ModerationError::EmptyRange {
                    since: rfc3339(since),
                    until: rfc3339(until),
                });
            }
        }
        let filter = Self {
            id: s.id,
            same_client_as: s.same_client_as,
            since,
            until,
            matching,
        };
        if filter == Self::everything() {
            return Err(ModerationError::NoSelection);
        }
        Ok(filter)
    }

    fn everything() -> Self {
        Self {
            id: None,
            same_client_as: None,
            since: None,
            until: None,
            matching: None,
        }
    }

    /// The filter as a JSON object for `moderation_log.filter`: only the parts
    /// given, times resolved to absolute UTC (a relative `2h` means nothing later).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        if let Some(id) = self.id {
            m.insert("id".into(), json!(id));
        }
        if let Some(id) = self.same_client_as {
            m.insert("same_client_as".into(), json!(id));
        }
        if let Some(t) = self.since {
            m.insert("since".into(), json!(rfc3339(t)));
        }
        if let Some(t) = self.until {
            m.insert("until".into(), json!(rfc3339(t)));
        }
        if let Some((words, _)) = &self.matching {
            m.insert("matching".into(), json!(words));
        }
        Value::Object(m)
    }
}

/// A time as typed: absolute, or a duration before the command's "now" (resolved
/// once for the whole command by [`Filter::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeArg {
    At(OffsetDateTime),
    Ago(time::Duration),
}

impl TimeArg {
    pub fn resolve(self, now: OffsetDateTime) -> Result<OffsetDateTime, ModerationError> {
        match self {
            Self::At(t) => Ok(t),
            Self::Ago(d) => now
                .checked_sub(d)
                .ok_or_else(|| ModerationError::BadTime(format!("{d} ago is out of range"))),
        }
    }
}

/// `--since` / `--until`: an RFC 3339 time, or a duration before now.
pub fn parse_time(s: &str) -> Result<TimeArg, String> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(TimeArg::At(t));
    }
    let ago = humantime::parse_duration(s).map_err(|_| {
        format!("`{s}` is neither an RFC 3339 time (2026-12-02T01:00:00Z) nor a duration ago (30m, 2h, 1h30m, 3days)")
    })?;
    time::Duration::try_from(ago)
        .map(TimeArg::Ago)
        .map_err(|_| format!("`{s}` ago is out of range"))
}

/// `parse_time` resolved at `now`.
pub fn parse_time_at(s: &str, now: OffsetDateTime) -> Result<OffsetDateTime, String> {
    parse_time(s)?.resolve(now).map_err(|e| e.to_string())
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .expect("a timestamp from PostgreSQL's range formats as RFC 3339")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-02 03:00:00 UTC);

    #[test]
    fn times_are_rfc3339_or_a_duration_ago() {
        assert_eq!(
            parse_time_at("2026-12-01T10:00:00+01:00", NOW),
            Ok(datetime!(2026-12-01 09:00:00 UTC))
        );
        assert_eq!(
            parse_time_at("2h", NOW),
            Ok(datetime!(2026-12-02 01:00:00 UTC))
        );
        assert_eq!(
            parse_time_at("30m", NOW),
            Ok(datetime!(2026-12-02 02:30:00 UTC))
        );
        assert_eq!(
            parse_time_at("1h30m", NOW),
            Ok(datetime!(2026-12-02 01:30:00 UTC))
        );
        assert_eq!(
            parse_time_at("3days", NOW),
            Ok(datetime!(2026-11-29 03:00:00 UTC))
        );
        for bad in [
            "",
            "yesterday",
            "2h ago",
            "-2h",
            "2026-12-01",
            "99999999999999y",
        ] {
            assert!(parse_time_at(bad, NOW).is_err(), "{bad:?}");
        }
    }

    fn sel() -> Selection {
        Selection::default()
    }

    #[test]
    fn nothing_selected_is_refused() {
        assert!(matches!(
            Filter::parse(&sel()),
            Err(ModerationError::NoSelection)
        ));
        // --dry-run alone selects nothing either.
        let dry = Selection {
            dry_run: true,
            ..sel()
        };
        assert!(matches!(
            Filter::parse(&dry),
            Err(ModerationError::NoSelection)
        ));
    }

    #[test]
    fn a_search_without_words_is_refused_not_ignored() {
        for words in ["", "   ", "!!! ?"] {
            let s = Selection {
                matching: Some(words.into()),
                ..sel()
            };
            assert!(
                matches!(Filter::parse(&s), Err(ModerationError::EmptySearch)),
                "{words:?}"
            );
        }
        let s = Selection {
            matching: Some("a\u{7}".into()),
            ..sel()
        };
        assert!(matches!(
            Filter::parse(&s),
            Err(ModerationError::BadSearch(_))
        ));
    }

    #[test]
    fn an_empty_time_range_is_refused() {
        let s = Selection {
            since: Some(TimeArg::At(NOW)),
            until: Some(TimeArg::At(NOW)),
            ..sel()
        };
        assert!(matches!(
            Filter::parse(&s),
            Err(ModerationError::EmptyRange { .. })
        ));
        // The same duration twice is the same instant: one "now" per command.
        let same = Selection {
            since: Some(parse_time("1h").unwrap()),
            until: Some(parse_time("60m").unwrap()),
            ..sel()
        };
        assert!(matches!(
            Filter::parse(&same),
            Err(ModerationError::EmptyRange { .. })
        ));
    }

    #[test]
    fn the_log_holds_only_the_given_parts_in_utc() {
        let s = Selection {
            same_client_as: Some(7),
            since: Some(TimeArg::At(datetime!(2026-12-02 04:00:00 +01:00))),
            matching: Some("Cheap pil".into()),
            ..sel()
        };
        let f = Filter::parse(&s).unwrap();
        assert_eq!(
            f.matching.as_ref().unwrap().1,
            SearchQuery::parse("Cheap pil").unwrap().unwrap()
        );
        assert_eq!(
            f.to_json(),
            json!({"same_client_as": 7, "since": "2026-12-02T03:00:00Z", "matching": "Cheap pil"})
        );
        let one = Filter::parse(&Selection {
            id: Some(5),
            ..sel()
        })
        .unwrap();
        assert_eq!(one.to_json(), json!({"id": 5}));
    }
}

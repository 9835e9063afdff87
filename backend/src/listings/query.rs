//! The parameters of `GET /api/listings`, parsed into small types: the search
//! terms, the opaque keyset cursor, the page size and the country filter.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::{
    openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type},
    IntoParams,
};

use super::{search_text, text};
use crate::{country::CountryCode, error::ApiError};

pub const DEFAULT_LIMIT: i64 = 30;
pub const MAX_LIMIT: i64 = 100;
const MAX_QUERY_CHARS: usize = 200;
/// Terms a query keeps (a long Han/Kana query gives one bigram per character).
const MAX_TERMS: usize = 16;

/// The query string as sent; [`ListParams::parse`] applies the rules documented here.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RawListParams {
    /// Search words (at most 200 characters): every word must match as a prefix,
    /// case and accents ignored; Chinese and Japanese are matched inside sentences,
    /// Thai, Lao, Khmer and Myanmar by word. Absent or no word: newest first.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// The `next_cursor` of the previous page (opaque).
    pub cursor: Option<String>,
    /// Page size, a plain decimal from 1 to 100; absent or empty: 30.
    #[param(schema_with = limit_schema)]
    pub limit: Option<String>,
    /// Only listings from this country: two letters (ISO 3166-1 alpha-2, either
    /// case); absent or empty: every country.
    #[param(pattern = "^([A-Za-z]{2})?$")]
    pub country: Option<String>,
}

/// `limit` in the description: 1..=100, or empty (an HTML form's empty field), which
/// means the default like an absent one.
fn limit_schema() -> Schema {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(MAX_LIMIT)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .into()
}

#[derive(Debug)]
pub struct ListParams {
    pub search: Option<SearchQuery>,
    pub cursor: Option<Cursor>,
    pub limit: i64,
    pub country: Option<CountryCode>,
}

impl ListParams {
    pub fn parse(raw: RawListParams) -> Result<Self, ApiError> {
        let limit = match raw.limit.as_deref() {
            None | Some("") => DEFAULT_LIMIT,
            // Plain decimal only: `+5`, `007` or ` 5` are not what a client meant to send.
            Some(s) => Some(s)
                .filter(|s| s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0'))
                .and_then(|s| s.parse::<i64>().ok())
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "limit must be a whole number from 1 to {MAX_LIMIT}"
                    ))
                })?,
        };
        let country = match raw.country.as_deref() {
            None | Some("") => None,
            Some(c) => Some(
                CountryCode::parse(c)
                    .ok_or_else(|| ApiError::invalid("country must be a two-letter code"))?,
            ),
        };
        let cursor = match raw.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => Some(Cursor::decode(c)?),
        };
        let search = match raw.q.as_deref() {
            None => None,
            Some(q) => SearchQuery::parse(q)?,
        };
        Ok(Self {
            search,
            cursor,
            limit,
            country,
        })
    }
}

/// A full-text query, as `tsquery` text: every term of [`search_text::query_terms`]
/// must match, each as a prefix (`jo sm` finds John Smith; the user may still be
/// typing any word). Terms are segmented and folded by the rule bodies are indexed
/// with, and quoted, so no user input is read as tsquery syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    tsquery: String,
    /// The query as cleaned, for highlighting.
    text: String,
}

impl SearchQuery {
    /// None when the query holds no word at all (then the newest listings are shown).
    /// The text is cleaned and NFC-normalized by the rule bodies follow first.
    pub fn parse(q: &str) -> Result<Option<Self>, ApiError> {
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::invalid(format!(
                "q must be at most {MAX_QUERY_CHARS} characters"
            )));
        }
        let q = text::clean(q, "q")?;
        let terms = search_text::query_terms(&q);
        if terms.is_empty() {
            return Ok(None);
        }
        let quoted: Vec<String> = terms
            .iter()
            .take(MAX_TERMS)
            .map(|t| format!("'{}':*", t.replace('\\', "\\\\").replace('\'', "''")))
            .collect();
        Ok(Some(Self {
            tsquery: quoted.join(" & "),
            text: q,
        }))
    }

    /// The `tsquery` text.
    pub fn as_str(&self) -> &str {
        &self.tsquery
    }

    /// The words as the user typed them (cleaned).
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Where the previous page ended: `(created_at, id)` of its last item, sent as
/// base64url so clients treat it as opaque.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: OffsetDateTime,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let micros = (self.created_at.unix_timestamp_nanos() / 1_000) as i64;
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&micros.to_be_bytes());
        bytes[8..].copy_from_slice(&self.id.to_be_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode(s: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::invalid("cursor is not one this server gave out");
        let bytes: [u8; 16] = URL_SAFE_NO_PAD
            .decode(s)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(bad)?;
        let micros = i64::from_be_bytes(bytes[..8].try_into().expect("8 bytes"));
        let id = i64::from_be_bytes(bytes[8..].try_into().expect("8 bytes"));
        let created_at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
            .map_err(|_| bad())?;
        if id < 1 || created_at.year() < 2000 || created_at.year() > 9999 {
            return Err(bad());
        }
        Ok(Self { created_at, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn raw(
        q: Option<&str>,
        cursor: Option<&str>,
        limit: Option<&str>,
        country: Option<&str>,
    ) -> RawListParams {
        RawListParams {
            q: q.map(Into::into),
            cursor: cursor.map(Into::into),
            limit: limit.map(Into::into),
            country: country.map(Into::into),
        }
    }

    #[test]
    fn search_terms_are_quoted_and_each_is_a_prefix() {
        assert_eq!(
            SearchQuery::parse("Jo Sm").unwrap().unwrap().as_str(),
            "'jo':* & 'sm':*"
        );
        assert_eq!(
            SearchQuery::parse("o'neil \\x").unwrap().unwrap().as_str(),
            "'o''neil':* & 'x':*"
        );
        assert_eq!(SearchQuery::parse("  !!! ").unwrap(), None);
        assert_eq!(SearchQuery::parse("").unwrap(), None);
        assert!(SearchQuery::parse(&"a".repeat(201)).is_err());
        assert!(SearchQuery::parse("a\0").is_err());
        assert!(SearchQuery::parse("\u{202E}gnp").is_err());
    }

    #[test]
    fn search_text_is_folded_like_bodies() {
        // e + combining acute, like the precomposed é, folds to e.
        assert_eq!(
            SearchQuery::parse("cafe\u{301}").unwrap().unwrap().as_str(),
            "'cafe':*"
        );
        assert_eq!(
            SearchQuery::parse("\u{FEFF}caf\u{e9}")
                .unwrap()
                .unwrap()
                .as_str(),
            "'cafe':*"
        );
    }

    #[test]
    fn limits_and_countries_are_checked() {
        assert_eq!(
            ListParams::parse(raw(None, None, None, None))
                .unwrap()
                .limit,
            30
        );
        assert_eq!(
            ListParams::parse(raw(None, None, Some("100"), None))
                .unwrap()
                .limit,
            100
        );
        for bad in [
            "0", "101", "-1", "1.5", "x", "+5", "007", " 5", "5 ", "0x10",
        ] {
            assert!(
                ListParams::parse(raw(None, None, Some(bad), None)).is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            ListParams::parse(raw(None, None, None, Some("de")))
                .unwrap()
                .country,
            CountryCode::parse("DE")
        );
        assert!(ListParams::parse(raw(None, None, None, Some("DEU"))).is_err());
        assert!(ListParams::parse(raw(None, Some("nope"), None, None)).is_err());
    }

    proptest! {
        #[test]
        fn cursors_round_trip(micros in 946_684_800_000_000i64..4_102_444_800_000_000, id in 1i64..i64::MAX) {
            let c = Cursor { created_at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap(), id };
            prop_assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        }

        #[test]
        fn arbitrary_cursors_never_panic(s in "\\PC{0,40}") {
            let _ = Cursor::decode(&s);
        }
    }
}

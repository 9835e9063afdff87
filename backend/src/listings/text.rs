//! The text of a listing, parsed at the edge: cleaned by the rule below, trimmed,
//! NFC-normalized, 1..=MAX_BODY_CHARS Unicode characters with at least one a reader
//! can see. Search text goes through the same rule ([`clean`]).
//!
//! The rule, by Unicode general category (the README's "Text rules" repeats it):
//! - refused (400): control characters (Cc) but newline and tab; the bidirectional
//!   embeddings, overrides and isolates of the Trojan Source paper (U+202A..U+202E,
//!   U+2066..U+2069: `\u{202E}gnp.exe` would read as "exe.png"); the deprecated
//!   format characters U+206A..U+206F; interlinear annotations U+FFF9..U+FFFB;
//!   noncharacters (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF); private use (Co), which
//!   no public reader shares a font for;
//! - stripped: U+FEFF (a byte order mark, or the deprecated zero-width no-break space);
//! - turned into a newline: U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR;
//! - kept: every other character, including the format characters that real text
//!   needs (ZWJ and ZWNJ in emoji sequences and Indic scripts, the bidi marks
//!   LRM/RLM/ALM in mixed-direction text, soft hyphens, emoji tag characters),
//!   combining marks, and code points unassigned in our tables (newer emoji);
//! - and a body must hold at least one visible character: a letter, number,
//!   punctuation mark or symbol (so no body of only spaces, zero-width characters,
//!   combining marks or marks).
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingText(String);

/// `MAX_BODY_CHARS`: the longest listing, in Unicode characters.
#[derive(Clone, Copy, Debug)]
pub struct MaxBodyChars(pub usize);

impl ListingText {
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, ApiError> {
        let text = clean(raw, "the text")?;
        let n = text.chars().count();
        if n == 0 {
            return Err(ApiError::invalid("the text is empty"));
        }
        if n > max_chars {
            return Err(ApiError::invalid(format!(
                "the text has {n} characters; at most {max_chars} are allowed"
            )));
        }
        if !text.chars().any(is_visible) {
            return Err(ApiError::invalid(
                "the text has no visible character (only spaces, marks or format characters)",
            ));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Applies the module's rule to `raw` (refuse, strip, map), then trims and
/// NFC-normalizes; `what` names the input in the error message.
pub fn clean(raw: &str, what: &str) -> Result<String, ApiError> {
    if let Some(c) = raw.chars().find(|&c| refused(c)) {
        return Err(ApiError::invalid(format!(
            "{what} contains U+{:04X}, {}",
            c as u32,
            why_refused(c)
        )));
    }
    let mapped: String = raw
        .chars()
        .filter(|&c| c != '\u{FEFF}')
        .map(|c| match c {
            '\u{2028}' | '\u{2029}' => '\n',
            c => c,
        })
        .collect();
    Ok(mapped.trim().nfc().collect())
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_noncharacter(c: char) -> bool {
    matches!(c, '\u{FDD0}'..='\u{FDEF}') || (c as u32) & 0xFFFE == 0xFFFE
}

fn refused(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || is_bidi_control(c)
        || matches!(c, '\u{206A}'..='\u{206F}' | '\u{FFF9}'..='\u{FFFB}')
        || is_noncharacter(c)
        || c.general_category() == GeneralCategory::PrivateUse
}

fn why_refused(c: char) -> &'static str {
    if c.is_control() {
        "a control character; only newlines and tabs are allowed"
    } else if is_bidi_control(c) {
        "a bidirectional override or isolate, which makes text read differently from what it is"
    } else if is_noncharacter(c) {
        "a noncharacter"
    } else if c.general_category() == GeneralCategory::PrivateUse {
        "a private-use character, which readers cannot see"
    } else {
        "an invisible formatting character"
    }
}

fn is_visible(c: char) -> bool {
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter
            | GeneralCategoryGroup::Number
            | GeneralCategoryGroup::Punctuation
            | GeneralCategoryGroup::Symbol
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> String {
        ListingText::parse(s, 255).unwrap().as_str().to_owned()
    }

    fn refused_with(s: &str) -> String {
        match ListingText::parse(s, 255) {
            Err(ApiError::InvalidInput(m)) => m,
            other => panic!("{s:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn trims_normalizes_and_counts_characters() {
        assert_eq!(ok("  hi\tthere\n "), "hi\tthere");
        // e + combining acute becomes one precomposed character.
        assert_eq!(
            ListingText::parse("e\u{301}", 1).unwrap().as_str(),
            "\u{e9}"
        );
        assert!(ListingText::parse(&"é".repeat(255), 255).is_ok());
        assert!(ListingText::parse(&"é".repeat(256), 255).is_err());
        for bad in ["", "   \n\t ", "a\0b", "a\u{7}b", "a\rb", "\u{9f}"] {
            assert!(ListingText::parse(bad, 255).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bidi_overrides_and_isolates_are_refused() {
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            let m = refused_with(&format!("{c}gnp.exe"));
            assert!(m.contains("bidirectional"), "{m}");
        }
        // The marks that mixed-direction text needs stay.
        assert_eq!(ok("abc \u{200F}שלום"), "abc \u{200F}שלום");
    }

    #[test]
    fn noncharacters_private_use_and_deprecated_formats_are_refused() {
        for c in [
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{FDD0}',
            '\u{1FFFF}',
            '\u{10FFFE}',
            '\u{E000}',
            '\u{F8FF}',
            '\u{F0000}',
            '\u{206A}',
            '\u{FFF9}',
        ] {
            refused_with(&format!("hello {c}"));
        }
    }

    #[test]
    fn invisible_only_bodies_are_refused() {
        for s in [
            "\u{200B}\u{200B}",       // zero-width spaces
            "\u{FEFF}",               // a BOM only
            "\u{301}\u{302}\u{303}",  // combining marks only
            "\u{200D}\u{200C}",       // joiners only
            "\u{00A0}\u{3000}",       // spaces only
            "\u{200E}\u{200F}\u{AD}", // direction marks and a soft hyphen
        ] {
            let m = match ListingText::parse(s, 255) {
                Err(ApiError::InvalidInput(m)) => m,
                other => panic!("{s:?} was not refused: {other:?}"),
            };
            assert!(m.contains("visible") || m.contains("empty"), "{s:?}: {m}");
        }
    }

    #[test]
    fn separators_become_newlines_and_boms_go() {
        assert_eq!(ok("one\u{2028}two\u{2029}three"), "one\ntwo\nthree");
        assert_eq!(ok("\u{FEFF}hello\u{FEFF} world"), "hello world");
    }

    #[test]
    fn what_real_text_needs_is_kept() {
        for s in [
            "👩\u{200D}💻 at work", // ZWJ emoji sequence
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}", // England flag (tags)
            "क्\u{200D}ष",                                                      // ZWJ in Devanagari
            "می\u{200C}خواهم",                                                 // ZWNJ in Persian
            "❤\u{FE0F}",                                                       // variation selector
            "co\u{AD}operate",                                                 // soft hyphen
        ] {
            assert_eq!(ok(s), s.nfc().collect::<String>(), "{s:?}");
        }
    }

    /// The test's own list of what is never stored (not the parser's `refused`, so
    /// that loosening a rule fails the property instead of moving its oracle).
    fn never_stored(c: char) -> bool {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c,
                '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' // bidi overrides, isolates
                | '\u{206A}'..='\u{206F}' | '\u{FFF9}'..='\u{FFFB}' // deprecated format, annotations
                | '\u{2028}' | '\u{2029}' | '\u{FEFF}'             // become newlines / stripped
                | '\u{FDD0}'..='\u{FDEF}'                           // noncharacters
                | '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}') // private use
            || (c as u32) & 0xFFFE == 0xFFFE
    }

    /// Mostly ordinary text (letters, spaces, any code point now and then) with up to
    /// three characters of the classes the rules are about put in: bidi and other
    /// format characters, separators, BOMs, noncharacters, private use, combining
    /// marks, controls (`\PC` alone never generates format, private-use or unassigned
    /// code points, and text full of them is refused for the first one it holds).
    fn any_text() -> impl Strategy<Value = String> {
        let special = prop::sample::select(vec![
            '\u{202E}',
            '\u{2066}',
            '\u{200B}',
            '\u{200D}',
            '\u{FEFF}',
            '\u{2028}',
            '\u{2029}',
            '\u{FFFE}',
            '\u{FDD0}',
            '\u{E000}',
            '\u{F0000}',
            '\u{0301}',
            '\u{206B}',
            '\u{FFF9}',
            '\u{AD}',
            '\u{0007}',
            '\n',
            '\t',
            ' ',
        ]);
        let plain =
            prop_oneof![8 => proptest::char::range('a', 'z'), 2 => Just(' '), 1 => any::<char>()];
        (
            prop::collection::vec(plain, 0..60),
            prop::collection::vec((special, any::<prop::sample::Index>()), 0..=3),
        )
            .prop_map(|(mut cs, put)| {
                for (c, at) in put {
                    cs.insert(at.index(cs.len() + 1), c);
                }
                cs.into_iter().collect()
            })
    }

    proptest! {
        #[test]
        fn accepted_text_is_clean(s in any_text()) {
            if let Ok(t) = ListingText::parse(&s, 255) {
                let t = t.as_str();
                prop_assert!(!t.is_empty() && t.chars().count() <= 255);
                prop_assert_eq!(t, t.trim());
                prop_assert!(!t.chars().any(never_stored), "{:?}", t);
                prop_assert!(t.chars().any(is_visible));
                let renorm: String = t.nfc().collect();
                prop_assert_eq!(t, renorm.as_str());
            }
        }
    }
}

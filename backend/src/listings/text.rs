//! The text of a listing, parsed at the edge: trimmed, NFC-normalized,
//! 1..=MAX_BODY_CHARS Unicode characters, no control characters but newline and tab.
use unicode_normalization::UnicodeNormalization;

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingText(String);

/// `MAX_BODY_CHARS`: the longest listing, in Unicode characters.
#[derive(Clone, Copy, Debug)]
pub struct MaxBodyChars(pub usize);

impl ListingText {
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, ApiError> {
        if let Some(c) = raw
            .chars()
            .find(|&c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(ApiError::invalid(format!(
                "the text contains a control character (U+{:04X}); only newlines and tabs are allowed",
                c as u32
            )));
        }
        // Normalize \r\n is not needed: \r is a control character and refused above.
        let text: String = raw.trim().nfc().collect();
        let n = text.chars().count();
        if n == 0 {
            return Err(ApiError::invalid("the text is empty"));
        }
        if n > max_chars {
            return Err(ApiError::invalid(format!(
                "the text has {n} characters; at most {max_chars} are allowed"
            )));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_normalizes_and_counts_characters() {
        assert_eq!(
            ListingText::parse("  hi\tthere\n ", 255).unwrap().as_str(),
            "hi\tthere"
        );
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

    proptest! {
        #[test]
        fn accepted_text_is_clean(s in "\\PC{0,300}") {
            if let Ok(t) = ListingText::parse(&s, 255) {
                let t = t.as_str();
                prop_assert!(!t.is_empty() && t.chars().count() <= 255);
                prop_assert_eq!(t, t.trim());
                prop_assert!(t.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
                let renorm: String = t.nfc().collect();
                prop_assert_eq!(t, renorm.as_str());
            }
        }
    }
}

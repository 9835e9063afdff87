//! What search sees of a text: its words, segmented and folded, the same way for a
//! listing's body (at insert, and by `powboard listings reindex`) and for a query.
//! The stored body is never changed; only these terms are indexed.
//!
//! Segmentation:
//! - runs of Han, Hiragana and Katakana become overlapping character bigrams, as
//!   Lucene's CJK analyzer does, plus the run's last character alone (so that every
//!   character starts some term and a one-character query finds it): a query word
//!   inside a sentence (`自転車` in `東京で中古の自転車を売ります`) or inside a
//!   compound (`行车` in `自行车`) is found whatever a dictionary would have cut;
//! - everything else goes through ICU4X's word segmenter (UAX #29 for scripts with
//!   spaces; dictionaries or LSTM models for Thai, Lao, Khmer and Myanmar).
//!
//! The choice was measured against ICU words for Han/Kana too (`Strategy::Words`)
//! and both together (`Strategy::Hybrid`): `cargo run --release --example
//! search_recall` prints recall, index size and speed; the README has the figures.
//!
//! Folding (per character, so offsets map back to the body for highlights): Unicode
//! full case folding (`ß`→`ss`, final `ς`→`σ`, `İ`→`i̇`), compatibility
//! decomposition (full-width and half-width forms, ligatures), the combining
//! diacritical marks dropped (`é`→`e`, `ü`→`u`, `ά`→`α`), then NFC again. Only the
//! diacritic blocks are dropped: the vowel signs of Thai or Devanagari and the kana
//! voicing marks are letters' parts, not accents.
use std::ops::Range;

use icu_casemap::CaseMapper;
use icu_properties::{props::Script, script::ScriptWithExtensions};
use icu_segmenter::{options::WordBreakInvariantOptions, WordSegmenter};
use unicode_normalization::UnicodeNormalization;

/// Longest term, in characters: a lexeme must stay far below PostgreSQL's 2 KiB
/// limit, and no real word is longer (a longer "word" still matches by its start).
const MAX_TERM_CHARS: usize = 64;

/// How runs of Han and Kana are cut into terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Overlapping bigrams (and the run's last character): what the board uses.
    Bigrams,
    /// ICU4X's dictionary words.
    Words,
    /// Both.
    Hybrid,
}

/// The strategy in use (the measurement that chose it is in the module docs).
pub const STRATEGY: Strategy = Strategy::Bigrams;

/// A piece of text that search looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A word (letters or digits) of a script other than Han/Kana.
    Word(Range<usize>),
    /// A maximal run of Han/Kana letters.
    Cjk(Range<usize>),
}

/// The word-like pieces of `text`, in order, as byte ranges.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest_start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !is_cjk(c) {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if !is_cjk(d) {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        words(text, rest_start..i, &mut out);
        out.push(Piece::Cjk(i..end));
        rest_start = end;
    }
    words(text, rest_start..text.len(), &mut out);
    out
}

/// ICU4X's word-like segments of `text[range]`, pushed as [`Piece::Word`].
fn words(text: &str, range: Range<usize>, out: &mut Vec<Piece>) {
    let part = &text[range.clone()];
    if !part.chars().any(char::is_alphanumeric) {
        return;
    }
    let mut prev = 0;
    for (at, kind) in WordSegmenter::new_auto(WordBreakInvariantOptions::default())
        .segment_str(part)
        .iter_with_word_type()
    {
        if at > prev && kind.is_word_like() {
            out.push(Piece::Word(range.start + prev..range.start + at));
        }
        prev = at;
    }
}

/// Han, Hiragana or Katakana (script extensions, so `ー` and `々` count), and a
/// letter or digit (so `、` and `。` end a run).
pub fn is_cjk(c: char) -> bool {
    if (c as u32) < 0x2E80 || !c.is_alphanumeric() {
        return false;
    }
    let scx = ScriptWithExtensions::new();
    scx.has_script(c, Script::Han)
        || scx.has_script(c, Script::Hiragana)
        || scx.has_script(c, Script::Katakana)
}

/// The folded form of one character (see the module docs), appended to `out`.
pub fn fold_char_into(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    let mut buf = [0u8; 4];
    let folded = CaseMapper::new().fold_string(c.encode_utf8(&mut buf));
    out.extend(folded.nfkd().filter(|&d| !is_diacritic(d)).nfc());
}

/// The folded form of `s`: per character, then composed again across characters
/// (half-width `ｷﾞ` is two characters that become one `ギ`).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char_into(c, &mut out);
    }
    if out.is_ascii() {
        out
    } else {
        out.nfc().collect()
    }
}

/// The combining diacritical mark blocks (what accents decompose to).
fn is_diacritic(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// The terms of `text` under `strategy`, in text order, possibly repeated.
pub fn terms_with(strategy: Strategy, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for piece in pieces(text) {
        match piece {
            Piece::Word(r) => push_term(&mut out, fold(&text[r])),
            Piece::Cjk(r) => {
                let run = &text[r];
                if strategy != Strategy::Words {
                    bigrams(&fold(run), &mut out);
                }
                if strategy != Strategy::Bigrams {
                    let mut inner = Vec::new();
                    words(run, 0..run.len(), &mut inner);
                    for p in inner {
                        if let Piece::Word(w) = p {
                            push_term(&mut out, fold(&run[w]));
                        }
                    }
                }
            }
        }
    }
    out
}

/// The overlapping bigrams of a folded run, then its last character alone.
fn bigrams(run: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = run.chars().filter(|c| !c.is_whitespace()).collect();
    for pair in chars.windows(2) {
        out.push(pair.iter().collect());
    }
    if let Some(last) = chars.last() {
        out.push(last.to_string());
    }
}

/// Pushes a folded word (split again where folding made a space, capped in length).
fn push_term(out: &mut Vec<String>, folded: String) {
    for t in folded.split_whitespace() {
        out.push(t.chars().take(MAX_TERM_CHARS).collect());
    }
}

/// A listing's index terms: sorted and deduplicated (a `tsvector` without positions).
pub fn index_terms(body: &str) -> Vec<String> {
    index_terms_with(STRATEGY, body)
}

/// [`index_terms`] under `strategy`.
pub fn index_terms_with(strategy: Strategy, body: &str) -> Vec<String> {
    let mut terms = terms_with(strategy, body);
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// A query's terms, each to be matched as a prefix: for a Han/Kana run, its bigrams
/// (a one-character run is itself); otherwise its folded words. Deduplicated, in
/// query order.
pub fn query_terms(q: &str) -> Vec<String> {
    query_terms_with(STRATEGY, q)
}

/// [`query_terms`] under `strategy` (for ICU words, a run's dictionary words).
pub fn query_terms_with(strategy: Strategy, q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in pieces(q) {
        let mut these = Vec::new();
        match piece {
            Piece::Word(r) => push_term(&mut these, fold(&q[r])),
            Piece::Cjk(r) => {
                let run = fold(&q[r.clone()]);
                if strategy == Strategy::Words {
                    these = terms_with(strategy, &q[r]);
                } else if run.chars().count() == 1 {
                    these.push(run);
                } else {
                    let chars: Vec<char> = run.chars().collect();
                    these.extend(chars.windows(2).map(|p| p.iter().collect::<String>()));
                }
            }
        }
        for t in these {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_meets_case_accents_and_widths() {
        for (a, b) in [
            ("CAFÉ", "cafe"),
            ("Café crème", "cafe creme"),
            ("München", "munchen"),
            ("STRAẞE", "strasse"),
            ("ΚΙΘΑΡΑΣ", "κιθαρασ"),
            ("κιθάρας", "κιθαρασ"),
            ("ＧＵＩＴＡＲ", "guitar"),
            ("Привет", "привет"),
            ("İstanbul", "istanbul"),
        ] {
            assert_eq!(fold(a), b, "{a}");
        }
        // Letters' own marks stay: Thai vowels, kana voicing, Hangul.
        assert_eq!(fold("จักรยาน"), "จักรยาน");
        assert_eq!(fold("ギター"), "ギター");
        assert_eq!(fold("ｷﾞﾀｰ"), "ギター");
        assert_eq!(fold("자전거"), "자전거");
    }

    #[test]
    fn sentences_without_spaces_are_cut() {
        let ja = index_terms("東京で中古の自転車を売ります");
        for t in ["東京", "自転", "転車", "ます", "す"] {
            assert!(ja.contains(&t.to_string()), "{t} in {ja:?}");
        }
        assert_eq!(query_terms("自転車"), ["自転", "転車"]);
        assert_eq!(query_terms("車"), ["車"]);
        let th = index_terms("ขายจักรยานมือสองในกรุงเทพ");
        assert!(th.contains(&"จักรยาน".to_string()), "{th:?}");
        assert_eq!(query_terms("จักรยาน"), ["จักรยาน"]);
        assert_eq!(query_terms("Jo  SM!"), ["jo", "sm"]);
        assert_eq!(query_terms("東京、大阪"), ["東京", "大阪"]);
        assert!(query_terms("!!! ...").is_empty());
    }

    #[test]
    fn terms_never_hold_spaces_and_stay_short() {
        let long = "a".repeat(300);
        let t = index_terms(&format!("x {long} ¨y"));
        assert!(t.iter().all(|t| !t.contains(char::is_whitespace)), "{t:?}");
        assert!(t.iter().all(|t| t.chars().count() <= MAX_TERM_CHARS));
    }
}

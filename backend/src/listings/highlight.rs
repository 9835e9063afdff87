//! Where a search matched inside a listing, from the server's own segmentation and
//! folding ([`super::search_text`]), so the UI can mark the words in every script
//! without re-implementing either: a word of the body is marked when it starts with
//! a query word; inside a Han/Kana run, each place where a query run occurs.
use std::ops::Range;

use super::search_text::{fold, fold_char_into, pieces, Piece};

/// Matched spans of `body` for the query `q`, as `[start, end)` offsets in UTF-16
/// code units (how JavaScript indexes a string), sorted, not overlapping.
pub fn highlights(body: &str, q: &str) -> Vec<[u32; 2]> {
    let (mut words, mut runs) = (Vec::new(), Vec::new());
    for piece in pieces(q) {
        match piece {
            Piece::Word(r) => words.push(fold(&q[r])),
            Piece::Cjk(r) => runs.push(fold(&q[r])),
        }
    }
    words.retain(|w| !w.is_empty());
    runs.retain(|r| !r.is_empty());
    let mut spans: Vec<Range<usize>> = Vec::new();
    for piece in pieces(body) {
        match piece {
            Piece::Word(r) => {
                let folded = fold(&body[r.clone()]);
                if words.iter().any(|w| folded.starts_with(w.as_str())) {
                    spans.push(r);
                }
            }
            Piece::Cjk(r) => find_in_run(body, r, &runs, &mut spans),
        }
    }
    spans.sort_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for s in spans {
        match merged.last_mut() {
            Some(m) if s.start <= m.end => m.end = m.end.max(s.end),
            _ => merged.push(s),
        }
    }
    merged
        .into_iter()
        .map(|r| [utf16_at(body, r.start), utf16_at(body, r.end)])
        .collect()
}

/// Pushes the byte ranges of `body[run]` where a folded query run occurs.
fn find_in_run(body: &str, run: Range<usize>, needles: &[String], out: &mut Vec<Range<usize>>) {
    // The folded run, and for each of its bytes the original character it came from.
    let mut folded = String::new();
    let mut from: Vec<Range<usize>> = Vec::new();
    for (i, c) in body[run.clone()].char_indices() {
        let before = folded.len();
        fold_char_into(c, &mut folded);
        let at = run.start + i;
        from.extend(std::iter::repeat_n(
            at..at + c.len_utf8(),
            folded.len() - before,
        ));
    }
    for needle in needles {
        for (at, _) in folded.match_indices(needle.as_str()) {
            let end = at + needle.len();
            if let (Some(first), Some(last)) = (from.get(at), from.get(end - 1)) {
                out.push(first.start..last.end);
            }
        }
    }
}

fn utf16_at(s: &str, byte: usize) -> u32 {
    s[..byte].chars().map(char::len_utf16).sum::<usize>() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(body: &str, q: &str) -> Vec<String> {
        let units: Vec<u16> = body.encode_utf16().collect();
        highlights(body, q)
            .iter()
            .map(|&[a, b]| String::from_utf16(&units[a as usize..b as usize]).unwrap())
            .collect()
    }

    #[test]
    fn marks_words_in_every_script() {
        assert_eq!(marked("東京で中古の自転車を売ります", "自転"), ["自転"]);
        assert_eq!(
            marked("東京で中古の自転車を売ります", "東京 自転車"),
            ["東京", "自転車"]
        );
        assert_eq!(marked("ขายจักรยานมือสองในกรุงเทพ", "จักรยาน"), ["จักรยาน"]);
        assert_eq!(
            marked("Café crème à München", "cafe munch"),
            ["Café", "München"]
        );
        assert_eq!(
            marked("John Smith, J. Smithers", "jo sm"),
            ["John", "Smith", "Smithers"]
        );
        assert_eq!(marked("ΚΙΘΑΡΑΣ", "κιθάρας"), ["ΚΙΘΑΡΑΣ"]);
        assert!(marked("nothing here", "guitar").is_empty());
    }

    #[test]
    fn offsets_count_utf16_units() {
        // 🚲 is two UTF-16 units: "guitar" starts at 3.
        assert_eq!(highlights("🚲 guitar", "guit"), [[3, 9]]);
    }
}

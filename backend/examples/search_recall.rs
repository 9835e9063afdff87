//! Measures the ways of cutting Han/Kana runs (`search_text::Strategy`) on the
//! issue's examples and a few more: recall (each query finds the listings it should),
//! false hits (it finds one it should not), index terms per listing, and time per
//! listing. A listing matches when every query term is a prefix of one of its terms,
//! which is what `tsvector @@ 'a':* & 'b':*` computes.
//!
//! `cargo run --release --example search_recall`
use std::time::Instant;

use powboard::listings::search_text::{index_terms_with, query_terms_with, Strategy};

const LISTINGS: &[&str] = &[
    "東京で中古の自転車を売ります",
    "我在北京卖二手自行车",
    "ขายจักรยานมือสองในกรุงเทพ",
    "京都の古いギターを譲ります",
    "東京都内で家具を探しています",
    "上海出售二手吉他，价格面议",
    "ขายกีตาร์โปร่งราคาถูก",
    "자전거를 팝니다 서울",
    "Café crème und München",
    "ΚΙΘΑΡΑΣ προς πώληση",
    "Продаю велосипед в Москве",
    "John Smith sells a guitar",
    "株式会社ソフトウェア開発の求人",
    "自行车修理，北京朝阳区",
];

/// (query, indexes of the listings it should find)
const QUERIES: &[(&str, &[usize])] = &[
    ("自転車", &[0]),
    ("東京", &[0, 4]),
    ("自転", &[0]),
    ("中古", &[0]),
    ("売ります", &[0]),
    ("自行车", &[1, 13]),
    ("北京", &[1, 13]),
    ("二手", &[1, 5]),
    ("行车", &[1, 13]),
    ("จักรยาน", &[2]),
    ("กรุงเทพ", &[2]),
    ("ギター", &[3]),
    ("ギタ", &[3]),
    ("京都", &[3]),
    ("家具", &[4]),
    ("吉他", &[5]),
    ("กีตาร์", &[6]),
    ("자전거", &[7]),
    ("munchen", &[8]),
    ("κιθάρας", &[9]),
    ("москве", &[10]),
    ("jo sm", &[11]),
    ("ソフトウェア", &[12]),
    ("開発", &[12]),
    ("ウェア", &[12]),
    ("修理", &[13]),
    ("東京 自転車", &[0]),
];

fn main() {
    println!("strategy  recall  false_hits  terms/listing  us/listing");
    for strategy in [Strategy::Words, Strategy::Bigrams, Strategy::Hybrid] {
        let t0 = Instant::now();
        let rounds = 200;
        let mut indexed = Vec::new();
        for _ in 0..rounds {
            indexed = LISTINGS
                .iter()
                .map(|b| index_terms_with(strategy, b))
                .collect();
        }
        let per = t0.elapsed().as_secs_f64() * 1e6 / (rounds * LISTINGS.len()) as f64;
        let terms: usize = indexed.iter().map(Vec::len).sum();
        let (mut wanted, mut found, mut false_hits) = (0, 0, 0);
        let mut missed = Vec::new();
        for (q, expect) in QUERIES {
            let qt = query_terms_with(strategy, q);
            for (i, terms) in indexed.iter().enumerate() {
                let hit = !qt.is_empty()
                    && qt
                        .iter()
                        .all(|t| terms.iter().any(|x| x.starts_with(t.as_str())));
                match (expect.contains(&i), hit) {
                    (true, true) => found += 1,
                    (true, false) => missed.push(format!("{q}→{}", LISTINGS[i])),
                    (false, true) => {
                        false_hits += 1;
                        missed.push(format!("FALSE {q}→{}", LISTINGS[i]))
                    }
                    _ => {}
                }
                wanted += usize::from(expect.contains(&i));
            }
        }
        println!(
            "{:<9} {:>3}/{:<3} {:>10} {:>14.1} {:>11.1}",
            format!("{strategy:?}"),
            found,
            wanted,
            false_hits,
            terms as f64 / LISTINGS.len() as f64,
            per
        );
        for m in missed {
            println!("    {m}");
        }
    }
}

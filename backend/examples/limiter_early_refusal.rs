//! How many requests the limiter refuses early against an exact timestamp log, for
//! S = 4, 8 and 16 sub-windows on Poisson traffic (the figures in `limiter`'s docs):
//! `cargo run --release -p powboard --example limiter_early_refusal`.
use powboard::limiter::research::{early_refusal, sketch_false_refusal, BUDGETS, LOADS};

fn main() {
    for max in BUDGETS {
        for load in LOADS {
            let r = early_refusal(max, load);
            println!(
                "N={max:3} load {load:4.1}x: refused early S=4 {:5.2}%  S=8 {:5.2}%  S=16 {:5.2}%",
                r.s4, r.s8, r.s16
            );
        }
    }
    // The degraded mode of a full table (the overflow sketch): honest newcomers' requests
    // it refuses, by how hard a sprayer has used it within the window.
    let cases: [(usize, u32, &[u32]); 2] = [
        (1 << 10, 1_000, &[0, 10_000, 30_000, 60_000]),
        (
            1 << 16,
            10_000,
            &[0, 1_000_000, 2_000_000, 3_000_000, 4_000_000],
        ),
    ];
    for (buckets, newcomers, sprays) in cases {
        for &sprayed in sprays {
            let lost = sketch_false_refusal(buckets, sprayed, newcomers, 10);
            println!(
                "sketch {buckets:6} buckets, {sprayed:7} sprayed requests: {newcomers:6} newcomers x 10 requests, refused {lost:6.2}%"
            );
        }
    }
}

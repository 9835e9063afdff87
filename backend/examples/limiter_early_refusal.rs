//! How many requests the limiter refuses early against an exact timestamp log, for
//! S = 4, 8 and 16 sub-windows on Poisson traffic (the figures in `limiter`'s docs):
//! `cargo run --release -p powboard --example limiter_early_refusal`.
use powboard::limiter::research::{early_refusal, BUDGETS, LOADS};

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
}

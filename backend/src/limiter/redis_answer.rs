//! The script's answer `{allowed, remaining, wait µs}` checked against the budget
//! before anything of it reaches a client: a store that answers out of range (a bug, a
//! foreign script under our SHA, a tampered key) is a store fault like a timeout, never
//! a `Retry-After` of 292 million years or a `RateLimit: r=70000` under `q=5`.
use std::time::Duration;

use super::store_fault::StoreFault;
use super::window::SLOTS;
use super::Decision;

/// What one round trip asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Check,
    Peek,
}

/// The budget an answer must fit.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// N (1..=65535).
    pub max: u32,
    /// The sub-window in ms: no request counts for longer than `SLOTS` of them (the
    /// window and one sub-window, the limiter's early refusal), so no wait is longer.
    pub sub_ms: u64,
}

impl Bounds {
    fn longest_wait_us(&self) -> i64 {
        (SLOTS as u64 * self.sub_ms * 1_000) as i64
    }

    /// The decision the answer stands for, or a `bad_answer` fault saying what is wrong.
    /// Allowed: `remaining` < N after a check (<= N after a peek, at least 1), a wait
    /// (until the oldest counted request leaves) from 0 up to the longest; refused:
    /// `remaining` 0 and a wait of at least 1 µs.
    pub fn decision(&self, op: Op, answer: (i64, i64, i64)) -> Result<Decision, StoreFault> {
        let (allowed, remaining, wait_us) = answer;
        let max = i64::from(self.max);
        let waits = |lowest: i64| (lowest..=self.longest_wait_us()).contains(&wait_us);
        let fits = match (allowed, op) {
            (1, Op::Check) => (0..max).contains(&remaining) && waits(0),
            (1, Op::Peek) => (1..=max).contains(&remaining) && waits(0),
            (0, _) => remaining == 0 && waits(1),
            _ => false,
        };
        if !fits {
            return Err(StoreFault::bad_answer(format!(
                "answer {{{allowed}, {remaining}, {wait_us}}} to a {op:?} does not fit the \
                 budget (N {}, longest wait {} us)",
                self.max,
                self.longest_wait_us()
            )));
        }
        let wait = Duration::from_micros(wait_us as u64);
        let limit = self.max;
        Ok(if allowed == 1 {
            Decision::Allowed {
                limit,
                remaining: remaining as u32,
                reset_after: wait,
            }
        } else {
            Decision::Limited {
                limit,
                retry_after: wait,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Bounds = Bounds {
        max: 5,
        sub_ms: 2_500,
    };

    #[test]
    fn answers_in_range_become_decisions() {
        let ok = |op, a| B.decision(op, a).unwrap();
        assert_eq!(ok(Op::Check, (1, 4, 0)).remaining(), 4);
        assert_eq!(ok(Op::Check, (1, 0, 22_500_000)).remaining(), 0);
        assert_eq!(ok(Op::Peek, (1, 5, 0)).remaining(), 5);
        assert_eq!(
            ok(Op::Check, (0, 0, 1)),
            Decision::Limited {
                limit: 5,
                retry_after: Duration::from_micros(1)
            }
        );
    }

    #[test]
    fn answers_out_of_range_are_faults() {
        for (op, answer) in [
            (Op::Check, (0, 0, 9_223_372_036_854_775_807)),
            (Op::Check, (1, 70_000, 0)),
            (Op::Check, (1, 5, 0)),
            (Op::Peek, (1, 6, 0)),
            (Op::Peek, (1, 0, 0)),
            (Op::Check, (1, -1, 0)),
            (Op::Check, (1, 2, -5)),
            (Op::Check, (1, 2, 22_500_001)),
            (Op::Check, (0, 0, 0)),
            (Op::Check, (0, 3, 1_000)),
            (Op::Check, (2, 1, 1_000)),
            (Op::Peek, (-1, 0, 1_000)),
        ] {
            let fault = B.decision(op, answer).unwrap_err();
            assert_eq!(fault.reason.label(), "bad_answer", "{answer:?}");
        }
    }
}

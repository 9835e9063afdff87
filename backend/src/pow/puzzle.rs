//! The puzzle itself (DESIGN "Proof of work"): sub-puzzle `i` of a 16-byte challenge
//! is solved by a decimal nonce `n_i` when the first 8 bytes of
//! `SHA-256(challenge || byte(i) || n_i)`, big-endian, are below the threshold.
//! The message is at most 37 bytes, so one compression of one padded block suffices:
//! we call `sha2::compress256` on that block directly (the product's hot loop; the
//! streaming API would re-pad and copy on every nonce).
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sha2::digest::generic_array::GenericArray;

pub const CHALLENGE_LEN: usize = 16;
pub const MAX_NONCE_DIGITS: usize = 20;

const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// `min(2^64 - 1, floor(2^64 / (2^difficulty / k)))`. Exact for integer difficulties
/// (powers of two are exact in f64); the client is always sent the result.
pub fn threshold(difficulty: f64, subpuzzles: u8) -> u64 {
    let t = f64::from(subpuzzles) * (64.0 - difficulty).exp2();
    if t >= 18_446_744_073_709_551_616.0 {
        u64::MAX
    } else {
        t as u64
    }
}

/// A canonical decimal number: 1..=`max_digits` ASCII digits without a leading zero
/// (`0` itself is fine). Nonces and the token's integer fields are held to it, so each
/// value has exactly one accepted text.
#[inline]
pub fn is_canonical_decimal(s: &str, max_digits: usize) -> bool {
    !s.is_empty()
        && s.len() <= max_digits
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'))
}

fn compress(challenge: &[u8; CHALLENGE_LEN], index: u8, nonce: &[u8]) -> [u32; 8] {
    debug_assert!(!nonce.is_empty() && nonce.len() <= MAX_NONCE_DIGITS);
    let mut block = [0u8; 64];
    block[..CHALLENGE_LEN].copy_from_slice(challenge);
    block[CHALLENGE_LEN] = index;
    let end = CHALLENGE_LEN + 1 + nonce.len();
    block[CHALLENGE_LEN + 1..end].copy_from_slice(nonce);
    block[end] = 0x80;
    block[56..].copy_from_slice(&((end as u64) * 8).to_be_bytes());
    let mut state = IV;
    sha2::compress256(&mut state, &[GenericArray::clone_from_slice(&block)]);
    state
}

/// The first 8 bytes of the digest as a big-endian u64.
pub fn prefix_u64(challenge: &[u8; CHALLENGE_LEN], index: u8, nonce: &[u8]) -> u64 {
    let s = compress(challenge, index, nonce);
    (u64::from(s[0]) << 32) | u64::from(s[1])
}

/// The whole digest (for test vectors).
pub fn digest(challenge: &[u8; CHALLENGE_LEN], index: u8, nonce: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out
        .chunks_exact_mut(4)
        .zip(compress(challenge, index, nonce))
    {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// The nonces of one solution, parsed from `X-PoW-Nonce`: exactly `k` canonical
/// decimal numbers (digits only, no leading zeros, at most 20 digits). Kept as the
/// one validated header string: no allocation per nonce on the request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonceList(String);

impl NonceList {
    pub fn parse(header: &str, subpuzzles: u8) -> Result<Self, &'static str> {
        if header.len() > usize::from(subpuzzles) * (MAX_NONCE_DIGITS + 1) {
            return Err("X-PoW-Nonce is too long");
        }
        let mut count = 0usize;
        for n in header.split(',') {
            count += 1;
            if !is_canonical_decimal(n, MAX_NONCE_DIGITS) {
                return Err(
                    "each nonce must be a decimal number without leading zeros, at most 20 digits",
                );
            }
        }
        if count != usize::from(subpuzzles) {
            return Err("X-PoW-Nonce must hold exactly one nonce per sub-puzzle");
        }
        Ok(Self(header.to_owned()))
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split(',')
    }

    /// Does every nonce solve its sub-puzzle? (the expensive check: k hashes)
    pub fn solves(&self, challenge: &[u8; CHALLENGE_LEN], threshold: u64) -> bool {
        self.iter()
            .enumerate()
            .all(|(i, n)| prefix_u64(challenge, i as u8, n.as_bytes()) < threshold)
    }

    pub fn header_value(&self) -> String {
        self.0.clone()
    }
}

/// Solves one sub-puzzle by scanning nonces upward from 0 (the smallest solution).
/// Returns None when `stop` is raised.
pub fn solve_subpuzzle(
    challenge: &[u8; CHALLENGE_LEN],
    index: u8,
    threshold: u64,
    stop: &AtomicBool,
) -> Option<String> {
    let mut buf = itoa_buf::Decimal::zero();
    loop {
        if prefix_u64(challenge, index, buf.as_bytes()) < threshold {
            return Some(String::from_utf8_lossy(buf.as_bytes()).into_owned());
        }
        buf.increment();
        if buf.value_low_bits() & 0xFFFF == 0 && stop.load(Ordering::Relaxed) {
            return None;
        }
    }
}

/// Solves all sub-puzzles on `threads` threads (a shared queue of sub-puzzles).
pub fn solve(
    challenge: &[u8; CHALLENGE_LEN],
    subpuzzles: u8,
    threshold: u64,
    threads: usize,
) -> NonceList {
    let nonces = solve_each(subpuzzles, threads, |i, stop| {
        solve_subpuzzle(challenge, i, threshold, stop)
    });
    NonceList(nonces.join(","))
}

/// Runs `solve_one(i, stop)` for every sub-puzzle `i` on up to `threads` threads
/// that take sub-puzzles from a shared queue (every algorithm's native solver).
pub fn solve_each<T: Send>(
    subpuzzles: u8,
    threads: usize,
    solve_one: impl Fn(u8, &AtomicBool) -> Option<T> + Sync,
) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let found: Vec<std::sync::Mutex<Option<T>>> = (0..subpuzzles)
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, usize::from(subpuzzles)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= usize::from(subpuzzles) {
                    return;
                }
                let solved = solve_one(i as u8, &stop);
                *found[i].lock().expect("no panics while holding the lock") = solved;
            });
        }
    });
    found
        .into_iter()
        .map(|n| {
            n.into_inner()
                .expect("no panics while holding the lock")
                .expect("every sub-puzzle is solved")
        })
        .collect()
}

/// A decimal counter kept as ASCII digits, so the hot loop never formats numbers.
mod itoa_buf {
    pub struct Decimal {
        digits: [u8; 20],
        start: usize,
        count: u64,
    }

    impl Decimal {
        pub fn zero() -> Self {
            let mut digits = [b'0'; 20];
            digits[19] = b'0';
            Self {
                digits,
                start: 19,
                count: 0,
            }
        }

        pub fn as_bytes(&self) -> &[u8] {
            &self.digits[self.start..]
        }

        pub fn value_low_bits(&self) -> u64 {
            self.count
        }

        pub fn increment(&mut self) {
            self.count = self.count.wrapping_add(1);
            let mut i = 19;
            loop {
                if self.digits[i] < b'9' {
                    self.digits[i] += 1;
                    break;
                }
                self.digits[i] = b'0';
                if i == 0 {
                    // 20 nines: wrap (never reached in practice: 10^20 hashes).
                    self.start = 19;
                    return;
                }
                i -= 1;
                if i < self.start {
                    self.start = i;
                    self.digits[i] = b'1';
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_counter_counts() {
        let mut d = itoa_buf::Decimal::zero();
        for n in 0..12_345u32 {
            assert_eq!(d.as_bytes(), n.to_string().as_bytes());
            d.increment();
        }
    }

    #[test]
    fn thresholds_at_the_edges() {
        assert_eq!(threshold(0.0, 1), u64::MAX);
        assert_eq!(threshold(0.0, 16), u64::MAX);
        assert_eq!(threshold(64.0, 1), 1);
        assert_eq!(threshold(22.0, 16), 1 << 46);
        // Fractional difficulties sit strictly between their integer neighbours.
        assert!(
            threshold(22.5, 16) < threshold(22.0, 16) && threshold(22.5, 16) > threshold(23.0, 16)
        );
    }

    #[test]
    fn nonce_lists_are_canonical() {
        assert!(NonceList::parse("0,1,42", 3).is_ok());
        for bad in [
            "",
            "0,1",
            "0,1,2,3",
            "01,1,2",
            "+1,1,2",
            "1, 2,3",
            "1,2,a",
            "1,2,123456789012345678901",
        ] {
            assert!(NonceList::parse(bad, 3).is_err(), "{bad:?}");
        }
        assert!(NonceList::parse("99999999999999999999", 1).is_ok());
    }

    #[test]
    fn solve_then_verify() {
        let ch = [7u8; 16];
        let t = threshold(10.0, 4);
        let sol = solve(&ch, 4, t, 2);
        assert!(sol.solves(&ch, t));
        assert!(!sol.solves(&[8u8; 16], t) || t == u64::MAX);
    }
}

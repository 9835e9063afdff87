//! The Equi-X puzzle (`POW_ALGORITHM=equix`, docs/pow-equix.md), the GPU-resistant
//! sibling of the SHA-256 one in `puzzle.rs`: same challenge, same `k` sub-puzzles,
//! same threshold idea. One attempt at sub-puzzle `i` with nonce `n` is one Equi-X
//! solve of the seed `"powboard-equix-v1" || challenge || byte(i) || le64(n)` (a
//! random HashX program per seed, 2^16 evaluations and a collision search in about
//! 1.8 MiB: memory-hard and branchy, so a GPU gains little). Each Equi-X solution
//! `s` of that seed is a candidate; it counts when the first 8 bytes of
//! `SHA-256(challenge || byte(i) || le64(n) || s)`, big-endian, are below the
//! threshold. The SHA-256 step turns "about [`MU`] solutions per attempt" into a
//! tunable success rate, so the difficulty stays in bits of expected attempts.
//!
//! Equi-X and HashX are the Tor project's `equix` crate (LGPL-3.0, see README
//! "Licences"): a from-scratch port would be a second, unreviewed implementation of
//! a cryptographic puzzle, which is exactly what a library is for.
use std::sync::atomic::{AtomicBool, Ordering};

use equix::{EquiX, Solution, SolverMemory};
use sha2::{Digest, Sha256};

use super::puzzle::{is_canonical_decimal, CHALLENGE_LEN, MAX_NONCE_DIGITS};

/// Domain separation of the seed: no other protocol's Equi-X challenge starts so.
pub const SEED_PREFIX: &[u8; 17] = b"powboard-equix-v1";
pub const SEED_LEN: usize = SEED_PREFIX.len() + CHALLENGE_LEN + 1 + 8;
/// The 16-byte solution as 32 lowercase hex digits.
const SOLUTION_HEX: usize = 2 * Solution::NUM_BYTES;

/// Mean number of Equi-X solutions per seed. Measured with tevador's C reference
/// over 12,000 seeds (`"powboard-equix-v1" || 0^16 || 0 || le64(n)`, n < 12,000):
/// 23,934 solutions, mean 1.9945, standard error about 0.013 (Equi-X's design
/// expects 2; 13% of seeds have none). README "Equi-X" says how to repeat it.
pub const MU: f64 = 1.9945;

/// The threshold at which one attempt succeeds with probability `q = k / 2^d`, so
/// that `d` is exactly log2 of the expected attempts over the k sub-puzzles. An
/// attempt has N ~ Poisson(MU) candidates (measured: 13.4% of seeds have none,
/// Poisson says 13.6%), each below the threshold with probability p, so it
/// succeeds with probability `1 - e^(-MU p)`: `p = -ln(1 - q) / MU`, and the
/// threshold is `min(2^64 - 1, max(1, floor(2^64 p)))`; `q >= 1` saturates. For
/// hard challenges this is `2^64 k / (MU 2^d)`. (The first sketch multiplied by MU
/// where more candidates per attempt call for a lower threshold: the default 4
/// bits would have cost 6.3 attempts, 2.7 bits.)
pub fn threshold(difficulty: f64, subpuzzles: u8) -> u64 {
    let q = f64::from(subpuzzles) * (-difficulty).exp2();
    if q >= 1.0 {
        return u64::MAX;
    }
    let p = -(-q).ln_1p() / MU;
    let t = p * 18_446_744_073_709_551_616.0;
    if t >= 18_446_744_073_709_551_616.0 {
        u64::MAX
    } else {
        (t as u64).max(1)
    }
}

pub fn seed(challenge: &[u8; CHALLENGE_LEN], index: u8, nonce: u64) -> [u8; SEED_LEN] {
    let mut s = [0u8; SEED_LEN];
    let (prefix, rest) = s.split_at_mut(SEED_PREFIX.len());
    prefix.copy_from_slice(SEED_PREFIX);
    rest[..CHALLENGE_LEN].copy_from_slice(challenge);
    rest[CHALLENGE_LEN] = index;
    rest[CHALLENGE_LEN + 1..].copy_from_slice(&nonce.to_le_bytes());
    s
}

/// The first 8 bytes, big-endian, of `SHA-256(challenge || byte(i) || le64(n) || s)`.
pub fn prefix_u64(
    challenge: &[u8; CHALLENGE_LEN],
    index: u8,
    nonce: u64,
    solution: &[u8; Solution::NUM_BYTES],
) -> u64 {
    let digest = Sha256::new()
        .chain_update(challenge)
        .chain_update([index])
        .chain_update(nonce.to_le_bytes())
        .chain_update(solution)
        .finalize();
    u64::from_be_bytes(digest[..8].try_into().expect("a digest has 32 bytes"))
}

/// One sub-puzzle's answer: the nonce and the Equi-X solution of its seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub nonce: u64,
    /// Already in Equi-X's canonical order (checked when parsed or found).
    pub solution: [u8; Solution::NUM_BYTES],
}

impl Entry {
    /// `<n>-<32 lowercase hex>`: `n` canonical decimal, the solution's bytes in the
    /// order Equi-X demands (the only order its verifier accepts).
    fn parse(text: &str) -> Result<Self, &'static str> {
        const BAD: &str = "each entry must be <nonce>-<32 lowercase hex digits>, the nonce a decimal number without leading zeros, at most 20 digits";
        let (n, s) = text.split_once('-').ok_or(BAD)?;
        if !is_canonical_decimal(n, MAX_NONCE_DIGITS)
            || s.len() != SOLUTION_HEX
            || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(BAD);
        }
        let nonce = n.parse().map_err(|_| "a nonce must fit in 64 bits")?;
        let mut solution = [0u8; Solution::NUM_BYTES];
        hex::decode_to_slice(s, &mut solution).map_err(|_| BAD)?;
        Solution::try_from_bytes(&solution)
            .map_err(|_| "an Equi-X solution is not in its canonical order")?;
        Ok(Self { nonce, solution })
    }

    /// The cheap half of the check (one SHA-256): done for every entry before any
    /// HashX program is built.
    fn below(&self, challenge: &[u8; CHALLENGE_LEN], index: u8, threshold: u64) -> bool {
        prefix_u64(challenge, index, self.nonce, &self.solution) < threshold
    }

    /// The expensive half: builds this seed's HashX program and checks the sums.
    fn is_equix_solution(&self, challenge: &[u8; CHALLENGE_LEN], index: u8) -> bool {
        let Ok(solution) = Solution::try_from_bytes(&self.solution) else {
            return false;
        };
        EquiX::new(&seed(challenge, index, self.nonce))
            .and_then(|e| e.verify(&solution))
            .is_ok()
    }
}

impl std::fmt::Display for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.nonce, hex::encode(self.solution))
    }
}

/// The `X-PoW-Nonce` of an Equi-X solution: exactly `k` entries, comma-separated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolutionList(Vec<Entry>);

impl SolutionList {
    pub fn parse(header: &str, subpuzzles: u8) -> Result<Self, &'static str> {
        if header.len() > usize::from(subpuzzles) * (MAX_NONCE_DIGITS + 1 + SOLUTION_HEX + 1) {
            return Err("X-PoW-Nonce is too long");
        }
        let entries = header
            .split(',')
            .map(Entry::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if entries.len() != usize::from(subpuzzles) {
            return Err("X-PoW-Nonce must hold exactly one entry per sub-puzzle");
        }
        Ok(Self(entries))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.0
    }

    /// Every entry's SHA-256 prefix first (cheap), then every Equi-X verification.
    pub fn solves(&self, challenge: &[u8; CHALLENGE_LEN], threshold: u64) -> bool {
        let indexed = || self.0.iter().enumerate().map(|(i, e)| (i as u8, e));
        indexed().all(|(i, e)| e.below(challenge, i, threshold))
            && indexed().all(|(i, e)| e.is_equix_solution(challenge, i))
    }

    pub fn header_value(&self) -> String {
        let texts: Vec<String> = self.0.iter().map(Entry::to_string).collect();
        texts.join(",")
    }
}

/// The Equi-X solutions of one seed, in the solver's order (none when the seed's
/// HashX program breaks Equi-X's constraints: such seeds are skipped by design).
pub fn solutions_of(
    challenge: &[u8; CHALLENGE_LEN],
    index: u8,
    nonce: u64,
    memory: &mut SolverMemory,
) -> Vec<[u8; Solution::NUM_BYTES]> {
    match EquiX::new(&seed(challenge, index, nonce)) {
        Ok(e) => e
            .solve_with_memory(memory)
            .iter()
            .map(Solution::to_bytes)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Solves one sub-puzzle by trying nonces upward from 0; among one seed's solutions
/// the first below the threshold wins. Returns None when `stop` is raised.
pub fn solve_subpuzzle(
    challenge: &[u8; CHALLENGE_LEN],
    index: u8,
    threshold: u64,
    stop: &AtomicBool,
) -> Option<Entry> {
    let mut memory = SolverMemory::new();
    for nonce in 0u64.. {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let found = solutions_of(challenge, index, nonce, &mut memory)
            .into_iter()
            .map(|solution| Entry { nonce, solution })
            .find(|e| e.below(challenge, index, threshold));
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Solves all sub-puzzles on `threads` threads (a shared queue of sub-puzzles).
pub fn solve(
    challenge: &[u8; CHALLENGE_LEN],
    subpuzzles: u8,
    threshold: u64,
    threads: usize,
) -> SolutionList {
    SolutionList(super::puzzle::solve_each(subpuzzles, threads, |i, stop| {
        solve_subpuzzle(challenge, i, threshold, stop)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_canonical() {
        for bad in [
            "",
            "7",
            "07-00000000000000000000000000000000",
            "7-0000000000000000000000000000000",
            "7-000000000000000000000000000000000",
            "7-0000000000000000000000000000000A",
            "7-0000000000000000000000000000000g",
            "+7-00000000000000000000000000000000",
            "18446744073709551616-00000000000000000000000000000000",
        ] {
            assert!(Entry::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn solve_then_verify() {
        let ch = [7u8; 16];
        let t = threshold(3.0, 2);
        let sol = solve(&ch, 2, t, 2);
        assert!(sol.solves(&ch, t));
        let text = sol.header_value();
        assert_eq!(SolutionList::parse(&text, 2), Ok(sol.clone()));
        assert!(!sol.solves(&[8u8; 16], u64::MAX));
    }

    #[test]
    fn thresholds_give_the_expected_attempts() {
        assert_eq!(threshold(0.0, 4), u64::MAX);
        assert_eq!(threshold(2.0, 4), u64::MAX);
        assert_eq!(threshold(64.0, 1), 1);
        assert!(threshold(4.5, 4) < threshold(4.0, 4) && threshold(4.5, 4) > threshold(5.0, 4));
        // Success per attempt 1 - e^(-MU p) is k / 2^d again (the default: 4 of 16).
        let p = threshold(4.0, 4) as f64 / 2f64.powi(64);
        assert!((1.0 - (-MU * p).exp() - 0.25).abs() < 1e-12);
        // Hard challenges: the linear form 2^64 k MU / 2^d within a part in 10^4.
        let linear = 4.0 * (64.0f64 - 20.0).exp2() / MU;
        assert!((threshold(20.0, 4) as f64 / linear - 1.0).abs() < 1e-4);
    }
}

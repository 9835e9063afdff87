//! `POW_ALGORITHM`: which puzzle a challenge uses. Every place that depends on the
//! algorithm asks this enum, and each method below is the one `match` that picks a
//! puzzle module (`puzzle.rs` for SHA-256, `equix.rs` for Equi-X): the handlers,
//! the token and the CLI never branch on the algorithm themselves.
use clap::ValueEnum;

use super::{equix, puzzle, puzzle::CHALLENGE_LEN};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Algorithm {
    /// SHA-256 of challenge || index || decimal nonce (a GPU races it about 2,000x).
    #[default]
    Sha256,
    /// Equi-X (Tor's client puzzle: a random HashX program per attempt, 1.8 MiB).
    Equix,
}

/// What an unset variable means for each algorithm: the settings whose unit is the
/// algorithm's attempt (one SHA-256 block, or one Equi-X solve of about 7 ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlgorithmDefaults {
    /// `POW_DIFFICULTY`: about half a second in a browser on this project's 2-core box.
    pub difficulty: f64,
    /// `POW_MAX_DIFFICULTY`: the base plus 8 bits, as for SHA-256.
    pub max_difficulty: f64,
    /// `POW_SUBPUZZLES`: low variance within the verification budget per post.
    pub subpuzzles: u8,
    /// `POW_SLOW_HASH_RATE`: attempts per second of a slow phone (the TTL rule).
    pub slow_hash_rate: u64,
}

impl Algorithm {
    /// The name in the challenge answer, the token and `POW_ALGORITHM`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Equix => "equix",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::value_variants()
            .iter()
            .copied()
            .find(|a| a.name() == name)
    }

    pub fn defaults(self) -> AlgorithmDefaults {
        match self {
            // 2^22 hashes: 0.58 s at the browser's 7.27 MH/s; 16 sub-puzzles cost
            // 16 hashes to verify (a few µs).
            Self::Sha256 => AlgorithmDefaults {
                difficulty: 22.0,
                max_difficulty: 30.0,
                subpuzzles: 16,
                slow_hash_rate: 1_500_000,
            },
            // 2^4 = 16 solves: about half a second on 2 browser threads of
            // 14-27 solves/s. k = 4 keeps verification at 4 HashX builds (about
            // 100 µs per post) and the threshold unsaturated (k < 2^d), so the
            // bits keep their meaning. A slow phone: 5 solves/s.
            Self::Equix => AlgorithmDefaults {
                difficulty: 4.0,
                max_difficulty: 12.0,
                subpuzzles: 4,
                slow_hash_rate: 5,
            },
        }
    }

    /// The per-sub-puzzle threshold of `difficulty` bits over `subpuzzles`.
    pub fn threshold(self, difficulty: f64, subpuzzles: u8) -> u64 {
        match self {
            Self::Sha256 => puzzle::threshold(difficulty, subpuzzles),
            Self::Equix => equix::threshold(difficulty, subpuzzles),
        }
    }

    /// Parses `X-PoW-Nonce` into this algorithm's canonical solution form.
    pub fn parse_solution(self, header: &str, subpuzzles: u8) -> Result<Solution, &'static str> {
        match self {
            Self::Sha256 => puzzle::NonceList::parse(header, subpuzzles).map(Solution::Sha256),
            Self::Equix => equix::SolutionList::parse(header, subpuzzles).map(Solution::Equix),
        }
    }

    /// The native solver (`powboard pow solve`, the benches, the tests).
    pub fn solve(
        self,
        challenge: &[u8; CHALLENGE_LEN],
        subpuzzles: u8,
        threshold: u64,
        threads: usize,
    ) -> Solution {
        match self {
            Self::Sha256 => {
                Solution::Sha256(puzzle::solve(challenge, subpuzzles, threshold, threads))
            }
            Self::Equix => Solution::Equix(equix::solve(challenge, subpuzzles, threshold, threads)),
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed `X-PoW-Nonce`, of the algorithm it was parsed for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Solution {
    Sha256(puzzle::NonceList),
    Equix(equix::SolutionList),
}

impl Solution {
    /// Does every entry solve its sub-puzzle? (the expensive check)
    pub fn solves(&self, challenge: &[u8; CHALLENGE_LEN], threshold: u64) -> bool {
        match self {
            Self::Sha256(n) => n.solves(challenge, threshold),
            Self::Equix(s) => s.solves(challenge, threshold),
        }
    }

    pub fn header_value(&self) -> String {
        match self {
            Self::Sha256(n) => n.header_value(),
            Self::Equix(s) => s.header_value(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_clap() {
        for a in Algorithm::value_variants() {
            assert_eq!(Algorithm::from_name(a.name()), Some(*a));
            let clap_name = a.to_possible_value().expect("not skipped");
            assert_eq!(clap_name.get_name(), a.name());
        }
        assert_eq!(Algorithm::from_name("SHA256"), None);
    }

    #[test]
    fn default_thresholds_do_not_saturate() {
        // A saturated threshold (2^64 - 1) would make the base cheaper than its bits.
        for a in Algorithm::value_variants() {
            let d = a.defaults();
            assert!(a.threshold(d.difficulty, d.subpuzzles) < u64::MAX, "{a}");
            assert!(d.max_difficulty >= d.difficulty);
        }
    }
}

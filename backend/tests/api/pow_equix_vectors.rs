//! The Equi-X vectors (tests/data/pow-equix-vectors.json, made with tevador's C
//! reference, an implementation independent of the Tor crate the server uses; read
//! by the web UI's tests too) against the Rust verifier and solver, and the property
//! that a solution never verifies for another challenge, sub-puzzle or algorithm.
use ::equix::SolverMemory;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use powboard::pow::{
    algorithm::Algorithm,
    equix::{self, SolutionList},
    puzzle::NonceList,
};
use proptest::prelude::*;
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/pow-equix-vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn challenge(b64: &Value) -> [u8; 16] {
    URL_SAFE_NO_PAD
        .decode(b64.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn hex_of(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap(), 16).unwrap()
}

#[test]
fn every_seed_has_the_reference_solutions_and_prefixes() {
    let all = vectors();
    let threshold = hex_of(&all["threshold"]);
    let mut memory = SolverMemory::new();
    let mut checked = 0;
    for v in all["seeds"].as_array().unwrap() {
        let ch = challenge(&v["challenge"]);
        let (i, n) = (
            v["index"].as_u64().unwrap() as u8,
            v["nonce"].as_u64().unwrap(),
        );
        assert_eq!(
            hex::encode(equix::seed(&ch, i, n)),
            v["seed_hex"].as_str().unwrap()
        );
        let expected = v["solutions"].as_array().unwrap();
        // The Tor crate's solver finds the same set (its order may differ).
        let mut ours: Vec<String> = equix::solutions_of(&ch, i, n, &mut memory)
            .iter()
            .map(hex::encode)
            .collect();
        let mut theirs: Vec<String> = expected
            .iter()
            .map(|s| s["solution"].as_str().unwrap().to_owned())
            .collect();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "seed {}", v["seed_hex"]);
        for s in expected {
            let bytes: [u8; 16] = hex::decode(s["solution"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap();
            let prefix = equix::prefix_u64(&ch, i, n, &bytes);
            assert_eq!(
                format!("{prefix:016x}"),
                s["sha256_prefix"].as_str().unwrap()
            );
            assert_eq!(prefix < threshold, s["below_threshold"].as_bool().unwrap());
            // As a one-entry header for sub-puzzle 0 only: the verifier accepts it
            // exactly when the seed is sub-puzzle 0's.
            let entry = format!("{n}-{}", s["solution"].as_str().unwrap());
            let list = SolutionList::parse(&entry, 1).unwrap();
            assert_eq!(list.solves(&ch, u64::MAX), i == 0, "{entry}");
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} solutions");
}

#[test]
fn whole_headers_verify_and_a_changed_one_does_not() {
    for v in vectors()["solutions"].as_array().unwrap() {
        let ch = challenge(&v["challenge"]);
        let k = v["subpuzzles"].as_u64().unwrap() as u8;
        let t = hex_of(&v["threshold"]);
        let header = v["nonce_header"].as_str().unwrap();
        let list = SolutionList::parse(header, k).unwrap();
        assert!(list.solves(&ch, t), "{header}");
        assert_eq!(list.header_value(), header, "one text per value");
        // Our native solver scans the same nonces and finds a header that verifies.
        let ours = equix::solve(&ch, k, t, 2);
        assert!(ours.solves(&ch, t));
        for (a, b) in ours.entries().iter().zip(list.entries()) {
            assert_eq!(a.nonce, b.nonce, "the same smallest nonce per sub-puzzle");
        }
        // Another nonce for entry 0, or one changed index of its solution: refused.
        let entries: Vec<String> = header.split(',').map(str::to_owned).collect();
        let (n0, s0) = entries[0].split_once('-').unwrap();
        let other_nonce = format!("{}-{s0}", n0.parse::<u64>().unwrap() + 1);
        let mut bytes = hex::decode(s0).unwrap();
        bytes[14] ^= 1; // the last index (the largest in its tree): order may hold
        let changed = format!("{n0}-{}", hex::encode(&bytes));
        for bad in [other_nonce, changed] {
            let mut e = entries.clone();
            e[0] = bad;
            let refused = SolutionList::parse(&e.join(","), k).map(|l| l.solves(&ch, t));
            assert_ne!(refused, Ok(true), "{}", e.join(","));
        }
    }
}

/// The reference headers, parsed, with what they solve.
fn solved() -> Vec<([u8; 16], u8, String)> {
    vectors()["solutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                challenge(&v["challenge"]),
                v["subpuzzles"].as_u64().unwrap() as u8,
                v["nonce_header"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// At the easiest threshold (only the Equi-X check binds), a solution verified
    /// for its challenge verifies for no other challenge.
    #[test]
    fn a_solution_never_verifies_for_another_challenge(which in 0usize..3, other in any::<[u8; 16]>()) {
        let (ch, k, header) = &solved()[which];
        prop_assume!(&other != ch);
        let list = SolutionList::parse(header, *k).unwrap();
        prop_assert!(list.solves(ch, u64::MAX));
        prop_assert!(!list.solves(&other, u64::MAX));
    }

    /// Entry i moved to another sub-puzzle position (a rotation of the entries)
    /// never verifies: the sub-puzzle index is in the seed.
    #[test]
    fn a_solution_never_verifies_for_another_subpuzzle(which in 0usize..3, shift in 1usize..8) {
        let (ch, k, header) = &solved()[which];
        let mut entries: Vec<&str> = header.split(',').collect();
        prop_assume!(shift < entries.len());
        entries.rotate_left(shift);
        let moved = SolutionList::parse(&entries.join(","), *k).unwrap();
        prop_assert!(!moved.solves(ch, u64::MAX));
    }

    /// An Equi-X header is no SHA-256 solution and the reverse: neither parses as
    /// the other algorithm's, so it never reaches the other verifier.
    #[test]
    fn a_solution_never_verifies_for_another_algorithm(which in 0usize..3, nonces in prop::collection::vec(any::<u64>(), 1..8)) {
        let (_, k, header) = &solved()[which];
        prop_assert!(Algorithm::Sha256.parse_solution(header, *k).is_err());
        let sha: Vec<String> = nonces.iter().map(u64::to_string).collect();
        let sha = sha.join(",");
        let kk = nonces.len() as u8;
        prop_assert!(NonceList::parse(&sha, kk).is_ok());
        prop_assert!(Algorithm::Equix.parse_solution(&sha, kk).is_err());
    }
}

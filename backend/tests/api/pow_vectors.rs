//! The shared PoW test vectors (made by an independent Python implementation, read
//! by the web UI's tests too) against the Rust verifier.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use powboard::pow::puzzle::{self, NonceList};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pow-vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn challenge(v: &Value) -> [u8; 16] {
    hex::decode(v["challenge_hex"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

#[test]
fn solutions_verify_and_are_the_smallest_nonces() {
    let all = vectors();
    for v in all["vectors"].as_array().unwrap() {
        let ch = challenge(v);
        assert_eq!(URL_SAFE_NO_PAD.encode(ch), v["challenge"].as_str().unwrap());
        let k = v["subpuzzles"].as_u64().unwrap() as u8;
        let d = v["difficulty"].as_f64().unwrap();
        let t = puzzle::threshold(d, k);
        assert_eq!(format!("{t:016x}"), v["threshold"].as_str().unwrap());
        let nonces: Vec<&str> = v["nonces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        let list = NonceList::parse(&nonces.join(","), k).unwrap();
        assert!(list.solves(&ch, t));
        for (i, (n, h)) in nonces
            .iter()
            .zip(v["hashes"].as_array().unwrap())
            .enumerate()
        {
            assert_eq!(
                hex::encode(puzzle::digest(&ch, i as u8, n.as_bytes())),
                h.as_str().unwrap()
            );
        }
        // Our native solver finds exactly the same (smallest) nonces.
        assert_eq!(puzzle::solve(&ch, k, t, 2).header_value(), nonces.join(","));
        if let Some(bad) = v["failing_nonce_for_subpuzzle_0"].as_str() {
            let mut wrong = nonces.clone();
            wrong[0] = bad;
            assert!(!NonceList::parse(&wrong.join(","), k)
                .unwrap()
                .solves(&ch, t));
        }
    }
}

#[test]
fn digests_and_thresholds_match() {
    let all = vectors();
    for d in all["digests"].as_array().unwrap() {
        let ch = challenge(d);
        let i = d["index"].as_u64().unwrap() as u8;
        let n = d["nonce"].as_str().unwrap();
        assert_eq!(
            hex::encode(puzzle::digest(&ch, i, n.as_bytes())),
            d["sha256"].as_str().unwrap()
        );
    }
    for t in all["thresholds"].as_array().unwrap() {
        let got = puzzle::threshold(
            t["difficulty"].as_f64().unwrap(),
            t["subpuzzles"].as_u64().unwrap() as u8,
        );
        assert_eq!(
            format!("{got:016x}"),
            t["threshold"].as_str().unwrap(),
            "{t}"
        );
    }
    for bad in all["invalid_nonce_lists"].as_array().unwrap() {
        assert!(NonceList::parse(bad.as_str().unwrap(), 1).is_err(), "{bad}");
    }
}

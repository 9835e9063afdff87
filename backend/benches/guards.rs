//! The per-request cost of the guards: verifying a full PoW submission (token MAC,
//! expiry, parsing, and the puzzle: k = 16 SHA-256 hashes, or k = 4 SHA-256 checks
//! and Equi-X verifications) for both algorithms at their default shapes, one
//! solve attempt of each (the native solve rate per thread is its inverse), and
//! resolving the client key (peer + X-Forwarded-For through trusted proxies).
//! Targets: SHA-256 verification ≤ 3 µs, Equi-X ≤ a few hundred µs per post.
//! Run with `cargo bench -p powboard --bench guards`.
use std::{hint::black_box, net::IpAddr};

use axum::http::{HeaderMap, HeaderValue};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use criterion::{criterion_group, criterion_main, Criterion};
use powboard::{
    client_ip::{ClientIdentity, ClientIpConfig, ClientKey},
    pow::{
        algorithm::Algorithm,
        equix, puzzle,
        token::{self, Binding, Claims, Difficulty},
        unix_now, CheckedPow, HEADER_CHALLENGE, HEADER_NONCE, HEADER_TOKEN,
    },
    secrets::SecretKey,
};

fn pow_verification(c: &mut Criterion) {
    let key = SecretKey::random();
    let challenge = [0x5au8; 16];
    let client = ClientIdentity {
        addr: "198.51.100.7".parse().unwrap(),
        key: ClientKey::new("198.51.100.7".parse().unwrap(), 32, 64),
    };
    let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
    let client_key = client.key.to_string();
    let now = unix_now();
    for algorithm in [Algorithm::Sha256, Algorithm::Equix] {
        // Each algorithm's default production shape.
        let d = algorithm.defaults();
        let claims = Claims {
            algorithm,
            expires_at: now + 3600,
            difficulty: Difficulty::new(d.difficulty),
            subpuzzles: d.subpuzzles,
        };
        let binding = Binding {
            client_key: &client_key,
            user_agent: ua.as_bytes(),
        };
        let tok = token::issue(&key, &challenge, &claims, &binding);
        let threshold = algorithm.threshold(d.difficulty, d.subpuzzles);
        let nonces = algorithm
            .solve(&challenge, d.subpuzzles, threshold, 2)
            .header_value();
        let mut headers = HeaderMap::new();
        headers.insert(
            HEADER_CHALLENGE,
            HeaderValue::from_str(&URL_SAFE_NO_PAD.encode(challenge)).unwrap(),
        );
        headers.insert(HEADER_TOKEN, HeaderValue::from_str(&tok).unwrap());
        headers.insert(HEADER_NONCE, HeaderValue::from_str(&nonces).unwrap());
        headers.insert("user-agent", HeaderValue::from_static(ua));
        let shape = format!("k={}, d={}", d.subpuzzles, d.difficulty);
        c.bench_function(
            &format!("pow/{algorithm}/verify full submission ({shape})"),
            |b| {
                b.iter(|| {
                    let checked =
                        CheckedPow::check(&key, algorithm, black_box(&headers), &client, now)
                            .unwrap();
                    black_box(checked.verify_work().unwrap())
                })
            },
        );
        c.bench_function(
            &format!("pow/{algorithm}/cheap checks only (MAC, expiry, parsing)"),
            |b| {
                b.iter(|| {
                    black_box(
                        CheckedPow::check(&key, algorithm, black_box(&headers), &client, now)
                            .is_ok(),
                    )
                })
            },
        );
    }
    // One attempt of each algorithm (one thread): the native solve rate per thread is
    // 1 / this. The SHA-256 one is also the yardstick of the SHA-256 figures above.
    c.bench_function("pow/sha256/one attempt (one puzzle hash)", |b| {
        b.iter(|| {
            black_box(puzzle::prefix_u64(
                black_box(&challenge),
                3,
                b"1000000000000001234",
            ))
        })
    });
    let mut memory = ::equix::SolverMemory::new();
    let mut nonce = 0u64;
    c.bench_function("pow/equix/one attempt (one Equi-X solve, JIT)", |b| {
        b.iter(|| {
            nonce += 1;
            black_box(equix::solutions_of(&challenge, 3, nonce, &mut memory))
        })
    });
}

fn client_key_extraction(c: &mut Criterion) {
    let direct = ClientIpConfig {
        trusted_proxies: vec![],
        v4_prefix: 32,
        v6_prefix: 64,
    };
    let proxied = ClientIpConfig {
        trusted_proxies: vec![
            "10.77.0.2/32".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ],
        v4_prefix: 32,
        v6_prefix: 64,
    };
    let peer: IpAddr = "10.77.0.2".parse().unwrap();
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-forwarded-for",
        HeaderValue::from_static("203.0.113.50, 2001:db8:1:2::99"),
    );
    c.bench_function("client key/untrusted peer", |b| {
        b.iter(|| {
            black_box(direct.identify(black_box("2001:db8:1:2::99".parse().unwrap()), &headers))
        })
    });
    c.bench_function("client key/trusted proxy + X-Forwarded-For", |b| {
        b.iter(|| black_box(proxied.identify(black_box(peer), black_box(&headers))))
    });
}

criterion_group!(benches, pow_verification, client_key_extraction);
criterion_main!(benches);

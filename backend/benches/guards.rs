//! The per-request cost of the guards: verifying a full PoW submission (token MAC,
//! expiry, nonce parsing and k = 16 hashes) and resolving the client key (peer +
//! X-Forwarded-For through trusted proxies). Targets: verification ≤ 3 µs.
//! Run with `cargo bench -p powboard --bench guards`.
use std::{hint::black_box, net::IpAddr};

use axum::http::{HeaderMap, HeaderValue};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use criterion::{criterion_group, criterion_main, Criterion};
use powboard::{
    client_ip::{ClientIdentity, ClientIpConfig, ClientKey},
    pow::{
        puzzle,
        token::{self, Binding, Claims, Difficulty},
        unix_now, CheckedPow, HEADER_CHALLENGE, HEADER_NONCE, HEADER_TOKEN,
    },
    secrets::SecretKey,
};

fn pow_verification(c: &mut Criterion) {
    let key = SecretKey::random();
    let challenge = [0x5au8; 16];
    // The default production shape: difficulty 22, k = 16.
    let claims = Claims {
        expires_at: unix_now() + 3600,
        difficulty: Difficulty::new(22.0),
        subpuzzles: 16,
    };
    let client = ClientIdentity {
        addr: "198.51.100.7".parse().unwrap(),
        key: ClientKey::new("198.51.100.7".parse().unwrap(), 32, 64),
    };
    let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
    let client_key = client.key.to_string();
    let tok = token::issue(
        &key,
        &challenge,
        &claims,
        &Binding {
            client_key: &client_key,
            user_agent: ua.as_bytes(),
        },
    );
    let nonces = puzzle::solve(&challenge, 16, puzzle::threshold(22.0, 16), 2).header_value();
    let mut headers = HeaderMap::new();
    headers.insert(
        HEADER_CHALLENGE,
        HeaderValue::from_str(&URL_SAFE_NO_PAD.encode(challenge)).unwrap(),
    );
    headers.insert(HEADER_TOKEN, HeaderValue::from_str(&tok).unwrap());
    headers.insert(HEADER_NONCE, HeaderValue::from_str(&nonces).unwrap());
    headers.insert("user-agent", HeaderValue::from_static(ua));
    let now = unix_now();
    c.bench_function("pow/verify full submission (k=16, d=22)", |b| {
        b.iter(|| {
            let checked = CheckedPow::check(&key, black_box(&headers), &client, now).unwrap();
            black_box(checked.verify_work().unwrap())
        })
    });
    // Yardstick from the same run: one puzzle hash (one SHA-256 block), so the figure
    // can be read as "so many hashes" on a loaded or different machine.
    c.bench_function("pow/one puzzle hash (yardstick)", |b| {
        b.iter(|| {
            black_box(puzzle::prefix_u64(
                black_box(&challenge),
                3,
                b"1000000000000001234",
            ))
        })
    });
    c.bench_function("pow/cheap checks only (MAC, expiry, nonce parsing)", |b| {
        b.iter(|| black_box(CheckedPow::check(&key, black_box(&headers), &client, now).is_ok()))
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

//! PoW tokens: `v2:<algorithm>:<expires_at>:<difficulty>:<k>:<mac>` (colons: the
//! difficulty may hold a decimal point), where `mac` is
//! HMAC-SHA256 (key `POW_SECRET_KEY`, base64url) over the version, algorithm,
//! challenge, expiry, difficulty, k, client key and User-Agent. (v2 added the
//! algorithm to the text, so a token of another algorithm is told apart from a
//! forged one; a v1 token is malformed.) The server keeps no state per
//! challenge: the token proves that it issued this challenge, to this client, at
//! this difficulty, until this time.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{
    algorithm::Algorithm,
    puzzle::{is_canonical_decimal, CHALLENGE_LEN},
};
use crate::secrets::SecretKey;

const VERSION: &str = "v2";
const MAX_TOKEN_LEN: usize = 128;
const MAC_B64_LEN: usize = 43;

/// A difficulty in bits, kept to two decimals so its text form is canonical.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Difficulty(f64);

impl Difficulty {
    pub fn new(bits: f64) -> Self {
        Self(((bits.clamp(0.0, 64.0)) * 100.0).round() / 100.0)
    }

    pub fn bits(self) -> f64 {
        self.0
    }

    /// The canonical text only (what `Display` writes for a two-decimal value):
    /// `22`, `22.5`, `0.25`; not `22.50`, `022`, `+22`, `2e1`. Checked by its shape
    /// rather than by formatting the float again (this runs on every POST).
    fn parse(s: &str) -> Option<Self> {
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        let int_ok = is_canonical_decimal(int, 2);
        // The fraction: one or two digits without a trailing zero (`22.50` is `22.5`).
        let frac_ok = frac.is_none_or(|f| {
            (1..=2).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) && !f.ends_with('0')
        });
        if !(int_ok && frac_ok) {
            return None;
        }
        let v: f64 = s.parse().ok()?;
        (v <= 64.0).then(|| Self::new(v))
    }
}

impl std::fmt::Display for Difficulty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a token asserts, besides the challenge it travels with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Claims {
    pub algorithm: Algorithm,
    pub expires_at: u64,
    pub difficulty: Difficulty,
    pub subpuzzles: u8,
}

/// Who the token is bound to.
pub struct Binding<'a> {
    pub client_key: &'a str,
    pub user_agent: &'a [u8],
}

/// `difficulty` is the claims' difficulty in its canonical text form (as in the
/// token), passed in so verification does not format the float again.
fn mac(
    key: &SecretKey,
    challenge: &[u8; CHALLENGE_LEN],
    claims: &Claims,
    difficulty: &str,
    binding: &Binding<'_>,
) -> Hmac<Sha256> {
    let mut m = key.mac();
    // Length-prefixed fields: no two different inputs share an encoding.
    m.update(b"powboard-pow\0");
    m.update(VERSION.as_bytes());
    let algorithm = claims.algorithm.name();
    m.update(&(algorithm.len() as u32).to_be_bytes());
    m.update(algorithm.as_bytes());
    m.update(challenge);
    m.update(&claims.expires_at.to_be_bytes());
    m.update(&(difficulty.len() as u32).to_be_bytes());
    m.update(difficulty.as_bytes());
    m.update(&[claims.subpuzzles]);
    m.update(&(binding.client_key.len() as u32).to_be_bytes());
    m.update(binding.client_key.as_bytes());
    m.update(&(binding.user_agent.len() as u32).to_be_bytes());
    m.update(binding.user_agent);
    m
}

pub fn issue(
    key: &SecretKey,
    challenge: &[u8; CHALLENGE_LEN],
    claims: &Claims,
    binding: &Binding<'_>,
) -> String {
    let tag = mac(
        key,
        challenge,
        claims,
        &claims.difficulty.to_string(),
        binding,
    )
    .finalize()
    .into_bytes();
    format!(
        "{VERSION}:{}:{}:{}:{}:{}",
        claims.algorithm,
        claims.expires_at,
        claims.difficulty,
        claims.subpuzzles,
        URL_SAFE_NO_PAD.encode(tag)
    )
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadMac,
}

/// Parses the token's canonical form and checks its MAC in constant time. The
/// caller checks the expiry (after the MAC, so a forged expiry is "invalid").
pub fn verify(
    key: &SecretKey,
    token: &str,
    challenge: &[u8; CHALLENGE_LEN],
    binding: &Binding<'_>,
) -> Result<Claims, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let mut parts = token.split(':');
    let (Some(VERSION), Some(algorithm), Some(exp), Some(diff), Some(k), Some(tag), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(TokenError::Malformed);
    };
    if !is_canonical_decimal(exp, 20) || !is_canonical_decimal(k, 20) || tag.len() != MAC_B64_LEN {
        return Err(TokenError::Malformed);
    }
    let claims = Claims {
        algorithm: Algorithm::from_name(algorithm).ok_or(TokenError::Malformed)?,
        expires_at: exp.parse().map_err(|_| TokenError::Malformed)?,
        difficulty: Difficulty::parse(diff).ok_or(TokenError::Malformed)?,
        subpuzzles: k
            .parse()
            .ok()
            .filter(|&k| k >= 1)
            .ok_or(TokenError::Malformed)?,
    };
    let mut mac_bytes = [0u8; 32];
    if URL_SAFE_NO_PAD.decode_slice(tag, &mut mac_bytes) != Ok(32) {
        return Err(TokenError::Malformed);
    }
    // verify_slice compares in constant time.
    mac(key, challenge, &claims, diff, binding)
        .verify_slice(&mac_bytes)
        .map_err(|_| TokenError::BadMac)?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_two_decimal_difficulty_round_trips_through_its_text() {
        for centi in 0..=6400 {
            let d = Difficulty::new(f64::from(centi) / 100.0);
            assert_eq!(Difficulty::parse(&d.to_string()), Some(d), "{d}");
        }
    }

    fn setup() -> (SecretKey, [u8; 16], Claims) {
        let claims = Claims {
            algorithm: Algorithm::Equix,
            expires_at: 1_900_000_000,
            difficulty: Difficulty::new(22.5),
            subpuzzles: 16,
        };
        (SecretKey::random(), [3u8; 16], claims)
    }

    const B: Binding<'static> = Binding {
        client_key: "192.0.2.1/32",
        user_agent: b"UA/1",
    };

    #[test]
    fn round_trip_and_every_binding_matters() {
        let (key, ch, claims) = setup();
        let token = issue(&key, &ch, &claims, &B);
        assert_eq!(verify(&key, &token, &ch, &B), Ok(claims));
        assert_eq!(
            verify(&key, &token, &[4u8; 16], &B),
            Err(TokenError::BadMac)
        );
        let other_client = Binding {
            client_key: "192.0.2.2/32",
            ..B
        };
        assert_eq!(
            verify(&key, &token, &ch, &other_client),
            Err(TokenError::BadMac)
        );
        let other_ua = Binding {
            user_agent: b"UA/2",
            ..B
        };
        assert_eq!(
            verify(&key, &token, &ch, &other_ua),
            Err(TokenError::BadMac)
        );
        assert_eq!(
            verify(&SecretKey::random(), &token, &ch, &B),
            Err(TokenError::BadMac)
        );
        let edited = token.replace(":22.5:", ":12.5:");
        assert_eq!(verify(&key, &edited, &ch, &B), Err(TokenError::BadMac));
        let later = token.replace("1900000000", "1900000001");
        assert_eq!(verify(&key, &later, &ch, &B), Err(TokenError::BadMac));
        let other_algorithm = token.replace(":equix:", ":sha256:");
        assert_eq!(
            verify(&key, &other_algorithm, &ch, &B),
            Err(TokenError::BadMac)
        );
    }

    #[test]
    fn non_canonical_forms_are_malformed() {
        let (key, ch, claims) = setup();
        let token = issue(&key, &ch, &claims, &B);
        for bad in [
            token.replace("v2:", "v1:"),
            token.replace("v2:", "v3:"),
            token.replace(":equix:", ":EQUIX:"),
            token.replace(":equix:", ":argon2:"),
            token.replace(":equix:", "::"),
            token.replace(":22.5:", ":22.50:"),
            token.replace(":22.5:", ":022.5:"),
            token.replace(":22.5:", ":+22.5:"),
            token.replace(":22.5:", ":2.25e1:"),
            token.replace(":22.5:", ":22.:"),
            token.replace(":22.5:", ":65:"),
            token.replace(":16:", ":016:"),
            token.replace(":16:", ":0:"),
            format!("{token}:x"),
            token[..token.len() - 1].to_string(),
            String::new(),
            "x".repeat(500),
        ] {
            assert_eq!(
                verify(&key, &bad, &ch, &B),
                Err(TokenError::Malformed),
                "{bad}"
            );
        }
    }
}

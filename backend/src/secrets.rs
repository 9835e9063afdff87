//! The two server secrets (PoW token key and client-hash salt): decoded once at
//! start, never printed (`Debug` is redacted), refused in production when missing or
//! still equal to a placeholder from `.secrets.example`.
use std::fmt;

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::config::{AppEnv, Config};

/// The placeholders shipped in `.secrets.example`; production refuses them.
const EXAMPLE: &str = include_str!("../../.secrets.example");

/// A secret key of 32 or more bytes, with its HMAC-SHA256 state keyed once: a MAC
/// then starts from a copy instead of hashing the key pads again (two of the few
/// SHA-256 blocks a token check costs).
#[derive(Clone)]
pub struct SecretKey {
    bytes: Vec<u8>,
    keyed: Hmac<Sha256>,
}

impl SecretKey {
    fn from_bytes(bytes: Vec<u8>) -> Self {
        let keyed = Hmac::<Sha256>::new_from_slice(&bytes).expect("HMAC takes any key length");
        Self { bytes, keyed }
    }

    pub fn random() -> Self {
        let mut k = vec![0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        Self::from_bytes(k)
    }

    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// A fresh HMAC-SHA256 under this key.
    pub fn mac(&self) -> Hmac<Sha256> {
        self.keyed.clone()
    }

    fn decode(name: &str, value: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD.decode(value.trim()).map_err(|_| {
            anyhow::anyhow!(
                "{name} is not valid base64 (generate one with: openssl rand -base64 32)"
            )
        })?;
        anyhow::ensure!(
            bytes.len() >= 32,
            "{name} must decode to at least 32 bytes (got {})",
            bytes.len()
        );
        Ok(Self::from_bytes(bytes))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

#[derive(Clone, Debug)]
pub struct Secrets {
    pub pow_key: SecretKey,
    pub ip_salt: SecretKey,
}

fn example_value(name: &str) -> Option<&'static str> {
    EXAMPLE
        .lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim())
}

fn resolve_one(env: AppEnv, name: &str, value: Option<&str>) -> anyhow::Result<SecretKey> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    match (env, value) {
        (AppEnv::Prod, None) => {
            anyhow::bail!("{name} is required when APP_ENV=prod (see .secrets.example)")
        }
        (AppEnv::Prod, Some(v)) if Some(v) == example_value(name) => {
            anyhow::bail!(
                "{name} still has the placeholder value from .secrets.example; generate a real one"
            )
        }
        (_, Some(v)) => SecretKey::decode(name, v),
        (AppEnv::Dev, None) => {
            tracing::warn!("{name} is not set: using a random key for this run (dev only)");
            Ok(SecretKey::random())
        }
    }
}

impl Secrets {
    pub fn resolve(config: &Config) -> anyhow::Result<Self> {
        if config.app_env == AppEnv::Prod {
            if let Some(pw) = example_value("POSTGRES_PASSWORD") {
                anyhow::ensure!(
                    !config.database_url.contains(pw),
                    "DATABASE_URL uses the placeholder POSTGRES_PASSWORD from .secrets.example"
                );
            }
        }
        Ok(Self {
            pow_key: resolve_one(
                config.app_env,
                "POW_SECRET_KEY",
                config.pow_secret_key.as_deref(),
            )?,
            ip_salt: resolve_one(
                config.app_env,
                "IP_HASH_SALT",
                config.ip_hash_salt.as_deref(),
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prod_refuses_missing_and_placeholder_secrets() {
        let good = STANDARD.encode([7u8; 32]);
        assert!(resolve_one(AppEnv::Prod, "POW_SECRET_KEY", None).is_err());
        assert!(resolve_one(AppEnv::Prod, "POW_SECRET_KEY", Some("  ")).is_err());
        let placeholder = example_value("POW_SECRET_KEY").unwrap();
        let err = resolve_one(AppEnv::Prod, "POW_SECRET_KEY", Some(placeholder)).unwrap_err();
        assert!(err.to_string().contains("placeholder"), "{err}");
        assert!(resolve_one(AppEnv::Prod, "POW_SECRET_KEY", Some(&good)).is_ok());
        assert!(resolve_one(AppEnv::Prod, "IP_HASH_SALT", Some("c2hvcnQ=")).is_err());
        assert!(resolve_one(AppEnv::Dev, "IP_HASH_SALT", None).is_ok());
    }

    #[test]
    fn debug_never_prints_the_key() {
        let k = SecretKey::decode("X", &STANDARD.encode([0xAB; 32])).unwrap();
        assert_eq!(format!("{k:?}"), "SecretKey([redacted])");
    }
}

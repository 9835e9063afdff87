//! Proof of work: the challenge route and the verification of a POST's solution.
//! Verification runs the cheap checks (presence, lengths, canonical forms, MAC,
//! expiry) before any puzzle hashing; the challenge is spent later, in the
//! transaction that inserts the listing (see `listings::repo`).
pub mod algorithm;
pub mod equix;
pub mod policy;
pub mod puzzle;
pub mod surge;
pub mod token;

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use serde::Serialize;
use sqlx::PgPool;
use utoipa::{IntoParams, ToSchema};

use crate::{
    client_ip::ClientIdentity,
    config::Config,
    error::{ApiError, ApiResult},
    guards::{
        client::Client,
        rate_limit::{BudgetState, Budgets},
    },
    openapi::BudgetErrors,
    secrets::SecretKey,
};
use algorithm::{Algorithm, Solution};
use policy::{Breakdown, DifficultyPolicy};
use puzzle::CHALLENGE_LEN;
use surge::{SurgeMeter, SurgePolicy};
use token::{Binding, Claims};

// Static header names: a lookup by `&str` would parse the name on every request.
pub const HEADER_CHALLENGE: HeaderName = HeaderName::from_static("x-pow-challenge");
pub const HEADER_TOKEN: HeaderName = HeaderName::from_static("x-pow-token");
pub const HEADER_NONCE: HeaderName = HeaderName::from_static("x-pow-nonce");

#[derive(Debug)]
pub struct PowSettings {
    pub enabled: bool,
    /// `POW_SECRET_KEY`: the key of the token MACs.
    pub key: SecretKey,
    /// `POW_ALGORITHM`: the puzzle of every challenge this server issues and accepts.
    pub algorithm: Algorithm,
    pub subpuzzles: u8,
    pub policy: DifficultyPolicy,
    pub surge: SurgeMeter,
}

impl PowSettings {
    pub fn from_config(c: &Config, key: SecretKey) -> Self {
        Self {
            enabled: c.pow_enable,
            key,
            algorithm: c.pow_algorithm,
            subpuzzles: c.pow_subpuzzles(),
            policy: DifficultyPolicy::from_config(c),
            surge: SurgeMeter::new(SurgePolicy::from_config(c)),
        }
    }
}

/// What `GET /api/pow/challenge` returns.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ChallengeResponse {
    /// The puzzle: `sha256` or `equix` (docs/pow-equix.md); absent means `sha256`.
    #[serde(default = "sha256_name")]
    #[schema(example = "sha256")]
    pub algorithm: String,
    /// 16 random bytes, base64url without padding.
    pub challenge: String,
    /// The total, capped at `POW_MAX_DIFFICULTY` (the token's MAC covers it).
    pub difficulty: f64,
    /// The uncapped parts of the difficulty. (The explanatory fields default when
    /// absent, so `powboard pow solve` reads any server's challenge.)
    #[serde(default)]
    pub breakdown: Breakdown,
    /// This client key's listings within `recent_window_secs`.
    #[serde(default)]
    pub recent_posts: i64,
    #[serde(default)]
    pub recent_window_secs: u64,
    /// The write budget as this client stands with it (null when it is off), so a
    /// person learns before solving that a post would be refused for now.
    #[serde(default)]
    pub write_budget: Option<BudgetState>,
    /// k: how many sub-puzzles (nonces) the solution has.
    #[schema(minimum = 1)]
    pub subpuzzles: u8,
    /// 16 lowercase hex digits: a sub-puzzle is solved when the first 8 bytes of
    /// its hash (for `equix`: the SHA-256 of an Equi-X solution), big-endian, are
    /// below this.
    #[schema(pattern = "^[0-9a-f]{16}$")]
    pub threshold: String,
    /// Unix seconds: now plus a lifetime that grows with the difficulty (see `policy::TtlPolicy`).
    pub expires_at: u64,
    /// Send back as X-PoW-Token.
    pub token: String,
}

fn sha256_name() -> String {
    Algorithm::Sha256.name().to_owned()
}

/// The headers of a POST's proof of work, for the OpenAPI description
/// ([`CheckedPow::check`] reads them from the request).
#[allow(dead_code)] // only its description is used
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
pub struct PowHeaders {
    /// The challenge, as given (16 bytes, base64url without padding); required when PoW is on
    /// (ignored when it is off).
    #[param(rename = "X-PoW-Challenge", value_type = String, required = false, pattern = "^[A-Za-z0-9_-]{22}$")]
    challenge: Option<String>,
    /// The challenge's token, as given; required when PoW is on.
    #[param(rename = "X-PoW-Token", value_type = String, required = false)]
    token: Option<String>,
    /// The `subpuzzles` entries in order, comma-separated: for `sha256` each a nonce,
    /// decimal without leading zeros (at most 20 digits); for `equix` each
    /// `<nonce>-<the Equi-X solution in 32 lowercase hex digits>`. Required when PoW is on.
    #[param(rename = "X-PoW-Nonce", value_type = String, required = false, pattern = "^(0|[1-9][0-9]{0,19})(-[0-9a-f]{32})?(,(0|[1-9][0-9]{0,19})(-[0-9a-f]{32})?)*$")]
    nonces: Option<String>,
}

/// A solution that passed every check: the challenge to spend with the listing.
#[derive(Clone, Copy, Debug)]
pub struct SolvedChallenge {
    pub challenge: [u8; CHALLENGE_LEN],
    pub expires_at: u64,
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs `f` with what a token is bound to: this client's key and its User-Agent.
fn with_binding<R>(
    client: &ClientIdentity,
    headers: &HeaderMap,
    f: impl FnOnce(&Binding<'_>) -> R,
) -> R {
    let client_key = client.key.to_string();
    let user_agent = headers
        .get(header::USER_AGENT)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    f(&Binding {
        client_key: &client_key,
        user_agent,
    })
}

/// A proof-of-work challenge for this client (its difficulty grows with the
/// client's recent listings, its country and the site-wide surge).
#[utoipa::path(
    get,
    path = "/pow/challenge",
    tag = "pow",
    operation_id = "powChallenge",
    responses(
        (status = 200, description = "A challenge to solve (Cache-Control: no-store)", body = ChallengeResponse, headers(
            ("Cache-Control" = String, description = "no-store"),
            ("RateLimit" = String, description = "While the challenge budget is on: \"challenge\";r=<requests>;t=<seconds>"),
            ("RateLimit-Policy" = String, description = "While the challenge budget is on: \"challenge\";q=<requests>;w=<window seconds>")
        )),
        (status = 204, description = "PoW is off: post without the X-PoW-* headers"),
        BudgetErrors,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn challenge(
    State(pow): State<Arc<PowSettings>>,
    State(pool): State<PgPool>,
    State(budgets): State<Budgets>,
    State(metrics): State<Arc<crate::metrics::Metrics>>,
    client: Client,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if !pow.enabled {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let assessed = pow
        .policy
        .for_client(
            &pool,
            &pow.surge,
            &client.profile.ip_hash,
            client.profile.country,
        )
        .await?;
    let difficulty = assessed.difficulty;
    let mut challenge = [0u8; CHALLENGE_LEN];
    rand::thread_rng().fill_bytes(&mut challenge);
    let claims = Claims {
        algorithm: pow.algorithm,
        expires_at: unix_now() + pow.policy.ttl.ttl_secs(difficulty),
        difficulty,
        subpuzzles: pow.subpuzzles,
    };
    let token = with_binding(&client.identity, &headers, |binding| {
        token::issue(&pow.key, &challenge, &claims, binding)
    });
    metrics.pow_challenges_issued.increment(1);
    metrics.pow_challenge_difficulty.record(difficulty.bits());
    let body = ChallengeResponse {
        algorithm: claims.algorithm.name().to_owned(),
        challenge: URL_SAFE_NO_PAD.encode(challenge),
        difficulty: difficulty.bits(),
        breakdown: assessed.breakdown,
        recent_posts: assessed.recent_posts,
        recent_window_secs: pow.policy.window_secs,
        write_budget: budgets.write.peek(client.identity.key).await,
        subpuzzles: claims.subpuzzles,
        threshold: format!(
            "{:016x}",
            claims
                .algorithm
                .threshold(difficulty.bits(), claims.subpuzzles)
        ),
        expires_at: claims.expires_at,
        token,
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// The cheaply checked part of a POST's proof of work: the token is ours, bound to
/// this client, unexpired, of this server's algorithm; the solution is well formed.
/// `verify_work()` does the hashing.
pub struct CheckedPow {
    challenge: [u8; CHALLENGE_LEN],
    claims: Claims,
    solution: Solution,
}

impl CheckedPow {
    pub fn check(
        key: &SecretKey,
        algorithm: Algorithm,
        headers: &HeaderMap,
        client: &ClientIdentity,
        now: u64,
    ) -> ApiResult<Self> {
        let get = |name: HeaderName| {
            headers.get(name).map(|v| {
                v.to_str()
                    .map_err(|_| ApiError::PowInvalid("PoW headers must be ASCII"))
            })
        };
        let (Some(challenge), Some(token), Some(nonces)) =
            (get(HEADER_CHALLENGE), get(HEADER_TOKEN), get(HEADER_NONCE))
        else {
            return Err(ApiError::PowRequired);
        };
        let (challenge, token, nonces) = (challenge?, token?, nonces?);
        let mut bytes = [0u8; CHALLENGE_LEN];
        let decoded = (challenge.len() == 22)
            .then(|| URL_SAFE_NO_PAD.decode_slice(challenge, &mut bytes).ok())
            .flatten();
        if decoded != Some(CHALLENGE_LEN) {
            return Err(ApiError::PowInvalid(
                "X-PoW-Challenge must be 16 bytes in base64url without padding",
            ));
        }
        let verified = with_binding(client, headers, |binding| {
            token::verify(key, token, &bytes, binding)
        });
        let claims = verified.map_err(|e| match e {
            token::TokenError::Malformed => ApiError::PowInvalid("X-PoW-Token is malformed"),
            token::TokenError::BadMac => {
                ApiError::PowInvalid("X-PoW-Token does not match this challenge, client or browser")
            }
        })?;
        // A genuine token of another algorithm (issued before POW_ALGORITHM changed,
        // or by an instance configured otherwise): this server accepts only its own.
        if claims.algorithm != algorithm {
            return Err(ApiError::PowInvalid(
                "X-PoW-Token is for another algorithm than this server's POW_ALGORITHM",
            ));
        }
        if now >= claims.expires_at {
            return Err(ApiError::PowExpired);
        }
        let solution = algorithm
            .parse_solution(nonces, claims.subpuzzles)
            .map_err(ApiError::PowInvalid)?;
        Ok(Self {
            challenge: bytes,
            claims,
            solution,
        })
    }

    /// The expensive part: k hashes (SHA-256), or k SHA-256 checks then k Equi-X
    /// verifications.
    pub fn verify_work(self) -> ApiResult<SolvedChallenge> {
        let threshold = self
            .claims
            .algorithm
            .threshold(self.claims.difficulty.bits(), self.claims.subpuzzles);
        if !self.solution.solves(&self.challenge, threshold) {
            return Err(ApiError::PowInvalid(
                "the nonces do not solve the challenge",
            ));
        }
        Ok(SolvedChallenge {
            challenge: self.challenge,
            expires_at: self.claims.expires_at,
        })
    }
}

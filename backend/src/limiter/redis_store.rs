//! The shared store (`RATE_STORE=redis`): one budget's counters in Redis or Valkey,
//! shared by every instance of the board. The algorithm is the memory store's, run
//! atomically by `sliding_window.lua` (see its header): one round trip per check
//! (EVALSHA; the `redis` crate loads the script on NOSCRIPT and retries once), Redis's
//! own clock, and keys that expire by themselves (PX), so nothing here sweeps them.
//!
//! Keys are `powboard:rl:<budget>:<window ms>:<hex>`, the hex being a keyed hash of
//! the client key (HMAC with `IP_HASH_SALT`, so every instance derives the same key,
//! and nobody without the salt can tell which address it stands for): never an address.
//!
//! Redis down or slow: every check has a deadline (`RATE_STORE_TIMEOUT_MS`). A check
//! that fails or misses it is answered by an in-process table of the same budget, and
//! so is every check after it until a probe (one check at most every [`PROBE_EVERY`])
//! gets an answer from Redis again: while Redis is down, each instance enforces N on
//! its own. The outage and its end are logged once each (not per request).
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use hmac::Mac;
use metrics::{Counter, Gauge};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::client_ip::ClientKey;
use crate::secrets::SecretKey;

use super::window::{MAX_SUB_MS, SUB_WINDOWS};
use super::{Decision, LimiterConfig, SlidingWindowLimiter};

/// How often, at most, a check tries Redis again while it is unreachable.
pub const PROBE_EVERY: Duration = Duration::from_millis(500);

/// Bytes of the keyed hash kept in a key: 128 bits leave no chance of two client keys
/// sharing counters and halve the key's size against the full 32.
const KEY_HASH_BYTES: usize = 16;

/// What the whole process shares for the Redis store: the connection, the script, the
/// deadline and whether Redis is reachable (one outage for all budgets).
pub struct RedisShared {
    conn: ConnectionManager,
    script: redis::Script,
    deadline: Duration,
    salt: SecretKey,
    health: Health,
}

impl RedisShared {
    /// Connects lazily (the board starts and serves while Redis is still down), so
    /// only a malformed `url` is an error here.
    pub fn new(
        url: &str,
        deadline: Duration,
        salt: SecretKey,
        errors: Counter,
        fallback: Gauge,
    ) -> anyhow::Result<Arc<Self>> {
        let client = redis::Client::open(url)
            .context("REDIS_URL is not a Redis URL (e.g. redis://127.0.0.1:6379/0)")?;
        // One reconnection attempt per failed command: the probe's pace (PROBE_EVERY),
        // not the crate's backoff, decides how often an unreachable Redis is tried.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_max_delay(PROBE_EVERY)
            .set_connection_timeout(Some(deadline.max(Duration::from_millis(500))));
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .context("cannot set up the Redis connection (REDIS_URL)")?;
        fallback.set(0.0);
        Ok(Arc::new(Self {
            conn,
            script: redis::Script::new(include_str!("sliding_window.lua")),
            deadline,
            salt,
            health: Health {
                start: quanta::Instant::now(),
                down: AtomicBool::new(false),
                next_probe_ms: AtomicU64::new(0),
                errors,
                fallback,
            },
        }))
    }
}

/// Reachability of Redis, shared by the budgets of one process.
struct Health {
    start: quanta::Instant,
    down: AtomicBool,
    /// While down: ms since `start` from which the next check may probe Redis.
    next_probe_ms: AtomicU64,
    errors: Counter,
    fallback: Gauge,
}

impl Health {
    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// Whether this check goes to Redis: always while it is up; while it is down, only
    /// the first check after the probe interval (the others count in memory at once).
    fn try_redis(&self) -> bool {
        if !self.down.load(Ordering::Acquire) {
            return true;
        }
        let (now, due) = (self.now_ms(), self.next_probe_ms.load(Ordering::Acquire));
        now >= due
            && self
                .next_probe_ms
                .compare_exchange(
                    due,
                    now + PROBE_EVERY.as_millis() as u64,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_ok()
    }

    fn failed(&self, why: &str) {
        self.errors.increment(1);
        self.next_probe_ms.store(
            self.now_ms() + PROBE_EVERY.as_millis() as u64,
            Ordering::Release,
        );
        if !self.down.swap(true, Ordering::AcqRel) {
            self.fallback.set(1.0);
            tracing::warn!(
                error = why,
                "rate limit store unavailable: each instance counts its budgets in memory \
                 (each enforces N on its own) until Redis answers again"
            );
        }
    }

    fn answered(&self) {
        if self.down.load(Ordering::Acquire) && self.down.swap(false, Ordering::AcqRel) {
            self.fallback.set(0.0);
            tracing::warn!("rate limit store is back: budgets are shared by every instance again");
        }
    }
}

/// Why a round trip to Redis gave no decision.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no answer within the deadline")]
    Timeout,
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
}

/// One budget in Redis, with the in-process table that stands in while Redis is down.
pub struct RedisStore {
    shared: Arc<RedisShared>,
    /// `powboard:rl:<budget>:<window ms>:`
    prefix: String,
    max: u32,
    sub_ms: u64,
    fallback: SlidingWindowLimiter<ClientKey>,
}

#[derive(Clone, Copy)]
enum Op {
    Check,
    Peek,
}

impl RedisStore {
    pub fn new(shared: Arc<RedisShared>, budget: &str, cfg: LimiterConfig) -> Self {
        let fallback = SlidingWindowLimiter::new(cfg);
        // The same sub-window and cap as the memory table, so both answer alike.
        let window_ms =
            u64::try_from(cfg.window.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX);
        Self {
            prefix: format!("powboard:rl:{budget}:{window_ms}:"),
            max: cfg.max.min(u32::from(u16::MAX)),
            sub_ms: window_ms.div_ceil(SUB_WINDOWS as u64).clamp(1, MAX_SUB_MS),
            shared,
            fallback,
        }
    }

    /// The Redis key of `client` in this budget.
    pub fn key(&self, client: ClientKey) -> String {
        let mut mac = self.shared.salt.mac();
        // Its own domain: never equal to the client hash the database stores.
        mac.update(b"powboard rate limit key\0");
        mac.update(client.to_string().as_bytes());
        let tag = mac.finalize().into_bytes();
        format!("{}{}", self.prefix, hex::encode(&tag[..KEY_HASH_BYTES]))
    }

    pub async fn check(&self, client: ClientKey) -> Decision {
        self.decide(client, Op::Check).await
    }

    pub async fn peek(&self, client: ClientKey) -> Decision {
        self.decide(client, Op::Peek).await
    }

    /// One check against Redis alone, with the caller's clock (µs since the Unix
    /// epoch; None = Redis's clock) and no fallback: what the tests compare with the
    /// memory store.
    pub async fn check_at(
        &self,
        client: ClientKey,
        now_us: Option<u64>,
    ) -> Result<Decision, StoreError> {
        self.round_trip(client, Op::Check, now_us).await
    }

    /// `check_at`'s peek: what a check would answer, counting nothing.
    pub async fn peek_at(
        &self,
        client: ClientKey,
        now_us: Option<u64>,
    ) -> Result<Decision, StoreError> {
        self.round_trip(client, Op::Peek, now_us).await
    }

    /// The in-process table that answers while Redis is unreachable.
    pub fn fallback(&self) -> &SlidingWindowLimiter<ClientKey> {
        &self.fallback
    }

    async fn decide(&self, client: ClientKey, op: Op) -> Decision {
        let health = &self.shared.health;
        if health.try_redis() {
            match self.round_trip(client, op, None).await {
                Ok(decision) => {
                    health.answered();
                    return decision;
                }
                Err(e) => health.failed(&e.to_string()),
            }
        }
        let now = quanta::Instant::now();
        match op {
            Op::Check => self.fallback.check(client, now),
            Op::Peek => self.fallback.peek(client, now),
        }
    }

    async fn round_trip(
        &self,
        client: ClientKey,
        op: Op,
        now_us: Option<u64>,
    ) -> Result<Decision, StoreError> {
        let mut invocation = self.shared.script.key(self.key(client));
        invocation
            .arg(match op {
                Op::Check => "check",
                Op::Peek => "peek",
            })
            .arg(self.max)
            .arg(self.sub_ms)
            .arg(now_us.map(|t| t.to_string()).unwrap_or_default());
        // ConnectionManager is a cheap handle onto one multiplexed connection.
        let mut conn = self.shared.conn.clone();
        let answer: (i64, i64, i64) =
            tokio::time::timeout(self.shared.deadline, invocation.invoke_async(&mut conn))
                .await
                .map_err(|_| StoreError::Timeout)??;
        Ok(decision(self.max, answer))
    }
}

/// The script's {allowed, remaining, wait µs} as the memory store words it.
fn decision(limit: u32, (allowed, remaining, wait_us): (i64, i64, i64)) -> Decision {
    let wait = Duration::from_micros(u64::try_from(wait_us).unwrap_or(0));
    if allowed == 1 {
        Decision::Allowed {
            limit,
            remaining: u32::try_from(remaining).unwrap_or(0),
            reset_after: wait,
        }
    } else {
        Decision::Limited {
            limit,
            // The script's wait for a refusal is positive; the floor keeps the promise.
            retry_after: wait.max(Duration::from_micros(1)),
        }
    }
}

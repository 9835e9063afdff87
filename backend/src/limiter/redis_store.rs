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
//! Redis down, slow or wrong: every check has a deadline (`RATE_STORE_TIMEOUT_MS`) and
//! every answer is checked against the budget (`redis_answer`). Each budget also keeps
//! a shadow in this process: the same sub-window table, counting the requests this
//! instance let through. A check counts there first (a client this instance alone has
//! let through N times in the window is refused without a round trip), then asks Redis;
//! a refusal from Redis takes the shadow's count back. While Redis gives no usable
//! answer (`store_health`: one probe per 500 ms), the shadow alone decides: it already
//! holds what this instance allowed before the outage, and after it (Redis back, maybe
//! empty) both must allow. So one instance never lets more than N through in any
//! window, whatever the store does; several together can exceed N only in windows that
//! overlap an outage (see the README's Redis section).
use std::sync::Arc;
use std::time::Duration;

use hmac::Mac;

use crate::client_ip::ClientKey;
use crate::metrics::Metrics;
use crate::secrets::SecretKey;

use super::redis_answer::{Bounds, Op};
use super::redis_link::RedisLink;
use super::store_fault::{FaultReason, StoreFault};
use super::store_health::StoreHealth;
use super::window::{MAX_SUB_MS, SUB_WINDOWS};
use super::{Decision, LimiterConfig, SlidingWindowLimiter};

/// Bytes of the keyed hash kept in a key: 128 bits leave no chance of two client keys
/// sharing counters and halve the key's size against the full 32.
const KEY_HASH_BYTES: usize = 16;

/// What the whole process shares for the Redis store: the connection, the script, the
/// deadline and whether Redis answers (one outage for all budgets).
pub struct RedisShared {
    link: RedisLink,
    script: redis::Script,
    deadline: Duration,
    salt: SecretKey,
    health: StoreHealth,
}

impl RedisShared {
    /// Connects in the background (the board starts and serves while Redis is still
    /// down), so only a malformed `url` is an error here. Must run inside a Tokio runtime.
    pub fn new(
        url: &str,
        deadline: Duration,
        salt: SecretKey,
        metrics: &Metrics,
    ) -> anyhow::Result<Arc<Self>> {
        Self::with_script(
            url,
            deadline,
            salt,
            metrics,
            include_str!("sliding_window.lua"),
        )
    }

    /// `new` with another script in place of `sliding_window.lua`: for tests only, to
    /// see what the store does with a real Redis whose script answers out of range.
    #[doc(hidden)]
    pub fn with_script(
        url: &str,
        deadline: Duration,
        salt: SecretKey,
        metrics: &Metrics,
        lua: &str,
    ) -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            link: RedisLink::new(url, deadline)?,
            script: redis::Script::new(lua),
            deadline,
            salt,
            health: StoreHealth::new(
                FaultReason::ALL.map(|r| metrics.ratelimit_store_errors(r)),
                metrics.ratelimit_store_fallback.clone(),
            ),
        }))
    }

    /// None while Redis answers; during an outage, why the latest check failed.
    pub fn outage(&self) -> Option<FaultReason> {
        self.health.outage()
    }
}

/// One budget in Redis, with its shadow in this process (see the module docs).
pub struct RedisStore {
    shared: Arc<RedisShared>,
    /// `powboard:rl:<budget>:<window ms>:`
    prefix: String,
    bounds: Bounds,
    shadow: SlidingWindowLimiter<ClientKey>,
}

impl RedisStore {
    pub fn new(shared: Arc<RedisShared>, budget: &str, cfg: LimiterConfig) -> Self {
        // The same sub-window and cap as the memory table, so both answer alike.
        let window_ms =
            u64::try_from(cfg.window.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX);
        Self {
            prefix: format!("powboard:rl:{budget}:{window_ms}:"),
            bounds: Bounds {
                max: cfg.max.min(u32::from(u16::MAX)),
                sub_ms: window_ms.div_ceil(SUB_WINDOWS as u64).clamp(1, MAX_SUB_MS),
            },
            shared,
            shadow: SlidingWindowLimiter::new(cfg),
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
    /// epoch; None = Redis's clock), no shadow and no fallback: what the tests compare
    /// with the memory store.
    pub async fn check_at(
        &self,
        client: ClientKey,
        now_us: Option<u64>,
    ) -> Result<Decision, StoreFault> {
        self.round_trip(client, Op::Check, now_us).await
    }

    /// `check_at`'s peek: what a check would answer, counting nothing.
    pub async fn peek_at(
        &self,
        client: ClientKey,
        now_us: Option<u64>,
    ) -> Result<Decision, StoreFault> {
        self.round_trip(client, Op::Peek, now_us).await
    }

    /// The requests this instance let through, in this process's memory: the stricter
    /// half of every decision, and the whole of it while Redis gives no usable answer.
    pub fn shadow(&self) -> &SlidingWindowLimiter<ClientKey> {
        &self.shadow
    }

    async fn decide(&self, client: ClientKey, op: Op) -> Decision {
        let now = quanta::Instant::now();
        // Counted (reserved) here first, so that concurrent checks of one client on this
        // instance can never all pass the shadow while their round trips are under way.
        let own = match op {
            Op::Check => self.shadow.check(client, now),
            Op::Peek => self.shadow.peek(client, now),
        };
        let health = &self.shared.health;
        if !own.is_allowed() || !health.try_redis() {
            return own;
        }
        match self.round_trip(client, op, None).await {
            Ok(shared) => {
                health.answered();
                if op == Op::Check && !shared.is_allowed() {
                    // Not let through: the shadow counts only what this instance forwards.
                    self.shadow.release(client, now);
                }
                stricter(own, shared)
            }
            Err(fault) => {
                // A silent connection during an outage may never answer again (a host
                // gone without a reset): the next probe dials anew.
                if fault.reason == FaultReason::Io
                    || (fault.reason == FaultReason::Timeout && health.is_down())
                {
                    self.shared.link.drop_connection();
                }
                health.failed(&fault);
                own
            }
        }
    }

    async fn round_trip(
        &self,
        client: ClientKey,
        op: Op,
        now_us: Option<u64>,
    ) -> Result<Decision, StoreFault> {
        let mut invocation = self.shared.script.key(self.key(client));
        invocation
            .arg(match op {
                Op::Check => "check",
                Op::Peek => "peek",
            })
            .arg(self.bounds.max)
            .arg(self.bounds.sub_ms)
            .arg(now_us.map(|t| t.to_string()).unwrap_or_default());
        let link = &self.shared.link;
        let answer = tokio::time::timeout(self.shared.deadline, async {
            let mut conn = link.connection().await?;
            let answer: (i64, i64, i64) = invocation
                .invoke_async(&mut conn)
                .await
                .map_err(|e| link.fault(&e))?;
            Ok::<_, StoreFault>(answer)
        })
        .await
        .map_err(|_| StoreFault::timeout(self.shared.deadline))??;
        self.bounds.decision(op, answer)
    }
}

/// Both halves allowed: the one with fewer requests left (its `RateLimit` fields);
/// else the refusal.
fn stricter(own: Decision, shared: Decision) -> Decision {
    match (own, shared) {
        (_, Decision::Limited { .. }) => shared,
        _ if own.remaining() < shared.remaining() => own,
        _ => shared,
    }
}

//! The state every handler and guard is given: built once at start from the
//! configuration, then shared (cheap clones). Each part is its own sub-state
//! (`FromRef`), so a handler asks only for what it uses (`State<PgPool>`,
//! `State<Arc<PowSettings>>`, ...). Features import this module; the lifecycle
//! (`app`) builds it.
use std::{sync::Arc, time::Duration};

use anyhow::Context;
use axum::extract::FromRef;
use sqlx::PgPool;

use crate::{
    client_ip::{ClientIpConfig, Clients},
    config::{Config, RateStoreKind},
    extract::BodyLimit,
    geoip::GeoIp,
    guards::rate_limit::Budgets,
    limiter::redis_store::RedisShared,
    listings::{caches::ListingCaches, front_page::FrontPageCache, text::MaxBodyChars},
    metrics::Metrics,
    pow::PowSettings,
    secrets::Secrets,
    stats::StatsCache,
};

/// One reference-counted handle: axum clones the state into every request it routes,
/// so a clone is one counter update here rather than one per part (measured in the
/// front page's profile: the per-part clones and drops were 3 % of the server's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Parts>);

impl std::ops::Deref for AppState {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}

/// A handler or guard asks for one part (`State<PgPool>`, `State<Arc<PowSettings>>`, ...).
macro_rules! sub_states {
    ($($part:ident: $ty:ty),* $(,)?) => {$(
        impl FromRef<AppState> for $ty {
            fn from_ref(state: &AppState) -> Self {
                state.$part.clone()
            }
        }
    )*};
}

sub_states! {
    pool: PgPool,
    clients: Arc<Clients>,
    pow: Arc<PowSettings>,
    budgets: Budgets,
    stats: Arc<StatsCache>,
    front_page: Arc<FrontPageCache>,
    max_body_chars: MaxBodyChars,
    body_limit: BodyLimit,
    metrics: Arc<Metrics>,
    redis: Option<Arc<RedisShared>>,
}

pub struct Parts {
    pub pool: PgPool,
    /// Who the client is: address, key, stored hash, country.
    pub clients: Arc<Clients>,
    pub pow: Arc<PowSettings>,
    pub budgets: Budgets,
    pub stats: Arc<StatsCache>,
    /// The first page of the newest listings, from memory (see `listings::front_page`).
    pub front_page: Arc<FrontPageCache>,
    pub max_body_chars: MaxBodyChars,
    pub body_limit: BodyLimit,
    pub metrics: Arc<Metrics>,
    /// The shared rate-limit store (`RATE_STORE=redis`), for `/readyz`'s detail.
    pub redis: Option<Arc<RedisShared>>,
}

impl AppState {
    pub fn new(config: &Config, pool: PgPool, secrets: Secrets) -> anyhow::Result<Self> {
        let client_ip = ClientIpConfig {
            trusted_proxies: config.trusted_proxies(),
            v4_prefix: config.ipv4_prefix_len,
            v6_prefix: config.ipv6_prefix_len,
        };
        let metrics = Metrics::new(config.metrics_addr.0.is_some());
        let redis = match (config.rate_store, config.redis_url()) {
            (RateStoreKind::Redis, Some(url)) => {
                tracing::info!(
                    timeout_ms = config.rate_store_timeout_ms,
                    "rate limit budgets shared in Redis (RATE_STORE=redis)"
                );
                Some(RedisShared::new(
                    url,
                    Duration::from_millis(config.rate_store_timeout_ms),
                    secrets.ip_salt.clone(),
                    &metrics,
                )?)
            }
            // `Config::validate` refuses RATE_STORE=redis without a URL.
            _ => None,
        };
        Ok(Self(Arc::new(Parts {
            pool,
            clients: Arc::new(Clients::new(
                client_ip,
                secrets.ip_salt,
                open_geoip(config)?,
            )),
            pow: Arc::new(PowSettings::from_config(config, secrets.pow_key)),
            budgets: Budgets::from_config(config, &metrics, redis.as_ref()),
            stats: Arc::new(StatsCache::default()),
            front_page: Arc::new(FrontPageCache::default()),
            max_body_chars: MaxBodyChars(config.max_body_chars as usize),
            body_limit: BodyLimit(config.body_limit_bytes),
            metrics,
            redis,
        })))
    }
}

/// `GEOIP_DB` unset: no countries. Set but unreadable: refuse to start.
fn open_geoip(config: &Config) -> anyhow::Result<Option<GeoIp>> {
    let Some(path) = config.geoip_db() else {
        tracing::info!("GEOIP_DB not set: listings carry no country");
        return Ok(None);
    };
    let db = GeoIp::open(path).context("GEOIP_DB")?;
    tracing::info!(path = %path.display(), db = %db.description(), "GeoIP country database loaded");
    Ok(Some(db))
}

impl FromRef<AppState> for ListingCaches {
    fn from_ref(state: &AppState) -> Self {
        ListingCaches::new(
            state.stats.clone(),
            state.front_page.clone(),
            state.pow.clone(),
        )
    }
}

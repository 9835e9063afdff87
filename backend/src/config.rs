//! Every setting, as an environment variable and a flag (`powboard --help` lists them
//! with their defaults). The names are part of the contract in DESIGN.md.
use std::{net::SocketAddr, path::PathBuf};

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

use crate::{country::CountryExtraBits, moderation::Selection, pow::algorithm::Algorithm};

/// The URL of the private cluster that `scripts/local-pg.sh` (and so `make run`) starts.
pub const LOCAL_DATABASE_URL: &str = "postgres://powboard@127.0.0.1:54329/powboard";

#[derive(Parser, Debug)]
#[command(
    name = "powboard",
    version,
    about = "A public bulletin board that bots find expensive to spam"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API and the web UI (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Moderation: hide or unhide listings by id and/or filters.
    Listings {
        #[command(subcommand)]
        action: ListingsAction,
    },
    /// Print the OpenAPI description of the API (what `GET /api/openapi.json`
    /// serves) and exit; needs no database.
    Openapi,
    /// Proof-of-work tools.
    Pow {
        #[command(subcommand)]
        action: PowAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum ListingsAction {
    /// Hide listings: they disappear from search, counts and statistics. Give an id
    /// and/or filters (all must hold); every change is recorded in `moderation_log`.
    Hide {
        #[command(flatten)]
        selection: Selection,
    },
    /// Make hidden listings visible again (same selection as `hide`).
    Unhide {
        #[command(flatten)]
        selection: Selection,
    },
}

#[derive(Subcommand, Debug)]
pub enum PowAction {
    /// Solve a challenge natively on all cores, with the puzzle its `algorithm` names
    /// (`sha256` when absent). Reads the JSON of
    /// `GET /api/pow/challenge` from the argument or standard input and prints the
    /// `X-PoW-Nonce` value (or all three headers with --headers).
    Solve {
        /// The challenge JSON; `-` or absent reads standard input.
        json: Option<String>,
        /// Print `X-PoW-Challenge`, `X-PoW-Token` and `X-PoW-Nonce` header lines.
        #[arg(long)]
        headers: bool,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AppEnv {
    Dev,
    Prod,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Where the budgets' counters live (`RATE_STORE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RateStoreKind {
    /// This process's memory: one instance.
    Memory,
    /// Redis or Valkey at `REDIS_URL`: shared by every instance.
    Redis,
}

#[derive(Args, Debug, Clone)]
pub struct Config {
    /// PostgreSQL URL (default: the private cluster of `make run`).
    #[arg(long, env = "DATABASE_URL", default_value = LOCAL_DATABASE_URL, hide_env_values = true, global = true)]
    pub database_url: String,
    /// Where to listen.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8080")]
    pub listen_addr: SocketAddr,
    /// `prod` enforces real secrets and logs JSON.
    #[arg(
        long,
        env = "APP_ENV",
        value_enum,
        default_value = "dev",
        global = true
    )]
    pub app_env: AppEnv,
    /// The built SPA.
    #[arg(long, env = "WEB_DIR", default_value = "frontend/dist")]
    pub web_dir: PathBuf,
    /// HMAC key of PoW tokens (base64, 32 bytes); random per start in dev.
    #[arg(long, env = "POW_SECRET_KEY", hide_env_values = true)]
    pub pow_secret_key: Option<String>,
    /// HMAC key of the stored client hashes (base64, 32 bytes); random per start in dev.
    #[arg(long, env = "IP_HASH_SALT", hide_env_values = true)]
    pub ip_hash_salt: Option<String>,
    /// CIDRs whose X-Forwarded-For is believed (comma-separated).
    #[arg(
        long,
        env = "TRUSTED_PROXIES",
        value_delimiter = ',',
        default_value = ""
    )]
    pub trusted_proxies: Vec<TrustedNet>,
    /// IPv4 client key prefix length.
    #[arg(long, env = "IPV4_PREFIX_LEN", default_value_t = 32, value_parser = clap::value_parser!(u8).range(8..=32))]
    pub ipv4_prefix_len: u8,
    /// IPv6 client key prefix length.
    #[arg(long, env = "IPV6_PREFIX_LEN", default_value_t = 64, value_parser = clap::value_parser!(u8).range(16..=128))]
    pub ipv6_prefix_len: u8,
    /// Read budget: requests per window (0 = off).
    #[arg(long, env = "RATE_READ_MAX", default_value_t = 120, value_parser = clap::value_parser!(u32).range(0..=65_535))]
    pub rate_read_max: u32,
    #[arg(long, env = "RATE_READ_WINDOW_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub rate_read_window_secs: u64,
    /// Write budget: listings per window (0 = off).
    #[arg(long, env = "RATE_WRITE_MAX", default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=65_535))]
    pub rate_write_max: u32,
    #[arg(long, env = "RATE_WRITE_WINDOW_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub rate_write_window_secs: u64,
    /// Challenge budget: challenges per window (0 = off).
    #[arg(long, env = "RATE_CHALLENGE_MAX", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=65_535))]
    pub rate_challenge_max: u32,
    #[arg(long, env = "RATE_CHALLENGE_WINDOW_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub rate_challenge_window_secs: u64,
    /// Memory bound of the limiter: client keys tracked per budget.
    #[arg(long, env = "RATE_MAX_TRACKED_CLIENTS", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(16..))]
    pub rate_max_tracked_clients: u64,
    /// Where budgets are counted: `memory` (this process) or `redis` (shared by every
    /// instance through REDIS_URL; each instance falls back to memory while it is down).
    #[arg(long, env = "RATE_STORE", value_enum, default_value = "memory")]
    pub rate_store: RateStoreKind,
    /// Redis or Valkey for RATE_STORE=redis, e.g. redis://127.0.0.1:6379/0.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Deadline of one check against Redis in ms; a check past it counts in memory.
    #[arg(long, env = "RATE_STORE_TIMEOUT_MS", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub rate_store_timeout_ms: u64,
    /// Require a proof of work for every listing.
    #[arg(long, env = "POW_ENABLE", default_value_t = true, action = ArgAction::Set)]
    pub pow_enable: bool,
    /// The puzzle: `sha256` (SHA-256 of challenge, index and nonce) or `equix` (Equi-X,
    /// GPU-resistant). The four settings below default per algorithm when unset.
    #[arg(long, env = "POW_ALGORITHM", value_enum, default_value = "sha256")]
    pub pow_algorithm: Algorithm,
    /// Base difficulty: log2 of the expected number of attempts (SHA-256 hashes or
    /// Equi-X solves) [default: sha256 22, equix 4].
    #[arg(long, env = "POW_DIFFICULTY")]
    pub pow_difficulty: Option<f64>,
    /// Sub-puzzles per challenge (k) [default: sha256 16, equix 4].
    #[arg(long, env = "POW_SUBPUZZLES", value_parser = clap::value_parser!(u8).range(1..=255))]
    pub pow_subpuzzles: Option<u8>,
    /// Cap on the difficulty after surcharges [default: sha256 30, equix 12].
    #[arg(long, env = "POW_MAX_DIFFICULTY")]
    pub pow_max_difficulty: Option<f64>,
    /// Extra bits per listing the same client key posted within the adaptive window.
    #[arg(long, env = "POW_ADAPTIVE_STEP", default_value_t = 0.1)]
    pub pow_adaptive_step: f64,
    #[arg(long, env = "POW_ADAPTIVE_WINDOW_SECS", default_value_t = 3600)]
    pub pow_adaptive_window_secs: u64,
    /// Extra bits by country, e.g. `XX=2,YY=1`.
    #[arg(long, env = "POW_COUNTRY_EXTRA_BITS", default_value = "")]
    pub pow_country_extra_bits: CountryExtraBits,
    /// Shortest challenge lifetime in seconds (harder challenges live longer, see
    /// POW_SLOW_HASH_RATE).
    #[arg(long, env = "POW_TTL_SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(5..=86_400))]
    pub pow_ttl_seconds: u64,
    /// Longest challenge lifetime in seconds.
    #[arg(long, env = "POW_TTL_MAX_SECONDS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(5..=86_400))]
    pub pow_ttl_max_seconds: u64,
    /// Attempts per second of a slow device: a challenge lives at least three times
    /// its expected solve time at this rate (within POW_TTL_SECONDS..=POW_TTL_MAX_SECONDS)
    /// [default: sha256 1500000, equix 5].
    #[arg(long, env = "POW_SLOW_HASH_RATE", value_parser = clap::value_parser!(u64).range(1..))]
    pub pow_slow_hash_rate: Option<u64>,
    /// Site-wide surge: posts per POW_SURGE_WINDOW_SECS that cost no extra bits;
    /// each doubling above it adds one bit (0 = off).
    #[arg(long, env = "POW_SURGE_BASELINE", default_value_t = 3.0)]
    pub pow_surge_baseline: f64,
    /// The surge's window in seconds.
    #[arg(long, env = "POW_SURGE_WINDOW_SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub pow_surge_window_secs: u64,
    /// Cap on the surge's extra bits.
    #[arg(long, env = "POW_SURGE_MAX_BITS", default_value_t = 3.8)]
    pub pow_surge_max_bits: f64,
    /// Request body cap in bytes (chunked bodies too).
    #[arg(long, env = "BODY_LIMIT_BYTES", default_value_t = 4096)]
    pub body_limit_bytes: usize,
    /// Maximum listing length in Unicode characters.
    #[arg(long, env = "MAX_BODY_CHARS", default_value_t = 255, value_parser = clap::value_parser!(u32).range(1..=4000))]
    pub max_body_chars: u32,
    /// MMDB country database (GeoIP2/GeoLite2 Country or the flat `country_code` layout).
    #[arg(long, env = "GEOIP_DB")]
    pub geoip_db: Option<PathBuf>,
    /// How long to keep retrying an unreachable database at start.
    #[arg(long, env = "DB_CONNECT_TIMEOUT_SECS", default_value_t = 30)]
    pub db_connect_timeout_secs: u64,
    /// Database connections in the pool.
    #[arg(long, env = "DB_POOL_MAX", default_value_t = 16)]
    pub db_pool_max: u32,
    /// How long in-flight requests may take to finish after SIGTERM/SIGINT.
    #[arg(long, env = "SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
    /// Log format (default: pretty in dev, json in prod); filter with RUST_LOG.
    #[arg(long, env = "LOG_FORMAT", value_enum, global = true)]
    pub log_format: Option<LogFormat>,
    /// Private address of the Prometheus endpoint (GET /metrics); empty = off. Never
    /// the public port, never proxied.
    #[arg(long, env = "METRICS_ADDR", default_value = "")]
    pub metrics_addr: MetricsAddr,
}

/// `METRICS_ADDR`: a socket address, or empty for no metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MetricsAddr(pub Option<SocketAddr>);

impl std::str::FromStr for MetricsAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(Self(None));
        }
        s.parse()
            .map(|a| Self(Some(a)))
            .map_err(|_| format!("not an address with a port (e.g. 127.0.0.1:9464): {s:?}"))
    }
}

/// A trusted proxy network; an empty item (the default) is skipped.
#[derive(Clone, Debug)]
pub struct TrustedNet(pub Option<IpNet>);

impl std::str::FromStr for TrustedNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(Self(None));
        }
        if let Ok(net) = s.parse::<IpNet>() {
            return Ok(Self(Some(net.trunc())));
        }
        s.parse::<std::net::IpAddr>()
            .map(|ip| Self(Some(IpNet::from(ip))))
            .map_err(|_| format!("not a CIDR or an address: {s:?}"))
    }
}

impl Config {
    /// The configuration with every default, as `powboard` alone would see it
    /// without any environment (tests start from here).
    pub fn defaults() -> Self {
        Cli::parse_from(["powboard"]).config
    }

    /// `REDIS_URL` when set and not blank.
    pub fn redis_url(&self) -> Option<&str> {
        self.redis_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }

    pub fn trusted_proxies(&self) -> Vec<IpNet> {
        self.trusted_proxies.iter().filter_map(|t| t.0).collect()
    }

    /// `POW_DIFFICULTY`, or the algorithm's default.
    pub fn pow_difficulty(&self) -> f64 {
        let default = self.pow_algorithm.defaults().difficulty;
        self.pow_difficulty.unwrap_or(default)
    }

    /// `POW_SUBPUZZLES`, or the algorithm's default.
    pub fn pow_subpuzzles(&self) -> u8 {
        let default = self.pow_algorithm.defaults().subpuzzles;
        self.pow_subpuzzles.unwrap_or(default)
    }

    /// `POW_MAX_DIFFICULTY`, or the algorithm's default.
    pub fn pow_max_difficulty(&self) -> f64 {
        let default = self.pow_algorithm.defaults().max_difficulty;
        self.pow_max_difficulty.unwrap_or(default)
    }

    /// `POW_SLOW_HASH_RATE`, or the algorithm's default.
    pub fn pow_slow_hash_rate(&self) -> u64 {
        let default = self.pow_algorithm.defaults().slow_hash_rate;
        self.pow_slow_hash_rate.unwrap_or(default)
    }

    /// Checks that clap's types cannot express.
    pub fn validate(&self) -> anyhow::Result<()> {
        let d = self.pow_difficulty();
        anyhow::ensure!(
            d.is_finite() && (0.0..=64.0).contains(&d),
            "POW_DIFFICULTY must be within 0..=64"
        );
        let m = self.pow_max_difficulty();
        anyhow::ensure!(
            m.is_finite() && (d..=64.0).contains(&m),
            "POW_MAX_DIFFICULTY must be within POW_DIFFICULTY..=64"
        );
        let s = self.pow_adaptive_step;
        anyhow::ensure!(
            s.is_finite() && (0.0..=16.0).contains(&s),
            "POW_ADAPTIVE_STEP must be within 0..=16"
        );
        let b = self.pow_surge_baseline;
        anyhow::ensure!(
            b.is_finite() && b >= 0.0,
            "POW_SURGE_BASELINE must be a number >= 0 (0 = off)"
        );
        let sb = self.pow_surge_max_bits;
        anyhow::ensure!(
            sb.is_finite() && (0.0..=32.0).contains(&sb),
            "POW_SURGE_MAX_BITS must be within 0..=32"
        );
        anyhow::ensure!(
            self.pow_ttl_max_seconds >= self.pow_ttl_seconds,
            "POW_TTL_MAX_SECONDS must be at least POW_TTL_SECONDS"
        );
        anyhow::ensure!(
            self.body_limit_bytes >= 64,
            "BODY_LIMIT_BYTES must be at least 64"
        );
        anyhow::ensure!(self.db_pool_max >= 1, "DB_POOL_MAX must be at least 1");
        anyhow::ensure!(
            self.rate_store != RateStoreKind::Redis || self.redis_url().is_some(),
            "RATE_STORE=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)"
        );
        if let Some(m) = self.metrics_addr.0 {
            // The same port on another address of this host would still be the public
            // port for whoever reaches that address; 0 (tests) picks a free one.
            anyhow::ensure!(
                m.port() == 0 || m.port() != self.listen_addr.port(),
                "METRICS_ADDR must not use the public port of LISTEN_ADDR ({})",
                self.listen_addr.port()
            );
        }
        Ok(())
    }
}

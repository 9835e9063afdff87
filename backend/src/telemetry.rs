//! Logging: `tracing` with an `EnvFilter` (`RUST_LOG`), pretty in dev, JSON in prod.
use std::io::IsTerminal;

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::{AppEnv, Config, LogFormat};

pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let format = config.log_format.unwrap_or(match config.app_env {
        AppEnv::Prod => LogFormat::Json,
        AppEnv::Dev => LogFormat::Pretty,
    });
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // try_init: tests may initialise more than once.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        // Colours only for a person at a terminal: in a pipe or a file they are
        // escape codes in the way of grep and of log collectors.
        LogFormat::Pretty => builder
            .compact()
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}

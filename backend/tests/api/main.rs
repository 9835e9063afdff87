//! The server's black-box tests: one binary (shared helpers compile once), one module
//! per area. Each `#[sqlx::test]` gets a fresh PostgreSQL database and boots the real
//! app on port 0 (see `common`).
mod common;

mod client_identity_and_limits;
mod country_filter_plan;
mod geoip_e2e;
mod geoip_lookup;
mod hardening;
mod input_errors;
mod listings_api;
mod metrics;
mod moderation;
mod openapi;
mod pow_equix;
mod pow_equix_vectors;
mod pow_guard;
mod pow_vectors;
mod read_caches;
mod redis_store;
mod search_strategy;
mod shutdown;
mod surge;

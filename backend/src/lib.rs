//! powboard: a public bulletin board that bots find expensive to spam.
//!
//! The library holds the whole server; `main` only parses the command line and calls
//! [`cli::run`]. [`app::Application::build`] builds the server for both `powboard serve`
//! and the tests (which boot the real app with [`app::spawn`] on port 0). A map from
//! each route and guard to its file: `backend/README.md`.
pub mod app;
pub mod cache;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod country;
pub mod db;
pub mod error;
pub mod extract;
pub mod geoip;
pub mod guards;
pub mod health;
pub mod limiter;
pub mod listings;
pub mod metrics;
pub mod metrics_endpoint;
pub mod moderation;
pub mod notify;
pub mod openapi;
pub mod pow;
pub mod router;
pub mod routes;
pub mod secrets;
pub mod server;
pub mod spa;
pub mod state;
pub mod stats;
pub mod strict_json;
pub mod telemetry;
pub mod upkeep;

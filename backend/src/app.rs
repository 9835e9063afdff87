//! The application: shared state, the router (read like DESIGN's route table),
//! background upkeep, and serving with graceful shutdown.
use std::{net::IpAddr, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::{
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    http::StatusCode,
    middleware::{from_fn, from_fn_with_state},
    response::{IntoResponse, Response},
    routing::{any, get},
    Extension, Json, Router,
};
use serde_json::json;
use sqlx::PgPool;
use tokio::{net::TcpListener, task::JoinHandle};
use tower_http::{catch_panic::CatchPanicLayer, trace::TraceLayer};

use crate::{
    client_ip::ClientIpConfig,
    config::Config,
    country::CountryCode,
    db,
    error::ApiError,
    extract::BodyLimit,
    geoip::GeoIp,
    guards::{client, rate_limit, rate_limit::Budgets, timeout},
    listings, pow,
    pow::PowSettings,
    secrets::Secrets,
    spa, stats,
    stats::StatsCache,
};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub secrets: Arc<Secrets>,
    pub pow: Arc<PowSettings>,
    pub client_ip: Arc<ClientIpConfig>,
    pub budgets: Budgets,
    pub stats: Arc<StatsCache>,
    pub max_body_chars: usize,
    pub geoip: Option<Arc<GeoIp>>,
}

impl AppState {
    pub fn new(config: &Config, pool: PgPool, secrets: Secrets) -> anyhow::Result<Self> {
        Ok(Self {
            pool,
            secrets: Arc::new(secrets),
            pow: Arc::new(PowSettings::from_config(config)),
            client_ip: Arc::new(ClientIpConfig {
                trusted_proxies: config.trusted_proxies(),
                v4_prefix: config.ipv4_prefix_len,
                v6_prefix: config.ipv6_prefix_len,
            }),
            budgets: Budgets::from_config(config),
            stats: Arc::new(StatsCache::default()),
            max_body_chars: config.max_body_chars as usize,
            geoip: open_geoip(config)?,
        })
    }

    /// The country of a client address (GeoIP), when a database is configured.
    pub fn country_of(&self, addr: IpAddr) -> Option<CountryCode> {
        self.geoip.as_ref().and_then(|g| g.country(addr))
    }
}

/// `GEOIP_DB` unset: no countries. Set but unreadable: refuse to start.
fn open_geoip(config: &Config) -> anyhow::Result<Option<Arc<GeoIp>>> {
    let Some(path) = config
        .geoip_db
        .as_deref()
        .filter(|p| !p.as_os_str().is_empty())
    else {
        tracing::info!("GEOIP_DB not set: listings carry no country");
        return Ok(None);
    };
    let db = GeoIp::open(path).context("GEOIP_DB")?;
    tracing::info!(path = %path.display(), db = %db.description(), "GeoIP country database loaded");
    Ok(Some(Arc::new(db)))
}

/// The whole HTTP surface.
pub fn router(state: AppState, config: &Config) -> Router {
    let read = Router::new()
        .merge(listings::read_router())
        .merge(stats::router())
        .route_layer(from_fn(timeout::read_deadline))
        .route_layer(from_fn_with_state(
            state.budgets.read.clone(),
            rate_limit::enforce,
        ));
    let write = listings::write_router()
        .route_layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .route_layer(Extension(BodyLimit(config.body_limit_bytes)))
        .route_layer(from_fn(timeout::write_deadline))
        .route_layer(from_fn_with_state(
            state.budgets.write.clone(),
            rate_limit::enforce,
        ));
    let challenge = pow::router()
        .route_layer(from_fn(timeout::read_deadline))
        .route_layer(from_fn_with_state(
            state.budgets.challenge.clone(),
            rate_limit::enforce,
        ));
    let api = Router::new()
        .merge(read)
        .merge(write)
        .merge(challenge)
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), client::identify));
    Router::new()
        .merge(api)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str)
                .unwrap_or("-");
            tracing::info_span!("http", method = %req.method(), route)
        }))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .merge(spa::router(&config.web_dir))
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> Response {
    let probe = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query_scalar!("SELECT 1 AS \"one!\"").fetch_one(&state.pool),
    );
    match probe.await {
        Ok(Ok(_)) => Json(json!({ "status": "ready" })).into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "database unavailable" })),
        )
            .into_response(),
    }
}

/// Periodic upkeep: idle limiter keys are dropped, expired spent challenges purged.
fn spawn_upkeep(state: &AppState) -> Vec<JoinHandle<()>> {
    let budgets = state.budgets.clone();
    let sweep = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tick.tick().await;
            for b in budgets.all() {
                let dropped = b.limiter().sweep(crate::guards::limiter::Instant::now());
                if dropped > 0 {
                    tracing::debug!(dropped, tracked = b.limiter().tracked(), "limiter sweep");
                }
            }
        }
    });
    let pool = state.pool.clone();
    let purge = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match listings::repo::purge_spent_challenges(&pool).await {
                Ok(n) if n > 0 => tracing::info!(purged = n, "expired spent challenges purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not purge spent challenges"),
            }
        }
    });
    vec![sweep, purge]
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish for up to
/// `grace` before returning.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    config: &Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let upkeep = spawn_upkeep(&state);
    let app = router(state, config);
    crate::server::serve(
        listener,
        app,
        shutdown,
        Duration::from_secs(config.shutdown_grace_secs),
    )
    .await;
    upkeep.iter().for_each(JoinHandle::abort);
    Ok(())
}

/// SIGTERM (docker stop) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// `powboard serve`.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    config.validate()?;
    let secrets = Secrets::resolve(&config)?;
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let state = AppState::new(&config, pool, secrets)?;
    let listener = TcpListener::bind(config.listen_addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen_addr))?;
    tracing::info!(addr = %listener.local_addr()?, env = ?config.app_env, pow = config.pow_enable,
        difficulty = config.pow_difficulty, "powboard listening");
    run(listener, state, &config, shutdown_signal()).await?;
    tracing::info!("powboard stopped");
    Ok(())
}

/// A running server for tests: its address and a switch that starts the shutdown.
pub struct Spawned {
    pub addr: SocketAddr,
    pub shutdown: tokio::sync::oneshot::Sender<()>,
    pub handle: JoinHandle<anyhow::Result<()>>,
}

/// Starts the app on `127.0.0.1:0` with an existing pool (migrations applied).
pub async fn spawn(config: Config, pool: PgPool) -> anyhow::Result<Spawned> {
    config.validate()?;
    let secrets = Secrets::resolve(&config)?;
    let state = AppState::new(&config, pool, secrets)?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        run(listener, state, &config, async move {
            let _ = rx.await;
        })
        .await
    });
    Ok(Spawned {
        addr,
        shutdown: tx,
        handle,
    })
}

//! The lifecycle: build the application once (validate the configuration, resolve
//! the secrets, connect and migrate or take a pool, build the state, bind), then
//! serve until a shutdown signal, with background upkeep and a bounded drain. Both
//! `powboard serve` ([`serve`]) and the tests ([`spawn`]) go through
//! [`Application::build`].
use std::{future::Future, net::SocketAddr, time::Duration};

use anyhow::Context;
use sqlx::PgPool;
use tokio::{net::TcpListener, task::JoinHandle};

use crate::{
    config::Config, db, metrics, router, secrets::Secrets, server, state::AppState, upkeep,
};

/// A built application: its state made and its port bound, not yet serving.
pub struct Application {
    listener: TcpListener,
    /// The private metrics listener (`METRICS_ADDR`), when set.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    config: Config,
}

impl Application {
    /// `pool`: an existing pool with the migrations applied (tests); None connects to
    /// `DATABASE_URL` and migrates.
    pub async fn build(config: Config, pool: Option<PgPool>) -> anyhow::Result<Self> {
        config.validate()?;
        let secrets = Secrets::resolve(&config)?;
        let pool = match pool {
            Some(pool) => pool,
            None => {
                let pool = db::connect(&config).await?;
                db::migrate(&pool).await?;
                pool
            }
        };
        let state = AppState::new(&config, pool, secrets)?;
        let listener = TcpListener::bind(config.listen_addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen_addr))?;
        let metrics_listener = match config.metrics_addr.0 {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on METRICS_ADDR {addr}"))?,
            ),
            None => None,
        };
        Ok(Self {
            listener,
            metrics_listener,
            state,
            config,
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Where `GET /metrics` is served, when metrics are on.
    pub fn metrics_addr(&self) -> anyhow::Result<Option<SocketAddr>> {
        Ok(self
            .metrics_listener
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()?)
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish for up
    /// to `SHUTDOWN_GRACE_SECS` before returning.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let mut upkeep = upkeep::spawn(&self.state);
        if let Some(l) = self.metrics_listener {
            upkeep.push(tokio::spawn(metrics::endpoint::serve(
                l,
                self.state.clone(),
            )));
        }
        let app = router::router(self.state, &self.config);
        server::serve(
            self.listener,
            app,
            shutdown,
            Duration::from_secs(self.config.shutdown_grace_secs),
        )
        .await;
        upkeep.iter().for_each(JoinHandle::abort);
        Ok(())
    }
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
    let (env, pow, algorithm, difficulty) = (
        config.app_env,
        config.pow_enable,
        config.pow_algorithm,
        config.pow_difficulty(),
    );
    let app = Application::build(config, None).await?;
    tracing::info!(addr = %app.local_addr()?, env = ?env, pow, %algorithm, difficulty, "powboard listening");
    if let Some(addr) = app.metrics_addr()? {
        tracing::info!(%addr, "metrics on GET /metrics");
    }
    app.run_until(shutdown_signal()).await?;
    tracing::info!("powboard stopped");
    Ok(())
}

/// A running server for tests: its address and a switch that starts the shutdown.
pub struct Spawned {
    pub addr: SocketAddr,
    pub metrics_addr: Option<SocketAddr>,
    pub shutdown: tokio::sync::oneshot::Sender<()>,
    pub handle: JoinHandle<anyhow::Result<()>>,
}

/// Starts the app on `127.0.0.1:0` with an existing pool (migrations applied).
pub async fn spawn(mut config: Config, pool: PgPool) -> anyhow::Result<Spawned> {
    config.listen_addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let app = Application::build(config, Some(pool)).await?;
    let addr = app.local_addr()?;
    let metrics_addr = app.metrics_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    Ok(Spawned {
        addr,
        metrics_addr,
        shutdown: tx,
        handle,
    })
}

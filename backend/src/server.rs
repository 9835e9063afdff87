//! The connection loop. `axum::serve` sets no header-read deadline, so a client that
//! trickles its request headers (slowloris) would hold a connection forever; here
//! hyper gets a timer and a 10 s header deadline, and shutdown drains in-flight
//! requests (hyper-util's GracefulShutdown) for at most the configured grace.
//!
//! hyper starts that deadline at the request's first byte, so a connection that never
//! sends one would stay open for good (one file descriptor each, until the process
//! runs out). Each connection therefore gets the same deadline for its first byte
//! before hyper sees it.
use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{extract::ConnectInfo, Router};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto::Builder, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Time a client has to send its complete request head.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    grace: Duration,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let builder = Arc::new(builder);
    let graceful = GracefulShutdown::new();
    // Tells connections still waiting for their first byte to close at shutdown.
    let (stopping, stop) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let svc = app
            .clone()
            .map_request(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                req.map(axum::body::Body::new)
            });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            // peek, not readable(): readiness can be reported before any byte is there.
            let mut first_byte = [0u8; 1];
            tokio::select! {
                // Data already waiting wins over a shutdown that starts meanwhile.
                biased;
                first = tokio::time::timeout(HEADER_READ_TIMEOUT, stream.peek(&mut first_byte)) => {
                    if first.is_err() {
                        tracing::debug!(%peer, "no request within the header deadline: closed");
                        return;
                    }
                }
                _ = stop.wait_for(|stopping| *stopping) => return,
            }
            drop(stop);
            let conn = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(svc))
                .into_owned();
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    tracing::info!(
        grace_secs = grace.as_secs(),
        "shutting down: finishing in-flight requests"
    );
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("grace period over: exiting with requests still in flight");
    }
}

//! The connection loop. `axum::serve` sets no header-read deadline, so a client that
//! trickles its request headers (slowloris) would hold a connection forever; here
//! hyper gets a timer and a 10 s header deadline, and shutdown drains in-flight
//! requests (hyper-util's GracefulShutdown) for at most the configured grace.
//!
//! HTTP/1 only, with hyper's own HTTP/1 builder. hyper-util's auto builder first
//! reads a connection's opening bytes to tell HTTP/1 from HTTP/2, with no deadline,
//! so a connection that never sent a byte stayed open for good (one file descriptor
//! each, until the process ran out); hyper's HTTP/1 connection arms the header
//! deadline as soon as it starts reading. Nothing speaks HTTP/2 to the app: Caddy
//! proxies over HTTP/1.1 and terminates HTTP/2 and HTTP/3 for clients.
//!
//! Every answer has the API's error shape, also where hyper or the router would not
//! write it: requests refused before routing ([`framing`]) and hyper's own refusals
//! of heads it cannot parse ([`refusal`]).
mod framing;
mod refusal;

use std::{convert::Infallible, net::SocketAddr, time::Duration};

use axum::{extract::ConnectInfo, response::IntoResponse, Router};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
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
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        // A client may send its request and shut its write side while it waits
        // (`nc -N`, `socat`, many scripts): answer it rather than drop it at the EOF.
        .half_close(true)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
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
        let app = app.clone();
        let svc = tower::service_fn(move |req: hyper::Request<Incoming>| {
            let app = app.clone();
            async move {
                if let Some(refused) = framing::refuse(&req) {
                    return Ok::<_, Infallible>(refused.into_response());
                }
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                app.oneshot(req).await
            }
        });
        let (io, handoff) = refusal::RefusalIo::new(stream);
        let conn = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(svc));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                match handoff.take() {
                    Some((stream, status)) => {
                        refusal::answer(stream, refusal::error_for(status, &e)).await
                    }
                    None => tracing::debug!(error = %e, "connection ended with an error"),
                }
            }
        });
    }
    drop(listener);
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

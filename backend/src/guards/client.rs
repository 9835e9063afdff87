//! The client-identity layer: resolves the client address and key of every API
//! request once (see `client_ip`) and puts them into the request extensions.
use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};

use crate::app::AppState;

pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Without ConnectInfo (router-level tests), the peer is unspecified: 0.0.0.0.
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip())
        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
    let identity = state.client_ip.identify(peer, req.headers());
    req.extensions_mut().insert(identity);
    next.run(req).await
}

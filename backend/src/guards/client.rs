//! Who the client is. The layer resolves the client address and key of every API
//! request once (see `client_ip`) and puts the [`ClientIdentity`] into the request's
//! extensions, for the budgets and the PoW binding. A handler that stores or prices
//! the client takes [`Client`], which adds the stored hash and the country.
use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts, Request, State},
    http::request::Parts,
    middleware::Next,
    response::Response,
};

use crate::{
    client_ip::{ClientIdentity, ClientProfile, Clients},
    error::ApiError,
};

/// The layer on the API routes. The connection loop (`server`) gives every request
/// its peer address.
pub async fn identify(
    State(clients): State<Arc<Clients>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let identity = clients.identify(peer.ip(), req.headers());
    req.extensions_mut().insert(identity);
    next.run(req).await
}

/// The client of a request behind the identity layer, with its stored hash and
/// country (computed here, once, for the handlers that need them).
#[derive(Clone, Copy, Debug)]
pub struct Client {
    pub identity: ClientIdentity,
    pub profile: ClientProfile,
}

impl<S> FromRequestParts<S> for Client
where
    S: Send + Sync,
    Arc<Clients>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let identity = *parts.extensions.get::<ClientIdentity>().ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("route without the client-identity layer"))
        })?;
        let profile = Arc::<Clients>::from_ref(state).profile(&identity);
        Ok(Self { identity, profile })
    }
}

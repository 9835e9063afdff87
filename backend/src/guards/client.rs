//! Who the client is. The layer resolves the client address and key of every API
//! request once (see `client_ip`) and puts the [`ClientIdentity`] into the request's
//! extensions, for the budgets and the PoW binding. A handler that stores or prices
//! the client takes [`Client`], which adds the stored hash and the country.
use std::{
    convert::Infallible,
    net::SocketAddr,
    sync::Arc,
    task::{Context, Poll},
};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts, Request},
    http::request::Parts,
    response::{IntoResponse, Response},
};
use futures_util::future::{ready, Either, Ready};
use tower::{Layer, Service};

use crate::{
    client_ip::{ClientIdentity, ClientProfile, Clients},
    error::ApiError,
};

/// The layer on the API routes. The connection loop (`server`) gives every request
/// its peer address. A tower layer rather than `middleware::from_fn`: its work is done
/// before the inner service is called, so it needs neither a clone of that service nor
/// a boxed future per request (see `metrics::http::TrackLayer`).
#[derive(Clone)]
pub struct IdentifyLayer(pub Arc<Clients>);

impl<S> Layer<S> for IdentifyLayer {
    type Service = Identify<S>;

    fn layer(&self, inner: S) -> Identify<S> {
        Identify {
            inner,
            clients: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Identify<S> {
    inner: S,
    clients: Arc<Clients>,
}

impl<S> Service<Request> for Identify<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let Some(&ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>() else {
            let e = ApiError::Internal(anyhow::anyhow!("request without its peer address"));
            return Either::Left(ready(Ok(e.into_response())));
        };
        let identity = self.clients.identify(peer.ip(), req.headers());
        req.extensions_mut().insert(identity);
        Either::Right(self.inner.call(req))
    }
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

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::StatusCode};
    use tower::{service_fn, ServiceExt};

    use super::*;
    use crate::{client_ip::ClientIpConfig, error::answer_code, secrets::SecretKey};

    #[tokio::test]
    async fn the_identity_goes_into_the_request_and_a_missing_peer_is_an_internal_error() {
        let clients = Clients::new(
            ClientIpConfig {
                trusted_proxies: vec![],
                v4_prefix: 32,
                v6_prefix: 64,
            },
            SecretKey::random(),
            None,
        );
        // The inner service answers with the address the layer identified.
        let inner = service_fn(|req: Request| async move {
            let answer = match req.extensions().get::<ClientIdentity>() {
                Some(identity) => identity.addr.to_string().into_response(),
                None => StatusCode::IM_A_TEAPOT.into_response(),
            };
            Ok::<_, Infallible>(answer)
        });
        let identify = IdentifyLayer(Arc::new(clients)).layer(inner);
        let mut req = Request::new(Body::empty());
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40_000))));
        let res = identify.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), 200);
        let body = axum::body::to_bytes(res.into_body(), 100).await.unwrap();
        assert_eq!(&body[..], b"198.51.100.7");
        // A router that does not go through the connection loop has no peer address.
        let res = identify.oneshot(Request::new(Body::empty())).await.unwrap();
        assert_eq!(answer_code(res).await, (500, "INTERNAL".into()));
    }
}

//! The one multiplexed connection to Redis that every budget of the process shares,
//! made and remade here rather than by the `redis` crate's `ConnectionManager`: the
//! manager retried a failed connection with its own backoff, so a refused port, a wrong
//! password, a missing database or socket all outlived the check's deadline and read
//! "no answer within the deadline". Here a failed attempt is reported as it is (see
//! `store_fault`), and the next probe (`store_health`) dials again.
use std::sync::RwLock;
use std::time::Duration;

use anyhow::Context;
use futures_util::future::{BoxFuture, FutureExt, Shared};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ConnectionAddr, RedisError};

use super::store_fault::StoreFault;

/// A connection being made, or made (or failed): shared by every check waiting for it.
type Dialing = Shared<BoxFuture<'static, Result<MultiplexedConnection, RedisError>>>;

pub struct RedisLink {
    client: redis::Client,
    config: AsyncConnectionConfig,
    /// `REDIS_URL` names a unix socket.
    unix: bool,
    current: RwLock<Dialing>,
}

impl RedisLink {
    /// Starts dialing at once, in the background (the board serves while Redis is down),
    /// so only a malformed `url` is an error here. Must run inside a Tokio runtime.
    pub fn new(url: &str, deadline: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .context("REDIS_URL is not a Redis URL (e.g. redis://127.0.0.1:6379/0)")?;
        let unix = matches!(client.get_connection_info().addr(), ConnectionAddr::Unix(_));
        // A dial may take longer than one check's deadline (TLS, a remote host): it goes
        // on in the background and a later check finds the connection made. Replies need
        // no timeout of the crate's: every check has its own deadline.
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(deadline.max(Duration::from_millis(500))))
            .set_response_timeout(None);
        let first = dial(&client, &config);
        Ok(Self {
            client,
            config,
            unix,
            current: RwLock::new(first),
        })
    }

    /// The connection, dialing again when the last attempt failed. The error is the
    /// attempt's own (refused, auth, database, socket).
    pub async fn connection(&self) -> Result<MultiplexedConnection, StoreFault> {
        let current = self.current.read().expect("not poisoned").clone();
        let dialing = match current.peek() {
            Some(Err(_)) => self.redial(&current),
            _ => current,
        };
        dialing
            .await
            .map_err(|e| StoreFault::from_redis(&e, self.unix))
    }

    /// Drops the connection (broken, or silent during an outage) so that the next check
    /// dials anew. Only one of several checks that saw the same one replaces it.
    pub fn drop_connection(&self) {
        let current = self.current.read().expect("not poisoned").clone();
        // Its own task drives the new attempt (see `dial`): nothing to wait for here.
        drop(self.redial(&current));
    }

    /// Sorts a library error of a command sent on the connection.
    pub fn fault(&self, e: &RedisError) -> StoreFault {
        StoreFault::from_redis(e, self.unix)
    }

    fn redial(&self, seen: &Dialing) -> Dialing {
        let mut current = self.current.write().expect("not poisoned");
        if current.ptr_eq(seen) {
            *current = dial(&self.client, &self.config);
        }
        current.clone()
    }
}

/// One connection attempt, driven by its own task so that it completes even when every
/// check waiting for it has given up at its deadline.
fn dial(client: &redis::Client, config: &AsyncConnectionConfig) -> Dialing {
    let (client, config) = (client.clone(), config.clone());
    let dialing = async move {
        client
            .get_multiplexed_async_connection_with_config(&config)
            .await
    }
    .boxed()
    .shared();
    tokio::spawn(dialing.clone().map(drop));
    dialing
}

//! The guards in front of the routes: who the client is, the per-client budgets
//! (over the `limiter` data structure), and the per-group handler timeouts. The
//! proof of work is checked by the write handler itself (it needs the body), see `pow`.
pub mod body;
pub mod client;
pub mod rate_limit;
pub mod timeout;

//! The machinery the workspace's HTTP fakes (`fake-devopness`, `fake-github`) share:
//!
//! - [`Server`]: an axum router served on 127.0.0.1 from its own thread and tokio runtime,
//!   stopped (connections closed) when dropped; [`Shared`]: the token, base URL and state
//!   its handlers share;
//! - [`Conn`]: a connection's kill switch, so a handler can drop the connection without a
//!   response;
//! - [`read_request`]: a request's body read in full, and its kill switch;
//! - [`RecordedRequest`], [`RecordedResponse`], [`Exchange`] and [`RequestLog`]: every request
//!   received, with the status (or the whole response) answered;
//! - [`query`] and [`time`]: small helpers both fakes' models need;
//! - [`testing`]: a raw HTTP/1.1 client over `std::net::TcpStream` for the fakes' tests.

mod listener;
pub mod query;
mod record;
mod request;
mod server;
pub mod testing;
pub mod time;

pub use listener::Conn;
pub use record::{Exchange, RecordedRequest, RecordedResponse, RequestLog};
pub use request::{authorization, read_request, Incoming, MAX_BODY};
pub use server::{start_on_free_port, Binding, Server, Shared};

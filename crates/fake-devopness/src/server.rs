//! The shared state. The server loop (axum over a listener whose connections can be cut) is
//! `fake_http::Server`; to drop a connection without a response, a handler kills its
//! `fake_http::Conn`.

use std::time::Duration;

use fake_http::RequestLog;

use crate::faults::FaultPlan;
use crate::model::Store;
use crate::ratelimit::Limiter;

/// The token, the base URL and the [`State`].
pub(crate) type App = fake_http::Shared<State>;

pub(crate) struct State {
    pub store: Store,
    pub faults: FaultPlan,
    pub latency: Duration,
    pub body_as_string: bool,
    /// Every request received, with a sequence number to set its status once answered.
    pub requests: RequestLog,
    /// The rate limit, when one is set.
    pub limiter: Option<Limiter>,
}

impl State {
    pub fn new(seed: u64) -> State {
        State {
            store: Store::new(seed),
            faults: FaultPlan::default(),
            latency: Duration::ZERO,
            body_as_string: false,
            requests: RequestLog::default(),
            limiter: None,
        }
    }
}

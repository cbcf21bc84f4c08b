//! The shared state. The server loop (axum over a listener whose connections can be cut) is
//! `fake_http::Server`; to drop a connection without a response, the handler kills its
//! `fake_http::Conn`.

use fake_http::RequestLog;

use crate::model::Store;
use crate::Outage;

/// The token, the base URL and the [`State`].
pub(crate) type App = fake_http::Shared<State>;

pub(crate) struct State {
    pub store: Store,
    pub outage: Outage,
    pub forbid_writes: bool,
    /// Every request received, with a sequence number to set its status once answered.
    pub requests: RequestLog,
}

impl State {
    pub fn new(base_url: String) -> State {
        State {
            store: Store::new(base_url),
            outage: Outage::None,
            forbid_writes: false,
            requests: RequestLog::default(),
        }
    }
}

//! The shared state, and the log of what the fake answered. The server loop (axum over a
//! listener whose connections can be cut) is `fake_http::Server`; to drop a connection
//! without a response, the gate kills its `fake_http::Conn`.

use axum::http::request::Parts;
use fake_http::{Exchange, RecordedResponse, RequestLog};

use crate::model::Store;
use crate::Outage;

/// The token, the base URL and the [`State`].
pub(crate) type App = fake_http::Shared<State>;

pub(crate) struct State {
    pub store: Store,
    pub outage: Outage,
    pub forbid_writes: bool,
    /// Every request received, with the response it got.
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

    /// Records a request (unanswered); returns its sequence number.
    pub fn record(&mut self, parts: &Parts, body: &[u8]) -> u64 {
        self.requests.record(parts, body)
    }

    /// Records the response to request `seq` (`None`: the connection was dropped).
    pub fn answer(&mut self, seq: u64, response: Option<RecordedResponse>) {
        self.requests.answer(seq, response);
    }

    pub fn exchanges(&self) -> Vec<Exchange> {
        self.requests.exchanges()
    }

    pub fn clear(&mut self) {
        self.requests.clear();
    }
}

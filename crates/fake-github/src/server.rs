//! The shared state, and the log of what the fake answered. The server loop (axum over a
//! listener whose connections can be cut) is `fake_http::Server`; to drop a connection
//! without a response, the gate kills its `fake_http::Conn`.

use axum::http::request::Parts;
use fake_http::{RecordedRequest, RequestLog};
use serde_json::Value;

use crate::model::Store;
use crate::Outage;

/// The token, the base URL and the [`State`].
pub(crate) type App = fake_http::Shared<State>;

/// One response the fake sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedResponse {
    pub status: u16,
    /// Header names lower-cased, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RecordedResponse {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// A request and the response it got (`None` when the connection was dropped instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub request: RecordedRequest,
    pub response: Option<RecordedResponse>,
}

pub(crate) struct State {
    pub store: Store,
    pub outage: Outage,
    pub forbid_writes: bool,
    /// Every request received, with a sequence number to set its status once answered.
    pub requests: RequestLog,
    /// The responses, in the same order as `requests` (pushed together, cleared together).
    responses: Vec<(u64, Option<RecordedResponse>)>,
}

impl State {
    pub fn new(base_url: String) -> State {
        State {
            store: Store::new(base_url),
            outage: Outage::None,
            forbid_writes: false,
            requests: RequestLog::default(),
            responses: Vec::new(),
        }
    }

    /// Records a request (unanswered); returns its sequence number.
    pub fn record(&mut self, parts: &Parts, body: &[u8]) -> u64 {
        let seq = self.requests.record(parts, body);
        self.responses.push((seq, None));
        seq
    }

    /// Records the response to request `seq` (`None`: the connection was dropped).
    pub fn answer(&mut self, seq: u64, response: Option<RecordedResponse>) {
        self.requests
            .set_status(seq, response.as_ref().map_or(0, |r| r.status));
        if let Some((_, slot)) = self.responses.iter_mut().rev().find(|(s, _)| *s == seq) {
            *slot = response;
        }
    }

    pub fn exchanges(&self) -> Vec<Exchange> {
        self.requests
            .all()
            .into_iter()
            .zip(self.responses.iter())
            .map(|(request, (_, response))| Exchange {
                request,
                response: response.clone(),
            })
            .collect()
    }

    pub fn clear(&mut self) {
        self.requests.clear();
        self.responses.clear();
    }
}

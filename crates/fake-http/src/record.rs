//! What a fake received: every request, with the response it got.

use axum::body::Body;
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::Value;

use crate::query;

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// As sent (for `fake-github`, with the `/api/v3` prefix if there was one).
    pub path: String,
    /// The raw (still percent-encoded) query string.
    pub query: Option<String>,
    /// The status answered; 0 when the connection was dropped without a response.
    pub status: u16,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RecordedRequest {
    fn new(parts: &Parts, body: &[u8]) -> RecordedRequest {
        RecordedRequest {
            method: parts.method.as_str().to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            status: 0,
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    (k.as_str().to_string(), value)
                })
                .collect(),
            body: String::from_utf8_lossy(body).into_owned(),
        }
    }

    /// POST, PUT, PATCH or DELETE.
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        first_header(&self.headers, name)
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// The decoded query parameters, in order (`labels=a%2Cb` gives `("labels", "a,b")`).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        query::parse(self.query.as_deref())
    }

    /// The path without GitHub Enterprise Server's `/api/v3` prefix (the path itself when it
    /// has none).
    pub fn route(&self) -> &str {
        match self.path.strip_prefix("/api/v3") {
            Some(rest) if rest.starts_with('/') => rest,
            _ => &self.path,
        }
    }
}

/// One response a fake sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedResponse {
    pub status: u16,
    /// Header names lower-cased, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RecordedResponse {
    /// The response as it will be sent, and its record (the fakes' bodies are small and
    /// in memory, so reading it whole changes nothing the client sees).
    pub async fn capture(response: Response) -> (Response, RecordedResponse) {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let recorded = RecordedResponse {
            status: parts.status.as_u16(),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    (k.as_str().to_string(), value)
                })
                .collect(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        (Response::from_parts(parts, Body::from(bytes)), recorded)
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        first_header(&self.headers, name)
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// A request and the response it got (`None` when the connection was dropped instead, or
/// when the fake recorded only the status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub request: RecordedRequest,
    pub response: Option<RecordedResponse>,
}

/// Every request received, each with a sequence number to set its status (or its whole
/// response) once answered.
#[derive(Debug, Default)]
pub struct RequestLog {
    requests: Vec<(u64, Exchange)>,
    next_seq: u64,
}

impl RequestLog {
    /// Records the request (status 0 until [`RequestLog::set_status`] or
    /// [`RequestLog::answer`]); returns its sequence number, which keeps increasing across
    /// [`RequestLog::clear`].
    pub fn record(&mut self, parts: &Parts, body: &[u8]) -> u64 {
        self.next_seq += 1;
        let request = RecordedRequest::new(parts, body);
        let exchange = Exchange {
            request,
            response: None,
        };
        self.requests.push((self.next_seq, exchange));
        self.next_seq
    }

    fn get_mut(&mut self, seq: u64) -> Option<&mut Exchange> {
        self.requests
            .iter_mut()
            .rev()
            .find(|(s, _)| *s == seq)
            .map(|(_, e)| e)
    }

    pub fn set_status(&mut self, seq: u64, status: u16) {
        if let Some(e) = self.get_mut(seq) {
            e.request.status = status;
        }
    }

    /// Records the response to request `seq` and its status (`None`: the connection was
    /// dropped, status 0).
    pub fn answer(&mut self, seq: u64, response: Option<RecordedResponse>) {
        if let Some(e) = self.get_mut(seq) {
            e.request.status = response.as_ref().map_or(0, |r| r.status);
            e.response = response;
        }
    }

    /// Every request recorded (since the last clear), in order.
    pub fn all(&self) -> Vec<RecordedRequest> {
        self.requests
            .iter()
            .map(|(_, e)| e.request.clone())
            .collect()
    }

    /// Every request recorded (since the last clear), in order, with its response.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.requests.iter().map(|(_, e)| e.clone()).collect()
    }

    pub fn clear(&mut self) {
        self.requests.clear();
    }
}

/// The first of `headers` named `name` (case-insensitive), for requests and responses alike.
fn first_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, uri: &str) -> Parts {
        let request = axum::http::Request::builder()
            .method(method)
            .uri(uri)
            .header("X-Trace", "a")
            .header("x-trace", "b")
            .body(())
            .unwrap_or_default();
        request.into_parts().0
    }

    #[test]
    fn records_and_sets_statuses() {
        let mut log = RequestLog::default();
        let first = log.record(&parts("GET", "/api/v3/x?a=1"), b"");
        let second = log.record(&parts("PATCH", "/x"), b"{\"k\":1}");
        log.set_status(second, 201);
        let all = log.all();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].status, 0);
        assert_eq!(all[1].status, 201);
        assert!(!all[0].is_write() && all[1].is_write());
        assert_eq!(all[0].route(), "/x");
        assert_eq!(all[0].path, "/api/v3/x");
        assert_eq!(all[0].query.as_deref(), Some("a=1"));
        assert_eq!(all[0].query_pairs(), vec![("a".into(), "1".into())]);
        assert_eq!(all[0].header("X-TRACE"), Some("a"));
        assert_eq!(all[1].json(), Some(serde_json::json!({ "k": 1 })));
        assert_eq!(all[0].json(), None);
        let response = RecordedResponse {
            status: 204,
            headers: vec![("x-a".into(), "1".into())],
            body: String::new(),
        };
        log.answer(first, Some(response.clone()));
        let exchanges = log.exchanges();
        assert_eq!(exchanges[0].request.status, 204);
        assert_eq!(exchanges[0].response, Some(response));
        assert_eq!(
            exchanges[0].response.as_ref().and_then(|r| r.header("X-A")),
            Some("1")
        );
        assert_eq!(exchanges[1].response, None, "a status alone is no response");
        log.answer(second, None);
        assert_eq!(log.all()[1].status, 0, "dropped");
        log.clear();
        assert!(log.all().is_empty());
        assert!(
            log.record(&parts("GET", "/"), b"") > first + 1,
            "seq goes on"
        );
    }

    #[test]
    fn routes_only_strip_a_whole_prefix() {
        let request = |path: &str| RecordedRequest {
            method: "GET".into(),
            path: path.into(),
            query: None,
            status: 0,
            headers: Vec::new(),
            body: String::new(),
        };
        assert_eq!(request("/api/v3").route(), "/api/v3");
        assert_eq!(request("/api/v3x/y").route(), "/api/v3x/y");
        assert_eq!(request("/api/v3/").route(), "/");
    }
}

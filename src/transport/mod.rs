//! One transport for every request of the run, Devopness's and GitHub's alike: one
//! HTTP client (TLS roots, `ca-certificate`, proxies, no redirects: [`crate::http`]),
//! one retry policy ([`policy`]), the API's rate limit and an adaptive concurrency per
//! API ([`pacing`], [`gate`]), and the run's deadline. Callers hand it an
//! `http::Request` and get the final answer, whatever its status, or a
//! [`TransportError`] when there is none.

mod gate;
pub mod pacing;
pub mod policy;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use bytes::Bytes;

use gate::Gate;
use policy::{Attempt, Next, RateHeaders, Tries};
use status_core::api_error::{TransportError, MAX_BODY};

/// A request as callers build it.
pub type Request = http::Request<Bytes>;
/// An answer, its body read in full (at most [`MAX_BODY`]).
pub type Response = http::Response<Bytes>;

/// The transport of one run; clones share everything.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    deadline: Instant,
    max_in_flight: usize,
    /// One gate per API origin: each API has its own rate limit.
    gates: Mutex<HashMap<String, Arc<Gate>>>,
}

impl Transport {
    /// Every request ends by `deadline`; at most `max_in_flight` requests per API are
    /// in flight at once (fewer after 429s).
    pub fn new(http: reqwest::Client, deadline: Instant, max_in_flight: usize) -> Transport {
        Transport {
            inner: Arc::new(Inner {
                http,
                deadline,
                max_in_flight,
                gates: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The run's deadline.
    pub fn deadline(&self) -> Instant {
        self.inner.deadline
    }

    /// Sends `request`, again as [`policy`] says, each time through its API's gate.
    pub async fn send(&self, request: Request) -> Result<Response, TransportError> {
        let url = reqwest::Url::parse(&request.uri().to_string())
            .map_err(|e| TransportError::Request(format!("{}: {e}", request.uri())))?;
        let gate = self.gate(&url);
        let idempotent = policy::idempotent(request.method());
        let mut tries = Tries::default();
        loop {
            let permit = gate.acquire(self.inner.deadline).await?;
            let result = self.attempt(&request, &url).await;
            let (attempt, retry_after) = match &result {
                Ok(response) => {
                    let headers = RateHeaders::parse(response.headers(), SystemTime::now());
                    let refused = headers.refuses(response.status());
                    if headers.speaks_for_the_limiter(response.status()) {
                        permit.answered(refused, &headers);
                    } else {
                        drop(permit);
                    }
                    let attempt = Attempt::Answered {
                        status: response.status(),
                        rate_limited: refused,
                    };
                    (attempt, headers.retry_after)
                }
                Err(e) => {
                    drop(permit);
                    (classify(e), None)
                }
            };
            match policy::next(idempotent, attempt, &mut tries, retry_after) {
                Next::Done => return result,
                Next::Retry(wait) if Instant::now() + wait >= self.inner.deadline => return result,
                Next::Retry(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    fn gate(&self, url: &reqwest::Url) -> Arc<Gate> {
        let origin = url.origin().ascii_serialization();
        let mut gates = self
            .inner
            .gates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        gates
            .entry(origin)
            .or_insert_with(|| Arc::new(Gate::new(self.inner.max_in_flight)))
            .clone()
    }

    /// One attempt, ending by the deadline (and within [`crate::http::REQUEST_TIMEOUT`]).
    async fn attempt(
        &self,
        request: &Request,
        url: &reqwest::Url,
    ) -> Result<Response, TransportError> {
        let remaining = self
            .inner
            .deadline
            .saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(TransportError::Deadline);
        }
        let mut outgoing = reqwest::Request::new(request.method().clone(), url.clone());
        *outgoing.headers_mut() = request.headers().clone();
        *outgoing.timeout_mut() = Some(remaining.min(crate::http::REQUEST_TIMEOUT));
        let carries_body = !request.body().is_empty()
            || matches!(
                *request.method(),
                http::Method::POST | http::Method::PUT | http::Method::PATCH
            );
        if carries_body {
            *outgoing.body_mut() = Some(request.body().clone().into());
        }
        let response = self
            .inner
            .http
            .execute(outgoing)
            .await
            .map_err(|e| from_reqwest(&e))?;
        read(response).await
    }
}

/// Reads an answer in full, refusing a body over [`MAX_BODY`].
async fn read(mut response: reqwest::Response) -> Result<Response, TransportError> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| from_reqwest(&e))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(TransportError::BodyTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let mut answer = http::Response::new(Bytes::from(body));
    *answer.status_mut() = status;
    *answer.headers_mut() = headers;
    Ok(answer)
}

fn classify(e: &TransportError) -> Attempt {
    match e {
        TransportError::Connect(_) => Attempt::NotSent,
        TransportError::Timeout(_) | TransportError::Connection(_) => Attempt::Lost,
        _ => Attempt::Fatal,
    }
}

/// A reqwest error as a [`TransportError`]: a refused certificate found by its type in
/// the error's sources, else by what reqwest says happened. Its text holds the URL,
/// never a header.
fn from_reqwest(e: &reqwest::Error) -> TransportError {
    if let Some(tls) = rustls_error(e) {
        return TransportError::Tls(tls.to_string());
    }
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = format!("{detail}: {s}");
        source = s.source();
    }
    if e.is_connect() {
        TransportError::Connect(detail)
    } else if e.is_timeout() {
        TransportError::Timeout(detail)
    } else {
        TransportError::Connection(detail)
    }
}

/// The `rustls::Error` among the sources of `e`. An `io::Error`'s `source()` skips the
/// error it wraps, so each one is also looked into with `get_ref`.
fn rustls_error(e: &(dyn std::error::Error + 'static)) -> Option<rustls::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(current) = next {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls.clone());
        }
        if let Some(inner) = current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            if let Some(tls) = rustls_error(inner) {
                return Some(tls);
            }
        }
        next = current.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rustls_error_is_found_inside_an_io_error() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls.clone());
        let outer = std::io::Error::other(io);
        assert_eq!(rustls_error(&outer), Some(tls));
        assert_eq!(rustls_error(&std::io::Error::other("plain")), None);
    }

    #[test]
    fn only_a_failed_connection_counts_as_never_sent() {
        assert_eq!(
            classify(&TransportError::Connect("refused".into())),
            Attempt::NotSent
        );
        assert_eq!(
            classify(&TransportError::Connection("reset".into())),
            Attempt::Lost
        );
        assert_eq!(classify(&TransportError::BodyTooLarge), Attempt::Fatal);
    }
}

//! octocrab on the run's [`Transport`]: a tower `Service` that octocrab's builder takes
//! in place of its own connector, so its typed routes and models stay while every GitHub
//! request gets the run's TLS roots (`ca-certificate`, `SSL_CERT_FILE`), proxies, redirect
//! rule, retries, rate-limit handling and deadline.
//!
//! octocrab hands it requests with a path only (`/repos/o/r/issues?...`); the service
//! puts them under the API URL (keeping a GitHub Enterprise Server `/api/v3` prefix) and
//! adds the token. An absolute URL (a pagination link) is followed only on the API's own
//! origin, so the token never leaves it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use http_body_util::{BodyExt, Full};
use octocrab::OctoBody;

use crate::transport::Transport;
use status_core::api_error::TransportError;

/// The service octocrab sends through.
#[derive(Clone)]
pub struct OnTransport {
    transport: Transport,
    /// The API URL without a trailing slash.
    base: url::Url,
    /// `Bearer <token>`, marked sensitive.
    authorization: HeaderValue,
}

impl OnTransport {
    /// Sends to the API at `api_url` with `token`. Errors say which is unusable.
    pub fn new(transport: Transport, api_url: &str, token: &str) -> Result<OnTransport, String> {
        let base = url::Url::parse(api_url.trim_end_matches('/'))
            .map_err(|e| format!("the GitHub API URL {api_url} does not parse: {e}"))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(format!(
                "the GitHub API URL {api_url} is not an http(s) URL"
            ));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| "the github-token holds characters a header cannot carry".to_owned())?;
        authorization.set_sensitive(true);
        Ok(OnTransport {
            transport,
            base,
            authorization,
        })
    }

    /// The full URL of a request octocrab built.
    fn resolve(&self, uri: &http::Uri) -> Result<http::Uri, TransportError> {
        let full = match uri.authority() {
            None => {
                let tail = uri.path_and_query().map_or("/", |p| p.as_str());
                format!("{}{tail}", self.base.as_str().trim_end_matches('/'))
            }
            Some(_) => {
                let url = url::Url::parse(&uri.to_string())
                    .map_err(|e| TransportError::Request(format!("{uri}: {e}")))?;
                if url.origin() != self.base.origin() {
                    return Err(TransportError::Request(format!(
                        "a GitHub URL on another host ({}); not sending the token there",
                        url.origin().ascii_serialization()
                    )));
                }
                url.to_string()
            }
        };
        full.parse()
            .map_err(|e| TransportError::Request(format!("{full}: {e}")))
    }
}

type Answer = http::Response<Full<Bytes>>;

impl tower_service::Service<http::Request<OctoBody>> for OnTransport {
    type Response = Answer;
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<Answer, TransportError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<OctoBody>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| TransportError::Request(format!("the request body: {e}")))?
                .to_bytes();
            parts.uri = this.resolve(&parts.uri)?;
            parts
                .headers
                .insert(AUTHORIZATION, this.authorization.clone());
            if !parts.headers.contains_key(ACCEPT) {
                parts.headers.insert(
                    ACCEPT,
                    HeaderValue::from_static("application/vnd.github+json"),
                );
            }
            let response = this
                .transport
                .send(http::Request::from_parts(parts, body))
                .await?;
            Ok(response.map(Full::new))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(api_url: &str) -> OnTransport {
        let http = crate::http::client(&[]).expect("client");
        let transport = Transport::new(http, std::time::Instant::now(), 1);
        OnTransport::new(transport, api_url, "t").expect("service")
    }

    #[test]
    fn paths_go_under_the_api_url_keeping_its_prefix() {
        let s = service("https://ghe.example/api/v3/");
        let uri: http::Uri = "/repos/o/r/issues?state=all".parse().expect("uri");
        assert_eq!(
            s.resolve(&uri).expect("resolved").to_string(),
            "https://ghe.example/api/v3/repos/o/r/issues?state=all"
        );
        let s = service("https://api.github.com");
        let uri: http::Uri = "/repos/o/r/issues/1".parse().expect("uri");
        assert_eq!(
            s.resolve(&uri).expect("resolved").to_string(),
            "https://api.github.com/repos/o/r/issues/1"
        );
    }

    #[test]
    fn absolute_urls_stay_on_the_api_origin() {
        let s = service("https://api.github.com");
        let same: http::Uri = "https://api.github.com/repos/o/r/issues?page=2"
            .parse()
            .expect("uri");
        assert!(s.resolve(&same).is_ok());
        let other: http::Uri = "https://evil.example/x".parse().expect("uri");
        assert!(matches!(
            s.resolve(&other),
            Err(TransportError::Request(m)) if m.contains("another host")
        ));
    }

    #[test]
    fn unusable_api_urls_are_refused() {
        let http = crate::http::client(&[]).expect("client");
        let transport = Transport::new(http, std::time::Instant::now(), 1);
        assert!(OnTransport::new(transport.clone(), "not a url", "t").is_err());
        assert!(OnTransport::new(transport, "mailto:x@example.com", "t").is_err());
    }
}

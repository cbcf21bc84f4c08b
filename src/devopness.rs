//! The Devopness API client: list, create, update and delete a pipeline's outgoing
//! hooks (see `shared/devopness-api/NOTES.md`). It turns HTTP outcomes into
//! [`ApiError`]s a user can act on; it decides nothing about hooks.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::{header, Method, StatusCode};
use serde_json::Value;

use crate::health::Delivery;
use crate::hook::ObservedHook;
use crate::link;

/// Items per page when listing (the API's maximum).
pub const PER_PAGE: u32 = 100;
/// A listing longer than this many pages is cut off as broken pagination.
pub const MAX_PAGES: usize = 200;
/// Largest response body read; anything bigger is an error, not an allocation.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// Why a request failed, in terms of what the user can do about it.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 401: the token was rejected.
    Unauthorized,
    /// 403: the token lacks access to this resource.
    Forbidden(String),
    /// 404: unknown id, or not visible to this token.
    NotFound(String),
    /// 422: the API's field errors.
    Validation {
        message: String,
        fields: Vec<(String, Vec<String>)>,
    },
    /// Any other HTTP status.
    Status { code: u16, message: String },
    /// No response: connection refused, reset, timed out.
    Transport(String),
    /// Not sent at all (rate-limit wait or the run's deadline): nothing happened.
    NotSent(String),
    /// The server's certificate was refused: retrying cannot help.
    Tls(String),
    /// A response that is not what the API documents.
    BadResponse(String),
}

impl ApiError {
    /// Whether a write that failed this way may still have been carried out.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::Transport(_) => true,
            ApiError::Status { code, .. } => *code >= 500,
            _ => false,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unauthorized => write!(
                f,
                "the Devopness API rejected the token (401): check that the `api-token` secret holds a valid, unexpired Devopness API token"
            ),
            ApiError::Forbidden(m) => write!(
                f,
                "the token lacks access (403: {m}): use a token of a user who can manage this pipeline's hooks"
            ),
            ApiError::NotFound(m) => write!(
                f,
                "not found (404: {m}): check the pipeline id, and that the token's user can see it"
            ),
            ApiError::Validation { message, fields } => {
                write!(f, "the API refused the request (422: {message})")?;
                for (field, errors) in fields {
                    write!(f, "; {field}: {}", errors.join(" "))?;
                }
                Ok(())
            }
            ApiError::Status { code, message } => {
                write!(f, "the API answered {code}")?;
                if !message.is_empty() {
                    write!(f, " ({message})")?;
                }
                if *code >= 500 {
                    write!(f, ": a server-side problem; run again later")?;
                }
                Ok(())
            }
            ApiError::Transport(m) => write!(f, "no answer from the API ({m})"),
            ApiError::NotSent(m) => write!(f, "not sent: {m}; run again later"),
            ApiError::Tls(m) => write!(
                f,
                "the server's TLS certificate is not trusted ({m}): for a private or corporate CA, give its PEM in `ca-certificate` or point SSL_CERT_FILE at it"
            ),
            ApiError::BadResponse(m) => write!(f, "unexpected answer from the API: {m}"),
        }
    }
}

/// Attempts per request, the first included.
pub const MAX_ATTEMPTS: u32 = 4;
/// First backoff; doubles per attempt, with jitter.
pub const BASE_BACKOFF: Duration = Duration::from_millis(250);
/// The longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A client for one Devopness API base URL and token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    deadline: Instant,
    /// After a 429, no request of this run starts before this instant (a global
    /// backoff: concurrent requests must not keep hammering a rate limit).
    not_before: Arc<Mutex<Option<Instant>>>,
}

struct Response {
    status: StatusCode,
    link: Option<String>,
    body: Vec<u8>,
}

impl Client {
    /// A client whose requests all end by `deadline` (the run's overall timeout).
    pub fn new(http: reqwest::Client, base_url: &str, token: &str, deadline: Instant) -> Client {
        Client {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            deadline,
            not_before: Arc::new(Mutex::new(None)),
        }
    }

    /// Sends with retries: connection failures, timeouts, 429 (after `Retry-After`,
    /// for every request of the run) and 502/503/504. A POST is retried only when it
    /// cannot have been carried out (no connection, or 429); otherwise its outcome
    /// is unknown and the caller checks before creating again.
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Response, ApiError> {
        let idempotent = method != Method::POST;
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.wait_for_rate_limit().await?;
            let failure = match self.send_once(method.clone(), url, body).await {
                Ok(response) => return Ok(response),
                Err(f) => f,
            };
            let wait = match &failure {
                Failure::RateLimited(retry_after) => {
                    let wait = retry_after
                        .unwrap_or_else(|| backoff(attempt))
                        .min(MAX_RETRY_AFTER);
                    self.hold_all_requests_for(wait);
                    Some(Duration::ZERO)
                }
                Failure::NotSent(_) => Some(backoff(attempt)),
                Failure::Api(e) if idempotent && is_transient(e) => Some(backoff(attempt)),
                Failure::Api(_) => None,
            };
            match wait {
                Some(wait) if attempt < MAX_ATTEMPTS && Instant::now() + wait < self.deadline => {
                    tokio::time::sleep(wait).await;
                }
                _ => return Err(failure.into_error()),
            }
        }
    }

    fn hold_all_requests_for(&self, wait: Duration) {
        if let Ok(mut gate) = self.not_before.lock() {
            let until = Instant::now() + wait;
            if gate.is_none_or(|g| g < until) {
                *gate = Some(until);
            }
        }
    }

    async fn wait_for_rate_limit(&self) -> Result<(), ApiError> {
        let gate = self.not_before.lock().ok().and_then(|g| *g);
        if let Some(until) = gate {
            if until > self.deadline {
                return Err(ApiError::NotSent(
                    "the API asked to wait (429) past the run's timeout-seconds".into(),
                ));
            }
            tokio::time::sleep_until(until.into()).await;
        }
        Ok(())
    }

    async fn send_once(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Response, Failure> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(Failure::Api(ApiError::NotSent(
                "the run's timeout-seconds ran out".into(),
            )));
        }
        let mut request = self
            .http
            .request(method, url)
            .timeout(remaining.min(crate::http::REQUEST_TIMEOUT))
            .bearer_auth(&self.token)
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                let error = transport(&e);
                return Err(match error {
                    ApiError::Tls(_) => Failure::Api(error),
                    _ if e.is_connect() => Failure::NotSent(error),
                    _ => Failure::Api(error),
                });
            }
        };
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            return Err(Failure::RateLimited(
                response
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now())),
            ));
        }
        read_response(&mut response).await.map_err(Failure::Api)
    }
}

/// Why one attempt failed, as far as retrying is concerned.
enum Failure {
    /// The request never left: safe to send again, whatever the method.
    NotSent(ApiError),
    /// 429: not carried out; wait, then send again.
    RateLimited(Option<Duration>),
    Api(ApiError),
}

impl Failure {
    fn into_error(self) -> ApiError {
        match self {
            Failure::NotSent(e) | Failure::Api(e) => e,
            Failure::RateLimited(_) => ApiError::Status {
                code: 429,
                message: "rate limited".into(),
            },
        }
    }
}

fn is_transient(e: &ApiError) -> bool {
    match e {
        ApiError::Transport(_) => true,
        ApiError::Status { code, .. } => matches!(code, 502..=504),
        _ => false,
    }
}

/// Exponential backoff with jitter: a random wait in the upper half of
/// 250 ms, 500 ms, 1 s, ... for attempts 1, 2, 3, ...
fn backoff(attempt: u32) -> Duration {
    let ceiling = BASE_BACKOFF.saturating_mul(1 << attempt.saturating_sub(1).min(6));
    let random = {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(attempt);
        h.finish()
    };
    let millis = ceiling.as_millis() as u64;
    Duration::from_millis(millis / 2 + random % (millis / 2 + 1))
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Reads a response, capping the body at [`MAX_BODY`].
async fn read_response(response: &mut reqwest::Response) -> Result<Response, ApiError> {
    let status = response.status();
    let link = response
        .headers()
        .get(header::LINK)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(&e))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::BadResponse(format!(
                "a response body over {} MiB; is api-url the Devopness API?",
                MAX_BODY / (1024 * 1024)
            )));
        }
        body.extend_from_slice(&chunk);
    }
    if status.is_success() {
        Ok(Response { status, link, body })
    } else {
        Err(error_from(status, &body))
    }
}

impl Client {
    /// Every hook of the pipeline, following `Link: rel="next"` across pages.
    pub async fn list_hooks(&self, pipeline_id: u64) -> Result<Vec<ObservedHook>, ApiError> {
        let url = format!(
            "{}/pipelines/{pipeline_id}/hooks?page=1&per_page={PER_PAGE}",
            self.base
        );
        self.list_all(url, "the hook list").await
    }

    /// Recent deliveries of an outgoing hook: the first page and, if there are more,
    /// the last page (the API does not document its order).
    pub async fn recent_deliveries(
        &self,
        hook_id: &str,
        count: u32,
    ) -> Result<Vec<Delivery>, ApiError> {
        let url = format!(
            "{}/hooks/outgoing/{}/requests?page=1&per_page={count}",
            self.base,
            path_segment(hook_id)
        );
        let response = self.send(Method::GET, &url, None).await?;
        let mut deliveries: Vec<Delivery> = parse_json(&response.body, "the hook's delivery log")?;
        // The API documents no order: when there is more than one page, the newest
        // may be on the last one. Read it too; callers sort by `created_at`.
        let last = response.link.as_deref().and_then(|l| link::find(l, "last"));
        if let Some(last) = last {
            let last = self.same_origin(&last)?;
            if last != url {
                let response = self.send(Method::GET, &last, None).await?;
                let more: Vec<Delivery> = parse_json(&response.body, "the hook's delivery log")?;
                deliveries.extend(more);
            }
        }
        Ok(deliveries)
    }

    /// Every item of a paginated list, following `Link: rel="next"`.
    async fn list_all<T: serde::de::DeserializeOwned>(
        &self,
        first: String,
        what: &str,
    ) -> Result<Vec<T>, ApiError> {
        let mut url = first;
        let mut seen = HashSet::new();
        let mut items = Vec::new();
        loop {
            if !seen.insert(url.clone()) {
                return Err(ApiError::BadResponse(format!(
                    "{what}'s pagination loops back to a page already read (after {} page(s))",
                    seen.len()
                )));
            }
            if seen.len() > MAX_PAGES {
                return Err(ApiError::BadResponse(format!(
                    "{what} goes on past {MAX_PAGES} pages; stopped reading"
                )));
            }
            let response = self.send(Method::GET, &url, None).await?;
            let page: Vec<T> = parse_json(&response.body, what)?;
            items.extend(page);
            match response.link.as_deref().and_then(|l| link::find(l, "next")) {
                None => return Ok(items),
                Some(next) => url = self.same_origin(&next)?,
            }
        }
    }

    /// Creates an outgoing hook on the pipeline and returns it.
    pub async fn create_hook(
        &self,
        pipeline_id: u64,
        body: &Value,
    ) -> Result<ObservedHook, ApiError> {
        let url = format!("{}/pipelines/{pipeline_id}/hooks/outgoing", self.base);
        let response = self.send(Method::POST, &url, Some(body)).await?;
        if response.status != StatusCode::CREATED && response.body.is_empty() {
            return Err(ApiError::BadResponse(format!(
                "create answered {} with no hook",
                response.status.as_u16()
            )));
        }
        parse_json(&response.body, "the created hook")
    }

    /// Replaces an outgoing hook (`body` repeats `id` and `name`).
    pub async fn update_hook(&self, hook_id: &str, body: &Value) -> Result<(), ApiError> {
        let url = format!("{}/hooks/outgoing/{}", self.base, path_segment(hook_id));
        self.send(Method::PUT, &url, Some(body)).await.map(|_| ())
    }

    /// Deletes an outgoing hook.
    pub async fn delete_hook(&self, hook_id: &str) -> Result<(), ApiError> {
        let url = format!("{}/hooks/outgoing/{}", self.base, path_segment(hook_id));
        self.send(Method::DELETE, &url, None).await.map(|_| ())
    }

    /// A `next` link, accepted only on the API's own origin: the token must never
    /// be sent anywhere else.
    fn same_origin(&self, next: &str) -> Result<String, ApiError> {
        let base = reqwest::Url::parse(&self.base)
            .map_err(|e| ApiError::BadResponse(format!("bad base URL: {e}")))?;
        let url = base.join(next).map_err(|e| {
            ApiError::BadResponse(format!("a `Link` next URL that does not parse: {e}"))
        })?;
        if url.origin() != base.origin() {
            return Err(ApiError::BadResponse(format!(
                "a `Link` next URL on another host ({}); not following it with the token",
                url.origin().ascii_serialization()
            )));
        }
        Ok(url.to_string())
    }
}

/// Hook ids come from the server: keep them to one path segment (`.` too, so an
/// id of `..` cannot climb the path).
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn transport(e: &reqwest::Error) -> ApiError {
    let kind = if e.is_timeout() {
        "timed out (a request may take 30 s, the whole run `timeout-seconds`)"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "connection failed"
    };
    // The error's own text holds the URL, never the token.
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = format!("{detail}: {s}");
        source = s.source();
    }
    if let Some(at) = detail.find("invalid peer certificate") {
        return ApiError::Tls(detail[at..].to_owned());
    }
    ApiError::Transport(format!("{kind}: {detail}"))
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::BadResponse(format!("{what} came back empty")));
    }
    serde_json::from_slice(body).map_err(|e| {
        let looks_html = body.iter().take(512).any(|b| *b == b'<');
        ApiError::BadResponse(if looks_html {
            format!("{what} came back as HTML, not JSON; is api-url the Devopness API?")
        } else {
            format!("{what} is not the JSON the API documents ({e})")
        })
    })
}

fn error_from(status: StatusCode, body: &[u8]) -> ApiError {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let message = json
        .get("message")
        .and_then(Value::as_str)
        .map(|m| m.chars().take(300).collect::<String>())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("").to_owned());
    match status.as_u16() {
        401 => ApiError::Unauthorized,
        403 => ApiError::Forbidden(message),
        404 => ApiError::NotFound(message),
        422 => {
            let fields = json
                .get("errors")
                .and_then(Value::as_object)
                .map(|errors| {
                    errors
                        .iter()
                        .map(|(field, v)| {
                            let list = match v {
                                Value::Array(a) => a
                                    .iter()
                                    .map(|x| {
                                        x.as_str().map_or_else(|| x.to_string(), str::to_owned)
                                    })
                                    .collect(),
                                Value::String(s) => vec![s.clone()],
                                other => vec![other.to_string()],
                            };
                            (field.clone(), list)
                        })
                        .collect()
                })
                .unwrap_or_default();
            ApiError::Validation { message, fields }
        }
        code => ApiError::Status { code, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_accept_strings_and_lists() {
        let e = error_from(
            StatusCode::UNPROCESSABLE_ENTITY,
            br#"{"message":"bad","errors":{"name":["too long"],"target_url":"required"}}"#,
        );
        assert_eq!(
            e.to_string(),
            "the API refused the request (422: bad); name: too long; target_url: required"
        );
    }

    #[test]
    fn html_and_empty_bodies_are_named() {
        let e = parse_json::<Vec<ObservedHook>>(b"<html>502</html>", "the hook list");
        assert!(matches!(e, Err(ApiError::BadResponse(m)) if m.contains("HTML")));
        let e = parse_json::<Vec<ObservedHook>>(b"", "the hook list");
        assert!(matches!(e, Err(ApiError::BadResponse(m)) if m.contains("empty")));
    }

    #[test]
    fn next_links_stay_on_the_api_origin() {
        let http = crate::http::client(&[]).expect("client");
        let c = Client::new(http, "https://api.devopness.com", "t", Instant::now());
        assert_eq!(
            c.same_origin("/pipelines/1/hooks?page=2").ok().as_deref(),
            Some("https://api.devopness.com/pipelines/1/hooks?page=2")
        );
        assert!(c.same_origin("https://evil.example/x").is_err());
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_with_jitter() {
        for attempt in 1..=4 {
            let ceiling = BASE_BACKOFF * (1 << (attempt - 1));
            let b = backoff(attempt);
            assert!(b >= ceiling / 2 && b <= ceiling, "{attempt}: {b:?}");
        }
    }

    #[test]
    fn hook_ids_stay_one_path_segment() {
        assert_eq!(path_segment("0193-ab_c"), "0193-ab_c");
        assert_eq!(path_segment("../x?y"), "%2E%2E%2Fx%3Fy");
    }
}

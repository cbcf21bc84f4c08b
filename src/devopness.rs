//! The Devopness API client: list, create, update and delete a pipeline's outgoing
//! hooks (see `shared/devopness-api/NOTES.md`). It turns HTTP outcomes into
//! [`ApiError`]s a user can act on; it decides nothing about hooks.

use std::collections::HashSet;
use std::fmt;

use reqwest::{header, Method, StatusCode};
use serde_json::Value;

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
                write!(f, "the API refused the hook (422: {message})")?;
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
            ApiError::BadResponse(m) => write!(f, "unexpected answer from the API: {m}"),
        }
    }
}

/// A client for one Devopness API base URL and token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

struct Response {
    status: StatusCode,
    link: Option<String>,
    body: Vec<u8>,
}

impl Client {
    pub fn new(http: reqwest::Client, base_url: &str, token: &str) -> Client {
        Client {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        }
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Response, ApiError> {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(&self.token)
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status();
        let link = response
            .headers()
            .get(header::LINK)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
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

    /// Every hook of the pipeline, following `Link: rel="next"` across pages.
    pub async fn list_hooks(&self, pipeline_id: u64) -> Result<Vec<ObservedHook>, ApiError> {
        let mut url = format!(
            "{}/pipelines/{pipeline_id}/hooks?page=1&per_page={PER_PAGE}",
            self.base
        );
        let mut seen = HashSet::new();
        let mut hooks = Vec::new();
        loop {
            if !seen.insert(url.clone()) {
                return Err(ApiError::BadResponse(format!(
                    "the hook list's pagination loops back to a page already read ({} pages in)",
                    seen.len()
                )));
            }
            if seen.len() > MAX_PAGES {
                return Err(ApiError::BadResponse(format!(
                    "the hook list goes on past {MAX_PAGES} pages of {PER_PAGE}; stopped reading"
                )));
            }
            let response = self.send(Method::GET, &url, None).await?;
            let page: Vec<ObservedHook> = parse_json(&response.body, "the hook list")?;
            hooks.extend(page);
            match response.link.as_deref().and_then(|l| link::find(l, "next")) {
                None => return Ok(hooks),
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

fn transport(e: reqwest::Error) -> ApiError {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "connection failed"
    };
    // The error's own text holds the URL, never the token.
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail = format!("{detail}: {s}");
        source = s.source();
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
            "the API refused the hook (422: bad); name: too long; target_url: required"
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
        let http = crate::http::client().expect("client");
        let c = Client::new(http, "https://api.devopness.com", "t");
        assert_eq!(
            c.same_origin("/pipelines/1/hooks?page=2").ok().as_deref(),
            Some("https://api.devopness.com/pipelines/1/hooks?page=2")
        );
        assert!(c.same_origin("https://evil.example/x").is_err());
    }

    #[test]
    fn hook_ids_stay_one_path_segment() {
        assert_eq!(path_segment("0193-ab_c"), "0193-ab_c");
        assert_eq!(path_segment("../x?y"), "%2E%2E%2Fx%3Fy");
    }
}

//! The Devopness API's endpoints: list, create, update and delete a pipeline's outgoing
//! hooks, a hook's delivery log, and what a pipeline or an application belongs to (see
//! `docs/devopness-api.md`), each one
//! request (or a paginated series) on the run's [`Transport`]. It turns answers into
//! [`ApiError`]s a user can act on; it decides nothing about hooks.

use std::collections::HashSet;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, StatusCode};
use serde_json::Value;

pub use crate::api_error::ApiError;
use crate::api_error::TransportError;
use crate::health::Delivery;
use crate::hook::ObservedHook;
use crate::link;
use crate::targets::{ApplicationFacts, EnvironmentFacts, PipelineFacts, PipelineSummary};
use crate::transport::{Response, Transport};

/// Items per page when listing (the API's maximum).
pub const PER_PAGE: u32 = 100;
/// A listing longer than this many pages is cut off as broken pagination.
pub const MAX_PAGES: usize = 200;

/// A client for one Devopness API base URL and token.
#[derive(Clone)]
pub struct Client {
    transport: Transport,
    base: String,
    /// `Bearer <token>`, marked sensitive.
    authorization: HeaderValue,
}

impl Client {
    /// A client on `transport` (which carries the run's deadline and policy).
    pub fn new(transport: Transport, base_url: &str, token: &str) -> Result<Client, ApiError> {
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                ApiError::Transport(TransportError::Request(
                    "the api-token holds characters an HTTP header cannot carry".into(),
                ))
            })?;
        authorization.set_sensitive(true);
        Ok(Client {
            transport,
            base: base_url.trim_end_matches('/').to_owned(),
            authorization,
        })
    }

    /// One request with the headers the API requires; an answer that is not a success
    /// becomes its [`ApiError`].
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Response, ApiError> {
        let mut request =
            http::Request::new(body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string())));
        *request.method_mut() = method;
        *request.uri_mut() = url
            .parse()
            .map_err(|e| ApiError::Transport(TransportError::Request(format!("{url}: {e}"))))?;
        let headers = request.headers_mut();
        headers.insert(header::AUTHORIZATION, self.authorization.clone());
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let response = self
            .transport
            .send(request)
            .await
            .map_err(ApiError::Transport)?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(error_from(response.status(), response.body()))
        }
    }

    fn link(response: &Response) -> Option<&str> {
        response
            .headers()
            .get(header::LINK)
            .and_then(|v| v.to_str().ok())
    }

    /// Every hook of the pipeline, following `Link: rel="next"` across pages.
    pub async fn list_hooks(&self, pipeline_id: u64) -> Result<Vec<ObservedHook>, ApiError> {
        let url = format!(
            "{}/pipelines/{pipeline_id}/hooks?page=1&per_page={PER_PAGE}",
            self.base
        );
        self.list_all(url, "the hook list").await
    }

    /// An application: its name, repository and source provider
    /// (`GET /applications/{application_id}`).
    pub async fn get_application(&self, application_id: u64) -> Result<ApplicationFacts, ApiError> {
        let url = format!("{}/applications/{application_id}", self.base);
        let response = self.send(Method::GET, &url, None).await?;
        let wire: ApplicationWire = parse_json(response.body(), "the application")?;
        Ok(wire.facts(application_id))
    }

    /// What a pipeline belongs to (`GET /pipelines/{pipeline_id}`).
    pub async fn get_pipeline(&self, pipeline_id: u64) -> Result<PipelineFacts, ApiError> {
        let url = format!("{}/pipelines/{pipeline_id}", self.base);
        let response = self.send(Method::GET, &url, None).await?;
        let wire: PipelineWire = parse_json(response.body(), "the pipeline")?;
        Ok(PipelineFacts {
            id: wire.id,
            resource_type: wire.resource_type,
            resource_id: wire.resource_id,
            environment_id: wire.environment_id,
        })
    }

    /// Every pipeline of an application, following `Link: rel="next"` across pages
    /// (`GET /pipelines/application/{application_id}`, `listPipelinesByResourceType`).
    pub async fn list_application_pipelines(
        &self,
        application_id: u64,
    ) -> Result<Vec<PipelineSummary>, ApiError> {
        let url = format!(
            "{}/pipelines/application/{application_id}?page=1&per_page={PER_PAGE}",
            self.base
        );
        let pipelines: Vec<PipelineWire> = self
            .list_all(url, "the application's pipeline list")
            .await?;
        Ok(pipelines
            .into_iter()
            .map(|p| PipelineSummary {
                id: p.id,
                operation: p.operation.unwrap_or_default(),
            })
            .collect())
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
        let mut deliveries: Vec<Delivery> = parse_json(response.body(), "the hook's delivery log")?;
        // The API documents no order: when there is more than one page, the newest
        // may be on the last one. Read it too; callers sort by `created_at`.
        let last = Client::link(&response).and_then(|l| link::find(l, "last"));
        if let Some(last) = last {
            let last = self.same_origin(&last)?;
            if last != url {
                let response = self.send(Method::GET, &last, None).await?;
                let more: Vec<Delivery> = parse_json(response.body(), "the hook's delivery log")?;
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
            let page: Vec<T> = parse_json(response.body(), what)?;
            items.extend(page);
            match Client::link(&response).and_then(|l| link::find(l, "next")) {
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
        if response.status() != StatusCode::CREATED && response.body().is_empty() {
            return Err(ApiError::BadResponse(format!(
                "create answered {} with no hook",
                response.status().as_u16()
            )));
        }
        parse_json(response.body(), "the created hook")
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
        let base = url::Url::parse(&self.base)
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

/// The fields of an `Application` the action reads; the rest is ignored, and what is
/// missing is taken as not set (the application's errors say so).
#[derive(serde::Deserialize)]
struct ApplicationWire {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    credential: Option<CredentialWire>,
    #[serde(default)]
    environment: Option<EnvironmentWire>,
}

/// The fields of an `EnvironmentRelation` the action reads.
#[derive(serde::Deserialize)]
struct EnvironmentWire {
    id: u64,
    #[serde(default)]
    name: Option<String>,
}

#[derive(serde::Deserialize)]
struct CredentialWire {
    #[serde(default)]
    provider: Option<ProviderWire>,
}

#[derive(serde::Deserialize)]
struct ProviderWire {
    #[serde(default)]
    code: Option<String>,
}

impl ApplicationWire {
    fn facts(self, id: u64) -> ApplicationFacts {
        ApplicationFacts {
            id,
            name: self.name.unwrap_or_default(),
            repository: self.repository,
            provider_code: self
                .credential
                .and_then(|c| c.provider)
                .and_then(|p| p.code),
            environment: self.environment.map(|e| EnvironmentFacts {
                id: e.id,
                name: e.name.unwrap_or_default(),
            }),
        }
    }
}

/// The fields of a `Pipeline` (or `PipelineRelation`) the action reads.
#[derive(serde::Deserialize)]
struct PipelineWire {
    id: u64,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    resource_type: Option<String>,
    #[serde(default)]
    resource_id: Option<u64>,
    #[serde(default)]
    environment_id: Option<u64>,
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
    fn applications_are_read_leniently() {
        let wire: ApplicationWire = parse_json(
            br#"{"id":4,"name":"web","repository":"o/r","credential":{"provider":{"code":"gitlab","type":"source_provider"}},"servers":[]}"#,
            "the application",
        )
        .expect("parses");
        assert_eq!(
            wire.facts(4),
            ApplicationFacts {
                id: 4,
                name: "web".into(),
                repository: Some("o/r".into()),
                provider_code: Some("gitlab".into()),
                environment: None,
            }
        );
        let staged: ApplicationWire = parse_json(
            br#"{"id":4,"name":"web","environment":{"id":9,"name":"staging","type":"staging"}}"#,
            "the application",
        )
        .expect("parses");
        assert_eq!(
            staged.facts(4).environment,
            Some(EnvironmentFacts {
                id: 9,
                name: "staging".into()
            })
        );
        let bare: ApplicationWire =
            parse_json(br#"{"id":4,"credential":null}"#, "the application").expect("parses");
        let facts = bare.facts(4);
        assert_eq!((facts.repository, facts.provider_code), (None, None));
        let pipelines: Vec<PipelineWire> = parse_json(
            br#"[{"id":1,"operation":"deploy","steps":[]},{"id":2}]"#,
            "the list",
        )
        .expect("parses");
        assert_eq!(pipelines[0].operation.as_deref(), Some("deploy"));
        assert_eq!(pipelines[1].operation, None);
        assert!(
            parse_json::<Vec<PipelineWire>>(br#"[{"operation":"deploy"}]"#, "the list").is_err()
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
        let transport = Transport::new(http, std::time::Instant::now(), 1);
        let c = Client::new(transport, "https://api.devopness.com", "t").expect("client");
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

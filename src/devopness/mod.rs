//! The Devopness API's endpoints: list, create, update and delete a pipeline's outgoing
//! hooks, and a hook's delivery log; read an application and its pipelines, one
//! pipeline, a project's environments, one environment and an environment's applications (see
//! `docs/devopness-api.md`). Each is one request (or a paginated series) on the run's
//! [`Transport`]. It turns answers into [`ApiError`]s a user can act on; it decides
//! nothing about hooks.

pub mod link;

use std::collections::HashSet;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, StatusCode};
use serde_json::Value;

use crate::transport::{Response, Transport};
pub use status_core::api_error::ApiError;
use status_core::api_error::TransportError;
use status_core::discovery::{
    EnvironmentFacts, EnvironmentKind, ListedApplication, PipelineFacts, PipelineResource,
};
use status_core::health::Delivery;
use status_core::hook::{self, ObservedHook};
use status_core::targets::{ApplicationFacts, PipelineSummary};

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

    /// Every hook of the pipeline, following `Link: rel="next"` across pages, each once
    /// (a write between two pages may shift the second, listing a hook again).
    pub async fn list_hooks(&self, pipeline_id: u64) -> Result<Vec<ObservedHook>, ApiError> {
        let url = format!(
            "{}/pipelines/{pipeline_id}/hooks?page=1&per_page={PER_PAGE}",
            self.base
        );
        self.list_all(url, "the hook list")
            .await
            .map(hook::each_once)
    }

    /// An application: its name, repository and source provider
    /// (`GET /applications/{application_id}`).
    pub async fn get_application(&self, application_id: u64) -> Result<ApplicationFacts, ApiError> {
        let url = format!("{}/applications/{application_id}", self.base);
        let response = self.send(Method::GET, &url, None).await?;
        let wire: ApplicationWire = parse_json(response.body(), "the application")?;
        Ok(wire.facts(application_id))
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
        let pipelines: Vec<PipelineRelationWire> = self
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

    /// One pipeline: its operation, the resource it runs for and its environment
    /// (`GET /pipelines/{pipeline_id}`).
    pub async fn get_pipeline(&self, pipeline_id: u64) -> Result<PipelineFacts, ApiError> {
        let url = format!("{}/pipelines/{pipeline_id}", self.base);
        let response = self.send(Method::GET, &url, None).await?;
        let wire: PipelineWire = parse_json(response.body(), "the pipeline")?;
        Ok(wire.facts(pipeline_id))
    }

    /// A project's environments, following `Link: rel="next"` across pages
    /// (`GET /projects/{project_id}/environments`, `listProjectEnvironments`). The API lists
    /// the archived ones apart, but each carries `archived` as its `archived_at` says, so a
    /// caller can skip any the list holds anyway.
    pub async fn list_project_environments(
        &self,
        project_id: u64,
    ) -> Result<Vec<EnvironmentFacts>, ApiError> {
        let url = format!(
            "{}/projects/{project_id}/environments?page=1&per_page={PER_PAGE}",
            self.base
        );
        let environments: Vec<EnvironmentWire> =
            self.list_all(url, "the project's environment list").await?;
        Ok(environments
            .into_iter()
            .map(EnvironmentWire::facts)
            .collect())
    }

    /// One environment: its name, type and whether it is archived
    /// (`GET /environments/{environment_id}`, `getEnvironment`). The answer says
    /// `is_archived` where a list's items say `archived_at`; either marks it archived.
    pub async fn get_environment(&self, environment_id: u64) -> Result<EnvironmentFacts, ApiError> {
        let url = format!("{}/environments/{environment_id}", self.base);
        let response = self.send(Method::GET, &url, None).await?;
        EnvironmentDocumentWire::read(response.body(), environment_id)
    }

    /// An environment's applications, following `Link: rel="next"` across pages
    /// (`GET /environments/{environment_id}/applications`, `listEnvironmentApplications`).
    pub async fn list_environment_applications(
        &self,
        environment_id: u64,
    ) -> Result<Vec<ListedApplication>, ApiError> {
        let url = format!(
            "{}/environments/{environment_id}/applications?page=1&per_page={PER_PAGE}",
            self.base
        );
        let applications: Vec<ApplicationRelationWire> = self
            .list_all(url, "the environment's application list")
            .await?;
        Ok(applications
            .into_iter()
            .map(ApplicationRelationWire::facts)
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
    /// Read apart: an environment the action cannot read leaves the application readable.
    #[serde(default)]
    environment: Option<Value>,
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
            environment: self
                .environment
                .and_then(|e| serde_json::from_value::<EnvironmentWire>(e).ok())
                .map(EnvironmentWire::facts),
        }
    }
}

/// The fields of an `ApplicationRelation` (an item of an environment's application list)
/// the action reads. Its `credential` is absent when the API did not list it.
#[derive(serde::Deserialize)]
struct ApplicationRelationWire {
    id: u64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    environment_id: Option<u64>,
    #[serde(default)]
    credential: Option<CredentialWire>,
}

impl ApplicationRelationWire {
    fn facts(self) -> ListedApplication {
        ListedApplication {
            id: self.id,
            name: self.name.unwrap_or_default(),
            repository: self.repository,
            environment_id: self.environment_id,
            credential_listed: self.credential.is_some(),
            provider_code: self
                .credential
                .and_then(|c| c.provider)
                .and_then(|p| p.code),
        }
    }
}

/// The fields of an `EnvironmentRelation` the action reads.
#[derive(serde::Deserialize)]
struct EnvironmentWire {
    id: u64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    archived_at: Option<String>,
}

impl EnvironmentWire {
    fn facts(self) -> EnvironmentFacts {
        EnvironmentFacts {
            id: self.id,
            name: self.name.unwrap_or_default(),
            kind: EnvironmentKind::from_code(self.kind.as_deref().unwrap_or_default()),
            archived: self.archived_at.is_some_and(|at| !at.trim().is_empty()),
        }
    }
}

/// The fields of an `Environment` (`GET /environments/{id}`) the action reads; what is
/// missing is taken as not set, and the id is the one asked for.
#[derive(serde::Deserialize)]
struct EnvironmentDocumentWire {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    /// A boolean as documented; read as any JSON value (`1`, `"true"`) and judged apart.
    #[serde(default)]
    is_archived: Option<Value>,
    /// Not in the document, but in every list's items: honoured when present.
    #[serde(default)]
    archived_at: Option<Value>,
}

impl EnvironmentDocumentWire {
    /// The environment `id` from its answer, which must be a JSON object (serde would take
    /// a list, `[]`, for an environment with nothing set).
    fn read(body: &[u8], id: u64) -> Result<EnvironmentFacts, ApiError> {
        let value: Value = parse_json(body, "the environment")?;
        if !value.is_object() {
            return Err(ApiError::BadResponse(
                "the environment is not the JSON object the API documents".into(),
            ));
        }
        serde_json::from_value::<EnvironmentDocumentWire>(value)
            .map(|wire| wire.facts(id))
            .map_err(|e| {
                ApiError::BadResponse(format!(
                    "the environment is not the JSON the API documents ({e})"
                ))
            })
    }

    fn facts(self, id: u64) -> EnvironmentFacts {
        let archived_at = self
            .archived_at
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|at| !at.trim().is_empty());
        EnvironmentFacts {
            id,
            name: self.name.unwrap_or_default(),
            kind: EnvironmentKind::from_code(self.kind.as_deref().unwrap_or_default()),
            archived: archived_at || self.is_archived.as_ref().is_some_and(truthy),
        }
    }
}

/// A flag as a Laravel model may send it: `true`, a non-zero number (an uncast `tinyint`),
/// or `"true"` / `"1"`.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => matches!(s.trim(), "1" | "true"),
        _ => false,
    }
}

/// The fields of a `Pipeline` (`GET /pipelines/{id}`) the action reads.
#[derive(serde::Deserialize)]
struct PipelineWire {
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    resource_type: Option<String>,
    #[serde(default)]
    resource_id: Option<u64>,
    #[serde(default)]
    environment_id: Option<u64>,
}

impl PipelineWire {
    fn facts(self, id: u64) -> PipelineFacts {
        PipelineFacts {
            id,
            operation: self.operation.unwrap_or_default(),
            resource: PipelineResource::from_fields(
                self.resource_type.as_deref(),
                self.resource_id,
            ),
            environment_id: self.environment_id,
        }
    }
}

/// The fields of a `PipelineRelation` the action reads.
#[derive(serde::Deserialize)]
struct PipelineRelationWire {
    id: u64,
    #[serde(default)]
    operation: Option<String>,
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
        let bare: ApplicationWire =
            parse_json(br#"{"id":4,"credential":null}"#, "the application").expect("parses");
        let facts = bare.facts(4);
        assert_eq!((facts.repository, facts.provider_code), (None, None));
        let pipelines: Vec<PipelineRelationWire> = parse_json(
            br#"[{"id":1,"operation":"deploy","steps":[]},{"id":2}]"#,
            "the list",
        )
        .expect("parses");
        assert_eq!(pipelines[0].operation.as_deref(), Some("deploy"));
        assert_eq!(pipelines[1].operation, None);
        assert!(parse_json::<Vec<PipelineRelationWire>>(
            br#"[{"operation":"deploy"}]"#,
            "the list"
        )
        .is_err());
    }

    #[test]
    fn environments_and_listed_applications_are_read_leniently() {
        let wire: ApplicationWire = parse_json(
            br#"{"id":4,"environment":{"id":9,"name":"qa","type":"testing","archived_at":"2026-01-02T00:00:00.000000Z","project":{}}}"#,
            "the application",
        )
        .expect("parses");
        assert_eq!(
            wire.facts(4).environment,
            Some(EnvironmentFacts {
                id: 9,
                name: "qa".into(),
                kind: EnvironmentKind::Other("testing".into()),
                archived: true,
            })
        );
        // An environment without an id is no environment; the application is still read.
        for environment in [r#"{"name":"qa"}"#, "null", r#""prod""#] {
            let body = format!(r#"{{"id":4,"name":"web","environment":{environment}}}"#);
            let wire: ApplicationWire = parse_json(body.as_bytes(), "the application")
                .unwrap_or_else(|e| panic!("{environment}: {e}"));
            let facts = wire.facts(4);
            assert_eq!((facts.name.as_str(), facts.environment), ("web", None));
        }
        let environments: Vec<EnvironmentWire> = parse_json(
            br#"[{"id":1,"archived_at":null},{"id":2,"archived_at":""},{"id":3}]"#,
            "the list",
        )
        .expect("parses");
        let facts: Vec<EnvironmentFacts> = environments
            .into_iter()
            .map(EnvironmentWire::facts)
            .collect();
        assert!(facts.iter().all(|e| !e.archived && e.name.is_empty()));
        assert_eq!(facts[2].kind, EnvironmentKind::Other(String::new()));
        // A credential null or absent was not listed; one without a provider was.
        let listed: Vec<ApplicationRelationWire> = parse_json(
            br#"[{"id":1,"credential":null},{"id":2},{"id":3,"credential":{"id":5}},{"id":4,"credential":{"provider":{"code":"gitlab"}},"environment_id":8}]"#,
            "the list",
        )
        .expect("parses");
        let listed: Vec<ListedApplication> = listed
            .into_iter()
            .map(ApplicationRelationWire::facts)
            .collect();
        let seen: Vec<(bool, Option<&str>, bool)> = listed
            .iter()
            .map(|a| {
                let code = a.provider_code.as_deref();
                (a.credential_listed, code, a.needs_reading())
            })
            .collect();
        assert_eq!(
            seen,
            [
                (false, None, true),
                (false, None, true),
                (true, None, true),
                (true, Some("gitlab"), false),
            ]
        );
        assert_eq!(listed[3].environment_id, Some(8));
        assert!(
            parse_json::<Vec<ApplicationRelationWire>>(br#"[{"name":"x"}]"#, "the list").is_err()
        );
    }

    #[test]
    fn one_environment_is_read_leniently() {
        let read = |body: &str| {
            EnvironmentDocumentWire::read(body.as_bytes(), 9)
                .unwrap_or_else(|e| panic!("{body}: {e}"))
        };
        assert_eq!(
            read(r#"{"id":9,"name":"qa","type":"staging","is_archived":false,"teams":[]}"#),
            EnvironmentFacts {
                id: 9,
                name: "qa".into(),
                kind: EnvironmentKind::Staging,
                archived: false,
            }
        );
        let archived: Vec<bool> = [
            r#"{"is_archived":true}"#,
            r#"{"is_archived":1}"#,
            r#"{"is_archived":"1"}"#,
            r#"{"is_archived":"true"}"#,
            r#"{"archived_at":"2026-01-02T00:00:00.000000Z"}"#,
            r#"{"is_archived":false,"archived_at":"2026-01-02T00:00:00.000000Z"}"#,
            r#"{"is_archived":false}"#,
            r#"{"is_archived":0}"#,
            r#"{"is_archived":"false"}"#,
            r#"{"is_archived":null,"archived_at":null}"#,
            r#"{"archived_at":""}"#,
            r#"{"archived_at":5}"#,
            "{}",
        ]
        .iter()
        .map(|body| read(body).archived)
        .collect();
        assert_eq!(
            archived,
            [true, true, true, true, true, true, false, false, false, false, false, false, false]
        );
        // The id asked for, whatever the answer says; missing fields are not set.
        let bare = read(r#"{"id":"x"}"#);
        assert_eq!((bare.id, bare.name.as_str()), (9, ""));
        assert_eq!(bare.kind, EnvironmentKind::Other(String::new()));
        // Not an object, or a field of the wrong kind: not the environment.
        for body in ["[]", "null", r#""qa""#, r#"{"name":5}"#, "<html>"] {
            let e = EnvironmentDocumentWire::read(body.as_bytes(), 9);
            assert!(matches!(e, Err(ApiError::BadResponse(_))), "{body}: {e:?}");
        }
    }

    #[test]
    fn pipelines_are_read_leniently() {
        let wire: PipelineWire = parse_json(
            br#"{"id":3,"operation":"deploy","resource_type":"server","resource_id":12,"steps":[]}"#,
            "the pipeline",
        )
        .expect("parses");
        assert_eq!(
            wire.facts(3),
            PipelineFacts {
                id: 3,
                operation: "deploy".into(),
                resource: PipelineResource::Other {
                    resource_type: "server".into(),
                    resource_id: Some(12),
                },
                environment_id: None,
            }
        );
        let bare: PipelineWire = parse_json(b"{}", "the pipeline").expect("parses");
        assert_eq!(bare.facts(3).application_id(), None);
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

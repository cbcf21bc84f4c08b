//! Every request goes through [`handle`]: recorded, then the outage switch, the token check,
//! routing (with or without GitHub Enterprise Server's `/api/v3` prefix), the repository
//! lookup, the write switch, and the endpoint.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, LINK, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use fake_http::Incoming;
use serde_json::{json, Map, Value};

use crate::model::{token_user, Store, View};
use crate::query::{self, Page};
use crate::server::App;
use crate::Outage;

/// GitHub's limit on issue and comment bodies, in characters.
const MAX_TEXT: usize = 65_536;
const GHES_PREFIX: &str = "/api/v3";

const DOC_ROOT: &str = "https://docs.github.com/rest";
const DOC_LIST: &str = "https://docs.github.com/rest/issues/issues#list-repository-issues";
const DOC_CREATE: &str = "https://docs.github.com/rest/issues/issues#create-an-issue";
const DOC_GET: &str = "https://docs.github.com/rest/issues/issues#get-an-issue";
const DOC_UPDATE: &str = "https://docs.github.com/rest/issues/issues#update-an-issue";
const DOC_COMMENT: &str = "https://docs.github.com/rest/issues/comments#create-an-issue-comment";
const DOC_COMMENTS: &str = "https://docs.github.com/rest/issues/comments#list-issue-comments";

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new().fallback(handle).with_state(app)
}

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let Incoming { conn, parts, body } = fake_http::read_request(request).await;

    let mut state = app.lock();
    let seq = state
        .requests
        .record(&parts, body.as_deref().unwrap_or_default());
    let response = match state.outage {
        Outage::Drop => {
            // Cut the connection: the (empty) response below is never written.
            if let Some(conn) = conn {
                conn.kill();
            }
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Outage::Status(code) => outage_status(code),
        Outage::None => match body {
            Err(_) => message(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large", DOC_ROOT)
                .into_response(),
            Ok(body) => {
                let mut response = respond(&app, &mut state, &parts, &body);
                add_github_headers(&mut response, seq);
                response
            }
        },
    };
    state.requests.set_status(seq, response.status().as_u16());
    response
}

// ---------------------------------------------------------------------------------------------
// Responses

fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        value.to_string(),
    )
        .into_response()
}

/// An error answer (kept small; turned into a response at the end).
struct Reject {
    status: StatusCode,
    body: Value,
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body)
    }
}

/// `{"message", "documentation_url", "status"}`, GitHub's error body.
fn message(status: StatusCode, text: &str, doc: &str) -> Reject {
    Reject {
        status,
        body: json!({
            "message": text,
            "documentation_url": doc,
            "status": status.as_u16().to_string(),
        }),
    }
}

fn not_found(doc: &str) -> Reject {
    message(StatusCode::NOT_FOUND, "Not Found", doc)
}

fn validation_failed(errors: Vec<Value>, doc: &str) -> Reject {
    Reject {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        body: json!({
            "message": "Validation Failed",
            "errors": errors,
            "documentation_url": doc,
            "status": "422",
        }),
    }
}

/// A schema error: `Invalid request.\n\n<detail>`.
fn invalid_request(detail: &str, doc: &str) -> Reject {
    message(
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!("Invalid request.\n\n{detail}"),
        doc,
    )
}

fn outage_status(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let text = match code {
        503 => "No server is currently available to service your request. Sorry about that. Please try resubmitting your request and contact us if the problem persists.",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    json_response(status, &json!({ "message": text }))
}

fn add_github_headers(response: &mut Response, seq: u64) {
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("x-github-api-version-selected", "2022-11-28".to_string());
    set("x-github-media-type", "github.v3; format=json".to_string());
    set("x-github-request-id", format!("FAKE:{seq:08X}"));
    set("x-ratelimit-limit", "5000".to_string());
    // Never 0: octocrab's rate-limit retry would otherwise wait for the reset.
    let used = seq.min(4999);
    set("x-ratelimit-remaining", (5000 - used).to_string());
    set("x-ratelimit-used", used.to_string());
    set(
        "x-ratelimit-reset",
        (crate::model::now() + 3600).to_string(),
    );
    set("x-ratelimit-resource", "core".to_string());
}

// ---------------------------------------------------------------------------------------------
// Routing

enum Target<'a> {
    ByName(&'a str, &'a str),
    ById(&'a str),
}

enum Endpoint {
    Issues,
    Issue(u64),
    Comments(u64),
}

/// Everything an endpoint needs about the request.
struct Ctx<'a> {
    store: &'a mut Store,
    repo: usize,
    /// `""` or `"/api/v3"`, as the request had it (kept in `Link` URLs).
    prefix: &'static str,
    pairs: Vec<(String, String)>,
    body: &'a [u8],
}

fn respond(app: &App, state: &mut crate::server::State, parts: &Parts, body: &[u8]) -> Response {
    dispatch(app, state, parts, body).unwrap_or_else(IntoResponse::into_response)
}

fn dispatch(
    app: &App,
    state: &mut crate::server::State,
    parts: &Parts,
    body: &[u8],
) -> Result<Response, Reject> {
    if !authorized(parts, &app.token) {
        return Err(message(
            StatusCode::UNAUTHORIZED,
            "Bad credentials",
            DOC_ROOT,
        ));
    }
    let full = parts.uri.path();
    let (prefix, path) = match full.strip_prefix(GHES_PREFIX) {
        Some(rest) if rest.starts_with('/') => (GHES_PREFIX, rest),
        _ => ("", full),
    };
    let (target, endpoint) = route(path).ok_or_else(|| not_found(DOC_ROOT))?;
    let method = &parts.method;
    let doc = match (&endpoint, method) {
        (Endpoint::Issues, &Method::GET) => DOC_LIST,
        (Endpoint::Issues, &Method::POST) => DOC_CREATE,
        (Endpoint::Issue(_), &Method::GET) => DOC_GET,
        (Endpoint::Issue(_), &Method::PATCH) => DOC_UPDATE,
        (Endpoint::Comments(_), &Method::GET) => DOC_COMMENTS,
        (Endpoint::Comments(_), &Method::POST) => DOC_COMMENT,
        _ => return Err(not_found(DOC_ROOT)),
    };
    let repo = match target {
        Target::ByName(owner, name) => state
            .store
            .find(&query::decode(owner, false), &query::decode(name, false)),
        Target::ById(id) => id.parse().ok().and_then(|id| state.store.find_by_id(id)),
    };
    let repo = repo.ok_or_else(|| not_found(doc))?;
    if *method != Method::GET && state.forbid_writes {
        return Err(message(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
            doc,
        ));
    }
    let mut ctx = Ctx {
        store: &mut state.store,
        repo,
        prefix,
        pairs: query::parse(parts.uri.query()),
        body,
    };
    match (endpoint, method) {
        (Endpoint::Issues, &Method::GET) => list_issues(&ctx),
        (Endpoint::Issues, _) => create_issue(&mut ctx),
        (Endpoint::Issue(n), &Method::GET) => get_issue(&ctx, n),
        (Endpoint::Issue(n), _) => update_issue(&mut ctx, n),
        (Endpoint::Comments(n), &Method::GET) => list_comments(&ctx, n),
        (Endpoint::Comments(n), _) => create_comment(&mut ctx, n),
    }
}

/// `/repos/{owner}/{repo}/...` or `/repositories/{id}/...` (the form GitHub's `Link` URLs use).
fn route(path: &str) -> Option<(Target<'_>, Endpoint)> {
    let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return None;
    }
    let (target, rest) = match segments.as_slice() {
        ["repos", owner, name, rest @ ..] => (Target::ByName(owner, name), rest),
        ["repositories", id, rest @ ..] => (Target::ById(id), rest),
        _ => return None,
    };
    let endpoint = match rest {
        ["issues"] => Endpoint::Issues,
        ["issues", n] => Endpoint::Issue(n.parse().ok()?),
        ["issues", n, "comments"] => Endpoint::Comments(n.parse().ok()?),
        _ => return None,
    };
    Some((target, endpoint))
}

/// `Authorization: Bearer <token>` or `token <token>` (scheme case-insensitive).
fn authorized(parts: &Parts, token: &str) -> bool {
    let Some(value) = fake_http::authorization(parts) else {
        return false;
    };
    let Some((scheme, given)) = value.trim().split_once(' ') else {
        return false;
    };
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        && given.trim() == token
        && !token.is_empty()
}

// ---------------------------------------------------------------------------------------------
// Request bodies

/// The JSON body as an object (an empty body is `{}`), or GitHub's 400.
fn object_body(body: &[u8], doc: &str) -> Result<Map<String, Value>, Reject> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        _ => Err(message(
            StatusCode::BAD_REQUEST,
            "Problems parsing JSON",
            doc,
        )),
    }
}

/// A title: a non-blank string or a number. `Ok(None)` when absent, blank or null.
fn title_field(fields: &Map<String, Value>, doc: &str) -> Result<Option<String>, Reject> {
    match fields.get("title") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(invalid_request(
            &format!("For 'properties/title', {other} is not a string or integer."),
            doc,
        )),
    }
}

fn missing_title(doc: &str) -> Reject {
    validation_failed(
        vec![json!({ "resource": "Issue", "code": "missing_field", "field": "title" })],
        doc,
    )
}

/// `body`: absent (`None`), null (`Some(None)`) or a string of at most 65536 characters.
fn body_field(fields: &Map<String, Value>, doc: &str) -> Result<Option<Option<String>>, Reject> {
    match fields.get("body") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.chars().count() > MAX_TEXT => Err(validation_failed(
            vec![json!({
                "resource": "Issue",
                "code": "custom",
                "field": "body",
                "message": format!("body is too long (maximum is {MAX_TEXT} characters)"),
            })],
            doc,
        )),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(other) => Err(invalid_request(
            &format!("For 'properties/body', {other} is not a string or null."),
            doc,
        )),
    }
}

/// `labels`: an array of names or of `{"name": ...}` objects; `None` when absent or null.
fn labels_field(fields: &Map<String, Value>, doc: &str) -> Result<Option<Vec<String>>, Reject> {
    let items = match fields.get("labels") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(invalid_request(
                &format!("For 'properties/labels', {other} is not an array or null."),
                doc,
            ))
        }
    };
    let mut names = Vec::new();
    for item in items {
        let name = match item {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("name").and_then(Value::as_str),
            _ => None,
        };
        match name.map(str::trim) {
            Some(name) if !name.is_empty() => names.push(name.to_string()),
            _ => {
                return Err(validation_failed(
                    vec![json!({
                        "resource": "Label",
                        "code": "invalid",
                        "field": "name",
                        "value": item,
                    })],
                    doc,
                ))
            }
        }
    }
    Ok(Some(names))
}

fn invalid_field(field: &str, doc: &str) -> Reject {
    validation_failed(
        vec![json!({ "resource": "Issue", "code": "invalid", "field": field })],
        doc,
    )
}

// ---------------------------------------------------------------------------------------------
// Endpoints

fn created(value: &Value) -> Response {
    let mut response = json_response(StatusCode::CREATED, value);
    if let Some(url) = value.get("url").and_then(Value::as_str) {
        if let Ok(url) = HeaderValue::from_str(url) {
            response.headers_mut().insert(LOCATION, url);
        }
    }
    response
}

fn paginated(ctx: &Ctx<'_>, path: &str, items: &[Value]) -> Response {
    let page = Page::from_query(&ctx.pairs);
    let mut response = json_response(StatusCode::OK, &Value::Array(page.slice(items)));
    let repo = &ctx.store.repos[ctx.repo];
    let url = format!(
        "{}{}/repositories/{}{path}",
        ctx.store.base_url, ctx.prefix, repo.id
    );
    if let Some(link) = page.link_header(&url, &ctx.pairs, items.len()) {
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(LINK, value);
        }
    }
    response
}

/// `state` (open, closed, all; default open), `labels` (comma-separated, all must match,
/// case-insensitively), `sort` (created, updated, comments; default created) and `direction`
/// (asc, desc; default desc). Pull requests are included, with a `pull_request` key, as
/// GitHub does. Other filters are ignored.
fn list_issues(ctx: &Ctx<'_>) -> Result<Response, Reject> {
    let state = query::get(&ctx.pairs, "state").unwrap_or("open");
    if !matches!(state, "open" | "closed" | "all") {
        return Err(invalid_field("state", DOC_LIST));
    }
    let wanted: Vec<&str> = query::get(&ctx.pairs, "labels")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let repo = &ctx.store.repos[ctx.repo];
    let mut issues: Vec<_> = repo
        .issues
        .iter()
        .filter(|i| match state {
            "open" => i.open,
            "closed" => !i.open,
            _ => true,
        })
        .filter(|i| {
            wanted
                .iter()
                .all(|w| i.labels.iter().any(|l| l.eq_ignore_ascii_case(w)))
        })
        .collect();
    let comments = |number: u64| ctx.store.comments_of(ctx.repo, number).count();
    match query::get(&ctx.pairs, "sort").unwrap_or("created") {
        "updated" => issues.sort_by_key(|i| i.updated_seq),
        "comments" => issues.sort_by_key(|i| (comments(i.number), i.number)),
        _ => issues.sort_by_key(|i| i.number),
    }
    if query::get(&ctx.pairs, "direction") != Some("asc") {
        issues.reverse();
    }
    let items: Vec<Value> = issues
        .iter()
        .map(|i| ctx.store.render_issue(repo, i, View::List))
        .collect();
    Ok(paginated(ctx, "/issues", &items))
}

fn create_issue(ctx: &mut Ctx<'_>) -> Result<Response, Reject> {
    let fields = object_body(ctx.body, DOC_CREATE)?;
    let title = title_field(&fields, DOC_CREATE)?;
    let body = body_field(&fields, DOC_CREATE)?.flatten();
    let labels = labels_field(&fields, DOC_CREATE)?.unwrap_or_default();
    let title = title.ok_or_else(|| missing_title(DOC_CREATE))?;
    let number = ctx
        .store
        .create_issue(ctx.repo, title, body, &labels, token_user(), false);
    let issue = render_issue(ctx, number, DOC_CREATE)?;
    Ok(created(&issue))
}

fn render_issue(ctx: &Ctx<'_>, number: u64, doc: &str) -> Result<Value, Reject> {
    let issue = ctx
        .store
        .issue(ctx.repo, number)
        .ok_or_else(|| not_found(doc))?;
    Ok(ctx
        .store
        .render_issue(&ctx.store.repos[ctx.repo], issue, View::Single))
}

fn get_issue(ctx: &Ctx<'_>, number: u64) -> Result<Response, Reject> {
    let issue = render_issue(ctx, number, DOC_GET)?;
    Ok(json_response(StatusCode::OK, &issue))
}

/// `title`, `body`, `state` (open, closed), `state_reason` (completed, not_planned,
/// duplicate, reopened, null) and `labels` (replaces them all); other fields are ignored.
/// Everything is checked before anything changes.
fn update_issue(ctx: &mut Ctx<'_>, number: u64) -> Result<Response, Reject> {
    render_issue(ctx, number, DOC_UPDATE)?;
    let fields = object_body(ctx.body, DOC_UPDATE)?;
    let title = match fields.get("title") {
        None => None,
        Some(_) => {
            Some(title_field(&fields, DOC_UPDATE)?.ok_or_else(|| missing_title(DOC_UPDATE))?)
        }
    };
    let body = body_field(&fields, DOC_UPDATE)?;
    let labels = labels_field(&fields, DOC_UPDATE)?;
    let open = match fields.get("state") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "open" => Some(true),
        Some(Value::String(s)) if s == "closed" => Some(false),
        Some(_) => return Err(invalid_field("state", DOC_UPDATE)),
    };
    let reason = match fields.get("state_reason") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s))
            if matches!(
                s.as_str(),
                "completed" | "not_planned" | "duplicate" | "reopened"
            ) =>
        {
            Some(Some(s.clone()))
        }
        Some(_) => return Err(invalid_field("state_reason", DOC_UPDATE)),
    };

    let repo = ctx.repo;
    let store = &mut *ctx.store;
    if let Some(issue) = store.issue_mut(repo, number) {
        if let Some(title) = title {
            issue.title = title;
        }
        if let Some(body) = body {
            issue.body = body;
        }
    }
    if let Some(labels) = labels {
        store.set_labels(repo, number, &labels);
    }
    match (open, reason) {
        (Some(open), reason) => store.set_state(repo, number, open, reason, &token_user()),
        (None, Some(reason)) => {
            if let Some(issue) = store.issue_mut(repo, number) {
                issue.state_reason = reason;
            }
        }
        (None, None) => {}
    }
    store.touch(repo, number);
    let issue = render_issue(ctx, number, DOC_UPDATE)?;
    Ok(json_response(StatusCode::OK, &issue))
}

/// Oldest first.
fn list_comments(ctx: &Ctx<'_>, number: u64) -> Result<Response, Reject> {
    render_issue(ctx, number, DOC_COMMENTS)?;
    let repo = &ctx.store.repos[ctx.repo];
    let items: Vec<Value> = ctx
        .store
        .comments_of(ctx.repo, number)
        .map(|c| ctx.store.render_comment(repo, c))
        .collect();
    Ok(paginated(
        ctx,
        &format!("/issues/{number}/comments"),
        &items,
    ))
}

fn create_comment(ctx: &mut Ctx<'_>, number: u64) -> Result<Response, Reject> {
    render_issue(ctx, number, DOC_COMMENT)?;
    let fields = object_body(ctx.body, DOC_COMMENT)?;
    let unprocessable = |text: &str| {
        validation_failed(
            vec![json!({
                "resource": "IssueComment",
                "code": "unprocessable",
                "field": "data",
                "message": text,
            })],
            DOC_COMMENT,
        )
    };
    let body = match fields.get("body") {
        None => return Err(invalid_request("\"body\" wasn't supplied.", DOC_COMMENT)),
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(unprocessable("Body cannot be blank"))
        }
        Some(Value::String(s)) if s.chars().count() > MAX_TEXT => {
            return Err(unprocessable(&format!(
                "Body is too long (maximum is {MAX_TEXT} characters)"
            )))
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(invalid_request(
                &format!("For 'properties/body', {other} is not a string."),
                DOC_COMMENT,
            ))
        }
    };
    let id = ctx.store.add_comment(ctx.repo, number, body, token_user());
    let repo = &ctx.store.repos[ctx.repo];
    let comment = repo.comments.iter().find(|c| c.id == id).ok_or_else(|| {
        message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Server Error",
            DOC_COMMENT,
        )
    })?;
    Ok(created(&ctx.store.render_comment(repo, comment)))
}

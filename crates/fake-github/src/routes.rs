//! The API's endpoints, each under `/repos/{owner}/{repo}/...` and under
//! `/repositories/{repository_id}/...` (the form GitHub's `Link` URLs use), with or without
//! GitHub Enterprise Server's `/api/v3` prefix. Every request passes the [`gate`] first.
//!
//! [`gate`]: crate::gate::gate

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::LINK;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use crate::fields;
use crate::gate;
use crate::model::{token_user, Store, View};
use crate::query::{self, Page};
use crate::reply::{
    created, invalid_field, json_response, message, not_found, Reject, DOC_COMMENT, DOC_COMMENTS,
    DOC_CREATE, DOC_GET, DOC_LIST, DOC_ROOT, DOC_UPDATE,
};
use crate::server::App;

const GHES_PREFIX: &str = "/api/v3";

pub(crate) fn router(app: Arc<App>) -> Router {
    let mut router = Router::new();
    for prefix in ["", GHES_PREFIX] {
        for repo in ["/repos/{owner}/{repo}", "/repositories/{repository_id}"] {
            let issues = format!("{prefix}{repo}/issues");
            router = router
                .route(&issues, get(list_issues).post(create_issue))
                .route(
                    &format!("{issues}/{{number}}"),
                    get(get_issue).patch(update_issue),
                )
                .route(
                    &format!("{issues}/{{number}}/comments"),
                    get(list_comments).post(create_comment),
                );
        }
    }
    router
        // GitHub answers 404, not 405, for a method a path does not have.
        .method_not_allowed_fallback(unknown)
        .fallback(unknown)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            gate::gate,
        ))
        .with_state(app)
}

async fn unknown() -> Response {
    not_found(DOC_ROOT).into_response()
}

// ---------------------------------------------------------------------------------------------
// What every endpoint reads from the request

/// The path's parameters; which are set depends on the route.
#[derive(Debug, Deserialize)]
struct At {
    owner: Option<String>,
    repo: Option<String>,
    repository_id: Option<String>,
    number: Option<String>,
}

/// The path's parameters (`None` when they cannot be read), the query's pairs in order, and
/// the `/api/v3` prefix when the request had it (kept in `Link` URLs).
struct Call {
    at: Option<At>,
    pairs: Vec<(String, String)>,
    prefix: &'static str,
}

impl<S: Send + Sync> FromRequestParts<S> for Call {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Call, Infallible> {
        let at = Path::<At>::from_request_parts(parts, state)
            .await
            .ok()
            .map(|Path(at)| at);
        let pairs = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|Query(pairs)| pairs)
            .unwrap_or_default();
        let prefix = match parts.uri.path().strip_prefix(GHES_PREFIX) {
            Some(rest) if rest.starts_with('/') => GHES_PREFIX,
            _ => "",
        };
        Ok(Call { at, pairs, prefix })
    }
}

/// Everything an endpoint needs about the request.
struct Ctx<'a> {
    store: &'a mut Store,
    repo: usize,
    /// The issue number, for the endpoints under `/issues/{number}`.
    number: u64,
    prefix: &'static str,
    pairs: Vec<(String, String)>,
    body: &'a [u8],
}

/// Finds the repository (404), refuses writes when they are forbidden (403), then runs the
/// endpoint `f`, whose errors point at `doc`.
fn serve(
    app: &App,
    call: Call,
    method: Method,
    body: &[u8],
    doc: &str,
    f: impl FnOnce(&mut Ctx<'_>) -> Result<Response, Reject>,
) -> Response {
    let mut state = app.lock();
    let state = &mut *state;
    let Some(at) = call.at else {
        return not_found(DOC_ROOT).into_response();
    };
    let number = match at.number.as_deref().map(str::parse::<u64>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return not_found(DOC_ROOT).into_response(),
    };
    let repo = match (&at.owner, &at.repo, &at.repository_id) {
        (Some(owner), Some(name), _) => state.store.find(owner, name),
        (_, _, Some(id)) => id.parse().ok().and_then(|id| state.store.find_by_id(id)),
        _ => None,
    };
    let Some(repo) = repo else {
        return not_found(doc).into_response();
    };
    if method != Method::GET && state.forbid_writes {
        return message(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
            doc,
        )
        .into_response();
    }
    let mut ctx = Ctx {
        store: &mut state.store,
        repo,
        number,
        prefix: call.prefix,
        pairs: call.pairs,
        body,
    };
    f(&mut ctx).unwrap_or_else(IntoResponse::into_response)
}

async fn list_issues(State(app): State<Arc<App>>, call: Call) -> Response {
    serve(&app, call, Method::GET, &[], DOC_LIST, |ctx| list(ctx))
}

async fn create_issue(State(app): State<Arc<App>>, call: Call, body: Bytes) -> Response {
    serve(&app, call, Method::POST, &body, DOC_CREATE, create)
}

async fn get_issue(State(app): State<Arc<App>>, call: Call) -> Response {
    serve(&app, call, Method::GET, &[], DOC_GET, |ctx| {
        let issue = render_issue(ctx, DOC_GET)?;
        Ok(json_response(StatusCode::OK, &issue))
    })
}

async fn update_issue(State(app): State<Arc<App>>, call: Call, body: Bytes) -> Response {
    serve(&app, call, Method::PATCH, &body, DOC_UPDATE, update)
}

async fn list_comments(State(app): State<Arc<App>>, call: Call) -> Response {
    serve(&app, call, Method::GET, &[], DOC_COMMENTS, |ctx| {
        comments(ctx)
    })
}

async fn create_comment(State(app): State<Arc<App>>, call: Call, body: Bytes) -> Response {
    serve(&app, call, Method::POST, &body, DOC_COMMENT, comment)
}

// ---------------------------------------------------------------------------------------------
// Endpoints

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
fn list(ctx: &Ctx<'_>) -> Result<Response, Reject> {
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

fn create(ctx: &mut Ctx<'_>) -> Result<Response, Reject> {
    let fields = fields::object_body(ctx.body, DOC_CREATE)?;
    let title = fields::title(&fields, DOC_CREATE)?;
    let body = fields::body(&fields, DOC_CREATE)?.flatten();
    let labels = fields::labels(&fields, DOC_CREATE)?.unwrap_or_default();
    let title = title.ok_or_else(|| fields::missing_title(DOC_CREATE))?;
    ctx.number = ctx
        .store
        .create_issue(ctx.repo, title, body, &labels, token_user(), false);
    let issue = render_issue(ctx, DOC_CREATE)?;
    Ok(created(&issue))
}

/// The issue `ctx.number` as `GET .../issues/{number}` renders it, or 404.
fn render_issue(ctx: &Ctx<'_>, doc: &str) -> Result<Value, Reject> {
    let issue = ctx
        .store
        .issue(ctx.repo, ctx.number)
        .ok_or_else(|| not_found(doc))?;
    Ok(ctx
        .store
        .render_issue(&ctx.store.repos[ctx.repo], issue, View::Single))
}

/// `title`, `body`, `state` (open, closed), `state_reason` (completed, not_planned,
/// duplicate, reopened, null) and `labels` (replaces them all); other fields are ignored.
/// Everything is checked before anything changes.
fn update(ctx: &mut Ctx<'_>) -> Result<Response, Reject> {
    render_issue(ctx, DOC_UPDATE)?;
    let fields = fields::object_body(ctx.body, DOC_UPDATE)?;
    let title = match fields.get("title") {
        None => None,
        Some(_) => Some(
            fields::title(&fields, DOC_UPDATE)?.ok_or_else(|| fields::missing_title(DOC_UPDATE))?,
        ),
    };
    let body = fields::body(&fields, DOC_UPDATE)?;
    let labels = fields::labels(&fields, DOC_UPDATE)?;
    let open = fields::state(&fields, DOC_UPDATE)?;
    let reason = fields::state_reason(&fields, DOC_UPDATE)?;

    let (repo, number) = (ctx.repo, ctx.number);
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
    let issue = render_issue(ctx, DOC_UPDATE)?;
    Ok(json_response(StatusCode::OK, &issue))
}

/// Oldest first.
fn comments(ctx: &Ctx<'_>) -> Result<Response, Reject> {
    render_issue(ctx, DOC_COMMENTS)?;
    let repo = &ctx.store.repos[ctx.repo];
    let items: Vec<Value> = ctx
        .store
        .comments_of(ctx.repo, ctx.number)
        .map(|c| ctx.store.render_comment(repo, c))
        .collect();
    let path = format!("/issues/{}/comments", ctx.number);
    Ok(paginated(ctx, &path, &items))
}

fn comment(ctx: &mut Ctx<'_>) -> Result<Response, Reject> {
    render_issue(ctx, DOC_COMMENT)?;
    let fields = fields::object_body(ctx.body, DOC_COMMENT)?;
    let body = fields::comment_body(&fields, DOC_COMMENT)?;
    let id = ctx
        .store
        .add_comment(ctx.repo, ctx.number, body, token_user());
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

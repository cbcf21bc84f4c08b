//! The API's endpoints.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_TYPE, LINK};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::{Map, Value};

use crate::applications;
use crate::gate;
use crate::model::{pipeline_json, render, Denied, View};
use crate::pagination::{self, LinkMode, Page};
use crate::server::App;
use crate::validation::{self, Errors, Mode};

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/pipelines/{pipeline_id}", get(get_pipeline))
        .route(
            "/pipelines/application/{application_id}",
            get(applications::list_pipelines),
        )
        .route(
            "/applications/{application_id}",
            get(applications::get_application),
        )
        .route("/pipelines/{pipeline_id}/hooks", get(list_hooks))
        .route(
            "/pipelines/{pipeline_id}/hooks/outgoing",
            axum::routing::post(create_hook),
        )
        .route(
            "/hooks/outgoing/{hook_id}",
            get(get_hook).put(update_hook).delete(delete_hook),
        )
        .route("/hooks/outgoing/{hook_id}/requests", get(list_deliveries))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            gate::gate,
        ))
        .with_state(app)
}

pub(crate) fn json_body(status: StatusCode, body: String) -> Response {
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

pub(crate) fn json(status: StatusCode, value: &Value) -> Response {
    json_body(status, value.to_string())
}

pub(crate) fn message(status: StatusCode, text: &str) -> Response {
    json(status, &serde_json::json!({ "message": text }))
}

pub(crate) fn unprocessable(errors: &Errors) -> Response {
    json_body(StatusCode::UNPROCESSABLE_ENTITY, errors.to_body())
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) fn denied(d: Denied, what: &str) -> Response {
    match d {
        Denied::NotFound => message(StatusCode::NOT_FOUND, &format!("{what} not found.")),
        Denied::Forbidden => message(StatusCode::FORBIDDEN, "This action is unauthorized."),
    }
}

/// Laravel reads a JSON body only when the request says it is JSON; a body that does not
/// decode to an object counts as no input at all (so validation reports required fields).
fn input(headers: &HeaderMap, body: &[u8]) -> Value {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("/json") || ct.contains("+json"));
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) if is_json => v,
        _ => Value::Object(Map::new()),
    }
}

pub(crate) fn paginated(
    app: &App,
    path: &str,
    page: Page,
    items: &[Value],
    mode: LinkMode,
) -> Response {
    let link = page.link_header(&app.base_url, path, items.len(), mode);
    let mut response = json(StatusCode::OK, &Value::Array(page.slice(items)));
    if let Ok(value) = HeaderValue::from_str(&link) {
        response.headers_mut().insert(LINK, value);
    }
    response
}

async fn get_pipeline(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let state = app.lock();
    match id
        .parse()
        .map_err(|_| Denied::NotFound)
        .and_then(|id| state.store.pipeline(id))
    {
        Ok(p) => json(StatusCode::OK, &pipeline_json(p)),
        Err(d) => denied(d, "Pipeline"),
    }
}

async fn list_hooks(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    Extension(mode): Extension<LinkMode>,
) -> Response {
    let state = app.lock();
    let pipeline_id = match id
        .parse()
        .map_err(|_| Denied::NotFound)
        .and_then(|id| state.store.pipeline(id))
    {
        Ok(p) => p.id,
        Err(d) => return denied(d, "Pipeline"),
    };
    let page = match pagination::parse(query.as_deref()) {
        Ok(page) => page,
        Err(e) => return unprocessable(&e),
    };
    let items: Vec<Value> = state
        .store
        .hooks_of(pipeline_id)
        .map(|h| render(h, View::Relation, state.body_as_string))
        .collect();
    paginated(
        &app,
        &format!("/pipelines/{pipeline_id}/hooks"),
        page,
        &items,
        mode,
    )
}

async fn create_hook(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = app.lock();
    let pipeline_id = match id
        .parse()
        .map_err(|_| Denied::NotFound)
        .and_then(|id| state.store.pipeline(id))
    {
        Ok(p) => p.id,
        Err(d) => return denied(d, "Pipeline"),
    };
    let fields = match validation::outgoing_hook(&input(&headers, &body), Mode::Create) {
        Ok(fields) => fields,
        Err(e) => return unprocessable(&e),
    };
    let hook_id = state.store.create_outgoing(pipeline_id, fields);
    match state.store.outgoing_unchecked(&hook_id) {
        Some(index) => json(
            StatusCode::CREATED,
            &render(
                &state.store.hooks[index],
                View::Created,
                state.body_as_string,
            ),
        ),
        None => message(StatusCode::INTERNAL_SERVER_ERROR, "Server Error"),
    }
}

async fn get_hook(State(app): State<Arc<App>>, Path(hook_id): Path<String>) -> Response {
    let state = app.lock();
    match state.store.outgoing(&hook_id) {
        Ok(index) => json(
            StatusCode::OK,
            &render(&state.store.hooks[index], View::Full, state.body_as_string),
        ),
        Err(d) => denied(d, "Hook"),
    }
}

async fn update_hook(
    State(app): State<Arc<App>>,
    Path(hook_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = app.lock();
    let index = match state.store.outgoing(&hook_id) {
        Ok(index) => index,
        Err(d) => return denied(d, "Hook"),
    };
    let mode = Mode::Update { hook_id: &hook_id };
    let fields = match validation::outgoing_hook(&input(&headers, &body), mode) {
        Ok(fields) => fields,
        Err(e) => return unprocessable(&e),
    };
    state.store.hooks[index].extend(fields);
    state.store.touch(index);
    no_content()
}

async fn delete_hook(State(app): State<Arc<App>>, Path(hook_id): Path<String>) -> Response {
    let mut state = app.lock();
    match state.store.outgoing(&hook_id) {
        Ok(index) => {
            state.store.remove(index);
            no_content()
        }
        Err(d) => denied(d, "Hook"),
    }
}

async fn list_deliveries(
    State(app): State<Arc<App>>,
    Path(hook_id): Path<String>,
    RawQuery(query): RawQuery,
    Extension(mode): Extension<LinkMode>,
) -> Response {
    let state = app.lock();
    let index = match state.store.outgoing(&hook_id) {
        Ok(index) => index,
        Err(d) => return denied(d, "Hook"),
    };
    let page = match pagination::parse(query.as_deref()) {
        Ok(page) => page,
        Err(e) => return unprocessable(&e),
    };
    let id = state.store.hooks[index]
        .get("id")
        .cloned()
        .unwrap_or(Value::Null);
    let items: Vec<Value> = state
        .store
        .deliveries
        .iter()
        .rev()
        .filter(|d| d.get("hook_id") == Some(&id))
        .cloned()
        .collect();
    let path = format!("/hooks/outgoing/{hook_id}/requests");
    paginated(&app, &path, page, &items, mode)
}

async fn not_found() -> Response {
    message(StatusCode::NOT_FOUND, "Not found.")
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let text = format!(
        "The {method} method is not supported for route {}.",
        uri.path().trim_start_matches('/')
    );
    message(StatusCode::METHOD_NOT_ALLOWED, &text)
}

//! The API's endpoints.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::{Map, Value};

use crate::applications;
use crate::documents::pipeline_json;
use crate::gate;
use crate::model::{render, View};
use crate::pagination::LinkMode;
use crate::projects;
use crate::reply::{denied, json, list_of, message, no_content, path_id, unprocessable};
use crate::server::App;
use crate::validation::{self, Mode};

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
        .route(
            "/projects/{project_id}/environments",
            get(projects::list_environments),
        )
        .route(
            "/projects/{project_id}/environments/archived",
            get(projects::list_archived_environments),
        )
        .route(
            "/environments/{environment_id}",
            get(projects::get_environment),
        )
        .route(
            "/environments/{environment_id}/applications",
            get(projects::list_applications),
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

async fn get_pipeline(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let state = app.lock();
    match path_id(&id).and_then(|id| state.store.pipeline(id)) {
        Ok(p) => json(StatusCode::OK, &pipeline_json(&state.store, p)),
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
    let found = path_id(&id).and_then(|id| state.store.pipeline(id).map(|p| p.id));
    list_of(
        &app,
        found,
        "Pipeline",
        query.as_deref(),
        mode,
        |pipeline_id| {
            let items = state
                .store
                .hooks_of(pipeline_id)
                .map(|h| render(h, View::Relation, state.body_as_string))
                .collect();
            (format!("/pipelines/{pipeline_id}/hooks"), items)
        },
    )
}

async fn create_hook(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = app.lock();
    let pipeline_id = match path_id(&id).and_then(|id| state.store.pipeline(id)) {
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
    let found = state.store.outgoing(&hook_id);
    list_of(&app, found, "Hook", query.as_deref(), mode, |index| {
        let id = state.store.hooks[index]
            .get("id")
            .cloned()
            .unwrap_or(Value::Null);
        let items = state
            .store
            .deliveries
            .iter()
            .rev()
            .filter(|d| d.get("hook_id") == Some(&id))
            .cloned()
            .collect();
        (format!("/hooks/outgoing/{hook_id}/requests"), items)
    })
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

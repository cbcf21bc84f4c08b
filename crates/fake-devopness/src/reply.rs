//! Laravel's answers, shared by the endpoints and the gate in front of them: JSON bodies,
//! `{"message": ...}` errors, 404/403 for what a path names, 422 for bad input, and the
//! paginated lists (`Link` header) every list endpoint answers the same way.

use axum::http::header::{CONTENT_TYPE, LINK};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::model::Denied;
use crate::pagination::{self, LinkMode, Page};
use crate::server::App;
use crate::validation::Errors;

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

pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) fn denied(d: Denied, what: &str) -> Response {
    match d {
        Denied::NotFound => message(StatusCode::NOT_FOUND, &format!("{what} not found.")),
        Denied::Forbidden => message(StatusCode::FORBIDDEN, "This action is unauthorized."),
    }
}

/// A numeric id from the path; one that is not a number names nothing (404, as Laravel's
/// route model binding answers).
pub(crate) fn path_id(id: &str) -> Result<u64, Denied> {
    id.parse().map_err(|_| Denied::NotFound)
}

/// A list endpoint: the resource its path names (else 404/403, before anything else),
/// then the page asked for (else 422), then that page of what `items` gives (the list's
/// path and all its items) with its `Link` header.
pub(crate) fn list_of<T>(
    app: &App,
    found: Result<T, Denied>,
    what: &str,
    query: Option<&str>,
    mode: LinkMode,
    items: impl FnOnce(T) -> (String, Vec<Value>),
) -> Response {
    let resource = match found {
        Ok(resource) => resource,
        Err(d) => return denied(d, what),
    };
    let page = match pagination::parse(query) {
        Ok(page) => page,
        Err(e) => return unprocessable(&e),
    };
    let (path, items) = items(resource);
    paginated(app, &path, page, &items, mode)
}

fn paginated(app: &App, path: &str, page: Page, items: &[Value], mode: LinkMode) -> Response {
    let link = page.link_header(&app.base_url, path, items.len(), mode);
    let mut response = json(StatusCode::OK, &Value::Array(page.slice(items, mode)));
    if let Ok(value) = HeaderValue::from_str(&link) {
        response.headers_mut().insert(LINK, value);
    }
    response
}

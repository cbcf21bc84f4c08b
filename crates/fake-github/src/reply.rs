//! GitHub's responses: JSON with `charset=utf-8`, its error bodies, and the documentation URL
//! each endpoint's errors point at.

use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

pub(crate) const DOC_ROOT: &str = "https://docs.github.com/rest";
pub(crate) const DOC_LIST: &str =
    "https://docs.github.com/rest/issues/issues#list-repository-issues";
pub(crate) const DOC_CREATE: &str = "https://docs.github.com/rest/issues/issues#create-an-issue";
pub(crate) const DOC_GET: &str = "https://docs.github.com/rest/issues/issues#get-an-issue";
pub(crate) const DOC_UPDATE: &str = "https://docs.github.com/rest/issues/issues#update-an-issue";
pub(crate) const DOC_COMMENT: &str =
    "https://docs.github.com/rest/issues/comments#create-an-issue-comment";
pub(crate) const DOC_COMMENTS: &str =
    "https://docs.github.com/rest/issues/comments#list-issue-comments";

pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response {
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

/// 201 with a `Location` header naming the new object's API `url`.
pub(crate) fn created(value: &Value) -> Response {
    let mut response = json_response(StatusCode::CREATED, value);
    if let Some(url) = value.get("url").and_then(Value::as_str) {
        if let Ok(url) = HeaderValue::from_str(url) {
            response.headers_mut().insert(LOCATION, url);
        }
    }
    response
}

/// An error answer (kept small; turned into a response at the end).
pub(crate) struct Reject {
    status: StatusCode,
    body: Value,
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body)
    }
}

/// `{"message", "documentation_url", "status"}`, GitHub's error body.
pub(crate) fn message(status: StatusCode, text: &str, doc: &str) -> Reject {
    Reject {
        status,
        body: json!({
            "message": text,
            "documentation_url": doc,
            "status": status.as_u16().to_string(),
        }),
    }
}

pub(crate) fn not_found(doc: &str) -> Reject {
    message(StatusCode::NOT_FOUND, "Not Found", doc)
}

pub(crate) fn validation_failed(errors: Vec<Value>, doc: &str) -> Reject {
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
pub(crate) fn invalid_request(detail: &str, doc: &str) -> Reject {
    message(
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!("Invalid request.\n\n{detail}"),
        doc,
    )
}

pub(crate) fn invalid_field(field: &str, doc: &str) -> Reject {
    validation_failed(
        vec![json!({ "resource": "Issue", "code": "invalid", "field": field })],
        doc,
    )
}

/// What GitHub's front end answers while it is down: a bare `message`.
pub(crate) fn outage_status(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let text = match code {
        503 => "No server is currently available to service your request. Sorry about that. Please try resubmitting your request and contact us if the problem persists.",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    json_response(status, &json!({ "message": text }))
}

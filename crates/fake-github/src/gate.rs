//! What every request passes through before the endpoints: recording, the outage switch,
//! the body size limit and the token check; and, on the way out, GitHub's headers and the
//! response's record.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fake_http::{Incoming, RecordedResponse};

use crate::reply::{message, outage_status, DOC_ROOT};
use crate::server::App;
use crate::Outage;

pub(crate) async fn gate(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let Incoming { conn, parts, body } = fake_http::read_request(request).await;
    let (seq, outage) = {
        let mut state = app.lock();
        let seq = state.record(&parts, body.as_deref().unwrap_or_default());
        (seq, state.outage)
    };
    let response = match (outage, body) {
        (Outage::Drop, _) => {
            app.lock().answer(seq, None);
            // Cut the connection: the (empty) response below is never written.
            if let Some(conn) = conn {
                conn.kill();
            }
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        (Outage::Status(code), _) => outage_status(code),
        (Outage::None, Err(_)) => {
            message(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large", DOC_ROOT).into_response()
        }
        (Outage::None, Ok(body)) => {
            let mut response = handle(&app, parts, body, next).await;
            add_github_headers(&mut response, seq);
            response
        }
    };
    let (response, recorded) = RecordedResponse::capture(response).await;
    app.lock().answer(seq, Some(recorded));
    response
}

/// Checks the token, then lets the endpoint (or the router's 404) answer.
async fn handle(app: &App, parts: Parts, body: Bytes, next: Next) -> Response {
    if !authorized(&parts, &app.token) {
        return message(StatusCode::UNAUTHORIZED, "Bad credentials", DOC_ROOT).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
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

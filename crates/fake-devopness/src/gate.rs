//! What every request passes through before the endpoints: recording, the rate limit,
//! latency, injected faults and the bearer token check.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fake_http::{Incoming, RecordedResponse};

use crate::faults::{huge_json, proxy_page, FaultKind, HTML_PAGE, MALFORMED_JSON};
use crate::pagination::LinkMode;
use crate::ratelimit::Verdict;
use crate::reply::{json_body, message};
use crate::server::App;

pub(crate) async fn gate(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let Incoming { conn, parts, body } = fake_http::read_request(request).await;
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();

    let (seq, latency, verdict, fault) = {
        let mut state = app.lock();
        let seq = state
            .requests
            .record(&parts, body.as_deref().unwrap_or_default());
        let verdict = state.limiter.as_mut().map(|l| l.hit(SystemTime::now()));
        // A refused request reaches nothing behind the limiter, faults included.
        let fault = match verdict {
            Some(Verdict::Refused { .. }) => None,
            _ => state.faults.take(&method, &path),
        };
        (seq, state.latency, verdict, fault)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let response = match (verdict, body) {
        (Some(refused @ Verdict::Refused { .. }), _) => Some(too_many_attempts(refused)),
        (_, Err(_)) => Some(message(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large")),
        (_, Ok(body)) => respond(&app, fault, parts, body, next).await,
    };
    let response = response.map(|mut r| {
        let from_proxy = r.extensions().get::<FromProxy>().is_some();
        if let (Some(Verdict::Allowed { limit, .. }), false) = (verdict, from_proxy) {
            // Read when the answer is made, as Laravel's middleware does.
            let remaining = app
                .lock()
                .limiter
                .as_ref()
                .map_or(limit, |l| l.remaining(SystemTime::now()));
            rate_headers(&mut r, limit, remaining);
        }
        r
    });
    match response {
        Some(response) => {
            let (response, recorded) = RecordedResponse::capture(response).await;
            app.lock().requests.answer(seq, Some(recorded));
            response
        }
        None => {
            // Cut the connection: the (empty) response below is never written.
            if let Some(conn) = conn {
                conn.kill();
            }
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The response to send, or `None` to drop the connection.
async fn respond(
    app: &App,
    fault: Option<FaultKind>,
    parts: Parts,
    body: Bytes,
    next: Next,
) -> Option<Response> {
    let run = |mode| handle(app, parts, body, next, mode);
    let response = match fault {
        None => run(LinkMode::Normal).await,
        Some(FaultKind::Status { code, retry_after }) => error_status(code, retry_after),
        Some(FaultKind::CommitThenStatus(code)) => {
            run(LinkMode::Normal).await;
            error_status(code, None)
        }
        Some(FaultKind::CommitThenDrop) => {
            run(LinkMode::Normal).await;
            return None;
        }
        Some(FaultKind::Drop) => return None,
        Some(FaultKind::Delay(d)) => {
            tokio::time::sleep(d).await;
            run(LinkMode::Normal).await
        }
        Some(FaultKind::HtmlBody) => raw(StatusCode::OK, "text/html; charset=UTF-8", HTML_PAGE),
        Some(FaultKind::MalformedJson) => json_body(StatusCode::OK, MALFORMED_JSON.to_string()),
        Some(FaultKind::EmptyBody) => json_body(StatusCode::OK, String::new()),
        Some(FaultKind::HugeBody(len)) => json_body(StatusCode::OK, huge_json(len)),
        Some(FaultKind::LinkLoop) => run(LinkMode::Loop).await,
        Some(FaultKind::EndlessLinks) => run(LinkMode::Endless).await,
        Some(FaultKind::ShiftedPage) => run(LinkMode::Shifted).await,
        Some(FaultKind::ResetHeader(reset)) => {
            let mut response = run(LinkMode::Normal).await;
            if let Ok(value) = HeaderValue::from_str(&reset) {
                let headers = response.headers_mut();
                headers.insert("x-ratelimit-remaining", HeaderValue::from(0));
                headers.insert("x-ratelimit-reset", value);
            }
            response
        }
    };
    Some(response)
}

/// Checks the token, then lets the endpoint handle the request.
async fn handle(app: &App, parts: Parts, body: Bytes, next: Next, mode: LinkMode) -> Response {
    if !authorized(&parts, &app.token) {
        return message(StatusCode::UNAUTHORIZED, "Unauthenticated.");
    }
    let mut request = Request::from_parts(parts, Body::from(body));
    request.extensions_mut().insert(mode);
    next.run(request).await
}

/// `Authorization: Bearer <token>` (the scheme case-insensitive, as Laravel reads it).
fn authorized(parts: &Parts, token: &str) -> bool {
    let Some(value) = fake_http::authorization(parts) else {
        return false;
    };
    let Some((scheme, given)) = value.split_once(' ') else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer") && given.trim() == token && !token.is_empty()
}

/// An answer made before Laravel's throttle ran: it has none of the limiter's headers,
/// though the request may have been counted (a 504's request reached Laravel).
#[derive(Clone, Copy)]
struct FromProxy;

/// An error status as the real stack sends it: the proxy's HTML page for 502 and 504,
/// maintenance mode's 503 (both before the throttle: without rate headers), Laravel's
/// JSON message otherwise.
fn error_status(code: u16, retry_after: Option<String>) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Error");
    let mut response = match code {
        502 | 504 => {
            let mut page = raw(status, "text/html", &proxy_page(code, reason));
            page.extensions_mut().insert(FromProxy);
            page
        }
        503 => {
            let mut page = message(status, reason);
            page.extensions_mut().insert(FromProxy);
            page
        }
        429 => message(status, "Too Many Attempts."),
        500 => message(status, "Server Error"),
        _ => message(status, reason),
    };
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response
}

/// Laravel's throttle refusal.
fn too_many_attempts(verdict: Verdict) -> Response {
    let mut response = message(StatusCode::TOO_MANY_REQUESTS, "Too Many Attempts.");
    if let Verdict::Refused {
        limit,
        retry_after_secs,
        reset_unix,
    } = verdict
    {
        rate_headers(&mut response, limit, 0);
        let headers = response.headers_mut();
        headers.insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
        headers.insert("x-ratelimit-reset", HeaderValue::from(reset_unix));
    }
    response
}

/// The headers every answer of a throttled route carries.
fn rate_headers(response: &mut Response, limit: u32, remaining: u32) {
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
}

fn raw(status: StatusCode, content_type: &'static str, body: &str) -> Response {
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body.to_string(),
    )
        .into_response()
}

//! Checking one request or response against its operation.

use std::fmt;

use fake_http::{RecordedRequest, RecordedResponse};
use serde_json::Value;

use crate::operation::{Location, Operation};
use crate::schema;
use crate::Spec;

/// A request, as sent to the service.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Upper case.
    pub method: &'a str,
    /// Below the API root (e.g. `https://api.devopness.com`, `https://api.github.com`, or a
    /// GitHub Enterprise Server's `https://HOST/api/v3`), without the query.
    pub path: &'a str,
    /// Decoded, in order.
    pub query: Vec<(String, String)>,
    pub content_type: Option<&'a str>,
    /// Empty when there is none.
    pub body: &'a str,
    /// Every header sent (name, value); `None` when they are not known, and not checked.
    pub headers: Option<Vec<(&'a str, &'a str)>>,
}

impl<'a> Request<'a> {
    /// A request a fake received (its `/api/v3` prefix dropped), headers included.
    pub fn recorded(request: &'a RecordedRequest) -> Request<'a> {
        let headers = request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        Request {
            method: &request.method,
            path: request.route(),
            query: request.query_pairs(),
            content_type: request.header("content-type"),
            body: &request.body,
            headers: Some(headers),
        }
    }

    /// A JSON request to an absolute URL on the API root (`https://api.github.com`, a GitHub
    /// Enterprise Server's `https://HOST/api/v3`, `https://api.devopness.com`), its headers
    /// unknown; `None` when `url` is not `scheme://host/path`.
    pub fn to_url(method: &'a str, url: &'a str, body: &'a str) -> Option<Request<'a>> {
        let (_, rest) = url.split_once("://")?;
        let slash = rest.find('/')?;
        let (path, query) = match rest[slash..].split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (&rest[slash..], None),
        };
        let path = match path.strip_prefix("/api/v3") {
            Some(below) if below.starts_with('/') => below,
            _ => path,
        };
        let query = query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (k.to_string(), v.to_string())
            })
            .collect();
        Some(Request {
            method,
            path,
            query,
            content_type: Some("application/json"),
            body,
            headers: None,
        })
    }
}

/// A response, as the service (or its fake) sent it.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub body: &'a str,
}

impl<'a> Response<'a> {
    pub fn recorded(response: &'a RecordedResponse) -> Response<'a> {
        Response {
            status: response.status,
            content_type: response.header("content-type"),
            body: &response.body,
        }
    }
}

/// How a request or response departs from the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// No operation has this method and path.
    NoOperation {
        method: String,
        path: String,
    },
    PathParameter {
        name: String,
        problems: Vec<String>,
    },
    UnknownQueryParameter {
        name: String,
    },
    MissingQueryParameter {
        name: String,
    },
    /// A header the operation requires was not sent.
    MissingHeader {
        name: String,
    },
    Header {
        name: String,
        problems: Vec<String>,
    },
    QueryParameter {
        name: String,
        problems: Vec<String>,
    },
    /// The operation requires a body and none was sent.
    MissingBody,
    /// The operation takes no body and one was sent.
    UnexpectedBody,
    NotJson {
        what: &'static str,
        error: String,
    },
    RequestContentType(Option<String>),
    Body(Vec<String>),
    /// A success status the operation does not document.
    UndocumentedStatus {
        status: u16,
        documented: Vec<String>,
    },
    ResponseContentType(Option<String>),
    ResponseBody {
        status: u16,
        problems: Vec<String>,
    },
    /// The documented response has no body, and one was sent.
    UnexpectedResponseBody {
        status: u16,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |p: &[String]| p.join("; ");
        match self {
            Mismatch::NoOperation { method, path } => {
                write!(f, "no operation in the spec is {method} {path}")
            }
            Mismatch::PathParameter { name, problems } => {
                write!(f, "path parameter `{name}`: {}", list(problems))
            }
            Mismatch::UnknownQueryParameter { name } => {
                write!(f, "query parameter `{name}` is not one the operation takes")
            }
            Mismatch::MissingQueryParameter { name } => {
                write!(f, "required query parameter `{name}` is missing")
            }
            Mismatch::MissingHeader { name } => write!(f, "required header `{name}` is missing"),
            Mismatch::Header { name, problems } => {
                write!(f, "header `{name}`: {}", list(problems))
            }
            Mismatch::QueryParameter { name, problems } => {
                write!(f, "query parameter `{name}`: {}", list(problems))
            }
            Mismatch::MissingBody => write!(f, "the operation requires a body; none was sent"),
            Mismatch::UnexpectedBody => write!(f, "the operation takes no body; one was sent"),
            Mismatch::NotJson { what, error } => write!(f, "the {what} is not JSON: {error}"),
            Mismatch::RequestContentType(t) => {
                write!(f, "request body sent as {t:?}, not application/json")
            }
            Mismatch::Body(problems) => write!(f, "request body: {}", list(problems)),
            Mismatch::UndocumentedStatus { status, documented } => write!(
                f,
                "status {status} is not documented (documented: {})",
                documented.join(", ")
            ),
            Mismatch::ResponseContentType(t) => {
                write!(f, "response sent as {t:?}, not application/json")
            }
            Mismatch::ResponseBody { status, problems } => {
                write!(f, "{status} response body: {}", list(problems))
            }
            Mismatch::UnexpectedResponseBody { status } => {
                write!(
                    f,
                    "the {status} response is documented without a body; one was sent"
                )
            }
        }
    }
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| {
        let media = t.split(';').next().unwrap_or_default().trim();
        media.eq_ignore_ascii_case("application/json")
    })
}

/// A query value as its schema's type reads it (a value that does not parse stays a string,
/// so the type check reports it).
fn typed(value: &str, schema: &Value) -> Value {
    let parsed = match schema.get("type").and_then(Value::as_str) {
        Some("integer") => value.parse::<i64>().ok().map(Value::from),
        Some("number") => value.parse::<f64>().ok().map(Value::from),
        Some("boolean") => value.parse::<bool>().ok().map(Value::from),
        Some("array") => Some(Value::from(
            value.split(',').map(str::to_string).collect::<Vec<_>>(),
        )),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::from(value))
}

impl Spec {
    /// The operation `request` is for, when it fits the spec: method and path, every path
    /// and query parameter, the headers it declares (when the request's are known), and the
    /// body (which may hold only the fields the operation declares, at any depth).
    pub fn check_request(&self, request: &Request<'_>) -> Result<&Operation, Vec<Mismatch>> {
        let (op, values) = self
            .find(request.method, request.path)
            .map_err(|m| vec![m])?;
        let mut problems = Vec::new();
        for (name, value) in op.path_names().into_iter().zip(values) {
            if let Some(p) = op.parameter(Location::Path, name) {
                let found = self.check_value(op, "path", name, &p.schema, &typed(value, &p.schema));
                if !found.is_empty() {
                    let name = name.to_string();
                    problems.push(Mismatch::PathParameter {
                        name,
                        problems: found,
                    });
                }
            }
        }
        self.check_query(op, &request.query, &mut problems);
        if let Some(headers) = &request.headers {
            self.check_headers(op, headers, &mut problems);
        }
        self.check_body(op, request, &mut problems);
        if problems.is_empty() {
            Ok(op)
        } else {
            Err(problems)
        }
    }

    fn check_query(&self, op: &Operation, query: &[(String, String)], out: &mut Vec<Mismatch>) {
        for (name, value) in query {
            let Some(p) = op.parameter(Location::Query, name) else {
                let name = name.clone();
                out.push(Mismatch::UnknownQueryParameter { name });
                continue;
            };
            let found = self.check_value(op, "query", name, &p.schema, &typed(value, &p.schema));
            if !found.is_empty() {
                let name = name.clone();
                out.push(Mismatch::QueryParameter {
                    name,
                    problems: found,
                });
            }
        }
        for p in op.parameters.iter() {
            if p.location == Location::Query
                && p.required
                && !query.iter().any(|(n, _)| *n == p.name)
            {
                let name = p.name.clone();
                out.push(Mismatch::MissingQueryParameter { name });
            }
        }
    }

    /// Each header parameter the operation declares: present when required, and of its
    /// schema when sent (names are case-insensitive).
    fn check_headers(&self, op: &Operation, headers: &[(&str, &str)], out: &mut Vec<Mismatch>) {
        for p in op.parameters.iter() {
            if p.location != Location::Header {
                continue;
            }
            let sent = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&p.name));
            let Some((_, value)) = sent else {
                if p.required {
                    let name = p.name.clone();
                    out.push(Mismatch::MissingHeader { name });
                }
                continue;
            };
            let found =
                self.check_value(op, "header", &p.name, &p.schema, &typed(value, &p.schema));
            if !found.is_empty() {
                let name = p.name.clone();
                out.push(Mismatch::Header {
                    name,
                    problems: found,
                });
            }
        }
    }

    fn check_body(&self, op: &Operation, request: &Request<'_>, out: &mut Vec<Mismatch>) {
        let sent = !request.body.trim().is_empty();
        let Some(body) = &op.body else {
            if sent {
                out.push(Mismatch::UnexpectedBody);
            }
            return;
        };
        if !sent {
            if body.required {
                out.push(Mismatch::MissingBody);
            }
            return;
        }
        let Some(schema) = &body.json else {
            return;
        };
        if !is_json(request.content_type) {
            let given = request.content_type.map(str::to_string);
            out.push(Mismatch::RequestContentType(given));
        }
        let value = match serde_json::from_str::<Value>(request.body) {
            Ok(value) => value,
            Err(e) => {
                let error = e.to_string();
                out.push(Mismatch::NotJson {
                    what: "request body",
                    error,
                });
                return;
            }
        };
        let key = format!("{} request body", op.id);
        let found = self.validate(&key, true, || schema::to_json_schema(schema), &value);
        if !found.is_empty() {
            out.push(Mismatch::Body(found));
        }
    }

    fn check_value(
        &self,
        op: &Operation,
        location: &str,
        name: &str,
        schema: &Value,
        value: &Value,
    ) -> Vec<String> {
        let key = format!("{} {location} {name}", op.id);
        self.validate(&key, false, || schema::to_json_schema(schema), value)
    }

    /// Whether `response` is one `op` documents: its status (or an error status the service
    /// answers on any operation, see [`crate::ErrorBody`]), its media type and its body; a
    /// success body may hold only the fields the spec declares.
    pub fn check_response(
        &self,
        op: &Operation,
        response: &Response<'_>,
    ) -> Result<(), Vec<Mismatch>> {
        let status = response.status;
        let (key, schema) = match self.expected(op, status) {
            Expected::Json(key, schema) => (key, schema),
            // Documented with a body that is not JSON: nothing more to check.
            Expected::Unchecked => return Ok(()),
            Expected::Empty if response.body.trim().is_empty() => return Ok(()),
            Expected::Empty => return Err(vec![Mismatch::UnexpectedResponseBody { status }]),
            Expected::Undocumented => {
                let documented = op.statuses().into_iter().map(str::to_string).collect();
                return Err(vec![Mismatch::UndocumentedStatus { status, documented }]);
            }
        };
        let mut problems = Vec::new();
        if !is_json(response.content_type) {
            let given = response.content_type.map(str::to_string);
            problems.push(Mismatch::ResponseContentType(given));
        }
        match serde_json::from_str::<Value>(response.body) {
            Ok(value) => {
                // The data must hold only documented fields; an error body is the service's
                // envelope, which carries fields its schemas lag behind (GitHub's 422's
                // `status`).
                let close = status < 400;
                let found = self.validate(&key, close, || schema::to_json_schema(&schema), &value);
                if !found.is_empty() {
                    problems.push(Mismatch::ResponseBody {
                        status,
                        problems: found,
                    });
                }
            }
            Err(e) => {
                let error = e.to_string();
                problems.push(Mismatch::NotJson {
                    what: "response body",
                    error,
                });
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// What `op` answers with `status`: the documented response, checked together with the
    /// error body the service sends on any operation; that error body alone where the
    /// operation documents the status without one, or not at all.
    fn expected(&self, op: &Operation, status: u16) -> Expected {
        let common = if status >= 400 {
            (self.error_body)(status)
        } else {
            None
        };
        let key = format!("{} response {status}", op.id);
        match (op.response(status), common) {
            (Some(spec), common) if spec.content => match (&spec.json, common) {
                (None, _) => Expected::Unchecked,
                (Some(own), None) => Expected::Json(key, own.clone()),
                (Some(own), Some(common)) => {
                    Expected::Json(key, serde_json::json!({ "allOf": [own, common] }))
                }
            },
            (_, Some(common)) => Expected::Json(format!("error {status}"), common),
            (Some(_), None) => Expected::Empty,
            (None, None) => Expected::Undocumented,
        }
    }
}

/// What a response must be.
enum Expected {
    /// JSON fitting this schema (keyed for the validators' cache).
    Json(String, Value),
    /// A body that is not JSON: not checked.
    Unchecked,
    /// No body.
    Empty,
    /// Nothing: the status is not documented.
    Undocumented,
}

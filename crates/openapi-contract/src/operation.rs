//! The spec's operations: method, path template, parameters, request body and responses,
//! with the spec's `$ref`s to shared parameters, bodies and responses followed.

use serde_json::{Map, Value};

/// One operation of the API, e.g. `issues/create` (`POST /repos/{owner}/{repo}/issues`).
#[derive(Debug)]
pub struct Operation {
    /// The spec's `operationId`.
    pub id: String,
    /// Upper case.
    pub method: String,
    /// The path template, e.g. `/repos/{owner}/{repo}/issues/{issue_number}`.
    pub path: String,
    segments: Vec<Segment>,
    pub(crate) parameters: Vec<Parameter>,
    pub(crate) body: Option<RequestBody>,
    /// By status (`"200"`, `"4XX"`, `"default"`).
    pub(crate) responses: Vec<(String, ResponseSpec)>,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Parameter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    Path,
    Query,
    Header,
    /// Cookies (not checked).
    Other,
}

#[derive(Debug)]
pub(crate) struct Parameter {
    pub name: String,
    pub location: Location,
    pub required: bool,
    pub schema: Value,
}

#[derive(Debug)]
pub(crate) struct RequestBody {
    pub required: bool,
    /// The `application/json` schema, when the operation takes JSON.
    pub json: Option<Value>,
}

#[derive(Debug)]
pub(crate) struct ResponseSpec {
    /// The `application/json` schema, when the response is JSON.
    pub json: Option<Value>,
    /// Whether the response has a body at all.
    pub content: bool,
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// Every operation in the spec's `paths`.
pub(crate) fn operations(spec: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let paths = spec.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        let shared = item.get("parameters");
        for method in METHODS {
            let Some(op) = item.get(method).and_then(Value::as_object) else {
                continue;
            };
            out.push(Operation {
                id: text(op.get("operationId")),
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                segments: segments(path),
                parameters: parameters(spec, shared, op.get("parameters")),
                body: op.get("requestBody").map(|b| request_body(spec, b)),
                responses: responses(spec, op),
            });
        }
    }
    out
}

impl Operation {
    /// The path parameters' raw values when `path` fits this operation's template, and how
    /// many of its segments are literal (the more, the better the fit).
    pub(crate) fn fit<'p>(&self, path: &'p str) -> Option<(Vec<&'p str>, usize)> {
        let given: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        if given.len() != self.segments.len() {
            return None;
        }
        let mut values = Vec::new();
        let mut literal = 0;
        for (segment, value) in self.segments.iter().zip(&given) {
            match segment {
                Segment::Literal(text) if text == value => literal += 1,
                Segment::Literal(_) => return None,
                Segment::Parameter if value.is_empty() => return None,
                Segment::Parameter => values.push(*value),
            }
        }
        Some((values, literal))
    }

    /// The path parameters' names, in template order.
    pub(crate) fn path_names(&self) -> Vec<&str> {
        self.path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect()
    }

    pub(crate) fn parameter(&self, location: Location, name: &str) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.location == location && p.name == name)
    }

    /// The response documented for `status`: exact, then `4XX`-style, then `default`.
    pub(crate) fn response(&self, status: u16) -> Option<&ResponseSpec> {
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        [exact.as_str(), range.as_str(), "default"]
            .iter()
            .find_map(|key| {
                self.responses
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
            })
            .map(|(_, r)| r)
    }

    /// The statuses the operation documents, for messages.
    pub fn statuses(&self) -> Vec<&str> {
        self.responses.iter().map(|(k, _)| k.as_str()).collect()
    }
}

fn segments(path: &str) -> Vec<Segment> {
    path.trim_start_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(s.to_string())
            }
        })
        .collect()
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// `value`, or what its `$ref` (`#/...`) points at within the spec.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => spec
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or(&Value::Null),
        None => value,
    }
}

/// The path item's parameters, overridden by the operation's (same name and location).
fn parameters(spec: &Value, shared: Option<&Value>, own: Option<&Value>) -> Vec<Parameter> {
    let read = |list: Option<&Value>| -> Vec<Parameter> {
        let items = list.and_then(Value::as_array).into_iter().flatten();
        items.map(|p| parameter(resolve(spec, p))).collect()
    };
    let own = read(own);
    let mut all: Vec<Parameter> = read(shared)
        .into_iter()
        .filter(|s| {
            !own.iter()
                .any(|o| o.name == s.name && o.location == s.location)
        })
        .collect();
    all.extend(own);
    all
}

fn parameter(p: &Value) -> Parameter {
    let location = match p.get("in").and_then(Value::as_str) {
        Some("path") => Location::Path,
        Some("query") => Location::Query,
        Some("header") => Location::Header,
        _ => Location::Other,
    };
    Parameter {
        name: text(p.get("name")),
        location,
        required: p.get("required") == Some(&Value::Bool(true)),
        schema: p
            .get("schema")
            .cloned()
            .unwrap_or(Value::Object(Map::new())),
    }
}

fn json_schema(content: Option<&Value>) -> Option<Value> {
    let content = content?.as_object()?;
    content
        .iter()
        .find(|(media, _)| media.as_str() == "application/json")
        .and_then(|(_, m)| m.get("schema").cloned())
}

fn request_body(spec: &Value, body: &Value) -> RequestBody {
    let body = resolve(spec, body);
    RequestBody {
        required: body.get("required") == Some(&Value::Bool(true)),
        json: json_schema(body.get("content")),
    }
}

fn responses(spec: &Value, op: &Map<String, Value>) -> Vec<(String, ResponseSpec)> {
    let all = op.get("responses").and_then(Value::as_object);
    all.into_iter()
        .flatten()
        .map(|(status, r)| {
            let r = resolve(spec, r);
            let content = r.get("content");
            let spec = ResponseSpec {
                json: json_schema(content),
                content: content
                    .and_then(Value::as_object)
                    .is_some_and(|c| !c.is_empty()),
            };
            (status.clone(), spec)
        })
        .collect()
}

//! Request bodies, read as GitHub reads them: lenient where it is (a numeric title, labels as
//! names or `{"name"}` objects), with its error for each kind of mistake.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::reply::{invalid_field, invalid_request, message, validation_failed, Reject};

/// GitHub's limit on issue and comment bodies, in characters.
pub(crate) const MAX_TEXT: usize = 65_536;

/// The JSON body as an object (an empty body is `{}`), or GitHub's 400.
pub(crate) fn object_body(body: &[u8], doc: &str) -> Result<Map<String, Value>, Reject> {
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
pub(crate) fn title(fields: &Map<String, Value>, doc: &str) -> Result<Option<String>, Reject> {
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

pub(crate) fn missing_title(doc: &str) -> Reject {
    validation_failed(
        vec![json!({ "resource": "Issue", "code": "missing_field", "field": "title" })],
        doc,
    )
}

/// `body`: absent (`None`), null (`Some(None)`) or a string of at most 65536 characters.
pub(crate) fn body(
    fields: &Map<String, Value>,
    doc: &str,
) -> Result<Option<Option<String>>, Reject> {
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
pub(crate) fn labels(
    fields: &Map<String, Value>,
    doc: &str,
) -> Result<Option<Vec<String>>, Reject> {
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

/// `state`: `open` (true) or `closed` (false); `None` when absent or null.
pub(crate) fn state(fields: &Map<String, Value>, doc: &str) -> Result<Option<bool>, Reject> {
    match fields.get("state") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s == "open" => Ok(Some(true)),
        Some(Value::String(s)) if s == "closed" => Ok(Some(false)),
        Some(_) => Err(invalid_field("state", doc)),
    }
}

/// `state_reason`: absent (`None`), null (`Some(None)`) or one of GitHub's reasons.
pub(crate) fn state_reason(
    fields: &Map<String, Value>,
    doc: &str,
) -> Result<Option<Option<String>>, Reject> {
    match fields.get("state_reason") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s))
            if matches!(
                s.as_str(),
                "completed" | "not_planned" | "duplicate" | "reopened"
            ) =>
        {
            Ok(Some(Some(s.clone())))
        }
        Some(_) => Err(invalid_field("state_reason", doc)),
    }
}

/// A comment's `body`: required, not blank, at most 65536 characters.
pub(crate) fn comment_body(fields: &Map<String, Value>, doc: &str) -> Result<String, Reject> {
    let unprocessable = |text: &str| {
        validation_failed(
            vec![json!({
                "resource": "IssueComment",
                "code": "unprocessable",
                "field": "data",
                "message": text,
            })],
            doc,
        )
    };
    match fields.get("body") {
        None => Err(invalid_request("\"body\" wasn't supplied.", doc)),
        Some(Value::String(s)) if s.trim().is_empty() => Err(unprocessable("Body cannot be blank")),
        Some(Value::String(s)) if s.chars().count() > MAX_TEXT => Err(unprocessable(&format!(
            "Body is too long (maximum is {MAX_TEXT} characters)"
        ))),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(invalid_request(
            &format!("For 'properties/body', {other} is not a string."),
            doc,
        )),
    }
}

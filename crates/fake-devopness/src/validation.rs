//! Request validation the way Laravel's validator does it: rules checked in order, messages in
//! Laravel's wording, and only validated keys kept (`$request->validated()`).

use serde_json::{Map, Value};

pub(crate) const ACTION_TYPES: [&str; 12] = [
    "check_provisioned",
    "configure",
    "delete",
    "deploy",
    "get_status",
    "provision",
    "reload",
    "remove",
    "restart",
    "rotate_key",
    "start",
    "stop",
];

pub(crate) const EVENTS: [&str; 5] = [
    "action.queued",
    "action.started",
    "action.completed",
    "action.failed",
    "action.status_changed",
];

const NAME_MAX: usize = 60;
const URL_MAX: usize = 2048;
const HEADER_NAME_MAX: usize = 256;
const HEADER_VALUE_MAX: usize = 4096;

/// Field errors in the order the rules ran.
#[derive(Debug, Default)]
pub(crate) struct Errors(Vec<(String, Vec<String>)>);

impl Errors {
    pub fn add(&mut self, field: &str, message: String) {
        match self.0.iter_mut().find(|(f, _)| f == field) {
            Some((_, messages)) => messages.push(message),
            None => self.0.push((field.to_string(), vec![message])),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Laravel's 422 body: `{"message": "<first> (and N more errors)", "errors": {...}}`, with
    /// the keys in rule order (written by hand: serde_json's map would sort them).
    pub fn to_body(&self) -> String {
        let all: Vec<&String> = self.0.iter().flat_map(|(_, m)| m).collect();
        let mut message = all.first().map(|m| m.to_string()).unwrap_or_default();
        match all.len() {
            0 | 1 => {}
            2 => message.push_str(" (and 1 more error)"),
            n => message.push_str(&format!(" (and {} more errors)", n - 1)),
        }
        let fields: Vec<String> = self
            .0
            .iter()
            .map(|(field, messages)| {
                format!("{}:{}", Value::from(field.as_str()), json_list(messages))
            })
            .collect();
        format!(
            "{{\"message\":{},\"errors\":{{{}}}}}",
            Value::from(message),
            fields.join(",")
        )
    }
}

fn json_list(items: &[String]) -> String {
    Value::from(items.to_vec()).to_string()
}

/// Laravel shows `trigger_when.events.0` as `trigger when.events.0`.
fn display(field: &str) -> String {
    field.replace('_', " ")
}

fn required(field: &str) -> String {
    format!("The {} field is required.", display(field))
}
fn must_be(field: &str, what: &str) -> String {
    format!("The {} field must be {what}.", display(field))
}
fn too_long(field: &str, max: usize) -> String {
    format!(
        "The {} field must not be greater than {max} characters.",
        display(field)
    )
}
fn invalid(field: &str) -> String {
    format!("The selected {} is invalid.", display(field))
}

/// Laravel's `required`: present, not null, not a blank string, not an empty array.
fn is_filled(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    }
}

/// `required|string|max:N`: returns the string when it passed.
fn required_string<'a>(
    errors: &mut Errors,
    field: &str,
    value: Option<&'a Value>,
    max: usize,
) -> Option<&'a str> {
    if !is_filled(value) {
        errors.add(field, required(field));
        return None;
    }
    optional_string(errors, field, value, max)
}

/// `sometimes|string|max:N` (the value is known to be present).
fn optional_string<'a>(
    errors: &mut Errors,
    field: &str,
    value: Option<&'a Value>,
    max: usize,
) -> Option<&'a str> {
    let Some(s) = value.and_then(Value::as_str) else {
        errors.add(field, must_be(field, "a string"));
        return None;
    };
    if s.chars().count() > max {
        errors.add(field, too_long(field, max));
        return None;
    }
    Some(s)
}

/// Laravel's `boolean`: true, false, 1, 0, "1", "0".
fn as_boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) if s == "0" => Some(false),
        Value::String(s) if s == "1" => Some(true),
        _ => None,
    }
}

/// An http(s) URL; `{{ template }}` parts may contain spaces, the rest may not.
fn is_target_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = if let Some(rest) = lower.strip_prefix("https://") {
        rest
    } else if let Some(rest) = lower.strip_prefix("http://") {
        rest
    } else {
        return false;
    };
    if rest.is_empty() || rest.starts_with('/') {
        return false;
    }
    let mut outside = String::new();
    let mut remaining = rest;
    while let Some(start) = remaining.find("{{") {
        outside.push_str(&remaining[..start]);
        match remaining[start..].find("}}") {
            Some(end) => remaining = &remaining[start + end + 2..],
            None => return false,
        }
    }
    outside.push_str(remaining);
    !outside.chars().any(char::is_whitespace)
}

/// What to validate: a create (`POST`) or an update (`PUT`) of the hook with this id.
pub(crate) enum Mode<'a> {
    Create,
    Update { hook_id: &'a str },
}

/// Validates an outgoing hook body. On success returns the hook fields to store: for a create,
/// every field (defaults filled in); for an update, only the fields the body gave.
pub(crate) fn outgoing_hook(input: &Value, mode: Mode) -> Result<Map<String, Value>, Errors> {
    let mut errors = Errors::default();
    let mut out = Map::new();
    let creating = matches!(mode, Mode::Create);
    let get = |key: &str| input.get(key);

    if let Mode::Update { hook_id } = mode {
        if let Some(id) = required_string(&mut errors, "id", get("id"), usize::MAX) {
            if id != hook_id {
                errors.add("id", invalid("id"));
            }
        }
    }

    if let Some(name) = required_string(&mut errors, "name", get("name"), NAME_MAX) {
        out.insert("name".into(), name.into());
    }

    if creating || get("action_type").is_some() {
        if !is_filled(get("action_type")) {
            errors.add("action_type", required("action_type"));
        } else {
            match get("action_type").and_then(Value::as_str) {
                Some(a) if ACTION_TYPES.contains(&a) => {
                    out.insert("action_type".into(), a.into());
                }
                _ => errors.add("action_type", invalid("action_type")),
            }
        }
    }

    if creating || get("target_url").is_some() {
        if let Some(url) = required_string(&mut errors, "target_url", get("target_url"), URL_MAX) {
            if is_target_url(url) {
                out.insert("target_url".into(), url.into());
            } else {
                errors.add("target_url", must_be("target_url", "a valid URL"));
            }
        }
    }

    match get("active").map(as_boolean) {
        None if creating => {
            out.insert("active".into(), true.into());
        }
        None => {}
        Some(Some(active)) => {
            out.insert("active".into(), active.into());
        }
        Some(None) => errors.add("active", must_be("active", "true or false")),
    }

    if creating || get("trigger_when").is_some() {
        if let Some(trigger_when) = trigger_when(&mut errors, get("trigger_when")) {
            out.insert("trigger_when".into(), trigger_when);
        }
    }

    if creating || get("settings").is_some() {
        if let Some(settings) = settings(&mut errors, get("settings"), creating) {
            out.insert("settings".into(), settings);
        }
    }

    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn trigger_when(errors: &mut Errors, value: Option<&Value>) -> Option<Value> {
    let events_field = "trigger_when.events";
    let Some(value) = value else {
        errors.add("trigger_when", required("trigger_when"));
        errors.add(events_field, required(events_field));
        return None;
    };
    let Some(object) = value.as_object() else {
        errors.add("trigger_when", must_be("trigger_when", "an array"));
        return None;
    };
    let mut ok = true;
    if object.is_empty() {
        errors.add("trigger_when", required("trigger_when"));
        ok = false;
    }

    let mut events = Vec::new();
    match object.get("events").filter(|v| is_filled(Some(v))) {
        None => {
            errors.add(events_field, required(events_field));
            ok = false;
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let field = format!("{events_field}.{i}");
                match item.as_str() {
                    Some(e) if EVENTS.contains(&e) => events.push(Value::from(e)),
                    Some(_) => {
                        errors.add(&field, invalid(&field));
                        ok = false;
                    }
                    None => {
                        errors.add(&field, must_be(&field, "a string"));
                        ok = false;
                    }
                }
            }
        }
        Some(_) => {
            errors.add(events_field, must_be(events_field, "an array"));
            ok = false;
        }
    }

    let mut conditions = Vec::new();
    let conditions_field = "trigger_when.conditions";
    match object.get("conditions") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match condition(errors, &format!("{conditions_field}.{i}"), item) {
                    Some(c) => conditions.push(c),
                    None => ok = false,
                }
            }
        }
        Some(_) => {
            errors.add(conditions_field, must_be(conditions_field, "an array"));
            ok = false;
        }
    }

    ok.then(|| serde_json::json!({ "events": events, "conditions": conditions }))
}

fn condition(errors: &mut Errors, field: &str, item: &Value) -> Option<Value> {
    let Some(object) = item.as_object() else {
        errors.add(field, must_be(field, "an array"));
        return None;
    };
    let path_field = format!("{field}.path");
    let values_field = format!("{field}.accepted_values");
    let path = required_string(errors, &path_field, object.get("path"), usize::MAX);
    let values = match object.get("accepted_values") {
        None | Some(Value::Null) => {
            errors.add(&values_field, required(&values_field));
            None
        }
        Some(Value::Array(values)) => Some(values.clone()),
        Some(_) => {
            errors.add(&values_field, must_be(&values_field, "an array"));
            None
        }
    };
    Some(serde_json::json!({ "path": path?, "accepted_values": values? }))
}

fn settings(errors: &mut Errors, value: Option<&Value>, creating: bool) -> Option<Value> {
    let empty = Map::new();
    let object = match value {
        None if creating => &empty,
        Some(Value::Object(o)) => o,
        _ => {
            errors.add("settings", must_be("settings", "an array"));
            return None;
        }
    };
    let mut ok = true;

    let headers_field = "settings.request_headers";
    let mut headers = Vec::new();
    match object.get("request_headers") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match header(errors, &format!("{headers_field}.{i}"), item) {
                    Some(h) => headers.push(h),
                    None => ok = false,
                }
            }
        }
        Some(_) => {
            errors.add(headers_field, must_be(headers_field, "an array"));
            ok = false;
        }
    }

    let body_field = "settings.request_body";
    let mut settings = Map::new();
    settings.insert("request_headers".into(), Value::Array(headers));
    match object.get("request_body") {
        // Left out when not given: `request_body` is never null (HookOutgoingSettings).
        None => {}
        Some(v @ (Value::Object(_) | Value::Array(_) | Value::String(_))) => {
            settings.insert("request_body".into(), v.clone());
        }
        Some(_) => {
            errors.add(body_field, must_be(body_field, "an array or a string"));
            ok = false;
        }
    }

    ok.then_some(Value::Object(settings))
}

fn header(errors: &mut Errors, field: &str, item: &Value) -> Option<Value> {
    let Some(object) = item.as_object() else {
        errors.add(field, must_be(field, "an array"));
        return None;
    };
    let name_field = format!("{field}.name");
    let value_field = format!("{field}.value");
    let name = required_string(errors, &name_field, object.get("name"), HEADER_NAME_MAX);
    let value = required_string(errors, &value_field, object.get("value"), HEADER_VALUE_MAX);
    Some(serde_json::json!({ "name": name?, "value": value? }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn good() -> Value {
        json!({
            "name": "CI(build)",
            "action_type": "deploy",
            "target_url": "https://api.github.com/repos/o/r/statuses/{{ action.triggered_from.hook_parsed_variables.commit_hash }}",
            "trigger_when": { "events": ["action.started"] },
            "settings": {
                "request_headers": [{ "name": "Accept", "value": "application/vnd.github+json" }],
                "request_body": { "state": "pending" }
            },
            "ignored": 1
        })
    }

    #[test]
    fn accepts_a_guide_hook_and_fills_defaults() {
        let out = outgoing_hook(&good(), Mode::Create).expect("valid");
        assert_eq!(out["active"], json!(true));
        assert_eq!(out["trigger_when"]["conditions"], json!([]));
        assert!(!out.contains_key("ignored"));
    }

    #[test]
    fn reports_fields_in_rule_order() {
        let errors = outgoing_hook(&json!({}), Mode::Create).expect_err("invalid");
        let body: Value = serde_json::from_str(&errors.to_body()).expect("json");
        assert_eq!(
            body["message"],
            "The name field is required. (and 4 more errors)"
        );
        let body = errors.to_body();
        let name = body.find("\"name\"").unwrap_or(usize::MAX);
        let url = body.find("\"target_url\"").unwrap_or(0);
        assert!(name < url, "{body}");
    }

    #[test]
    fn target_urls() {
        assert!(is_target_url("https://x.test/a/{{ action.id }}"));
        assert!(is_target_url("HTTP://x.test"));
        assert!(!is_target_url("ftp://x.test"));
        assert!(!is_target_url("https://"));
        assert!(!is_target_url("https://x.test/a b"));
        assert!(!is_target_url("https://x.test/{{ open"));
    }

    #[test]
    fn update_needs_matching_id() {
        let mut body = good();
        body["id"] = json!("other");
        let errors = outgoing_hook(&body, Mode::Update { hook_id: "mine" }).expect_err("invalid");
        assert!(errors.to_body().contains("The selected id is invalid."));
        body["id"] = json!("mine");
        assert!(outgoing_hook(&body, Mode::Update { hook_id: "mine" }).is_ok());
    }
}

//! Hooks as this program sees them: the three events, the hook it wants
//! ([`DesiredHook`]), the hook Devopness has ([`ObservedHook`]), and the normalized
//! form in which the two are compared.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The pipeline events that get a status hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Event {
    #[serde(rename = "action.started")]
    Started,
    #[serde(rename = "action.failed")]
    Failed,
    #[serde(rename = "action.completed")]
    Completed,
}

impl Event {
    pub const ALL: [Event; 3] = [Event::Started, Event::Failed, Event::Completed];

    /// The Devopness event name, e.g. `action.started`.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Started => "action.started",
            Event::Failed => "action.failed",
            Event::Completed => "action.completed",
        }
    }

    /// The short word used in names and inputs, e.g. `started`.
    pub fn word(self) -> &'static str {
        match self {
            Event::Started => "started",
            Event::Failed => "failed",
            Event::Completed => "completed",
        }
    }

    pub fn from_name(name: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// A request header of an outgoing hook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl Header {
    pub fn new(name: &str, value: &str) -> Header {
        Header {
            name: name.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// The only action type this program's hooks are for.
pub const ACTION_TYPE: &str = "deploy";

/// The hook this program wants for one (pipeline, event): the body it sends to
/// `POST /pipelines/{id}/hooks/outgoing`.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredHook {
    pub event: Event,
    pub name: String,
    pub target_url: String,
    pub headers: Vec<Header>,
    pub body: Value,
    pub conditions: Vec<Value>,
}

impl DesiredHook {
    /// The create body (also the update body, once `id` is added).
    pub fn request_body(&self) -> Value {
        json!({
            "name": self.name,
            "action_type": ACTION_TYPE,
            "target_url": self.target_url,
            "active": true,
            "trigger_when": {
                "events": [self.event.as_str()],
                "conditions": self.conditions,
            },
            "settings": {
                "request_headers": self.headers,
                "request_body": self.body,
            },
        })
    }

    /// The `PUT /hooks/outgoing/{id}` body: the create body repeating `id`.
    pub fn update_body(&self, hook_id: &str) -> Value {
        let mut body = self.request_body();
        if let Some(map) = body.as_object_mut() {
            map.insert("id".into(), Value::String(hook_id.to_owned()));
        }
        body
    }

    /// The normalized form compared against an observed hook.
    pub fn normalized(&self) -> NormalizedHook {
        NormalizedHook {
            name: Some(self.name.clone()),
            action_type: Some(ACTION_TYPE.to_owned()),
            target_url: Some(self.target_url.clone()),
            active: true,
            events: vec![self.event.as_str().to_owned()],
            conditions: Value::Array(self.conditions.clone()),
            headers: NormalizedHeader::sorted(
                self.headers
                    .iter()
                    .map(|h| (h.name.as_str(), Value::String(h.value.clone()))),
            ),
            body: NormalizedBody::of(&self.body),
        }
    }
}

/// A hook as the list endpoint returns it. Parsed leniently: the API omits fields
/// the spec calls required, and `settings` may be incoming or outgoing.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ObservedHook {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub action_type: Option<String>,
    #[serde(default)]
    pub target_url: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub trigger_when: Option<Value>,
    #[serde(default)]
    pub settings: Option<Value>,
    #[serde(default)]
    pub created_at: Option<String>,
}

fn id_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "hook id must be a string or number, got {other}"
        ))),
    }
}

impl ObservedHook {
    /// Whether this is an outgoing hook (`out` in the spec's enum, `outgoing` in paths).
    pub fn is_outgoing(&self) -> bool {
        matches!(
            self.kind.as_deref().map(str::to_ascii_lowercase).as_deref(),
            Some("out" | "outgoing")
        )
    }

    /// The events it triggers on.
    pub fn events(&self) -> Vec<&str> {
        self.trigger_when
            .as_ref()
            .and_then(|t| t.get("events"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// The request body, parsed when the API returns it as a string holding JSON.
    pub fn request_body(&self) -> Value {
        self.settings
            .as_ref()
            .and_then(|s| s.get("request_body"))
            .map(parse_if_string)
            .unwrap_or(Value::Null)
    }

    /// The comparable form of this hook, as [`DesiredHook::normalized`] builds it.
    pub fn normalized(&self) -> NormalizedHook {
        let trigger = self.trigger_when.as_ref();
        let mut events: Vec<String> = trigger
            .and_then(|t| t.get("events"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|e| e.as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default();
        events.sort();
        let conditions = match trigger.and_then(|t| t.get("conditions")) {
            None | Some(Value::Null) => Value::Array(Vec::new()),
            Some(c) => c.clone(),
        };
        let settings = self.settings.as_ref();
        let headers = settings
            .and_then(|s| s.get("request_headers"))
            .and_then(Value::as_array)
            .map(|a| {
                NormalizedHeader::sorted(a.iter().map(|h| {
                    (
                        h.get("name").and_then(Value::as_str).unwrap_or(""),
                        h.get("value").cloned().unwrap_or(Value::Null),
                    )
                }))
            })
            .unwrap_or_default();
        NormalizedHook {
            name: self.name.clone(),
            action_type: self.action_type.clone(),
            target_url: self.target_url.clone(),
            active: self.active.unwrap_or(true),
            events,
            conditions,
            headers,
            body: NormalizedBody::of(
                settings
                    .and_then(|s| s.get("request_body"))
                    .unwrap_or(&Value::Null),
            ),
        }
    }
}

/// The hooks of a listing, each once: pages are read one after another, and a write in
/// between shifts them, so a hook may be listed twice. The same id is the same hook
/// (the first listing is kept); never two to deduplicate by deleting one.
pub fn each_once(hooks: Vec<ObservedHook>) -> Vec<ObservedHook> {
    first_of_each(hooks, |h| &h.id)
}

/// The items with distinct ids, the first of each kept, in order.
pub fn first_of_each<T>(items: impl IntoIterator<Item = T>, id: impl Fn(&T) -> &str) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|h| seen.insert(id(h).to_owned()))
        .collect()
}

fn parse_if_string(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

/// A hook in the form in which two hooks are compared: events sorted, missing
/// conditions as `[]`, headers sorted by lower-cased name (names are
/// case-insensitive), the request body parsed if it came as a string.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizedHook {
    pub name: Option<String>,
    pub action_type: Option<String>,
    pub target_url: Option<String>,
    /// A hook without `active` is active.
    pub active: bool,
    pub events: Vec<String>,
    /// `trigger_when.conditions` as given (`[]` when absent).
    pub conditions: Value,
    pub headers: Vec<NormalizedHeader>,
    pub body: NormalizedBody,
}

/// A request header as compared: the name lower-cased.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizedHeader {
    pub name: String,
    pub value: Value,
}

impl NormalizedHeader {
    /// The headers with lower-cased names, sorted by name (same-named headers keep
    /// their order).
    fn sorted<'a>(headers: impl Iterator<Item = (&'a str, Value)>) -> Vec<NormalizedHeader> {
        let mut out: Vec<NormalizedHeader> = headers
            .map(|(name, value)| NormalizedHeader {
                name: name.to_ascii_lowercase(),
                value,
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

/// A request body as compared. Devopness stores it as an object or as a string
/// holding JSON (`docs/devopness-api.md`): both become [`NormalizedBody::Fields`].
#[derive(Debug, Clone, PartialEq)]
pub enum NormalizedBody {
    /// A JSON object: compared field by field.
    Fields(Map<String, Value>),
    /// Anything else (absent, an array, a string that is not JSON): compared whole.
    Other(Value),
}

impl NormalizedBody {
    pub fn of(body: &Value) -> NormalizedBody {
        match parse_if_string(body) {
            Value::Object(fields) => NormalizedBody::Fields(fields),
            other => NormalizedBody::Other(other),
        }
    }

    /// The body as JSON, for a report.
    pub fn to_value(&self) -> Value {
        match self {
            NormalizedBody::Fields(fields) => Value::Object(fields.clone()),
            NormalizedBody::Other(v) => v.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired() -> DesiredHook {
        DesiredHook {
            event: Event::Started,
            name: "n".into(),
            target_url: "https://x/{{ a }}".into(),
            headers: vec![
                Header::new("Accept", "a"),
                Header::new("Authorization", "b"),
            ],
            body: json!({"state": "pending", "context": "c"}),
            conditions: vec![],
        }
    }

    #[test]
    fn observed_equals_desired_whatever_the_body_and_header_shape() {
        let mut hook: ObservedHook = serde_json::from_value(json!({
            "id": "h1", "type": "out", "name": "n", "action_type": "deploy",
            "target_url": "https://x/{{ a }}", "active": true,
            "trigger_when": {"events": ["action.started"]},
            "settings": {
                "request_headers": [{"name": "authorization", "value": "b"}, {"name": "Accept", "value": "a"}],
                "request_body": "{\"context\":\"c\",\"state\":\"pending\"}"
            },
            "unknown": 1
        }))
        .expect("lenient parse");
        assert_eq!(hook.normalized(), desired().normalized());
        hook.active = Some(false);
        assert_ne!(hook.normalized(), desired().normalized());
    }

    #[test]
    fn numeric_ids_and_missing_fields_parse() {
        let hook: ObservedHook = serde_json::from_value(json!({"id": 7})).expect("parse");
        assert_eq!(hook.id, "7");
        assert!(!hook.is_outgoing());
        assert!(serde_json::from_value::<ObservedHook>(json!({"id": null})).is_err());
    }

    #[test]
    fn a_hook_listed_twice_is_kept_once() {
        let hook = |id: &str, name: &str| -> ObservedHook {
            serde_json::from_value(json!({"id": id, "name": name})).expect("hook")
        };
        let listed = vec![
            hook("a", "1"),
            hook("b", "2"),
            hook("a", "3"),
            hook("c", "4"),
        ];
        let names: Vec<_> = each_once(listed)
            .into_iter()
            .map(|h| (h.id, h.name.unwrap_or_default()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("a".to_string(), "1".to_string()),
                ("b".into(), "2".into()),
                ("c".into(), "4".into())
            ]
        );
    }

    #[test]
    fn update_body_repeats_id_and_name() {
        let body = desired().update_body("h9");
        assert_eq!(body["id"], "h9");
        assert_eq!(body["name"], "n");
        assert_eq!(body["trigger_when"]["events"], json!(["action.started"]));
    }
}

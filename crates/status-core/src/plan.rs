//! The decision, as a pure function of desired and observed hooks: for each event,
//! create the hook, update (repair) it, or keep it. No I/O here.
//!
//! Identity: an observed hook *is* the (pipeline, event) hook when it is outgoing,
//! triggers on exactly that one event, and its request body names the same status
//! (the provider's identity field equals `context`). Hooks without that identity
//! are not ours and never appear in a plan.

use std::fmt;

use serde_json::Value;

use crate::hook::{
    self, DesiredHook, Event, NormalizedBody, NormalizedHeader, NormalizedHook, ObservedHook,
};
use crate::providers;

/// What part of a hook a [`Difference`] is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Name,
    ActionType,
    TargetUrl,
    Active,
    Events,
    Conditions,
    /// A request header, by lower-cased name. Its value may be a secret (a token,
    /// an `extra-headers` value): reports never show it.
    Header(String),
    /// One field of the request body (both bodies are JSON objects).
    BodyField(String),
    /// The request body as a whole (one of the two is not a JSON object).
    Body,
}

impl Field {
    /// Whether the values of this field must never be shown.
    pub fn is_secret(&self) -> bool {
        matches!(self, Field::Header(_))
    }
}

/// The name reports use: `target_url`, `body.description`, `header.authorization`.
impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Name => f.write_str("name"),
            Field::ActionType => f.write_str("action_type"),
            Field::TargetUrl => f.write_str("target_url"),
            Field::Active => f.write_str("active"),
            Field::Events => f.write_str("events"),
            Field::Conditions => f.write_str("conditions"),
            Field::Header(name) => write!(f, "header.{name}"),
            Field::BodyField(key) => write!(f, "body.{key}"),
            Field::Body => f.write_str("body"),
        }
    }
}

/// One field that differs between the observed and the desired hook. Its values are
/// for reports, and hold nothing that looks like a secret (see [`redact`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub field: Field,
    pub observed: Value,
    pub desired: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// No hook has this identity: create it.
    Create,
    /// The hook exists but differs: replace it with one PUT.
    Update {
        hook_id: String,
        differences: Vec<Difference>,
    },
    /// The hook exists and is correct.
    Keep { hook_id: String },
}

/// What to do for one event of one pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub desired: DesiredHook,
    pub decision: Decision,
    /// Other hooks with the same identity that this plan deletes: exact copies of
    /// the kept hook always (safe: nothing is lost), the rest with `prune_duplicates`.
    pub delete: Vec<String>,
    /// Other hooks with the same identity, left alone and reported (oldest first).
    pub duplicates: Vec<String>,
}

/// How the plan treats duplicates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Delete every duplicate, not only exact copies.
    pub prune_duplicates: bool,
}

/// Which status a hook is about, by the identity rule above.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    /// The body field naming the status: `context`, `name` or `key`.
    pub field: &'a str,
    /// Its value for our hooks.
    pub value: &'a str,
}

impl Identity<'_> {
    /// The event `hook` is ours for, if it is ours at all. The status it names is read
    /// as the provider reads it: the identity field, else an alias the provider also
    /// takes (GitLab's `context` for `name`).
    pub fn event_of(&self, hook: &ObservedHook) -> Option<Event> {
        if !hook.is_outgoing() {
            return None;
        }
        let [event] = hook.events()[..] else {
            return None;
        };
        let event = Event::from_name(event)?;
        let body = hook.request_body();
        (providers::status_name(&body, self.field) == Some(self.value)).then_some(event)
    }

    /// Our hooks for `event`, each once (a list may repeat a hook: pages read one after
    /// another shift under concurrent writes), oldest first.
    fn ours<'h>(&self, observed: &'h [ObservedHook], event: Event) -> Vec<&'h ObservedHook> {
        let mine = observed.iter().filter(|h| self.event_of(h) == Some(event));
        let mut ours = hook::first_of_each(mine, |h| &h.id);
        ours.sort_by(|a, b| oldest_first(a, b));
        ours
    }
}

/// The plan for one pipeline: one step per desired hook, in the order given.
pub fn plan(
    desired: &[DesiredHook],
    observed: &[ObservedHook],
    identity: Identity,
    options: Options,
) -> Vec<Step> {
    desired
        .iter()
        .map(|want| {
            let normalized = want.normalized();
            let mut candidates = identity.ours(observed, want.event);
            // Keep the one already correct, else repair the oldest.
            let chosen = candidates
                .iter()
                .position(|h| h.normalized() == normalized)
                .or(if candidates.is_empty() { None } else { Some(0) });
            let Some(index) = chosen else {
                return Step {
                    desired: want.clone(),
                    decision: Decision::Create,
                    delete: Vec::new(),
                    duplicates: Vec::new(),
                };
            };
            let hook = candidates.remove(index);
            let differences = differences(&hook.normalized(), &normalized);
            let decision = if differences.is_empty() {
                Decision::Keep {
                    hook_id: hook.id.clone(),
                }
            } else {
                Decision::Update {
                    hook_id: hook.id.clone(),
                    differences,
                }
            };
            let (delete, duplicates): (Vec<&ObservedHook>, Vec<&ObservedHook>) = candidates
                .into_iter()
                .partition(|h| options.prune_duplicates || h.normalized() == normalized);
            Step {
                desired: want.clone(),
                decision,
                delete: delete.iter().map(|h| h.id.clone()).collect(),
                duplicates: duplicates.iter().map(|h| h.id.clone()).collect(),
            }
        })
        .collect()
}

/// Whether the observed hooks are exactly the desired ones: the plan keeps every hook
/// and has nothing to delete and no duplicate to report.
pub fn in_sync(desired: &[DesiredHook], observed: &[ObservedHook], identity: Identity) -> bool {
    plan(desired, observed, identity, Options::default())
        .iter()
        .all(|step| {
            matches!(step.decision, Decision::Keep { .. })
                && step.delete.is_empty()
                && step.duplicates.is_empty()
        })
}

/// The hooks to delete to tear a pipeline's status hooks down (`mode: remove`):
/// every hook with our identity, per event in the order given; nothing else.
pub fn plan_removal(
    events: &[Event],
    observed: &[ObservedHook],
    identity: Identity,
) -> Vec<(Event, Vec<String>)> {
    events
        .iter()
        .map(|event| {
            let ours = identity.ours(observed, *event);
            (*event, ours.iter().map(|h| h.id.clone()).collect())
        })
        .collect()
}

/// Order by `created_at`, then id; hooks without a date sort last.
fn oldest_first(a: &ObservedHook, b: &ObservedHook) -> std::cmp::Ordering {
    let key = |h: &ObservedHook| (h.created_at.is_none(), h.created_at.clone(), h.id.clone());
    key(a).cmp(&key(b))
}

/// Field-by-field differences between two normalized hooks; body keys and headers
/// are compared one by one so a report can say exactly what changed. The values are
/// compared as they are, then [`redact`]ed: a hook made by hand may carry a token.
pub fn differences(observed: &NormalizedHook, desired: &NormalizedHook) -> Vec<Difference> {
    let mut found = raw_differences(observed, desired);
    for d in &mut found {
        d.observed = redact(&d.field, &d.observed);
        d.desired = redact(&d.field, &d.desired);
    }
    found
}

fn raw_differences(observed: &NormalizedHook, desired: &NormalizedHook) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut compare = |field: Field, o: Value, d: Value| {
        if o != d {
            out.push(Difference {
                field,
                observed: o,
                desired: d,
            });
        }
    };
    compare(Field::Name, json(&observed.name), json(&desired.name));
    compare(
        Field::ActionType,
        json(&observed.action_type),
        json(&desired.action_type),
    );
    compare(
        Field::TargetUrl,
        json(&observed.target_url),
        json(&desired.target_url),
    );
    compare(Field::Active, observed.active.into(), desired.active.into());
    compare(Field::Events, json(&observed.events), json(&desired.events));
    compare(
        Field::Conditions,
        observed.conditions.clone(),
        desired.conditions.clone(),
    );
    let header = |h: &NormalizedHeader| (h.name.clone(), h.value.clone());
    let (oh, dh): (Vec<_>, Vec<_>) = (
        observed.headers.iter().map(header).collect(),
        desired.headers.iter().map(header).collect(),
    );
    keyed_differences(Field::Header, &oh, &dh, &mut out);
    match (&observed.body, &desired.body) {
        (NormalizedBody::Fields(o), NormalizedBody::Fields(d)) => {
            let o: Vec<_> = o.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let d: Vec<_> = d.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            keyed_differences(Field::BodyField, &o, &d, &mut out);
        }
        (o, d) if o != d => out.push(Difference {
            field: Field::Body,
            observed: o.to_value(),
            desired: d.to_value(),
        }),
        _ => {}
    }
    out
}

/// What reports show in place of a value that may be a secret.
pub const REDACTED: &str = "(redacted)";

/// Whether a name (a query parameter, a header, a body field) looks like it holds a
/// secret.
pub fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "token",
        "key",
        "secret",
        "password",
        "passwd",
        "signature",
        "auth",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// `value` of `field` as a report may show it: a header's value, and a body field's
/// whose name looks secret, become [`REDACTED`] (absent stays `null`); anything else
/// has its secret-looking object fields and URL parts redacted ([`redact_value`]).
pub fn redact(field: &Field, value: &Value) -> Value {
    let whole = match field {
        Field::Header(_) => true,
        Field::BodyField(name) => secret_name(name),
        _ => false,
    };
    match value {
        Value::Null => Value::Null,
        _ if whole => Value::String(REDACTED.to_owned()),
        _ => redact_value(value),
    }
}

/// `value` with what looks secret replaced by [`REDACTED`], at any depth: object fields
/// whose names look secret, and in strings the query parameters whose names look
/// secret and the user information of a URL (`https://user:token@host`).
pub fn redact_value(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(redact_text(s)),
        Value::Array(items) => Value::Array(items.iter().map(redact_value).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| {
                    let v = if secret_name(k) && !v.is_null() {
                        Value::String(REDACTED.to_owned())
                    } else {
                        redact_value(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A string with a URL's user information and its secret-looking query parameters
/// redacted; a string that is a bare query (`a=1&token=x`, no spaces) too.
fn redact_text(s: &str) -> String {
    let s = redact_user_info(s);
    let (head, query) = match s.split_once('?') {
        Some((head, query)) => (format!("{head}?"), query.to_owned()),
        None if s.contains('=') && !s.contains(char::is_whitespace) => (String::new(), s),
        None => return s,
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q.to_owned(), format!("#{f}")),
        None => (query, String::new()),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret_name(name) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}{}{fragment}", pairs.join("&"))
}

/// `scheme://user:password@host/...` with `user:password` redacted.
fn redact_user_info(s: &str) -> String {
    let Some(start) = s.find("://").map(|i| i + 3) else {
        return s.to_owned();
    };
    let authority_end = s[start..]
        .find(['/', '?', '#'])
        .map_or(s.len(), |i| start + i);
    match s[start..authority_end].rfind('@') {
        Some(at) => format!("{}{REDACTED}{}", &s[..start], &s[start + at..]),
        None => s.to_owned(),
    }
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Differences between two lists of `(key, value)`, by key; a key given more than
/// once compares as the list of its values.
fn keyed_differences(
    field: fn(String) -> Field,
    observed: &[(String, Value)],
    desired: &[(String, Value)],
    out: &mut Vec<Difference>,
) {
    let find = |list: &[(String, Value)], k: &str| -> Value {
        let mut values: Vec<Value> = list
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect();
        match values.len() {
            0 => Value::Null,
            1 => values.remove(0),
            _ => Value::Array(values),
        }
    };
    let mut keys: Vec<&String> = observed.iter().chain(desired).map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (o, d) = (find(observed, key), find(desired, key));
        if o != d {
            out.push(Difference {
                field: field(key.clone()),
                observed: o,
                desired: d,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hook::Header;
    use serde_json::json;

    const ID: Identity = Identity {
        field: "context",
        value: "ci/x",
    };

    fn desired(event: Event) -> DesiredHook {
        DesiredHook {
            event,
            name: format!("ci/x: {}", event.word()),
            target_url: "https://api.github.com/repos/o/r/statuses/{{ sha }}".into(),
            headers: vec![Header::new("Accept", "application/vnd.github+json")],
            body: json!({"state": "pending", "context": "ci/x", "description": "d"}),
            conditions: vec![],
        }
    }

    fn all() -> Vec<DesiredHook> {
        Event::ALL.into_iter().map(desired).collect()
    }

    /// An observed hook exactly as the API would return `want` once created.
    fn observed(id: &str, created: &str, want: &DesiredHook) -> ObservedHook {
        let mut v = want.request_body();
        v["id"] = json!(id);
        v["type"] = json!("out");
        v["created_at"] = json!(created);
        serde_json::from_value(v).expect("hook")
    }

    fn decisions(steps: &[Step]) -> Vec<&Decision> {
        steps.iter().map(|s| &s.decision).collect()
    }

    #[test]
    fn nothing_there_creates_three() {
        let steps = plan(&all(), &[], ID, Options::default());
        assert_eq!(decisions(&steps), vec![&Decision::Create; 3]);
        let events: Vec<_> = steps.iter().map(|s| s.desired.event).collect();
        assert_eq!(events, Event::ALL.to_vec());
    }

    #[test]
    fn in_sync_keeps_all() {
        let want = all();
        let seen: Vec<_> = want
            .iter()
            .enumerate()
            .map(|(i, w)| observed(&format!("h{i}"), "2026", w))
            .collect();
        let steps = plan(&want, &seen, ID, Options::default());
        assert_eq!(
            decisions(&steps),
            vec![
                &Decision::Keep {
                    hook_id: "h0".into()
                },
                &Decision::Keep {
                    hook_id: "h1".into()
                },
                &Decision::Keep {
                    hook_id: "h2".into()
                },
            ]
        );
    }

    #[test]
    fn an_edited_hook_is_updated_with_its_differences() {
        let want = all();
        let mut edited = observed("h1", "2026", &want[1]);
        edited.target_url = Some("https://wrong".into());
        edited.settings = Some(json!({
            "request_headers": [{"name": "accept", "value": "application/vnd.github+json"}],
            "request_body": "{\"state\":\"pending\",\"context\":\"ci/x\",\"description\":\"old\"}"
        }));
        let steps = plan(&want, &[edited], ID, Options::default());
        let Decision::Update {
            hook_id,
            differences,
        } = &steps[1].decision
        else {
            panic!("expected an update, got {:?}", steps[1].decision);
        };
        assert_eq!(hook_id, "h1");
        let fields: Vec<_> = differences.iter().map(|d| &d.field).collect();
        assert_eq!(
            fields,
            vec![&Field::TargetUrl, &Field::BodyField("description".into())]
        );
        assert_eq!(differences[1].observed, json!("old"));
        assert_eq!(differences[1].desired, json!("d"));
        assert_eq!(steps[0].decision, Decision::Create);
    }

    #[test]
    fn each_part_of_a_hook_is_its_own_field_and_only_headers_are_secret() {
        let want = all();
        let mut edited = observed("h", "2026", &want[0]);
        edited.settings = Some(json!({
            "request_headers": [
                {"name": "ACCEPT", "value": "text/plain"},
                {"name": "X-Extra", "value": "s3cr3t"}
            ],
            "request_body": "not json"
        }));
        edited.trigger_when =
            Some(json!({"events": ["action.started"], "conditions": [{"path": "x"}]}));
        edited.action_type = None;
        let found = differences(&edited.normalized(), &want[0].normalized());
        let fields: Vec<String> = found.iter().map(|d| d.field.to_string()).collect();
        assert_eq!(
            fields,
            vec![
                "action_type",
                "conditions",
                "header.accept",
                "header.x-extra",
                "body"
            ]
        );
        let secret: Vec<bool> = found.iter().map(|d| d.field.is_secret()).collect();
        assert_eq!(secret, vec![false, false, true, true, false]);
        assert_eq!(found[3].desired, Value::Null);
        // A header's value is never kept, even in the difference.
        assert_eq!(found[3].observed, json!(REDACTED));
        assert_eq!(found[4].observed, json!("not json"));
    }

    #[test]
    fn secret_looking_values_are_redacted_at_any_depth() {
        let want = all();
        let mut by_hand = observed("h", "2026", &want[0]);
        by_hand.target_url = Some(
            "https://bot:pw1@api.github.com/repos/o/r/statuses/x?access_token=t0k&page=2#top"
                .into(),
        );
        by_hand.settings = Some(json!({
            "request_headers": [{"name": "Accept", "value": "application/vnd.github+json"}],
            "request_body": {
                "state": "pending", "context": "ci/x", "description": "d",
                "api_key": "k3y",
                "link": "https://ci.example/x?private_token=p4t&run=1",
                "extra": {"auth": {"user": "u"}, "list": [{"Signature": "s1g"}, "a=1&secret=s3c"]},
                "note": "a description = plain text, kept",
            },
        }));
        let found = differences(&by_hand.normalized(), &want[0].normalized());
        let shown = serde_json::to_string(
            &found
                .iter()
                .map(|d| (d.field.to_string(), d.observed.clone()))
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default();
        for secret in ["pw1", "t0k", "k3y", "p4t", "\"u\"", "s1g", "s3c"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        for kept in [
            "https://(redacted)@api.github.com/repos/o/r/statuses/x?access_token=(redacted)&page=2#top",
            "https://ci.example/x?private_token=(redacted)&run=1",
            "a=1&secret=(redacted)",
            "a description = plain text, kept",
        ] {
            assert!(shown.contains(kept), "no {kept} in {shown}");
        }
        let api_key = found
            .iter()
            .find(|d| d.field == Field::BodyField("api_key".into()));
        assert_eq!(
            api_key.map(|d| (d.observed.clone(), d.desired.clone())),
            Some((json!(REDACTED), Value::Null))
        );
    }

    #[test]
    fn a_hook_listed_twice_is_one_hook_never_deleted_as_its_own_copy() {
        let want = all();
        let hook = observed("h0", "2026", &want[0]);
        let seen = [hook.clone(), observed("h1", "2026", &want[1]), hook];
        let steps = plan(&want, &seen, ID, Options::default());
        assert_eq!(
            steps[0].decision,
            Decision::Keep {
                hook_id: "h0".into()
            }
        );
        assert!(steps[0].delete.is_empty() && steps[0].duplicates.is_empty());
        let removal = plan_removal(&Event::ALL, &seen, ID);
        assert_eq!(removal[0].1, vec!["h0".to_string()]);
    }

    #[test]
    fn gitlab_hooks_naming_the_status_by_context_are_ours() {
        let gitlab = Identity {
            field: "name",
            value: "ci/x",
        };
        let mut want = desired(Event::Failed);
        want.body = json!({"state": "failed", "name": "ci/x"});
        let mut by_context = observed("g", "1", &want);
        by_context.settings = Some(json!({"request_body": {"state": "failed", "context": "ci/x"}}));
        assert_eq!(gitlab.event_of(&by_context), Some(Event::Failed));
        let mut named_otherwise = by_context.clone();
        named_otherwise.settings =
            Some(json!({"request_body": {"name": "other", "context": "ci/x"}}));
        assert_eq!(gitlab.event_of(&named_otherwise), None);
        // GitHub's `context` has no alias: `name` does not make a hook ours.
        let mut named = by_context;
        named.settings = Some(json!({"request_body": {"name": "ci/x"}}));
        assert_eq!(ID.event_of(&named), None);
    }

    #[test]
    fn foreign_hooks_are_not_ours() {
        let want = all();
        let mut other_context = observed("a", "1", &want[0]);
        other_context.settings = Some(json!({"request_body": {"context": "someone/else"}}));
        let mut two_events = observed("b", "1", &want[0]);
        two_events.trigger_when = Some(json!({"events": ["action.started", "action.failed"]}));
        let mut incoming = observed("c", "1", &want[0]);
        incoming.kind = Some("in".into());
        let mut queued = observed("d", "1", &want[0]);
        queued.trigger_when = Some(json!({"events": ["action.queued"]}));
        let steps = plan(
            &want,
            &[other_context, two_events, incoming, queued],
            ID,
            Options::default(),
        );
        assert_eq!(decisions(&steps), vec![&Decision::Create; 3]);
    }

    #[test]
    fn identity_reads_a_body_given_as_a_string() {
        let want = all();
        let mut hook = observed("s", "1", &want[2]);
        hook.settings = Some(
            json!({"request_body": want[2].body.to_string(), "request_headers": [{"name": "Accept", "value": "application/vnd.github+json"}]}),
        );
        hook.kind = Some("outgoing".into());
        assert_eq!(
            plan(&want, &[hook], ID, Options::default())[2].decision,
            Decision::Keep {
                hook_id: "s".into()
            }
        );
    }

    #[test]
    fn duplicates_keep_the_correct_one_else_repair_the_oldest() {
        let want = all();
        let mut old_wrong = observed("z-old", "2026-01-01", &want[0]);
        old_wrong.name = Some("by hand".into());
        let right = observed("a-new", "2026-02-01", &want[0]);
        let steps = plan(
            &want,
            &[right.clone(), old_wrong.clone()],
            ID,
            Options::default(),
        );
        assert_eq!(
            steps[0].decision,
            Decision::Keep {
                hook_id: "a-new".into()
            }
        );
        assert_eq!(steps[0].duplicates, vec!["z-old".to_string()]);
        assert!(steps[0].delete.is_empty());

        let prune = Options {
            prune_duplicates: true,
        };
        let pruned = plan(&want, &[right.clone(), old_wrong.clone()], ID, prune);
        assert_eq!(pruned[0].delete, vec!["z-old".to_string()]);
        assert!(pruned[0].duplicates.is_empty());

        let mut newer_wrong = right;
        newer_wrong.name = Some("also by hand".into());
        let steps = plan(&want, &[newer_wrong, old_wrong], ID, Options::default());
        assert!(
            matches!(&steps[0].decision, Decision::Update { hook_id, .. } if hook_id == "z-old")
        );
        assert_eq!(steps[0].duplicates, vec!["a-new".to_string()]);
    }

    #[test]
    fn exact_copies_keep_the_oldest_and_delete_the_rest_without_pruning() {
        let want = all();
        let copies = [
            observed("b", "2026-01-02", &want[0]),
            observed("c", "2026-01-01", &want[0]),
            observed("a", "2026-01-02", &want[0]),
        ];
        let steps = plan(&want, &copies, ID, Options::default());
        assert_eq!(
            steps[0].decision,
            Decision::Keep {
                hook_id: "c".into()
            }
        );
        assert_eq!(steps[0].delete, vec!["a".to_string(), "b".to_string()]);
        assert!(steps[0].duplicates.is_empty());
    }

    #[test]
    fn removal_takes_only_our_hooks() {
        let want = all();
        let mut foreign = observed("f", "1", &want[0]);
        foreign.settings = Some(json!({"request_body": {"context": "other"}}));
        let seen = [
            observed("s2", "2", &want[0]),
            observed("s1", "1", &want[0]),
            observed("c", "1", &want[2]),
            foreign,
        ];
        assert_eq!(
            plan_removal(&Event::ALL, &seen, ID),
            vec![
                (Event::Started, vec!["s1".to_string(), "s2".to_string()]),
                (Event::Failed, vec![]),
                (Event::Completed, vec!["c".to_string()]),
            ]
        );
    }
}

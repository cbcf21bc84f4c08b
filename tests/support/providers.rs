//! What every provider's test file checks, written once: golden hook bodies, the
//! request Devopness will send once it fills the templates, and adoption/drift.
#![allow(dead_code)]

use std::path::PathBuf;

use super::*;

pub const EVENTS: [&str; 3] = ["action.started", "action.failed", "action.completed"];

/// The values Devopness would fill into the templates for one sample deploy.
pub fn sample_action() -> Value {
    json!({
        "action": {
            "id": 4242,
            "status": "in-progress",
            "triggered_from": {
                "trigger_type": "hook",
                "hook_parsed_variables": {
                    "commit_hash": "0123456789abcdef0123456789abcdef01234567",
                    "source_ref": "main",
                },
            },
        },
        "application": {
            "name": "my-app",
            "source_provider": { "access_token": "sample-provider-token" },
        },
    })
}

/// Fills `{{ dot.path }}` templates from `vars`, as Devopness does. A template whose
/// path is unknown renders as an error, so a test sees it.
pub fn render(template: &str, vars: &Value) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..]
            .find("}}")
            .ok_or_else(|| format!("unclosed template in {template}"))?;
        out.push_str(&rest[..start]);
        let path = rest[start + 2..start + end].trim();
        let value = path
            .split('.')
            .try_fold(vars, |v, key| v.get(key))
            .ok_or_else(|| format!("unknown template variable `{path}`"))?;
        match value {
            Value::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn render_json(v: &Value, vars: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(render(s, vars)?),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| render_json(x, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| Ok((k.clone(), render_json(x, vars)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// The HTTP request Devopness sends for a hook, once rendered.
#[derive(Debug)]
pub struct RenderedRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl RenderedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn rendered(hook: &Value) -> RenderedRequest {
    let vars = sample_action();
    let url = render(hook["target_url"].as_str().unwrap_or_default(), &vars).expect("render url");
    let headers = hook["settings"]["request_headers"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| {
                    let name = h["name"].as_str().unwrap_or_default().to_owned();
                    let value = render(h["value"].as_str().unwrap_or_default(), &vars)
                        .expect("render header");
                    (name, value)
                })
                .collect()
        })
        .unwrap_or_default();
    let body = render_json(&body_of(hook), &vars).expect("render body");
    RenderedRequest { url, headers, body }
}

/// The pipeline's hooks for each event, in event order, as the API stores them.
pub fn hooks_by_event(fake: &FakeDevopness, pipeline: u64) -> Vec<Value> {
    let hooks = fake.hooks(pipeline);
    EVENTS
        .iter()
        .map(|e| {
            hooks
                .iter()
                .find(|h| h["trigger_when"]["events"] == json!([e]))
                .cloned()
                .unwrap_or_else(|| panic!("no hook for {e} in {hooks:?}"))
        })
        .collect()
}

/// The hook fields the action writes (create and update bodies, less `id`).
pub const SENT_FIELDS: [&str; 6] = [
    "name",
    "action_type",
    "target_url",
    "active",
    "trigger_when",
    "settings",
];

/// Only what the action sends (the create body), without what the server adds.
pub fn as_sent(hook: &Value) -> Value {
    let mut body = json!({});
    for key in SENT_FIELDS {
        body[key] = hook[key].clone();
    }
    body
}

/// Compares the three created hooks with `tests/golden/NAME.json` (reviewed by a
/// person). `UPDATE_GOLDEN=1` rewrites the file instead; review the diff.
pub fn assert_golden(name: &str, hooks: &[Value]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"));
    let actual: Vec<Value> = hooks.iter().map(as_sent).collect();
    let text = serde_json::to_string_pretty(&actual).expect("json") + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).expect("write golden");
        return;
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 and review it",
            path.display()
        )
    });
    let golden: Value = serde_json::from_str(&golden).expect("golden is JSON");
    assert_eq!(
        Value::Array(actual),
        golden,
        "hooks differ from {}",
        path.display()
    );
}

/// Runs the action for `provider` with `more` inputs against pipeline 1 of a new fake.
pub fn run_provider(provider: &str, more: &[(&str, &str)]) -> (FakeDevopness, RunResult) {
    let fake = fake_with(&[1]);
    // `more` first: the first value given for an input wins.
    let mut inputs = more.to_vec();
    inputs.push(("provider", provider));
    let run = apply(&fake, "1", &inputs);
    (fake, run)
}

/// Identity, adoption and drift, the same for every provider: a hook made by hand
/// with the provider's identity field is adopted, a drifted one repaired, a deleted
/// one recreated, a hook with another identity left alone.
pub fn assert_adoption_and_drift(
    provider: &str,
    inputs: &[(&str, &str)],
    identity_field: &str,
    hand_made: Value,
) {
    let fake = fake_with(&[1]);
    let mut foreign = hand_made.clone();
    foreign["settings"]["request_body"][identity_field] = json!("someone-else");
    let foreign_id = fake.insert_hook(1, foreign);
    let adopted_id = fake.insert_hook(1, hand_made);
    let mut all = vec![("provider", provider)];
    all.extend_from_slice(inputs);

    let run = apply(&fake, "1", &all);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        (run.output("created"), run.output("updated")),
        ("2", "1"),
        "{}",
        run.stdout
    );
    let adopted = run
        .hooks()
        .into_iter()
        .find(|h| h["hook_id"] == adopted_id.as_str());
    assert_eq!(adopted.map(|h| h["result"].clone()), Some(json!("updated")));
    let hooks = fake.hooks(1);
    assert_eq!(hooks.len(), 4);
    assert!(hooks
        .iter()
        .any(|h| h["id"] == foreign_id.as_str() && body_of(h)[identity_field] == "someone-else"));

    fake.clear_requests();
    let again = apply(&fake, "1", &all);
    assert_eq!(again.output("unchanged"), "3");
    assert!(writes(&fake).is_empty());

    let ours: Vec<Value> = hooks
        .into_iter()
        .filter(|h| h["id"] != foreign_id.as_str())
        .collect();
    let edited = ours[1]["id"].as_str().unwrap_or_default().to_owned();
    fake.edit_hook(&edited, |h| {
        h["target_url"] = json!("https://example.com/wrong")
    });
    fake.remove_hook(ours[2]["id"].as_str().unwrap_or_default());
    let repaired = apply(&fake, "1", &all);
    assert_eq!(
        (repaired.output("created"), repaired.output("updated")),
        ("1", "1")
    );
    assert_eq!(fake.hooks(1).len(), 4);
}

/// A refused input: exit 1, an `::error::` naming it, and no request at all.
pub fn assert_refused(provider: &str, inputs: &[(&str, &str)], input: &str) {
    let (fake, run) = run_provider(provider, inputs);
    assert_eq!(run.code, 1, "accepted {inputs:?}:\n{}", run.stdout);
    assert!(
        run.errors()
            .iter()
            .any(|e| e.contains(&format!("input `{input}`"))),
        "no error naming {input} for {inputs:?}:\n{}",
        run.stdout
    );
    assert!(
        fake.requests().is_empty(),
        "a request was sent for {inputs:?}"
    );
}

/// A hook as the action sends it, the body as an object.
pub fn sent(hook: &Value) -> Value {
    let mut s = as_sent(hook);
    s["settings"]["request_body"] = body_of(hook);
    s
}

/// Our hooks by the action's identity rule, for the default context: that context,
/// exactly one event.
pub fn ours(fake: &FakeDevopness, pipeline: u64) -> Vec<Value> {
    hooks_with_context(fake, pipeline, super::CONTEXT)
        .into_iter()
        .filter(|h| h["trigger_when"]["events"].as_array().map(Vec::len) == Some(1))
        .collect()
}

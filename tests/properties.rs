//! Property tests of the pure pieces: the `Link` header parser, `pipeline-ids`,
//! the `GITHUB_OUTPUT` format (read back by the runner's rules) and the plan,
//! checked against a small model of the Devopness hook store.
//!
//! Case counts are kept modest so the file runs in a few seconds; raise them locally
//! with `PROPTEST_CASES=...` when hunting.

mod support;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use proptest::prelude::*;
use serde_json::{json, Value};

use devopness_status_hooks::devopness::link;
use devopness_status_hooks::doors::actions_io::{format_output, write_outputs};
use devopness_status_hooks::hook::{DesiredHook, Event, ObservedHook};
use devopness_status_hooks::inputs::{self, parse_pipeline_ids, MAX_PIPELINE_ID};
use devopness_status_hooks::plan::{plan, Decision, Identity, Options, Step};
use devopness_status_hooks::providers::{self, Provider};

use support::parse_file_commands;

// ---------------------------------------------------------------------------
// Link header
// ---------------------------------------------------------------------------

const RELS: &[&str] = &["next", "prev", "first", "last", "self", "alternate"];

#[derive(Debug, Clone)]
struct LinkSpec {
    url: String,
    /// Indexes into RELS; empty: a link with no `rel` at all.
    rels: Vec<usize>,
    upper_rel_value: bool,
    upper_rel_key: bool,
    /// Forced to true when there are several relations (a bare value is one token).
    quoted: bool,
    params_before: Vec<String>,
    params_after: Vec<String>,
    ws: [String; 5],
}

fn ws() -> impl Strategy<Value = String> {
    "[ \t]{0,2}"
}

/// An extra link parameter that is not `rel`: a token, a quoted string (commas and
/// spaces allowed, no `;` or `<`), or a bare name.
fn extra_param() -> impl Strategy<Value = String> {
    let key = "[a-z]{1,6}".prop_filter("not rel", |k| k != "rel");
    prop_oneof![
        (key.clone(), "[a-z0-9./-]{1,8}").prop_map(|(k, v)| format!("{k}={v}")),
        (key.clone(), "[^\"<;\\\\]{0,12}").prop_map(|(k, v)| format!("{k}=\"{v}\"")),
        key,
    ]
}

fn link_spec() -> impl Strategy<Value = LinkSpec> {
    (
        "[^<>]{0,30}",
        prop::collection::vec(0..RELS.len(), 0..3),
        any::<(bool, bool, bool)>(),
        prop::collection::vec(extra_param(), 0..2),
        prop::collection::vec(extra_param(), 0..2),
        [ws(), ws(), ws(), ws(), ws()],
    )
        .prop_map(
            |(url, rels, (upper_rel_value, upper_rel_key, quoted), before, after, ws)| LinkSpec {
                url,
                quoted: quoted || rels.len() > 1,
                rels,
                upper_rel_value,
                upper_rel_key,
                params_before: before,
                params_after: after,
                ws,
            },
        )
}

fn render_link(l: &LinkSpec) -> String {
    let [w0, w1, w2, w3, w4] = &l.ws;
    let mut params: Vec<String> = l.params_before.clone();
    if !l.rels.is_empty() {
        let names: Vec<String> = l
            .rels
            .iter()
            .map(|&i| {
                if l.upper_rel_value {
                    RELS[i].to_uppercase()
                } else {
                    RELS[i].to_owned()
                }
            })
            .collect();
        let value = if l.quoted {
            format!("\"{}\"", names.join(" "))
        } else {
            names.join(" ")
        };
        let key = if l.upper_rel_key { "REL" } else { "rel" };
        params.push(format!("{key}{w2}={w3}{value}"));
    }
    params.extend(l.params_after.iter().cloned());
    let mut s = format!("<{}>", l.url);
    for p in params {
        s.push_str(&format!("{w0};{w1}{p}{w4}"));
    }
    s
}

fn render_header(links: &[LinkSpec], seps: &[String], lead: &str) -> String {
    let mut h = lead.to_owned();
    for (i, l) in links.iter().enumerate() {
        if i > 0 {
            h.push_str(&seps[i % seps.len()]);
        }
        h.push_str(&render_link(l));
    }
    h
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn link_find_returns_the_first_link_with_the_relation(
        links in prop::collection::vec(link_spec(), 0..6),
        seps in prop::collection::vec("[ \t]{0,2},[ \t]{0,3}", 1..4),
        lead in ws(),
        query in 0..RELS.len(),
        upper_query in any::<bool>(),
    ) {
        let header = render_header(&links, &seps, &lead);
        let rel = if upper_query { RELS[query].to_uppercase() } else { RELS[query].to_owned() };
        let expected = links
            .iter()
            .find(|l| l.rels.contains(&query))
            .map(|l| l.url.trim().to_owned());
        prop_assert_eq!(link::find(&header, &rel), expected, "header: {:?}", header);
    }

    #[test]
    fn link_find_never_panics(
        header in prop_oneof![any::<String>(), "[<>;,=\" a-zA-Z\t]{0,60}"],
        rel in prop_oneof![any::<String>(), Just("next".to_owned()), Just(String::new())],
    ) {
        let _ = link::find(&header, &rel);
    }
}

// ---------------------------------------------------------------------------
// pipeline-ids
// ---------------------------------------------------------------------------

/// Separators the input accepts: commas and any whitespace (Unicode included).
fn separator() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            ",", " ", "\n", "\t", "\r\n", "\r", ", ", " ,\n", "\u{a0}", "\u{2003}",
        ]),
        1..4,
    )
    .prop_map(|parts| parts.concat())
}

fn distinct_ids() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::hash_set(
        prop_oneof![1..=100u64, 1..=MAX_PIPELINE_ID, Just(MAX_PIPELINE_ID)],
        1..25,
    )
    .prop_map(|s| s.into_iter().collect::<Vec<_>>())
    .prop_shuffle()
}

fn join_ids(ids: &[String], seps: &[String], lead: &str, trail: &str) -> String {
    let mut s = lead.to_owned();
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.push_str(&seps[i % seps.len()]);
        }
        s.push_str(id);
    }
    s.push_str(trail);
    s
}

/// A token that must make the whole input an error.
#[derive(Debug, Clone)]
enum BadToken {
    NonDigit(String),
    Zero(String),
    Duplicate { index: usize, zeros: usize },
    TooLarge(String),
}

fn bad_token() -> impl Strategy<Value = BadToken> {
    let odd_char = any::<char>().prop_filter("not a digit, comma or space", |c| {
        !c.is_ascii_digit() && *c != ',' && !c.is_whitespace()
    });
    prop_oneof![
        ("[0-9]{0,3}", odd_char, "[0-9]{0,3}")
            .prop_map(|(a, c, b)| BadToken::NonDigit(format!("{a}{c}{b}"))),
        "0{1,4}".prop_map(BadToken::Zero),
        (any::<prop::sample::Index>(), 0..3usize).prop_map(|(i, zeros)| BadToken::Duplicate {
            index: i.index(1000),
            zeros
        }),
        (MAX_PIPELINE_ID + 1..=u64::MAX).prop_map(|n| BadToken::TooLarge(n.to_string())),
        "[1-9][0-9]{19,40}".prop_map(BadToken::TooLarge),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn pipeline_ids_round_trip(
        ids in distinct_ids(),
        seps in prop::collection::vec(separator(), 1..4),
        lead in prop_oneof![Just(String::new()), separator()],
        trail in prop_oneof![Just(String::new()), separator()],
    ) {
        let tokens: Vec<String> = ids.iter().map(u64::to_string).collect();
        let text = join_ids(&tokens, &seps, &lead, &trail);
        prop_assert_eq!(parse_pipeline_ids(&text), Ok(ids), "input {:?}", text);
    }

    #[test]
    fn pipeline_ids_never_panic(s in prop_oneof![any::<String>(), "[0-9, \n\\-.a]{0,40}"]) {
        let _ = parse_pipeline_ids(&s);
    }

    #[test]
    fn any_bad_token_is_an_error(
        ids in distinct_ids(),
        bad in bad_token(),
        at in any::<prop::sample::Index>(),
        seps in prop::collection::vec(separator(), 1..4),
    ) {
        let mut tokens: Vec<String> = ids.iter().map(u64::to_string).collect();
        let token = match bad {
            BadToken::NonDigit(t) | BadToken::Zero(t) | BadToken::TooLarge(t) => t,
            BadToken::Duplicate { index, zeros } => {
                format!("{}{}", "0".repeat(zeros), ids[index % ids.len()])
            }
        };
        tokens.insert(at.index(tokens.len() + 1), token.clone());
        let text = join_ids(&tokens, &seps, "", "");
        prop_assert!(
            parse_pipeline_ids(&text).is_err(),
            "{:?} accepted (bad token {:?})", text, token
        );
    }
}

#[test]
fn pipeline_ids_limits() {
    let max = MAX_PIPELINE_ID.to_string();
    assert_eq!(parse_pipeline_ids(&max), Ok(vec![MAX_PIPELINE_ID]));
    assert!(parse_pipeline_ids(&(MAX_PIPELINE_ID + 1).to_string()).is_err());
    let thousand: Vec<String> = (1..=1000).map(|i: u64| i.to_string()).collect();
    assert_eq!(
        parse_pipeline_ids(&thousand.join(",")).map(|v| v.len()),
        Ok(1000)
    );
    let too_many: Vec<String> = (1..=1001).map(|i: u64| i.to_string()).collect();
    assert!(parse_pipeline_ids(&too_many.join(",")).is_err());
}

// ---------------------------------------------------------------------------
// GITHUB_OUTPUT
// ---------------------------------------------------------------------------

fn output_name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_-]{0,12}"
}

/// Values built from the pieces that break naive writers, plus arbitrary Unicode.
fn output_value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<String>(),
        1 => Just("\n".to_owned()),
        1 => Just("\r".to_owned()),
        1 => Just("\r\n".to_owned()),
        1 => Just("\n\n".to_owned()),
        1 => Just("=".to_owned()),
        1 => Just("<<".to_owned()),
        1 => Just("ghadelimiter_".to_owned()),
        1 => "ghadelimiter_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        1 => "\nghadelimiter_[0-9a-f-]{0,36}\n",
        1 => Just("x<<EOF\nEOF\n".to_owned()),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn one_output_round_trips_through_the_runner_parser(
        name in output_name(),
        value in output_value(),
    ) {
        let text = format_output(&name, &value).expect("a valid name is accepted");
        // The runner reads LF-split lines; the last line must be terminated.
        prop_assert!(text.ends_with('\n'));
        let parsed = parse_file_commands(&text).map_err(TestCaseError::fail)?;
        prop_assert_eq!(parsed.len(), 1, "{:?}", text);
        prop_assert_eq!(parsed.get(&name), Some(&value), "{:?}", text);
        // A one-line value (no LF, no CR) is written as name=value.
        if !value.contains(['\n', '\r']) {
            prop_assert_eq!(text, format!("{name}={value}\n"));
        }
    }

    #[test]
    fn several_outputs_round_trip_together(
        values in prop::collection::vec(output_value(), 1..6),
        prefix in output_name(),
    ) {
        let outputs: Vec<(String, String)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{prefix}{i}"), v.clone()))
            .collect();
        let mut text = String::new();
        for (n, v) in &outputs {
            text.push_str(&format_output(n, v).expect("valid name"));
        }
        let parsed = parse_file_commands(&text).map_err(TestCaseError::fail)?;
        let expected: std::collections::HashMap<String, String> = outputs.iter().cloned().collect();
        prop_assert_eq!(&parsed, &expected, "{:?}", text);

        // The same through the file, appended to what a previous step left there.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("set_output");
        std::fs::write(&path, "earlier=1\n").expect("seed file");
        let refs: Vec<(&str, String)> = outputs.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
        write_outputs(&path, &refs).expect("write outputs");
        let file = std::fs::read_to_string(&path).expect("read back");
        let mut parsed = parse_file_commands(&file).map_err(TestCaseError::fail)?;
        let earlier = parsed.remove("earlier");
        prop_assert_eq!(earlier.as_deref(), Some("1"));
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn names_the_runner_would_misread_are_refused(
        a in "[a-z]{0,4}",
        b in "[a-z]{0,4}",
        bad in prop::sample::select(vec!["=", "<", "<<", "\n", "\r"]),
        value in output_value(),
    ) {
        let name = format!("{a}{bad}{b}");
        prop_assert!(format_output(&name, &value).is_err(), "{:?} accepted", name);
        prop_assert!(format_output("", &value).is_err());
    }
}

// ---------------------------------------------------------------------------
// The plan, against a model of the hook store
// ---------------------------------------------------------------------------

/// Valid settings, through the real input validation.
#[derive(Debug, Clone)]
struct SettingsSpec {
    provider: usize,
    context: String,
    descriptions: [String; 3],
    hook_name: Option<String>,
    only_when_commit: bool,
    extra_header: bool,
    gitlab_ref: bool,
}

fn settings_spec() -> impl Strategy<Value = SettingsSpec> {
    let text = "[a-zA-Z0-9 .,!'()/_\u{e9}\u{4e2d}\u{1F680}-]{0,60}";
    (
        0..providers::ALL.len(),
        "[a-zA-Z0-9/()._\u{e9}\u{4e2d}\u{1F680}-][a-zA-Z0-9 /()._\u{e9}\u{4e2d}\u{1F680}-]{0,39}",
        [text, text, text],
        prop::option::of(prop::sample::select(vec![
            "{context}: {event}",
            "deploy {event}",
            "{event} / {context}",
        ])),
        any::<(bool, bool, bool)>(),
    )
        .prop_map(
            |(
                provider,
                context,
                descriptions,
                hook_name,
                (only_when_commit, extra_header, gitlab_ref),
            )| {
                SettingsSpec {
                    provider,
                    context: context.chars().take(40).collect(),
                    descriptions,
                    hook_name: hook_name.map(str::to_owned),
                    only_when_commit,
                    extra_header,
                    gitlab_ref,
                }
            },
        )
}

fn config_of(spec: &SettingsSpec) -> inputs::Config {
    let provider = providers::ALL[spec.provider];
    let mut vars = vec![
        ("INPUT_API-TOKEN", "tok".to_owned()),
        ("INPUT_PIPELINE-IDS", "1".to_owned()),
        ("INPUT_PROVIDER", provider.name().to_owned()),
        ("INPUT_REPOSITORY", "octo-org/my-app".to_owned()),
        ("INPUT_CONTEXT", spec.context.clone()),
        ("INPUT_DESCRIPTION-STARTED", spec.descriptions[0].clone()),
        ("INPUT_DESCRIPTION-FAILED", spec.descriptions[1].clone()),
        ("INPUT_DESCRIPTION-COMPLETED", spec.descriptions[2].clone()),
        ("INPUT_ONLY-WHEN-COMMIT", spec.only_when_commit.to_string()),
        (
            "INPUT_GITLAB-REF",
            (spec.gitlab_ref && provider.name() == "gitlab").to_string(),
        ),
    ];
    if let Some(h) = &spec.hook_name {
        vars.push(("INPUT_HOOK-NAME", h.clone()));
    }
    if spec.extra_header {
        vars.push((
            "INPUT_EXTRA-HEADERS",
            "X-Trace: abc123\nX-Team: deploys".into(),
        ));
    }
    let vars: Vec<(String, String)> = vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    match inputs::read(&vars) {
        Ok(c) => c,
        Err(e) => panic!("generated settings were refused: {e:?}\n{spec:?}"),
    }
}

/// How an observed hook that is ours differs from the desired one, if at all.
#[derive(Debug, Clone, Copy)]
enum Drift {
    Name,
    TargetUrl,
    HeaderValue,
    HeaderMissing,
    HeaderExtra,
    Description,
    Inactive,
    Conditions,
}

/// A hook that is not ours, made from a desired one.
#[derive(Debug, Clone, Copy)]
enum Foreign {
    OtherContext,
    OtherEvent,
    TwoEvents,
    NoEvents,
    Incoming,
    NoIdentityField,
    BodyNotJson,
}

#[derive(Debug, Clone, Copy)]
enum Role {
    /// Normalizes equal to the desired hook, whatever its stored shape.
    Exact {
        upper_headers: bool,
        reversed_headers: bool,
        no_conditions: bool,
        outgoing_word: bool,
    },
    Drifted(Drift),
    Foreign(Foreign),
}

#[derive(Debug, Clone)]
struct ObservedSpec {
    /// Which desired hook (event) it is made from.
    event: usize,
    role: Role,
    created_at: Option<u8>,
    body_as_string: bool,
    salt: u16,
}

fn role() -> impl Strategy<Value = Role> {
    let drift = prop::sample::select(vec![
        Drift::Name,
        Drift::TargetUrl,
        Drift::HeaderValue,
        Drift::HeaderMissing,
        Drift::HeaderExtra,
        Drift::Description,
        Drift::Inactive,
        Drift::Conditions,
    ]);
    let foreign = prop::sample::select(vec![
        Foreign::OtherContext,
        Foreign::OtherEvent,
        Foreign::TwoEvents,
        Foreign::NoEvents,
        Foreign::Incoming,
        Foreign::NoIdentityField,
        Foreign::BodyNotJson,
    ]);
    prop_oneof![
        2 => any::<(bool, bool, bool, bool)>().prop_map(|(u, r, c, o)| Role::Exact {
            upper_headers: u,
            reversed_headers: r,
            no_conditions: c,
            outgoing_word: o,
        }),
        3 => drift.prop_map(Role::Drifted),
        2 => foreign.prop_map(Role::Foreign),
    ]
}

fn observed_spec() -> impl Strategy<Value = ObservedSpec> {
    (
        0..3usize,
        role(),
        prop::option::of(0..4u8),
        any::<bool>(),
        any::<u16>(),
    )
        .prop_map(
            |(event, role, created_at, body_as_string, salt)| ObservedSpec {
                event,
                role,
                created_at,
                body_as_string,
                salt,
            },
        )
}

/// `want` as the API stores and lists it after a create.
fn stored(want: &DesiredHook, id: &str, created_at: Option<String>, body_as_string: bool) -> Value {
    let mut v = want.request_body();
    v["id"] = json!(id);
    v["type"] = json!("out");
    v["pipeline_id"] = json!(1);
    v["created_at"] = created_at.map_or(Value::Null, Value::String);
    if body_as_string {
        let body = v["settings"]["request_body"].to_string();
        v["settings"]["request_body"] = Value::String(body);
    }
    v
}

fn headers_mut(v: &mut Value) -> &mut Vec<Value> {
    match v["settings"]["request_headers"].as_array_mut() {
        Some(a) => a,
        None => panic!("stored hook without headers"),
    }
}

fn body_mut(v: &mut Value) -> &mut serde_json::Map<String, Value> {
    match v["settings"]["request_body"].as_object_mut() {
        Some(b) => b,
        None => panic!("stored hook without an object body"),
    }
}

fn observed_value(
    spec: &ObservedSpec,
    desired: &[DesiredHook],
    identity: Identity,
    id: &str,
) -> Value {
    let want = &desired[spec.event];
    let created = spec
        .created_at
        .map(|d| format!("2026-01-0{}T00:00:00Z", d + 1));
    let mut v = stored(want, id, created, false);
    match spec.role {
        Role::Exact {
            upper_headers,
            reversed_headers,
            no_conditions,
            outgoing_word,
        } => {
            for h in headers_mut(&mut v) {
                if upper_headers {
                    let name = h["name"].as_str().unwrap_or_default().to_uppercase();
                    h["name"] = json!(name);
                }
            }
            if reversed_headers {
                headers_mut(&mut v).reverse();
            }
            if no_conditions && want.conditions.is_empty() {
                if let Some(t) = v["trigger_when"].as_object_mut() {
                    t.remove("conditions");
                }
            }
            if outgoing_word {
                v["type"] = json!("outgoing");
            }
        }
        Role::Drifted(d) => match d {
            Drift::Name => v["name"] = json!(format!("{} (by hand)", want.name)),
            Drift::TargetUrl => v["target_url"] = json!("https://example.com/statuses/x"),
            Drift::HeaderValue => {
                let h = &mut headers_mut(&mut v)[0];
                h["value"] = json!("Bearer stale-token");
            }
            Drift::HeaderMissing => {
                headers_mut(&mut v).pop();
            }
            Drift::HeaderExtra => {
                headers_mut(&mut v).push(json!({"name": "X-Old", "value": "1"}));
            }
            Drift::Description => {
                let old = body_mut(&mut v)
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                body_mut(&mut v).insert("description".into(), json!(format!("{old} (old)")));
            }
            Drift::Inactive => v["active"] = json!(false),
            Drift::Conditions => {
                v["trigger_when"]["conditions"] = if want.conditions.is_empty() {
                    json!([{"path": "action.type", "accepted_values": ["deploy"]}])
                } else {
                    json!([])
                }
            }
        },
        Role::Foreign(f) => match f {
            Foreign::OtherContext => {
                body_mut(&mut v).insert(
                    identity.field.into(),
                    json!(format!("{} (other)", identity.value)),
                );
            }
            Foreign::OtherEvent => v["trigger_when"]["events"] = json!(["action.queued"]),
            Foreign::TwoEvents => {
                let other = Event::ALL[(spec.event + 1) % 3].as_str();
                v["trigger_when"]["events"] = json!([want.event.as_str(), other]);
            }
            Foreign::NoEvents => v["trigger_when"]["events"] = json!([]),
            Foreign::Incoming => v["type"] = json!("in"),
            Foreign::NoIdentityField => {
                body_mut(&mut v).remove(identity.field);
            }
            Foreign::BodyNotJson => {
                v["settings"]["request_body"] =
                    json!(format!("{{\"{}\": \"{}\"", identity.field, identity.value));
            }
        },
    }
    if spec.body_as_string && v["settings"]["request_body"].is_object() {
        let body = v["settings"]["request_body"].to_string();
        v["settings"]["request_body"] = Value::String(body);
    }
    v
}

fn parse_store(store: &[Value]) -> Vec<ObservedHook> {
    store
        .iter()
        .map(
            |v| match serde_json::from_value::<ObservedHook>(v.clone()) {
                Ok(h) => h,
                Err(e) => panic!("the store holds a hook the client cannot read ({e}): {v}"),
            },
        )
        .collect()
}

fn id_of(v: &Value) -> &str {
    v["id"].as_str().unwrap_or_default()
}

/// Every id a step names, with what it does to it.
fn referenced(step: &Step) -> Vec<(&'static str, &str)> {
    let mut out = Vec::new();
    match &step.decision {
        Decision::Create => {}
        Decision::Update { hook_id, .. } => out.push(("update", hook_id.as_str())),
        Decision::Keep { hook_id } => out.push(("keep", hook_id.as_str())),
    }
    out.extend(step.delete.iter().map(|id| ("delete", id.as_str())));
    out.extend(step.duplicates.iter().map(|id| ("duplicate", id.as_str())));
    out
}

/// Applies `steps` to the store as the Devopness API would.
fn apply_model(store: &mut Vec<Value>, steps: &[Step], body_as_string: bool, next: &mut u32) {
    for step in steps {
        match &step.decision {
            Decision::Create => {
                *next += 1;
                let id = format!("new-{next:04}");
                // Created now: later than anything there.
                let created = format!("2027-01-01T00:00:{:02}Z", *next % 60);
                store.push(stored(&step.desired, &id, Some(created), body_as_string));
            }
            Decision::Update { hook_id, .. } => {
                let body = step.desired.update_body(hook_id);
                let hook = store
                    .iter_mut()
                    .find(|h| id_of(h) == hook_id)
                    .unwrap_or_else(|| panic!("update of unknown hook {hook_id}"));
                for key in support::providers::SENT_FIELDS {
                    hook[key] = body[key].clone();
                }
                if body_as_string {
                    let b = hook["settings"]["request_body"].to_string();
                    hook["settings"]["request_body"] = Value::String(b);
                }
            }
            Decision::Keep { .. } => {}
        }
        for id in &step.delete {
            let before = store.len();
            store.retain(|h| id_of(h) != id);
            assert_eq!(store.len() + 1, before, "delete of unknown hook {id}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn applying_a_plan_converges_and_leaves_foreign_hooks_alone(
        settings in settings_spec(),
        specs in prop::collection::vec(observed_spec(), 0..10),
        prune_duplicates in any::<bool>(),
        api_stores_string in any::<bool>(),
    ) {
        let config = config_of(&settings);
        let provider: &dyn Provider = config.provider;
        let desired = providers::desired_hooks(provider, &config.status);
        prop_assert_eq!(desired.len(), 3);
        let identity = Identity {
            field: provider.identity_field(),
            value: &config.status.context,
        };
        let options = Options { prune_duplicates };

        let mut store: Vec<Value> = specs
            .iter()
            .enumerate()
            .map(|(i, s)| observed_value(s, &desired, identity, &format!("{:04x}-{i}", s.salt)))
            .collect();
        let role_of: BTreeMap<String, (Role, usize)> = store
            .iter()
            .zip(&specs)
            .map(|(v, s)| (id_of(v).to_owned(), (s.role, s.event)))
            .collect();
        let foreign: BTreeMap<String, String> = store
            .iter()
            .zip(&specs)
            .filter(|(_, s)| matches!(s.role, Role::Foreign(_)))
            .map(|(v, _)| (id_of(v).to_owned(), v.to_string()))
            .collect();

        let observed = parse_store(&store);
        let steps = plan(&desired, &observed, identity, options);
        prop_assert_eq!(steps.len(), 3);

        let mut seen_ids = HashSet::new();
        for (step, want) in steps.iter().zip(&desired) {
            prop_assert_eq!(&step.desired, want, "steps follow the desired order");
            let normalized = want.normalized();
            let exact_exists = observed.iter().any(|h| {
                identity.event_of(h) == Some(want.event) && h.normalized() == normalized
            });
            let ours_exist = observed.iter().any(|h| identity.event_of(h) == Some(want.event));
            match &step.decision {
                Decision::Create => prop_assert!(!ours_exist, "created though one exists: {:?}", step),
                Decision::Update { differences, .. } => {
                    prop_assert!(!exact_exists, "repaired one though a correct one exists: {:?}", step);
                    prop_assert!(!differences.is_empty());
                }
                Decision::Keep { .. } => prop_assert!(exact_exists),
            }
            for (what, id) in referenced(step) {
                // No plan touches (or even names) a hook that is not ours.
                prop_assert!(!foreign.contains_key(id), "{} of foreign hook {}: {:?}", what, id, step);
                // Each hook is named once, for its own event.
                prop_assert!(seen_ids.insert(id.to_owned()), "{} named twice", id);
                let (role, event) = role_of[id];
                prop_assert_eq!(event, want.event as usize, "{} is not a hook of {:?}", id, want.event);
                if what == "delete" && !prune_duplicates {
                    prop_assert!(
                        matches!(role, Role::Exact { .. }),
                        "without prune_duplicates a non-exact duplicate {} ({:?}) is deleted", id, role
                    );
                }
            }
        }

        let mut next = 0;
        apply_model(&mut store, &steps, api_stores_string, &mut next);

        // Converged: re-planning keeps everything and deletes nothing.
        let again = plan(&desired, &parse_store(&store), identity, options);
        for (before, after) in steps.iter().zip(&again) {
            let Decision::Keep { hook_id } = &after.decision else {
                return Err(TestCaseError::fail(format!(
                    "not converged: {:?}\nfirst plan: {:?}\nstore: {}",
                    after.decision, before, Value::Array(store.clone())
                )));
            };
            match &before.decision {
                Decision::Update { hook_id: was, .. } | Decision::Keep { hook_id: was } => {
                    prop_assert_eq!(hook_id, was, "the hook kept is the one repaired or kept");
                }
                Decision::Create => prop_assert!(hook_id.starts_with("new-")),
            }
            prop_assert!(after.delete.is_empty(), "second plan deletes {:?}", after.delete);
            if prune_duplicates {
                prop_assert!(after.duplicates.is_empty(), "duplicates left: {:?}", after.duplicates);
            } else {
                prop_assert_eq!(
                    after.duplicates.iter().collect::<BTreeSet<_>>(),
                    before.duplicates.iter().collect::<BTreeSet<_>>(),
                    "the duplicates left alone stay reported"
                );
            }
        }

        // Every foreign hook is still there, byte for byte.
        let now: BTreeMap<&str, String> =
            store.iter().map(|v| (id_of(v), v.to_string())).collect();
        for (id, text) in &foreign {
            prop_assert_eq!(now.get(id.as_str()), Some(text), "foreign hook {} changed or gone", id);
        }
    }
}

/// The plan's model is only useful if foreign hooks really are foreign: each kind,
/// alone, yields three creates.
#[test]
fn each_foreign_kind_alone_is_not_ours() {
    for provider in providers::ALL {
        let spec = SettingsSpec {
            provider: providers::ALL
                .iter()
                .position(|p| p.name() == provider.name())
                .unwrap_or(0),
            context: "ci/devopness(build)".into(),
            descriptions: ["a".into(), "b".into(), "c".into()],
            hook_name: None,
            only_when_commit: false,
            extra_header: false,
            gitlab_ref: false,
        };
        let config = config_of(&spec);
        let desired = providers::desired_hooks(config.provider, &config.status);
        let identity = Identity {
            field: config.provider.identity_field(),
            value: &config.status.context,
        };
        for (i, f) in [
            Foreign::OtherContext,
            Foreign::OtherEvent,
            Foreign::TwoEvents,
            Foreign::NoEvents,
            Foreign::Incoming,
            Foreign::NoIdentityField,
            Foreign::BodyNotJson,
        ]
        .into_iter()
        .enumerate()
        {
            let spec = ObservedSpec {
                event: i % 3,
                role: Role::Foreign(f),
                created_at: None,
                body_as_string: false,
                salt: 0,
            };
            let store = vec![observed_value(&spec, &desired, identity, "f")];
            let steps = plan(&desired, &parse_store(&store), identity, Options::default());
            for s in &steps {
                assert_eq!(
                    s.decision,
                    Decision::Create,
                    "{f:?} ({}) was taken as ours",
                    provider.name()
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Input validation as a whole
// ---------------------------------------------------------------------------

/// For each input: values that pass, so that runs with several hostile inputs still
/// reach `Ok` now and then.
const PLAUSIBLE: &[(&str, &[&str])] = &[
    ("api-token", &["tok", " dvp_abc "]),
    ("pipeline-ids", &["1", "1, 2\n3"]),
    (
        "api-url",
        &["https://api.devopness.com", "http://127.0.0.1:9"],
    ),
    ("repository", &["octo-org/my-app", "octo/app.js"]),
    ("provider-api-url", &["https://ghe.example.com/api/v3"]),
    ("context", &["ci/devopness(build)", "deploy"]),
    (
        "details-url",
        &["https://app.devopness.com/actions/{{ action.id }}"],
    ),
    ("description-started", &["Started", "50% done"]),
    ("description-failed", &["Failed"]),
    ("description-completed", &["Done"]),
    ("mode", &["apply"]),
    ("max-concurrency", &["1", "64"]),
    ("provider", &["github", "gitlab", "bitbucket"]),
    ("extra-headers", &["X-Trace: abc", "X-A: 1\nX-B: 2"]),
    ("hook-name", &["{context}: {event}", "deploy {event}"]),
    ("only-when-commit", &["true", "FALSE"]),
    ("gitlab-ref", &["false"]),
];

#[test]
fn plausible_values_are_for_inputs_of_the_option_table() {
    for (name, _) in PLAUSIBLE {
        assert!(
            inputs::OPTIONS.iter().any(|o| o.name == *name),
            "{name} is not an input: its values would be ignored"
        );
    }
}

fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z0-9:/%{}., \n\r\t<>=@?#_-]{0,30}",
        1 => any::<String>(),
    ]
}

/// Every input empty or plausible, then up to three of them hostile.
fn all_inputs() -> impl Strategy<Value = Vec<(String, String)>> {
    let base: Vec<_> = PLAUSIBLE
        .iter()
        .map(|(name, plausible)| {
            // Required (or required by some provider): never left out.
            let empty = if matches!(*name, "api-token" | "pipeline-ids" | "repository") {
                0
            } else {
                1
            };
            prop_oneof![
                empty => Just(String::new()),
                1 => prop::sample::select(*plausible).prop_map(str::to_owned),
            ]
            .prop_map(move |v| (inputs_var(name), v))
        })
        .collect();
    let hostile = prop::collection::vec((0..PLAUSIBLE.len(), hostile_value()), 0..4);
    (base, hostile).prop_map(|(mut vars, hostile)| {
        for (i, v) in hostile {
            vars[i].1 = v;
        }
        vars
    })
}

fn inputs_var(name: &str) -> String {
    format!("INPUT_{}", name.to_uppercase())
}

/// Every string inside a JSON value.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            strings(x, out);
        }),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `inputs::read` never panics, reports errors that name a real input, and what
    /// it accepts yields hooks whose every string is one line without control
    /// characters, within Devopness's name limit.
    #[test]
    fn read_accepts_only_what_makes_clean_hooks(mut vars in all_inputs()) {
        vars.push(("GITHUB_REPOSITORY".into(), "octo-org/my-app".into()));
        match inputs::read(&vars) {
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in &errors {
                    prop_assert!(!e.message.is_empty());
                    // The input named is one of the option table's (and action.yml's,
                    // which tests/options.rs holds to the table), by name.
                    let name = e.input.name();
                    let row = inputs::OPTIONS.iter().find(|o| o.name == name);
                    prop_assert!(row.is_some_and(|o| o.input == e.input), "{e:?} names no input");
                    let shown = e.to_string();
                    prop_assert!(shown.starts_with(&format!("input `{name}`: ")), "{shown}");
                }
            }
            Ok(config) => {
                let desired = providers::desired_hooks(config.provider, &config.status);
                prop_assert!(config.status.context.chars().count() <= inputs::CONTEXT_LIMIT);
                for hook in &desired {
                    prop_assert!(hook.name.chars().count() <= providers::HOOK_NAME_LIMIT);
                    let mut all = Vec::new();
                    strings(&hook.request_body(), &mut all);
                    for s in all {
                        prop_assert!(
                            !s.chars().any(char::is_control),
                            "control character in {:?} of {:?}", s, hook
                        );
                    }
                }
            }
        }
    }
}

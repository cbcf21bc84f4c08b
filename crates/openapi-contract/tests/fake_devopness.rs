//! Every response the fake Devopness sends, for the operations the action uses (get a
//! pipeline; list its hooks, paginated with a `Link`; create, get, update and delete an
//! outgoing hook; list a hook's deliveries), fits Devopness's published description as
//! corrected (`docs/devopness-api.md`): successes, incoming hooks in the list, request bodies stored as
//! strings, and the errors (401, 403, 404, 422, 429, 500, 503). The requests below are
//! valid ones, sent with the headers the description requires, so they are checked too.

use fake_devopness::{FakeDevopness, Fault, FaultKind};
use fake_http::testing::{send_at, Reply};
use openapi_contract::devopness;
use serde_json::{json, Value};

const TOKEN: &str = "dvp_contract";

fn call(fake: &FakeDevopness, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let auth = format!("Bearer {TOKEN}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
    ];
    let body = body.map(Value::to_string);
    send_at(fake.addr(), method, path, &headers, body.as_deref())
}

/// Checks everything the fake answered (and, with `requests`, was asked); returns how many
/// responses.
fn assert_contract(fake: &FakeDevopness, requests: bool) -> usize {
    match devopness().check_exchanges(&fake.exchanges(), requests) {
        Ok(checked) => checked,
        Err(problems) => panic!("the fake Devopness departs from its openapi.json:\n{problems}"),
    }
}

/// A create body like the action's, with a condition and an extra header.
fn hook(name: &str, event: &str) -> Value {
    json!({
        "name": name,
        "action_type": "deploy",
        "target_url": "https://api.github.com/repos/o/r/statuses/{{ action.triggered_from.hook_parsed_variables.commit_hash }}",
        "active": true,
        "trigger_when": {
            "events": [event],
            "conditions": [{ "path": "action.triggered_from.trigger_type", "accepted_values": ["hook"] }],
        },
        "settings": {
            "request_headers": [
                { "name": "Authorization", "value": "Bearer {{ application.source_provider.access_token }}" },
                { "name": "X-Team", "value": "platform" },
            ],
            "request_body": { "state": "pending", "context": "ci/devopness(build)" },
        },
    })
}

fn id_of(reply: &Reply) -> String {
    reply.json()["id"].as_str().unwrap_or_default().to_string()
}

#[test]
fn every_hook_and_pipeline_response_fits_the_spec() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_pipeline(1);
    fake.seed_guide_hooks(1, "acme/site");
    assert_eq!(call(&fake, "GET", "/pipelines/1", None).status, 200);
    let created = call(
        &fake,
        "POST",
        "/pipelines/1/hooks/outgoing",
        Some(&hook("CI pending", "action.started")),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let id = id_of(&created);
    let one = format!("/hooks/outgoing/{id}");
    // Settings are optional on create; the stored hook then has no request body.
    let mut bare = hook("CI bare", "action.failed");
    bare.as_object_mut().map(|o| o.remove("settings"));
    let reply = call(&fake, "POST", "/pipelines/1/hooks/outgoing", Some(&bare));
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(call(&fake, "GET", &one, None).status, 200);
    let mut update = hook("CI pending", "action.started");
    update["id"] = json!(id);
    update["settings"]["request_body"] = json!({ "state": "pending", "context": "other" });
    assert_eq!(call(&fake, "PUT", &one, Some(&update)).status, 204);

    // Six hooks (an incoming one first), two a page: three pages, each with its `Link`.
    for page in 1..=3 {
        let path = format!("/pipelines/1/hooks?page={page}&per_page=2");
        let list = call(&fake, "GET", &path, None);
        assert_eq!(list.status, 200);
        assert!(list.header("link").is_some(), "{path}");
    }
    assert_eq!(call(&fake, "GET", "/pipelines/1/hooks", None).status, 200);
    for code in [201, 422, 500] {
        fake.add_delivery(&id, code, 4242);
    }
    let deliveries = call(
        &fake,
        "GET",
        &format!("{one}/requests?page=1&per_page=2"),
        None,
    );
    assert_eq!(deliveries.json().as_array().map(Vec::len), Some(2));
    assert!(deliveries.header("link").is_some());
    call(
        &fake,
        "GET",
        &format!("{one}/requests?page=2&per_page=2"),
        None,
    );

    // The API sometimes stores a request body as a string holding its JSON.
    fake.set_request_body_as_string(true);
    call(&fake, "GET", "/pipelines/1/hooks?page=1&per_page=100", None);
    call(&fake, "GET", &one, None);
    assert_eq!(call(&fake, "DELETE", &one, None).status, 204);
    assert_eq!(assert_contract(&fake, true), 14);
}

#[test]
fn every_error_response_fits_the_spec() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_pipeline(1);
    fake.forbid_pipeline(2);
    let forbidden = fake.insert_hook(2, hook("x", "action.started"));
    let body = hook("x", "action.failed");
    let mut update = body.clone();
    update["id"] = json!("0190b8c0-0000-7000-8000-000000000000");
    let statuses: Vec<u16> = [
        call(&fake, "GET", "/pipelines/9", None),
        call(&fake, "GET", "/pipelines/9/hooks", None),
        call(&fake, "POST", "/pipelines/9/hooks/outgoing", Some(&body)),
        call(
            &fake,
            "GET",
            "/hooks/outgoing/0190b8c0-0000-7000-8000-000000000000",
            None,
        ),
        call(
            &fake,
            "PUT",
            "/hooks/outgoing/0190b8c0-0000-7000-8000-000000000000",
            Some(&update),
        ),
        call(
            &fake,
            "DELETE",
            "/hooks/outgoing/0190b8c0-0000-7000-8000-000000000000",
            None,
        ),
        call(
            &fake,
            "GET",
            "/hooks/outgoing/0190b8c0-0000-7000-8000-000000000000/requests",
            None,
        ),
        call(&fake, "GET", "/pipelines/2", None),
        call(&fake, "GET", "/pipelines/2/hooks", None),
        call(&fake, "POST", "/pipelines/2/hooks/outgoing", Some(&body)),
        call(
            &fake,
            "DELETE",
            &format!("/hooks/outgoing/{forbidden}"),
            None,
        ),
    ]
    .iter()
    .map(|r| r.status)
    .collect();
    assert_eq!(
        statuses,
        [404, 404, 404, 404, 404, 404, 404, 403, 403, 403, 403]
    );
    assert_eq!(assert_contract(&fake, true), 11);

    // Errors the requests cause on purpose (an invalid body or query, a wrong token, a
    // wrong id in the body): only the responses are checked.
    fake.clear_requests();
    let created = call(&fake, "POST", "/pipelines/1/hooks/outgoing", Some(&body));
    let one = format!("/hooks/outgoing/{}", id_of(&created));
    fake.clear_requests();
    call(
        &fake,
        "POST",
        "/pipelines/1/hooks/outgoing",
        Some(&json!({})),
    );
    let mut long = body.clone();
    long["name"] = json!("n".repeat(61));
    long["trigger_when"]["events"] = json!(["action.done"]);
    call(&fake, "POST", "/pipelines/1/hooks/outgoing", Some(&long));
    call(&fake, "PUT", &one, Some(&update));
    call(&fake, "GET", "/pipelines/1/hooks?per_page=101", None);
    send_at(
        fake.addr(),
        "GET",
        "/pipelines/1/hooks",
        &[
            ("Authorization", "Bearer wrong"),
            ("Accept", "application/json"),
        ],
        None,
    );
    // The rate limit and server errors, as Laravel answers them.
    let retry_after = Some("7".to_string());
    fake.inject(Fault::once(FaultKind::Status {
        code: 429,
        retry_after,
    }));
    call(&fake, "GET", "/pipelines/1/hooks", None);
    fake.inject(Fault::once(FaultKind::Status {
        code: 500,
        retry_after: None,
    }));
    call(&fake, "POST", "/pipelines/1/hooks/outgoing", Some(&body));
    fake.inject(Fault::once(FaultKind::CommitThenStatus(503)));
    call(&fake, "DELETE", &one, None);
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [422, 422, 422, 422, 401, 429, 500, 503]);
    match devopness().check_exchanges(&fake.exchanges(), false) {
        Ok(checked) => assert_eq!(checked, 8),
        Err(problems) => panic!("the fake Devopness departs from its openapi.json:\n{problems}"),
    }
}

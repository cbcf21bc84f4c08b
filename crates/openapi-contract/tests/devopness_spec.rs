//! Each check of Devopness's contract can fail: requests and responses that depart from its
//! description (as corrected, see `docs/devopness-api.md`) are refused, with a message naming what is wrong;
//! and each correction is needed, since the description as published refuses valid bodies.

use fake_devopness::FakeDevopness;
use fake_http::testing::send_at;
use openapi_contract::{devopness, Mismatch, Request, Response, Spec};
use serde_json::{json, Value};

const API: &str = "https://api.devopness.com";
const HOOK_ID: &str = "0190b8c0-1f2e-7a3b-8c4d-5e6f7a8b9c0d";

/// A create body as the action sends it.
fn create_body() -> Value {
    json!({
        "name": "CI(build) pending",
        "action_type": "deploy",
        "target_url": "https://api.github.com/repos/o/r/statuses/{{ action.triggered_from.hook_parsed_variables.commit_hash }}",
        "active": true,
        "trigger_when": {
            "events": ["action.started"],
            "conditions": [{ "path": "action.triggered_from.trigger_type", "accepted_values": ["hook"] }],
        },
        "settings": {
            "request_headers": [{ "name": "Accept", "value": "application/vnd.github+json" }],
            "request_body": { "state": "pending", "context": "ci/devopness(build)" },
        },
    })
}

/// `object` with `field` set to `value`, or removed when `value` is null.
fn with(mut object: Value, field: &str, value: Value) -> Value {
    if let Some(fields) = object.as_object_mut() {
        if value.is_null() {
            fields.remove(field);
        } else {
            fields.insert(field.to_string(), value);
        }
    }
    object
}

fn update_body() -> Value {
    let mut body = create_body();
    body["id"] = json!(HOOK_ID);
    body
}

fn text(found: Result<&openapi_contract::Operation, Vec<Mismatch>>) -> String {
    match found {
        Ok(_) => String::new(),
        Err(found) => found
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The mismatches of a request to `path` (below the API root), as text (empty when it fits).
fn problems(method: &str, path: &str, body: &Value) -> String {
    let url = format!("{API}{path}");
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let request = Request::to_url(method, &url, &body).expect("a URL");
    text(devopness().check_request(&request))
}

#[test]
fn the_operations_the_action_uses_are_described() {
    let spec = devopness();
    for (method, path, id) in [
        ("GET", "/pipelines/1", "getPipeline"),
        (
            "GET",
            "/pipelines/1/hooks?page=1&per_page=100",
            "listPipelineHooks",
        ),
        ("POST", "/pipelines/1/hooks/outgoing", "addPipelineHook"),
        ("GET", "/hooks/outgoing/h", "getHook"),
        ("PUT", "/hooks/outgoing/h", "updateHook"),
        ("DELETE", "/hooks/outgoing/h", "deleteHook"),
        (
            "GET",
            "/hooks/outgoing/h/requests",
            "listHookRequestsByHookType",
        ),
        (
            "GET",
            "/pipelines/application/7",
            "listPipelinesByResourceType",
        ),
        ("GET", "/applications/7", "getApplication"),
    ] {
        let path = path.split('?').next().unwrap_or(path);
        let found = spec.find(method, path).map(|(op, _)| op.id.as_str());
        assert_eq!(found, Ok(id), "{method} {path}");
    }
}

#[test]
fn the_action_s_bodies_pass() {
    assert_eq!(
        problems("POST", "/pipelines/1/hooks/outgoing", &create_body()),
        ""
    );
    assert_eq!(
        problems("PUT", &format!("/hooks/outgoing/{HOOK_ID}"), &update_body()),
        ""
    );
    // A request body as a string holding JSON, and no conditions.
    let mut body = create_body();
    body["settings"]["request_body"] = json!("{\"state\":\"pending\"}");
    body["trigger_when"]["conditions"] = json!([]);
    assert_eq!(problems("POST", "/pipelines/1/hooks/outgoing", &body), "");
    let list = "/pipelines/1/hooks?page=2&per_page=100";
    assert_eq!(problems("GET", list, &Value::Null), "");
    let deliveries = format!("/hooks/outgoing/{HOOK_ID}/requests?page=1&per_page=20");
    assert_eq!(problems("GET", &deliveries, &Value::Null), "");
    assert_eq!(
        problems(
            "DELETE",
            &format!("/hooks/outgoing/{HOOK_ID}"),
            &Value::Null
        ),
        ""
    );
}

#[test]
fn hook_bodies_that_depart_from_the_spec_are_refused() {
    let create = "/pipelines/1/hooks/outgoing";
    let cases: [(&str, Value, &str); 8] = [
        ("name", Value::Null, "\"name\" is a required property"),
        // Required on create (the API takes it; the spec's model omits it).
        (
            "target_url",
            Value::Null,
            "\"target_url\" is a required property",
        ),
        (
            "action_type",
            json!("deploys"),
            "at /action_type: \"deploys\" is not one of",
        ),
        (
            "active",
            json!("yes"),
            "at /active: \"yes\" is not of type \"boolean\"",
        ),
        // A field the API does not know would be dropped: a mistake of ours.
        (
            "events",
            json!(["action.started"]),
            "('events' was unexpected)",
        ),
        (
            "settings",
            json!({ "request_headers": [{ "name": "X", "value": "v".repeat(4097) }] }),
            "at /settings",
        ),
        ("settings", json!({ "request_body": 3 }), "at /settings"),
        (
            "trigger_when",
            json!({ "events": ["action.started"], "conditions": [{ "path": "a" }] }),
            "at /trigger_when/conditions/0",
        ),
    ];
    for (field, value, expected) in cases {
        let body = with(create_body(), field, value);
        let found = problems("POST", create, &body);
        assert!(found.contains(expected), "{field}: {found}");
    }
    let found = problems("POST", create, &Value::Null);
    assert_eq!(found, "the operation requires a body; none was sent");

    let one = format!("/hooks/outgoing/{HOOK_ID}");
    let found = problems("PUT", &one, &create_body());
    assert!(found.contains("\"id\" is a required property"), "{found}");
    let mut update = update_body();
    update["secret"] = json!("s");
    let found = problems("PUT", &one, &update);
    assert!(found.contains("('secret' was unexpected)"), "{found}");
}

#[test]
fn paths_methods_queries_and_headers_that_depart_from_the_spec_are_refused() {
    let found = problems("POST", "/pipelines/1/hooks/webhook", &create_body());
    assert!(
        found.starts_with("path parameter `hook_type`: at /: \"webhook\" is not one of"),
        "{found}"
    );
    let found = problems("GET", "/pipelines/0/hooks", &Value::Null);
    assert!(found.starts_with("path parameter `pipeline_id`"), "{found}");
    let found = problems("GET", "/pipelines/first/hooks", &Value::Null);
    assert!(found.contains("is not of type \"integer\""), "{found}");
    let found = problems(
        "PATCH",
        &format!("/hooks/outgoing/{HOOK_ID}"),
        &update_body(),
    );
    assert!(
        found.starts_with("no operation in the spec is PATCH /hooks/outgoing/"),
        "{found}"
    );
    let found = problems("POST", "/pipelines/1/hook/outgoing", &create_body());
    assert!(
        found.starts_with("no operation in the spec is POST"),
        "{found}"
    );

    let found = problems("GET", "/pipelines/1/hooks?per_page=101", &Value::Null);
    assert!(
        found.starts_with(
            "query parameter `per_page`: at /: 101 is greater than the maximum of 100"
        ),
        "{found}"
    );
    let found = problems("GET", "/pipelines/1/hooks?page=0", &Value::Null);
    assert!(found.starts_with("query parameter `page`"), "{found}");
    let found = problems("GET", "/pipelines/1/hooks?limit=100", &Value::Null);
    assert_eq!(
        found,
        "query parameter `limit` is not one the operation takes"
    );
    let found = problems("GET", "/pipelines/1/hooks", &json!({ "page": 1 }));
    assert_eq!(found, "the operation takes no body; one was sent");

    // The description requires Accept, Authorization and Content-Type on every request.
    let url = format!("{API}/hooks/outgoing/{HOOK_ID}");
    let mut request = Request::to_url("DELETE", &url, "").expect("a URL");
    request.headers = Some(vec![
        ("authorization", "Bearer t"),
        ("accept", "application/json"),
    ]);
    let found = text(devopness().check_request(&request));
    assert_eq!(found, "required header `Content-Type` is missing");
    request.headers = Some(vec![]);
    let found = text(devopness().check_request(&request));
    assert_eq!(found.lines().count(), 3, "{found}");
    assert!(
        found.contains("required header `Authorization` is missing"),
        "{found}"
    );
    let body = create_body().to_string();
    let url = format!("{API}/pipelines/1/hooks/outgoing");
    let mut request = Request::to_url("POST", &url, &body).expect("a URL");
    request.content_type = Some("application/x-www-form-urlencoded");
    let found = text(devopness().check_request(&request));
    assert!(
        found.starts_with("request body sent as Some(\"application/x-www-form-urlencoded\")"),
        "{found}"
    );
}

/// A hook as the fake renders it after a create (with its one-time secret), and on a get.
fn created_and_stored() -> (Value, Value) {
    let fake = FakeDevopness::start("t");
    fake.add_pipeline(1);
    let reply = send_at(
        fake.addr(),
        "POST",
        "/pipelines/1/hooks/outgoing",
        &[
            ("Authorization", "Bearer t"),
            ("Content-Type", "application/json"),
        ],
        Some(&create_body().to_string()),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    (reply.json(), fake.hooks(1).remove(0))
}

const JSON: &str = "application/json";

#[test]
fn hooks_that_depart_from_the_spec_are_refused() {
    let (created, stored) = created_and_stored();
    assert_eq!(
        devopness().response_problems("addPipelineHook", 201, JSON, &created.to_string()),
        ""
    );
    assert_eq!(
        devopness().response_problems("getHook", 200, JSON, &stored.to_string()),
        ""
    );

    let broken: [(&str, Value, &str); 6] = [
        (
            "secret",
            Value::Null,
            "at /secret: null is not of type \"string\"",
        ),
        (
            "type",
            json!("outgoing"),
            "at /type: \"outgoing\" is not one of",
        ),
        ("pipeline_id", json!("1"), "at /pipeline_id"),
        (
            "active",
            json!(1),
            "at /active: 1 is not of type \"boolean\"",
        ),
        ("created_by_user", json!({ "id": 1 }), "at /created_by_user"),
        ("resource_type", json!("pipeline"), "at /resource_type"),
    ];
    for (field, value, expected) in broken {
        let mut hook = created.clone();
        hook[field] = value;
        let found = devopness().response_problems("addPipelineHook", 201, JSON, &hook.to_string());
        assert!(found.contains(expected), "{field}: {found}");
    }
    // A field the description does not know, at any depth, is the fake's invention.
    let mut invented = stored.clone();
    invented["priority"] = json!(1);
    invented["settings"]["retries"] = json!(3);
    let found = devopness().response_problems("getHook", 200, JSON, &invented.to_string());
    assert!(found.contains("('priority' was unexpected)"), "{found}");
    assert!(found.contains("at /settings"), "{found}");
    let mut missing = stored.clone();
    missing.as_object_mut().map(|o| o.remove("target_url"));
    let found = devopness().response_problems("getHook", 200, JSON, &missing.to_string());
    assert!(
        found.contains("\"target_url\" is a required property"),
        "{found}"
    );

    // The list's items are `HookRelation`s, which carry no creator nor secret settings.
    let list = json!([stored]);
    let found = devopness().response_problems("listPipelineHooks", 200, JSON, &list.to_string());
    assert!(found.contains("('created_by_user'"), "{found}");
    let found = devopness().response_problems("listPipelineHooks", 200, JSON, &stored.to_string());
    assert!(found.contains("is not of type \"array\""), "{found}");

    // Create answers 201, update and delete 204 with no body.
    let found = devopness().response_problems("addPipelineHook", 200, JSON, &created.to_string());
    assert!(
        found.starts_with("status 200 is not documented (documented: 201"),
        "{found}"
    );
    let found = devopness().response_problems("updateHook", 204, JSON, &stored.to_string());
    assert_eq!(
        found,
        "the 204 response is documented without a body; one was sent"
    );
    assert_eq!(
        devopness().response_problems("deleteHook", 204, JSON, ""),
        ""
    );
    let found = devopness().response_problems("getHook", 200, "text/html", &stored.to_string());
    assert_eq!(
        found,
        "response sent as Some(\"text/html\"), not application/json"
    );
    let found = devopness().response_problems("getHook", 200, JSON, "<html>");
    assert!(
        found.starts_with("the response body is not JSON"),
        "{found}"
    );
}

#[test]
fn pipelines_and_deliveries_that_depart_from_the_spec_are_refused() {
    let delivery = json!({
        "id": "0190b8c0-0000-7000-8000-000000000001",
        "hook_id": HOOK_ID,
        "action_id": 4242,
        "retry_of": null,
        "ip_address": "10.0.0.17",
        "url": "https://api.github.com/repos/o/r/statuses/abc",
        "response_status_code": 201,
        "created_at": "2026-08-21T12:34:56.123456Z",
        "updated_at": "2026-08-21T12:34:56.123456Z",
    });
    let log = "listHookRequestsByHookType";
    assert_eq!(
        devopness().response_problems(log, 200, JSON, &json!([delivery]).to_string()),
        ""
    );
    for (field, value, expected) in [
        (
            "response_status_code",
            json!("201"),
            "at /0/response_status_code",
        ),
        (
            "created_at",
            json!("yesterday"),
            "at /0/created_at: \"yesterday\" is not a \"date-time\"",
        ),
        ("hook_id", Value::Null, "\"hook_id\" is a required property"),
        ("status", json!(201), "('status' was unexpected)"),
    ] {
        let item = with(delivery.clone(), field, value);
        let found = devopness().response_problems(log, 200, JSON, &json!([item]).to_string());
        assert!(found.contains(expected), "{field}: {found}");
    }

    let fake = FakeDevopness::start("t");
    fake.add_pipeline(1);
    let pipeline = send_at(
        fake.addr(),
        "GET",
        "/pipelines/1",
        &[("Authorization", "Bearer t")],
        None,
    )
    .json();
    assert_eq!(
        devopness().response_problems("getPipeline", 200, JSON, &pipeline.to_string()),
        ""
    );
    let mut broken = pipeline.clone();
    broken.as_object_mut().map(|o| o.remove("operation"));
    broken["steps"] = json!({});
    let found = devopness().response_problems("getPipeline", 200, JSON, &broken.to_string());
    assert!(
        found.contains("\"operation\" is a required property"),
        "{found}"
    );
    assert!(found.contains("at /steps"), "{found}");
}

#[test]
fn errors_other_than_laravel_s_are_refused() {
    let message = json!({ "message": "Unauthenticated." }).to_string();
    // No `security` is declared, so no operation documents 401; Laravel sends it on any.
    assert_eq!(
        devopness().response_problems("getHook", 401, JSON, &message),
        ""
    );
    let found =
        devopness().response_problems("getHook", 401, JSON, r#"{"error": "Unauthenticated."}"#);
    assert!(
        found.contains("\"message\" is a required property"),
        "{found}"
    );
    // getPipeline documents its 404 without a body; Laravel's carries a message.
    let not_found = json!({ "message": "Pipeline not found." }).to_string();
    assert_eq!(
        devopness().response_problems("getPipeline", 404, JSON, &not_found),
        ""
    );
    let found =
        devopness().response_problems("getPipeline", 404, "text/html", "<h1>Not Found</h1>");
    assert!(
        found.contains("response sent as Some(\"text/html\")"),
        "{found}"
    );
    // Documented 403: ApiError and Laravel's body both.
    let found = devopness().response_problems("getHook", 403, JSON, r#"{"message": ["no"]}"#);
    assert!(found.contains("at /message"), "{found}");
    let too_many = json!({ "message": "Too Many Attempts." }).to_string();
    assert_eq!(
        devopness().response_problems("listPipelineHooks", 429, JSON, &too_many),
        ""
    );
    assert_eq!(
        devopness().response_problems("deleteHook", 503, JSON, &too_many),
        ""
    );

    let invalid = json!({
        "message": "The name field is required. (and 1 more error)",
        "errors": { "name": ["The name field is required."], "target_url": "The target url field is required." },
    });
    assert_eq!(
        devopness().response_problems("addPipelineHook", 422, JSON, &invalid.to_string()),
        ""
    );
    let found = devopness().response_problems("updateHook", 422, JSON, &message);
    assert!(
        found.contains("\"errors\" is a required property"),
        "{found}"
    );
    let found = devopness().response_problems(
        "addPipelineHook",
        422,
        JSON,
        r#"{"message": "m", "errors": {"name": [{"field": "name"}]}}"#,
    );
    assert!(found.contains("at /errors/name"), "{found}");
    // Laravel sends nothing else on these operations.
    let found = devopness().response_problems("getHook", 405, JSON, &message);
    assert!(
        found.starts_with("status 405 is not documented (documented: 200, 403)"),
        "{found}"
    );
}

#[test]
fn each_correction_is_needed() {
    let path = openapi_contract::devopness::spec_path();
    let text = std::fs::read_to_string(&path).expect("the description");
    let raw: Value = serde_json::from_str(&text).expect("JSON");
    let published = Spec::new(&raw, |_| None);
    let check = |spec: &Spec, method: &str, path: &str, body: &Value| {
        let url = format!("{API}{path}");
        let body = body.to_string();
        let request = Request::to_url(method, &url, &body).expect("a URL");
        text_of(spec.check_request(&request))
    };
    // As published, neither model takes `target_url` or `action_type`, and `settings` is
    // oneOf two shapes that a body without headers nor body (`{}`) both fits.
    let create = "/pipelines/1/hooks/outgoing";
    let found = check(&published, "POST", create, &create_body());
    assert_eq!(
        found,
        "request body: at /: Additional properties are not allowed ('action_type', 'target_url' were unexpected)"
    );
    let found = check(
        &published,
        "PUT",
        &format!("/hooks/outgoing/{HOOK_ID}"),
        &update_body(),
    );
    assert!(
        found.contains("'action_type', 'target_url' were unexpected"),
        "{found}"
    );
    assert_eq!(check(devopness(), "POST", create, &create_body()), "");
    let mut bare = create_body();
    bare["settings"] = json!({});
    let found = check(&published, "POST", create, &bare);
    assert!(found.contains("at /settings"), "{found}");
    assert_eq!(check(devopness(), "POST", create, &bare), "");

    // Either condition shape passes (a condition with a `type` is the other shape).
    let mut typed = create_body();
    typed["trigger_when"]["conditions"] = json!([
        { "type": "request_body", "path": "action.status", "accepted_values": ["failed"] },
        { "path": "action.triggered_from.trigger_type", "accepted_values": ["hook"] },
    ]);
    assert_eq!(check(devopness(), "POST", create, &typed), "");

    // A get after the create has no `secret`; the description requires one.
    let (_, stored) = created_and_stored();
    let op = published.operation("getHook").expect("getHook");
    let response = Response {
        status: 200,
        content_type: Some(JSON),
        body: &stored.to_string(),
    };
    let found = text_of(published.check_response(op, &response).map(|()| op));
    assert!(
        found.contains("\"secret\" is a required property"),
        "{found}"
    );
    let op = devopness().operation("getHook").expect("getHook");
    assert_eq!(devopness().check_response(op, &response), Ok(()));

    // The delivery log's items as documented have no `url` nor `response_status_code`.
    let delivery = json!([{
        "id": "d", "hook_id": HOOK_ID, "action_id": 1, "retry_of": null, "ip_address": "10.0.0.1",
        "url": "https://x", "response_status_code": 201,
        "created_at": "2026-08-21T12:34:56.123456Z", "updated_at": "2026-08-21T12:34:56.123456Z",
    }]);
    let op = published
        .operation("listHookRequestsByHookType")
        .expect("the log");
    let body = delivery.to_string();
    let response = Response {
        status: 200,
        content_type: Some(JSON),
        body: &body,
    };
    let found = text_of(published.check_response(op, &response).map(|()| op));
    assert!(
        found.contains("'response_status_code', 'url' were unexpected"),
        "{found}"
    );

    // A variable's `default_value` may be null (nullable without a type).
    let variables = json!([{ "name": "commit_hash", "path": "pull_request.head.sha", "type": "string", "required": false, "default_value": null }]);
    let mut incoming = stored.clone();
    incoming["type"] = json!("in");
    incoming["settings"] = json!({ "variables": variables });
    let body = incoming.to_string();
    let response = Response {
        status: 200,
        content_type: Some(JSON),
        body: &body,
    };
    let op = devopness().operation("getHook").expect("getHook");
    assert_eq!(devopness().check_response(op, &response), Ok(()));
    incoming["settings"]["variables"][0]["default_value"] = json!({ "a": 1 });
    let body = incoming.to_string();
    let response = Response {
        status: 200,
        content_type: Some(JSON),
        body: &body,
    };
    let found = text_of(devopness().check_response(op, &response).map(|()| op));
    assert!(found.contains("at /settings"), "{found}");
}

fn text_of(found: Result<&openapi_contract::Operation, Vec<Mismatch>>) -> String {
    text(found)
}

#[test]
fn a_missing_spec_says_what_it_is_and_how_to_provide_it() {
    use openapi_contract::devopness::{url, COMMIT, SHA256, SPEC_ENV};
    let missing = std::path::Path::new("/nonexistent/openapi.json");
    let error = openapi_contract::devopness::load(missing)
        .err()
        .unwrap_or_default();
    for part in [
        "/nonexistent/openapi.json",
        SPEC_ENV,
        "scripts/fetch-devopness-openapi",
        &url(),
        COMMIT,
        SHA256,
    ] {
        assert!(error.contains(part), "{part:?} not in: {error}");
    }
}

#[test]
fn another_version_of_the_spec_is_refused_with_its_sha256() {
    use openapi_contract::devopness::{COMMIT, SHA256, SPEC_ENV};
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("openapi.json");
    std::fs::write(
        &other,
        r#"{"openapi":"3.0.0","info":{"title":"x","version":"1"},"paths":{}}"#,
    )
    .expect("write");
    let error = openapi_contract::devopness::load(&other)
        .err()
        .unwrap_or_default();
    let path = other.display().to_string();
    for part in [path.as_str(), COMMIT, SHA256, SPEC_ENV] {
        assert!(error.contains(part), "{part:?} not in: {error}");
    }
}

#[test]
fn the_fetch_script_pins_the_same_file() {
    use openapi_contract::devopness::{url, COMMIT, FILE, REPOSITORY, SHA256};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = std::fs::read_to_string(root.join("scripts/fetch-devopness-openapi"))
        .expect("read scripts/fetch-devopness-openapi");
    for line in [
        format!("repository={REPOSITORY}"),
        format!("commit={COMMIT}"),
        format!("file={FILE}"),
        format!("sha256={SHA256}"),
    ] {
        assert!(
            script.lines().any(|l| l == line),
            "scripts/fetch-devopness-openapi should say {line}"
        );
    }
    assert_eq!(
        url(),
        format!("https://raw.githubusercontent.com/{REPOSITORY}/{COMMIT}/{FILE}")
    );
    assert!(script.contains("${DEVOPNESS_OPENAPI_BASE_URL:-https://raw.githubusercontent.com}"));
}

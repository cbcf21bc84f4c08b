mod common;

use common::{call, fake_with_pipeline, get, hook_body, links, TOKEN};
use fake_devopness::FakeDevopness;
use fake_http::testing::raw_at;
use serde_json::{json, Value};

#[test]
fn requires_the_bearer_token() {
    let fake = fake_with_pipeline(1);
    let none = raw_at(
        fake.addr(),
        "GET",
        "/pipelines/1/hooks",
        &[("Accept", "application/json")],
        None,
    )
    .expect("reply");
    assert_eq!(none.status, 401);
    assert_eq!(none.json(), json!({ "message": "Unauthenticated." }));
    let wrong = raw_at(
        fake.addr(),
        "GET",
        "/pipelines/1/hooks",
        &[("Authorization", "Bearer nope")],
        None,
    )
    .expect("reply");
    assert_eq!(wrong.status, 401);
    let lower = raw_at(
        fake.addr(),
        "GET",
        "/pipelines/1/hooks",
        &[("Authorization", &format!("bearer {TOKEN}"))],
        None,
    )
    .expect("reply");
    assert_eq!(lower.status, 200);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].status, 401);
    assert!(!requests[0].is_write());
}

#[test]
fn unknown_and_forbidden_pipelines() {
    let fake = fake_with_pipeline(1);
    fake.forbid_pipeline(2);
    for path in ["/pipelines/9/hooks", "/pipelines/9", "/pipelines/abc/hooks"] {
        let reply = get(&fake, path);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.json(), json!({ "message": "Pipeline not found." }));
    }
    let reply = call(
        &fake,
        "POST",
        "/pipelines/9/hooks/outgoing",
        Some(&hook_body("x", "action.started")),
    );
    assert_eq!(reply.status, 404);
    for path in ["/pipelines/2/hooks", "/pipelines/2"] {
        let reply = get(&fake, path);
        assert_eq!(reply.status, 403, "{path}");
        assert_eq!(
            reply.json(),
            json!({ "message": "This action is unauthorized." })
        );
    }
    // Authorization comes before validation.
    let reply = call(
        &fake,
        "POST",
        "/pipelines/2/hooks/outgoing",
        Some(&json!({})),
    );
    assert_eq!(reply.status, 403);
}

#[test]
fn forbidden_pipelines_hide_their_hooks() {
    let fake = fake_with_pipeline(1);
    let id = fake.insert_hook(1, hook_body("a", "action.started"));
    fake.forbid_pipeline(1);
    assert_eq!(get(&fake, &format!("/hooks/outgoing/{id}")).status, 403);
    assert_eq!(
        call(&fake, "DELETE", &format!("/hooks/outgoing/{id}"), None).status,
        403
    );
}

#[test]
fn unknown_routes_and_methods() {
    let fake = fake_with_pipeline(1);
    let reply = get(&fake, "/nothing/here");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json(), json!({ "message": "Not found." }));
    let reply = call(&fake, "DELETE", "/pipelines/1/hooks", None);
    assert_eq!(reply.status, 405);
    assert!(reply.json()["message"].is_string());
}

#[test]
fn pipeline_describes_a_deploy() {
    let fake = fake_with_pipeline(7);
    fake.add_pipeline_with_operation(8, "restart");
    let reply = get(&fake, "/pipelines/7");
    assert_eq!(reply.status, 200);
    let p = reply.json();
    assert_eq!(p["id"], 7);
    assert_eq!(p["operation"], "deploy");
    assert_eq!(p["resource_type"], "application");
    for key in [
        "name",
        "resource_id",
        "project_id",
        "environment_id",
        "created_at",
    ] {
        assert!(!p[key].is_null(), "{key}");
    }
    assert_eq!(get(&fake, "/pipelines/8").json()["operation"], "restart");
}

#[test]
fn paginates_like_laravel() {
    let fake = fake_with_pipeline(1);
    fake.insert_incoming_hook(
        1,
        json!([{ "name": "commit_hash", "path": "pull_request.head.sha" }]),
    );
    for i in 0..249 {
        fake.insert_hook(1, hook_body(&format!("hook {i}"), "action.started"));
    }
    let base = fake.base_url();
    let url = |page: u32| format!("{base}/pipelines/1/hooks?page={page}&per_page=100");

    let first = get(&fake, "/pipelines/1/hooks?per_page=100");
    assert_eq!(first.status, 200);
    let items = first.json();
    assert_eq!(items.as_array().map(Vec::len), Some(100));
    assert_eq!(items[0]["type"], "in");
    assert_eq!(items[1]["type"], "out");
    assert_eq!(items[1]["name"], "hook 0");
    assert!(items[1].get("created_by_user").is_none(), "a HookRelation");
    assert_eq!(
        links(&first),
        vec![
            ("next".to_string(), url(2)),
            ("last".to_string(), url(3)),
            ("first".to_string(), url(1)),
        ]
    );

    let second = get(&fake, "/pipelines/1/hooks?page=2&per_page=100");
    assert_eq!(second.json().as_array().map(Vec::len), Some(100));
    assert_eq!(
        links(&second),
        vec![
            ("next".to_string(), url(3)),
            ("last".to_string(), url(3)),
            ("first".to_string(), url(1)),
            ("prev".to_string(), url(1)),
        ]
    );

    let third = get(&fake, "/pipelines/1/hooks?page=3&per_page=100");
    let items = third.json();
    assert_eq!(items.as_array().map(Vec::len), Some(50));
    assert_eq!(items[49]["name"], "hook 248");
    let rels: Vec<String> = links(&third).into_iter().map(|(rel, _)| rel).collect();
    assert_eq!(rels, ["last", "first", "prev"]);

    // Laravel's default page size, and pages past the end.
    assert_eq!(
        get(&fake, "/pipelines/1/hooks")
            .json()
            .as_array()
            .map(Vec::len),
        Some(15)
    );
    assert_eq!(
        get(&fake, "/pipelines/1/hooks?page=9&per_page=100").json(),
        json!([])
    );
}

#[test]
fn rejects_bad_page_parameters() {
    let fake = fake_with_pipeline(1);
    let reply = get(&fake, "/pipelines/1/hooks?per_page=101");
    assert_eq!(reply.status, 422);
    let body = reply.json();
    assert_eq!(
        body["errors"]["per_page"][0],
        "The per page field must not be greater than 100."
    );
    assert_eq!(
        body["message"],
        "The per page field must not be greater than 100."
    );
    for query in ["per_page=0", "page=0", "page=x"] {
        assert_eq!(
            get(&fake, &format!("/pipelines/1/hooks?{query}")).status,
            422,
            "{query}"
        );
    }
}

#[test]
fn creates_hooks() {
    let fake = fake_with_pipeline(1);
    let mut body = hook_body("CI(deploy) pending", "action.started");
    body["unknown_field"] = json!(true);
    let reply = call(&fake, "POST", "/pipelines/1/hooks/outgoing", Some(&body));
    assert_eq!(reply.status, 201, "{}", reply.body);
    let hook = reply.json();
    assert_eq!(hook["type"], "out");
    assert_eq!(hook["name"], "CI(deploy) pending");
    assert_eq!(hook["target_url"], body["target_url"]);
    assert_eq!(hook["url"], Value::Null);
    assert_eq!(hook["active"], true);
    assert_eq!(hook["verify_ssl"], true);
    assert_eq!(hook["is_auto_generated"], false);
    assert_eq!(hook["pipeline_id"], 1);
    assert_eq!(
        hook["trigger_when"],
        json!({ "events": ["action.started"], "conditions": [] })
    );
    assert_eq!(hook["settings"], body["settings"]);
    assert!(hook.get("unknown_field").is_none());
    assert!(hook["secret"].is_string(), "a string, as `Hook.secret` is");
    let id = hook["id"].as_str().expect("id").to_string();
    assert_eq!(id.len(), 36);

    let again = get(&fake, &format!("/hooks/outgoing/{id}"));
    assert_eq!(again.status, 200);
    let mut stored = again.json();
    assert!(
        stored.get("secret").is_none(),
        "the secret is shown only once"
    );
    stored["secret"] = hook["secret"].clone();
    assert_eq!(stored, hook);
    assert_eq!(fake.hooks(1).len(), 1);

    let mut times = vec![hook["created_at"].as_str().unwrap_or_default().to_string()];
    let mut ids = vec![id];
    for i in 0..20 {
        let reply = call(
            &fake,
            "POST",
            "/pipelines/1/hooks/outgoing",
            Some(&hook_body(&format!("h{i}"), "action.failed")),
        );
        assert_eq!(reply.status, 201);
        let hook = reply.json();
        times.push(hook["created_at"].as_str().unwrap_or_default().to_string());
        ids.push(hook["id"].as_str().unwrap_or_default().to_string());
    }
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(
        times[0].ends_with('Z') && times[0].len() == 27,
        "{}",
        times[0]
    );
}

fn create_errors(fake: &FakeDevopness, body: &Value) -> Value {
    let reply = call(fake, "POST", "/pipelines/1/hooks/outgoing", Some(body));
    assert_eq!(reply.status, 422, "{}", reply.body);
    reply.json()
}

#[test]
fn validates_creates() {
    let fake = fake_with_pipeline(1);

    let mut body = hook_body("x", "action.started");
    body.as_object_mut().map(|o| o.remove("name"));
    let errors = create_errors(&fake, &body);
    assert_eq!(errors["message"], "The name field is required.");
    assert_eq!(
        errors["errors"]["name"],
        json!(["The name field is required."])
    );

    let errors = create_errors(&fake, &hook_body(&"n".repeat(61), "action.started"));
    assert_eq!(
        errors["errors"]["name"],
        json!(["The name field must not be greater than 60 characters."])
    );
    let ok = call(
        &fake,
        "POST",
        "/pipelines/1/hooks/outgoing",
        Some(&hook_body(&"é".repeat(60), "action.started")),
    );
    assert_eq!(ok.status, 201, "60 characters, not bytes");

    let mut body = hook_body("x", "action.started");
    body["trigger_when"]["events"] = json!(["action.started", "action.exploded"]);
    let errors = create_errors(&fake, &body);
    assert!(
        errors["errors"]["trigger_when.events.1"].is_array(),
        "{errors}"
    );

    let mut body = hook_body("x", "action.started");
    body["trigger_when"]["events"] = json!([]);
    assert!(create_errors(&fake, &body)["errors"]["trigger_when.events"].is_array());

    let mut body = hook_body("x", "action.started");
    body["settings"]["request_headers"][0]["value"] = json!("v".repeat(4097));
    let errors = create_errors(&fake, &body);
    assert_eq!(
        errors["errors"]["settings.request_headers.0.value"],
        json!([
            "The settings.request headers.0.value field must not be greater than 4096 characters."
        ])
    );

    let mut body = hook_body("x", "action.started");
    body["settings"]["request_headers"][0]["name"] = json!("n".repeat(257));
    assert!(create_errors(&fake, &body)["errors"]["settings.request_headers.0.name"].is_array());

    let mut body = hook_body("x", "action.started");
    body["target_url"] = json!("ftp://example.com");
    body["action_type"] = json!("launch");
    body["active"] = json!("yes");
    let errors = create_errors(&fake, &body);
    assert_eq!(
        errors["message"],
        "The selected action type is invalid. (and 2 more errors)"
    );
    for key in ["action_type", "target_url", "active"] {
        assert!(errors["errors"][key].is_array(), "{key}: {errors}");
    }

    let mut body = hook_body("x", "action.started");
    body["settings"]["request_body"] = json!(5);
    assert!(create_errors(&fake, &body)["errors"]["settings.request_body"].is_array());

    let mut body = hook_body("x", "action.started");
    body["trigger_when"]["conditions"] = json!([{ "path": "action.status" }]);
    assert!(
        create_errors(&fake, &body)["errors"]["trigger_when.conditions.0.accepted_values"]
            .is_array()
    );

    let errors = create_errors(&fake, &json!({}));
    assert_eq!(
        errors["message"],
        "The name field is required. (and 4 more errors)"
    );

    // Only the two valid creates above exist.
    assert_eq!(fake.hooks(1).len(), 1);
}

#[test]
fn bodies_that_are_not_json_fail_validation() {
    let fake = fake_with_pipeline(1);
    let auth = format!("Bearer {TOKEN}");
    for (content_type, body) in [
        ("application/json", "{\"name\": \"x\","),
        ("application/json", "[1, 2]"),
        ("text/plain", &hook_body("x", "action.started").to_string()),
    ] {
        let reply = raw_at(
            fake.addr(),
            "POST",
            "/pipelines/1/hooks/outgoing",
            &[("Authorization", &auth), ("Content-Type", content_type)],
            Some(body),
        )
        .expect("reply");
        assert_eq!(reply.status, 422, "{content_type} {body}");
        assert!(reply.json()["errors"]["name"].is_array());
    }
    assert!(fake.hooks(1).is_empty());
}

#[test]
fn updates_hooks() {
    let fake = fake_with_pipeline(1);
    let id = fake.insert_hook(1, hook_body("old", "action.started"));
    let path = format!("/hooks/outgoing/{id}");
    let before = get(&fake, &path).json();

    let reply = call(&fake, "PUT", &path, Some(&json!({ "name": "new" })));
    assert_eq!(reply.status, 422);
    assert!(reply.json()["errors"]["id"].is_array());

    let reply = call(
        &fake,
        "PUT",
        &path,
        Some(&json!({ "id": "someone-else", "name": "new" })),
    );
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json()["errors"]["id"],
        json!(["The selected id is invalid."])
    );

    let reply = call(&fake, "PUT", &path, Some(&json!({ "id": id })));
    assert_eq!(reply.status, 422);
    assert!(reply.json()["errors"]["name"].is_array());

    let reply = call(
        &fake,
        "PUT",
        &path,
        Some(
            &json!({ "id": id, "name": "new", "active": false, "trigger_when": { "events": ["action.failed"] } }),
        ),
    );
    assert_eq!(reply.status, 204);
    assert_eq!(reply.body, "");

    let after = get(&fake, &path).json();
    assert_eq!(after["name"], "new");
    assert_eq!(after["active"], false);
    assert_eq!(
        after["trigger_when"],
        json!({ "events": ["action.failed"], "conditions": [] })
    );
    assert_eq!(
        after["settings"], before["settings"],
        "fields not given are kept"
    );
    assert_eq!(after["created_at"], before["created_at"]);
    assert!(after["updated_at"].as_str() > before["updated_at"].as_str());

    let reply = call(
        &fake,
        "PUT",
        "/hooks/outgoing/unknown",
        Some(&json!({ "id": "unknown", "name": "x" })),
    );
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json(), json!({ "message": "Hook not found." }));
}

#[test]
fn deletes_hooks() {
    let fake = fake_with_pipeline(1);
    let id = fake.insert_hook(1, hook_body("a", "action.started"));
    let path = format!("/hooks/outgoing/{id}");
    let reply = call(&fake, "DELETE", &path, None);
    assert_eq!(reply.status, 204);
    assert_eq!(reply.body, "");
    assert_eq!(call(&fake, "DELETE", &path, None).status, 404);
    assert_eq!(get(&fake, &path).status, 404);
    assert!(fake.hooks(1).is_empty());
    let writes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.is_write())
        .collect();
    assert_eq!(writes.len(), 2);
}

#[test]
fn incoming_hooks_are_not_outgoing() {
    let fake = fake_with_pipeline(1);
    let id = fake.insert_incoming_hook(1, json!([{ "name": "commit_hash" }]));
    assert_eq!(get(&fake, &format!("/hooks/outgoing/{id}")).status, 404);
    let list = get(&fake, "/pipelines/1/hooks").json();
    assert_eq!(list[0]["type"], "in");
    assert_eq!(list[0]["settings"]["variables"][0]["name"], "commit_hash");
    assert!(fake.hooks(1).is_empty());
}

#[test]
fn request_body_as_string() {
    let fake = fake_with_pipeline(1);
    let reply = call(
        &fake,
        "POST",
        "/pipelines/1/hooks/outgoing",
        Some(&hook_body("a", "action.started")),
    );
    let id = reply.json()["id"].as_str().unwrap_or_default().to_string();
    fake.set_request_body_as_string(true);
    for hook in [
        get(&fake, &format!("/hooks/outgoing/{id}")).json(),
        get(&fake, "/pipelines/1/hooks").json()[0].clone(),
        fake.hooks(1)[0].clone(),
    ] {
        let body = hook["settings"]["request_body"].as_str().expect("a string");
        let parsed: Value = serde_json::from_str(body).expect("holding JSON");
        assert_eq!(
            parsed,
            json!({ "state": "pending", "context": "devopness/deploy" })
        );
    }
    fake.set_request_body_as_string(false);
    assert!(fake.hooks(1)[0]["settings"]["request_body"].is_object());
}

#[test]
fn delivery_log_is_newest_first_and_paginated() {
    let fake = fake_with_pipeline(1);
    let id = fake.insert_hook(1, hook_body("a", "action.started"));
    for action in 1..=20 {
        fake.add_delivery(&id, if action == 20 { 422 } else { 201 }, action);
    }
    let path = format!("/hooks/outgoing/{id}/requests?per_page=15");
    let reply = get(&fake, &path);
    assert_eq!(reply.status, 200);
    let items = reply.json();
    assert_eq!(items.as_array().map(Vec::len), Some(15));
    assert_eq!(items[0]["action_id"], 20);
    assert_eq!(items[0]["response_status_code"], 422);
    assert_eq!(items[0]["hook_id"], id.as_str());
    assert_eq!(items[0]["retry_of"], Value::Null);
    for key in ["id", "ip_address", "url", "created_at", "updated_at"] {
        assert!(items[0][key].is_string(), "{key}");
    }
    assert!(reply
        .header("link")
        .unwrap_or_default()
        .contains("rel=\"next\""));
    assert_eq!(
        get(
            &fake,
            &format!("/hooks/outgoing/{id}/requests?page=2&per_page=15")
        )
        .json()
        .as_array()
        .map(Vec::len),
        Some(5)
    );
    assert_eq!(get(&fake, "/hooks/outgoing/nope/requests").status, 404);
}

#[test]
fn a_delivery_url_carries_the_commit_or_an_empty_one_for_a_deploy_started_by_hand() {
    let fake = fake_with_pipeline(1);
    let mut hook = hook_body("a", "action.started");
    hook["target_url"] = serde_json::json!(
        "https://api.github.com/repos/o/r/statuses/{{ action.triggered_from.hook_parsed_variables.commit_hash }}"
    );
    let id = fake.insert_hook(1, hook);
    fake.add_delivery(&id, 201, 7);
    fake.add_delivery_without_commit(&id, 404, 8);
    let items = get(&fake, &format!("/hooks/outgoing/{id}/requests")).json();
    assert_eq!(
        items[0]["url"],
        "https://api.github.com/repos/o/r/statuses/"
    );
    assert_eq!(items[0]["action_id"], 8);
    assert_eq!(
        items[1]["url"],
        format!(
            "https://api.github.com/repos/o/r/statuses/{}",
            fake_devopness::FakeDevopness::commit_of(7)
        )
    );
}

#[test]
fn test_helpers_edit_and_remove() {
    let fake = fake_with_pipeline(1);
    let id = fake.insert_hook(
        1,
        json!({ "name": "seeded", "target_url": "https://x.test" }),
    );
    let hook = &fake.hooks(1)[0];
    assert_eq!(hook["name"], "seeded");
    assert_eq!(hook["type"], "out");
    assert_eq!(hook["pipeline_id"], 1);
    assert!(hook["created_at"].is_string());
    fake.edit_hook(&id, |h| h["settings"]["request_body"] = json!("{\"a\": 1}"));
    assert_eq!(
        get(&fake, &format!("/hooks/outgoing/{id}")).json()["settings"]["request_body"],
        "{\"a\": 1}"
    );
    fake.remove_hook(&id);
    assert!(fake.hooks(1).is_empty());
    fake.remove_hook(&id);
}

#[test]
fn records_requests() {
    let fake = fake_with_pipeline(1);
    let body = hook_body("a", "action.started");
    call(&fake, "POST", "/pipelines/1/hooks/outgoing", Some(&body));
    get(&fake, "/pipelines/1/hooks?page=1&per_page=5");
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].status, 201);
    assert!(requests[0].is_write());
    assert_eq!(requests[0].json(), Some(body));
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert_eq!(requests[1].path, "/pipelines/1/hooks");
    assert_eq!(requests[1].query.as_deref(), Some("page=1&per_page=5"));
    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[test]
fn concurrent_requests() {
    let fake = fake_with_pipeline(1);
    std::thread::scope(|s| {
        for t in 0..8 {
            let fake = &fake;
            s.spawn(move || {
                for i in 0..10 {
                    let reply = call(
                        fake,
                        "POST",
                        "/pipelines/1/hooks/outgoing",
                        Some(&hook_body(&format!("{t}-{i}"), "action.started")),
                    );
                    assert_eq!(reply.status, 201);
                }
            });
        }
    });
    assert_eq!(fake.hooks(1).len(), 80);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_and_stops_inside_a_tokio_runtime() {
    let fake = fake_with_pipeline(1);
    let addr = fake.addr();
    let status = tokio::task::spawn_blocking(move || {
        let reply = get(&fake, "/pipelines/1");
        drop(fake);
        reply.status
    })
    .await
    .expect("joined");
    assert_eq!(status, 200);
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "stopped on drop"
    );

    let fake = fake_with_pipeline(2);
    drop(fake); // dropping on a runtime thread must not panic either
}

#[test]
fn binds_loopback_only() {
    let addr: std::net::SocketAddr = "0.0.0.0:0".parse().expect("addr");
    assert!(FakeDevopness::start_on(addr, TOKEN).is_err());
}

//! Devopness's contract, end to end: the real binary, run the way the runner runs it, in
//! realistic runs (bootstrap, in sync, repair of drift, a long hook list, a check reading
//! delivery logs, remove, prune duplicates, each provider with extra headers), sends only
//! requests Devopness's published description allows (as `docs/devopness-api.md` corrects
//! it: method, path, parameters, the three required headers, bodies holding only declared
//! fields), and every answer the fake gave it fits that description (through
//! `openapi_contract`).

mod support;

use std::collections::BTreeSet;

use openapi_contract::{devopness, Request};
use support::*;

/// Runs the action against `fake` and checks every exchange of the run against the
/// description; returns the run and the operations it used.
fn run_checked(
    fake: &FakeDevopness,
    pipelines: &str,
    more: &[(&str, &str)],
) -> (RunResult, BTreeSet<String>) {
    fake.clear_requests();
    let run = apply(fake, pipelines, more);
    let exchanges = fake.exchanges();
    assert!(
        !exchanges.is_empty(),
        "the run sent nothing:\n{}",
        run.stdout
    );
    if let Err(problems) = devopness().check_exchanges(&exchanges, true) {
        panic!(
            "a request of the action, or an answer of the fake, departs from Devopness's openapi.json:\n{problems}\n\nthe run:\n{}",
            run.stdout
        );
    }
    // The one-time secret of each hook created is never shown.
    let written = run.everything_written();
    for e in &exchanges {
        let secret = e
            .response
            .as_ref()
            .and_then(|r| r.json())
            .and_then(|b| b.get("secret").and_then(Value::as_str).map(str::to_owned));
        if let Some(secret) = secret {
            assert!(
                !written.contains(&secret),
                "a hook's secret leaked:\n{written}"
            );
        }
    }
    let operations = exchanges
        .iter()
        .filter_map(|e| {
            let request = Request::recorded(&e.request);
            let found = devopness().find(request.method, request.path);
            found.ok().map(|(op, _)| op.id.clone())
        })
        .collect();
    (run, operations)
}

fn ids(operations: &[&str]) -> BTreeSet<String> {
    operations.iter().map(|s| s.to_string()).collect()
}

fn first_hook(fake: &FakeDevopness, pipeline: u64, event: &str) -> String {
    fake.hooks(pipeline)
        .into_iter()
        .find(|h| h["trigger_when"]["events"] == json!([event]))
        .and_then(|h| h["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no {event} hook on pipeline {pipeline}"))
}

#[test]
fn bootstrap_in_sync_and_repair_send_only_described_requests() {
    let fake = fake_with(&[1, 2]);
    let (run, ops) = run_checked(&fake, "1,2", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "6");
    // Before writing, each pipeline's own application says where its statuses go.
    assert_eq!(
        ops,
        ids(&[
            "addPipelineHook",
            "getApplication",
            "getPipeline",
            "listPipelineHooks"
        ])
    );

    let (run, ops) = run_checked(&fake, "1,2", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(ops, ids(&["listPipelineHooks"]), "in sync: reads only");

    // Drift: a body edited by hand, a hook deleted elsewhere; and more hooks than one page
    // holds, so the list is read by following its `Link`.
    let started = first_hook(&fake, 1, "action.started");
    fake.edit_hook(&started, |h| {
        h["settings"]["request_body"]["state"] = json!("success");
    });
    fake.remove_hook(&first_hook(&fake, 2, "action.failed"));
    for i in 0..120 {
        fake.insert_hook(
            2,
            json!({ "name": format!("someone else's {i}"), "target_url": "https://example.com/x" }),
        );
    }
    let (run, ops) = run_checked(&fake, "1,2", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!((run.output("updated"), run.output("created")), ("1", "1"));
    assert_eq!(
        ops,
        ids(&[
            "addPipelineHook",
            "getApplication",
            "getPipeline",
            "listPipelineHooks",
            "updateHook"
        ])
    );
    let second_page = fake.requests().iter().any(|r| {
        r.path == "/pipelines/2/hooks" && r.query.as_deref() == Some("page=2&per_page=100")
    });
    assert!(
        second_page,
        "123 hooks, 100 a page: the second page is read"
    );
}

#[test]
fn a_check_reading_delivery_logs_sends_only_described_requests() {
    let fake = fake_with(&[1]);
    assert_eq!(apply(&fake, "1", &[]).code, 0);
    fake.insert_incoming_hook(
        1,
        json!([{ "name": "commit_hash", "path": "pull_request.head.sha", "type": "string", "required": true }]),
    );
    // More deliveries than the check reads on a page: it reads the first and last pages.
    let started = first_hook(&fake, 1, "action.started");
    let count = u64::from(devopness_status_hooks::health::RECENT) + 3;
    for action in 0..count {
        // Some fail, the latest succeeds.
        let status = if action % 3 == 0 && action + 1 < count {
            422
        } else {
            201
        };
        fake.add_delivery(&started, status, action);
    }
    let (run, ops) = run_checked(&fake, "1", &[("mode", "check")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        ops,
        ids(&["listHookRequestsByHookType", "listPipelineHooks"])
    );
    let logs = fake
        .requests()
        .iter()
        .filter(|r| r.path == format!("/hooks/outgoing/{started}/requests"))
        .count();
    assert_eq!(logs, 2, "first and last page");
}

#[test]
fn pruning_and_removing_send_only_described_requests() {
    let fake = fake_with(&[1]);
    assert_eq!(apply(&fake, "1", &[]).code, 0);
    let mut duplicate = fake
        .hooks(1)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no hook"));
    duplicate.as_object_mut().map(|o| o.remove("id"));
    duplicate["name"] = json!("made by hand");
    fake.insert_hook(1, duplicate);

    let (run, ops) = run_checked(&fake, "1", &[("prune-duplicates", "true")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("deleted"), "1");
    assert_eq!(
        ops,
        ids(&[
            "deleteHook",
            "getApplication",
            "getPipeline",
            "listPipelineHooks"
        ])
    );

    let (run, ops) = run_checked(&fake, "1", &[("mode", "remove")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("deleted"), "3");
    // Removal reads the pipeline's application too: each provider names the status in
    // its own field.
    assert_eq!(
        ops,
        ids(&[
            "deleteHook",
            "getApplication",
            "getPipeline",
            "listPipelineHooks"
        ])
    );
}

#[test]
fn each_provider_s_hooks_are_described_requests() {
    let extra = "X-Team: platform\nX-Trace-Id: 7f3a9c";
    for (provider, repository) in [
        ("github", REPO),
        ("gitlab", "my-group/sub/my-app"),
        ("bitbucket", "my-team/my-app"),
    ] {
        let fake = fake_with(&[1]);
        let inputs = [
            ("provider", provider),
            ("repository", repository),
            ("extra-headers", extra),
            ("only-when-commit", "true"),
        ];
        let (run, _) = run_checked(&fake, "1", &inputs);
        assert_eq!(run.code, 0, "{provider}: {}", run.stdout);
        assert_eq!(run.output("created"), "3", "{provider}");
        // A hand edit of the provider's body, repaired with a PUT repeating id and name.
        let failed = first_hook(&fake, 1, "action.failed");
        fake.edit_hook(&failed, |h| h["settings"]["request_headers"] = json!([]));
        let (run, ops) = run_checked(&fake, "1", &inputs);
        assert_eq!(run.output("updated"), "1", "{provider}: {}", run.stdout);
        assert!(ops.contains("updateHook"), "{provider}");
    }
}

/// The check above is live on what a real run records: the same run, with one request or
/// answer altered, is refused.
#[test]
fn a_departure_in_a_real_run_is_seen() {
    let fake = fake_with(&[1]);
    let (run, _) = run_checked(&fake, "1", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let exchanges = fake.exchanges();
    let create = exchanges
        .iter()
        .position(|e| e.request.method == "POST")
        .unwrap_or_else(|| panic!("no create"));
    let refused = |alter: &dyn Fn(&mut fake_devopness::Exchange)| {
        let mut altered = exchanges.clone();
        alter(&mut altered[create]);
        match devopness().check_exchanges(&altered, true) {
            Ok(_) => panic!("an altered run passed"),
            Err(problems) => problems,
        }
    };
    let found = refused(&|e| e.request.headers.retain(|(n, _)| n != "content-type"));
    assert!(
        found.contains("required header `Content-Type` is missing"),
        "{found}"
    );
    let found = refused(&|e| e.request.body = e.request.body.replace("\"target_url\"", "\"url\""));
    assert!(found.contains("('url' was unexpected)"), "{found}");
    let found = refused(&|e| e.request.method = "PUT".into());
    assert!(
        found.contains("no operation in the spec is PUT /pipelines/1/hooks/outgoing"),
        "{found}"
    );
    let found = refused(&|e| {
        if let Some(r) = e.response.as_mut() {
            r.body = r.body.replacen("\"active\":true", "\"active\":\"yes\"", 1);
        }
    });
    assert!(found.contains("201 response body: at /active"), "{found}");
}

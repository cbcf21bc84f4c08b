//! `mode: check` (read only, drift report, exit codes, delivery health),
//! `mode: remove`, `dry-run` and `prune-duplicates`.

mod support;
use support::*;

const CONTEXT: &str = "ci/devopness(build)";

fn check(fake: &FakeDevopness, pipelines: &str, more: &[(&str, &str)]) -> RunResult {
    let mut inputs = more.to_vec();
    inputs.push(("mode", "check"));
    apply(fake, pipelines, &inputs)
}

fn hook_of(fake: &FakeDevopness, pipeline: u64, event: &str) -> Value {
    fake.hooks(pipeline)
        .into_iter()
        .find(|h| h["trigger_when"]["events"] == json!([event]) && body_of(h)["context"] == CONTEXT)
        .unwrap_or_else(|| panic!("no {event} hook"))
}

fn id_of(hook: &Value) -> String {
    hook["id"].as_str().unwrap_or_default().to_owned()
}

fn result_of(run: &RunResult, pipeline: u64, event: &str) -> Value {
    run.hooks()
        .into_iter()
        .find(|h| h["pipeline_id"] == pipeline && h["event"] == event)
        .unwrap_or_else(|| panic!("no entry for {pipeline} {event}"))
}

/// A pipeline with its three hooks, each delivered successfully once.
fn in_sync(pipelines: &[u64]) -> FakeDevopness {
    let fake = fake_with(pipelines);
    let list = pipelines
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(apply(&fake, &list, &[]).code, 0);
    for p in pipelines {
        fake.insert_incoming_hook(*p, json!([{"name": "commit_hash", "path": "pull_request.head.sha", "type": "string", "required": true}]));
        for h in fake.hooks(*p) {
            fake.add_delivery(h["id"].as_str().unwrap_or_default(), 201, 1);
        }
    }
    fake.clear_requests();
    fake
}

#[test]
fn in_sync_exits_0_and_reads_only() {
    let fake = in_sync(&[1, 2]);
    let run = check(&fake, "1,2", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("drift"), "false");
    assert_eq!(
        (
            run.output("missing"),
            run.output("drifted"),
            run.output("duplicates")
        ),
        ("0", "0", "0")
    );
    assert!(run
        .hooks()
        .iter()
        .all(|h| h["result"] == "ok" && h["delivery"]["last_status"] == 201));
    assert!(writes(&fake).is_empty());
    assert!(run.summary.contains("**In sync**"), "{}", run.summary);
    assert!(
        run.summary.contains("| action.started |") && run.summary.contains("| ok | 201 |"),
        "{}",
        run.summary
    );
}

#[test]
fn each_kind_of_drift_is_found_and_nothing_is_written() {
    let fake = in_sync(&[1]);
    let started = hook_of(&fake, 1, "action.started");
    fake.edit_hook(&id_of(&started), |h| {
        h["settings"]["request_body"]["description"] = json!("typo'd by hand");
        h["settings"]["request_headers"][0]["value"] = json!("Bearer hard-coded-secret-value");
    });
    fake.remove_hook(&id_of(&hook_of(&fake, 1, "action.failed")));
    let completed = hook_of(&fake, 1, "action.completed");
    let mut copy = completed.clone();
    copy.as_object_mut().map(|o| o.remove("id"));
    fake.insert_hook(1, copy);
    fake.clear_requests();

    let run = check(&fake, "1", &[]);
    assert_eq!(
        run.code, 2,
        "drift with fail-on-drift exits 2:\n{}",
        run.stdout
    );
    assert_eq!(run.output("drift"), "true");
    assert_eq!(
        (
            run.output("missing"),
            run.output("drifted"),
            run.output("duplicates")
        ),
        ("1", "1", "1")
    );
    assert_eq!(result_of(&run, 1, "action.started")["result"], "drifted");
    assert_eq!(
        result_of(&run, 1, "action.started")["differences"],
        json!(["header.authorization", "body.description"])
    );
    assert_eq!(result_of(&run, 1, "action.failed")["result"], "missing");
    assert_eq!(
        result_of(&run, 1, "action.completed")["result"],
        "duplicate"
    );
    // Read only: the fake saw no write at all.
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    // Old and new values readable, header values elided.
    assert!(
        run.summary
            .contains("`body.description`: typo'd by hand &rarr; Deploy started on Devopness"),
        "{}",
        run.summary
    );
    assert!(run
        .summary
        .contains("`header.authorization`: (set) &rarr; (set)"));
    assert!(!run.everything_written().contains("hard-coded-secret-value"));
    let warnings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::warning"))
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("missing")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("drifted")),
        "{warnings:?}"
    );
    assert!(run.stdout.contains("::group::Pipeline 1"));

    let lenient = check(&fake, "1", &[("fail-on-drift", "false")]);
    assert_eq!(lenient.code, 0);
    assert_eq!(lenient.output("drift"), "true");
}

#[test]
fn errors_exit_1_even_with_drift() {
    let fake = in_sync(&[1]);
    fake.remove_hook(&id_of(&hook_of(&fake, 1, "action.failed")));
    let run = check(&fake, "1,404", &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.errors().iter().any(|e| e.contains("pipeline 404")));
}

#[test]
fn failing_deliveries_are_diagnosed_and_count_as_drift() {
    let fake = in_sync(&[1]);
    for (event, status) in [
        ("action.started", 401),
        ("action.failed", 404),
        ("action.completed", 422),
    ] {
        fake.add_delivery(&id_of(&hook_of(&fake, 1, event)), status, 2);
    }
    let run = check(&fake, "1", &[]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(run.output("unhealthy"), "3");
    let started = result_of(&run, 1, "action.started");
    // Correct, but statuses do not arrive: the result says so everywhere.
    assert_eq!(started["result"], "failing");
    assert_eq!(started["delivery"]["last_status"], 401);
    assert!(started["delivery"]["cause"]
        .as_str()
        .is_some_and(|c| c.contains("statuses")));
    assert!(result_of(&run, 1, "action.failed")["delivery"]["cause"]
        .as_str()
        .is_some_and(|c| c.contains("commit hash")));
    assert!(result_of(&run, 1, "action.completed")["delivery"]["cause"]
        .as_str()
        .is_some_and(|c| c.contains("body")));
    assert!(
        run.summary
            .contains("| failing | 401 (1 of last 2 failed) |"),
        "{}",
        run.summary
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("action.started: failing (hook ")),
        "{}",
        run.stdout
    );

    // Without delivery checks the hooks are in sync and no log is read.
    fake.clear_requests();
    let run = check(&fake, "1", &[("check-deliveries", "false")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(fake
        .requests()
        .iter()
        .all(|r| !r.path.ends_with("/requests")));
}

#[test]
fn the_headline_counts_the_pipelines_with_drift() {
    let fake = in_sync(&[1, 2, 3]);
    fake.remove_hook(&id_of(&hook_of(&fake, 2, "action.failed")));
    let run = check(&fake, "1,2,3", &[]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.summary
            .contains("**Drift found** on 1 of 3 pipeline(s): 1 missing,"),
        "{}",
        run.summary
    );

    // A failing delivery on another pipeline is drift there too.
    let completed = id_of(&hook_of(&fake, 3, "action.completed"));
    fake.add_delivery(&completed, 401, 1);
    let run = check(&fake, "1,2,3", &[]);
    assert!(
        run.summary
            .contains("**Drift found** on 2 of 3 pipeline(s):"),
        "{}",
        run.summary
    );
}

#[test]
fn a_pipeline_without_a_commit_hash_variable_is_warned_about() {
    let fake = fake_with(&[1]);
    fake.insert_incoming_hook(1, json!([{"name": "source_ref", "path": "pull_request.head.ref", "type": "string", "required": false}]));
    let run = apply(&fake, "1", &[]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("::warning title=Pipeline 1::") && l.contains("commit_hash")),
        "{}",
        run.stdout
    );
    assert!(run.summary.contains("**Warning**"));
}

#[test]
fn remove_deletes_only_the_managed_hooks() {
    let fake = in_sync(&[1]);
    let foreign = fake.insert_hook(
        1,
        json!({"name": "slack", "action_type": "deploy", "target_url": "https://hooks.slack.com/x",
               "trigger_when": {"events": ["action.started"]}, "settings": {"request_body": {"context": "other"}}}),
    );
    let before = fake.hooks(1).len();
    let dry = apply(&fake, "1", &[("mode", "remove"), ("dry-run", "true")]);
    assert_eq!(dry.code, 0, "{}", dry.stdout);
    assert!(writes(&fake).is_empty());
    assert_eq!(fake.hooks(1).len(), before);
    assert!(dry.hooks().iter().all(|h| h["result"] == "would-delete"));

    let run = apply(&fake, "1", &[("mode", "remove")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("deleted"), "3");
    let left: Vec<String> = fake.hooks(1).iter().map(id_of).collect();
    assert_eq!(left, vec![foreign]);
    assert!(writes(&fake).iter().all(|r| r.method == "DELETE"));

    let again = apply(&fake, "1", &[("mode", "remove")]);
    assert_eq!(again.code, 0);
    assert!(again.hooks().iter().all(|h| h["result"] == "absent"));
}

#[test]
fn dry_run_apply_prints_the_plan_and_writes_nothing() {
    let fake = fake_with(&[1]);
    fake.seed_guide_hooks(1, REPO);
    let guide_failed = id_of(&hook_of(&fake, 1, "action.failed"));
    fake.remove_hook(&guide_failed);
    fake.clear_requests();
    let run = apply(&fake, "1", &[("dry-run", "true")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(writes(&fake).is_empty());
    assert_eq!(
        result_of(&run, 1, "action.failed")["result"],
        "would-create"
    );
    assert_eq!(
        result_of(&run, 1, "action.started")["result"],
        "would-update"
    );
    assert_eq!(run.output("changed"), "false");
    assert!(
        run.stdout.contains("request body (create):"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"state\": \"failure\""),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("::notice::dry run"));
}

#[test]
fn duplicates_are_reported_or_pruned() {
    let fake = in_sync(&[1]);
    let started = hook_of(&fake, 1, "action.started");
    let mut hand_made = started.clone();
    hand_made.as_object_mut().map(|o| o.remove("id"));
    hand_made["name"] = json!("made by hand");
    let extra = fake.insert_hook(1, hand_made);
    fake.clear_requests();

    let run = apply(&fake, "1", &[]);
    assert_eq!(run.code, 0);
    assert_eq!(run.output("duplicates"), "1");
    assert!(
        writes(&fake).is_empty(),
        "a non-exact duplicate is left alone without prune-duplicates"
    );
    assert!(run
        .stdout
        .lines()
        .any(|l| l.starts_with("::warning") && l.contains(&extra)));

    let run = apply(&fake, "1", &[("prune-duplicates", "true")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("deleted"), "1");
    assert_eq!(
        result_of(&run, 1, "action.started")["hook_id"],
        id_of(&started).as_str()
    );
    assert!(fake.hooks(1).iter().all(|h| h["id"] != extra.as_str()));
    assert_eq!(hooks_with_context(&fake, 1, CONTEXT).len(), 3);
}

#[test]
fn mode_specific_inputs_are_checked() {
    let fake = fake_with(&[1]);
    for (inputs, input) in [
        (
            vec![("drift-issue", "true"), ("mode", "check")],
            "github-token",
        ),
        (
            vec![
                ("drift-issue", "true"),
                ("github-token", "ghs_0123456789abcdef"),
            ],
            "drift-issue",
        ),
        (vec![("dry-run", "maybe")], "dry-run"),
        (vec![("fail-on-drift", "no")], "fail-on-drift"),
        (vec![("timeout-seconds", "0")], "timeout-seconds"),
        (
            vec![("ca-certificate", "not a certificate")],
            "ca-certificate",
        ),
    ] {
        let run = apply(&fake, "1", &inputs);
        assert_eq!(run.code, 1, "{inputs:?}");
        assert!(
            run.errors()
                .iter()
                .any(|e| e.contains(&format!("input `{input}`"))),
            "{inputs:?}: {}",
            run.stdout
        );
    }
    assert!(fake.requests().is_empty());
}

#[test]
fn text_from_the_api_cannot_forge_workflow_commands() {
    let fake = in_sync(&[1]);
    let started = hook_of(&fake, 1, "action.started");
    fake.edit_hook(&id_of(&started), |h| {
        h["settings"]["request_body"]["description"] = json!("x ##[stop-commands]zz");
        h["name"] = json!("::error::forged");
    });
    let run = check(&fake, "1", &[]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    for line in run.stdout.lines() {
        assert!(!line.contains("##[stop-commands]"), "forged: {line}");
        let t = line.trim_start();
        assert!(!t.starts_with("::error::forged"), "forged: {line}");
    }
    assert!(run.stdout.contains("##%5Bstop-commands]"));
}

#[test]
fn a_run_that_cannot_write_its_outputs_fails() {
    let fake = fake_with(&[1]);
    let dir = tempfile::tempdir().expect("tempdir");
    let not_a_file = dir.path().to_string_lossy().into_owned();
    let run = apply_with_env(&fake, "1", &[], &[("GITHUB_OUTPUT", not_a_file.as_str())]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.errors().iter().any(|e| e.contains("step outputs")),
        "{}",
        run.stdout
    );
}

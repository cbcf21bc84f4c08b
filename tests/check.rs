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
        .is_some_and(|c| c.contains(REPO) && c.contains(&FakeDevopness::commit_of(2))));
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

fn notices(run: &RunResult) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| l.starts_with("::notice"))
        .collect()
}

fn warnings(run: &RunResult) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| l.starts_with("::warning"))
        .collect()
}

/// A deploy started by hand carries no commit: its status URL has no SHA and the
/// provider answers 404. That says nothing about the hooks: ignored, with a note.
#[test]
fn a_deploy_started_by_hand_is_ignored_with_a_note() {
    let fake = in_sync(&[1]);
    for event in ["action.started", "action.failed"] {
        fake.add_delivery_without_commit(&id_of(&hook_of(&fake, 1, event)), 404, 2);
    }
    let run = check(&fake, "1", &[]);
    assert_eq!(run.code, 0, "{}", show(&run));
    assert_eq!(
        (run.output("drift"), run.output("unhealthy")),
        ("false", "0")
    );
    let started = result_of(&run, 1, "action.started");
    assert_eq!(started["result"], "ok");
    // Judged by its latest delivery that carried a commit.
    assert_eq!(started["delivery"]["last_status"], 201);
    assert_eq!(started["delivery"]["ignored"], 1);
    assert_eq!(started["delivery"]["failing"], false);
    assert_eq!(
        result_of(&run, 1, "action.completed")["delivery"]["ignored"],
        0
    );
    // Said as a note, never as a warning.
    assert!(warnings(&run).is_empty(), "{}", run.stdout);
    assert!(
        notices(&run).iter().any(|n| n.contains("Pipeline 1")
            && n.contains("2 deliveries")
            && n.contains("by hand")),
        "{}",
        run.stdout
    );
    assert!(run.summary.contains("**In sync**"), "{}", run.summary);
    assert!(
        run.summary.contains("> **Note**: 2 deliveries"),
        "{}",
        run.summary
    );
}

/// A failure followed by a later successful delivery of the same pipeline, by any of its
/// three hooks, is stale: the credential works again.
#[test]
fn a_failure_the_pipeline_delivered_past_is_stale() {
    let fake = in_sync(&[1]);
    let hook = |event| id_of(&hook_of(&fake, 1, event));
    // Deploy 2: the provider refused the token on start and on failure...
    fake.add_delivery(&hook("action.started"), 401, 2);
    fake.add_delivery(&hook("action.failed"), 401, 2);
    // ... the source provider was reconnected, and deploy 3 went through.
    fake.add_delivery(&hook("action.started"), 201, 3);
    fake.add_delivery(&hook("action.completed"), 201, 3);
    let run = check(&fake, "1", &[]);
    assert_eq!(run.code, 0, "{}", show(&run));
    assert_eq!(run.output("unhealthy"), "0");
    let failed = result_of(&run, 1, "action.failed");
    assert_eq!(failed["result"], "ok");
    assert_eq!(failed["delivery"]["last_status"], 401);
    assert_eq!(failed["delivery"]["failing"], false);
    assert_eq!(failed["delivery"]["stale"], true);
    assert!(warnings(&run).is_empty(), "{}", run.stdout);
    assert!(run.summary.contains("**In sync**"), "{}", run.summary);
}

/// The pipeline's latest delivery with a commit failed: unhealthy, and drift for the
/// exit status; but no write can fix it, so its advice names what to do elsewhere and
/// never suggests apply.
#[test]
fn a_current_credential_failure_is_unhealthy_and_its_fix_is_outside_this_action() {
    let fake = in_sync(&[1]);
    let hook = |event| id_of(&hook_of(&fake, 1, event));
    fake.add_delivery(&hook("action.started"), 401, 2);
    fake.add_delivery(&hook("action.failed"), 401, 2);
    let run = check(&fake, "1", &[]);
    assert_eq!(run.code, 2, "{}", show(&run));
    assert_eq!(run.output("unhealthy"), "2");
    let started = result_of(&run, 1, "action.started");
    assert_eq!(started["result"], "failing");
    assert_eq!(started["delivery"]["stale"], false);
    let cause = started["delivery"]["cause"].as_str().unwrap_or_default();
    assert!(
        cause.contains("reconnect the source provider in Devopness")
            && cause.contains("outside this action"),
        "{cause}"
    );
    // Its completed hook last succeeded: it is not failing, the pipeline is.
    assert_eq!(result_of(&run, 1, "action.completed")["result"], "ok");
    assert!(
        run.summary
            .contains("reconnect the source provider in Devopness"),
        "{}",
        run.summary
    );
    for (what, text) in [("summary", &run.summary), ("log", &run.stdout)] {
        assert!(
            !text.to_lowercase().contains("apply"),
            "the {what} suggests apply for a failing delivery:\n{text}"
        );
    }
}

/// A 404 or 422 to a status request that carried a commit: the advice names the
/// repository the statuses go to and the commit, and asks whether it is the
/// application's repository.
#[test]
fn a_rejected_commit_names_the_repository_and_the_commit() {
    let fake = in_sync(&[1]);
    let hook = |event| id_of(&hook_of(&fake, 1, event));
    fake.add_delivery(&hook("action.started"), 404, 5);
    fake.add_delivery(&hook("action.failed"), 422, 5);
    let run = check(&fake, "1", &[]);
    assert_eq!(run.code, 2, "{}", show(&run));
    let commit = FakeDevopness::commit_of(5);
    for event in ["action.started", "action.failed"] {
        let cause = result_of(&run, 1, event)["delivery"]["cause"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            cause.contains(&format!("`{REPO}`"))
                && cause.contains(&commit)
                && cause.contains("the application's repository"),
            "{event}: {cause}"
        );
        assert!(!cause.contains("apply"), "{cause}");
    }
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
    let warning = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning title=Pipeline 1::") && l.contains("commit_hash"))
        .unwrap_or_else(|| panic!("no commit_hash warning:\n{}", run.stdout));
    // A push has no pull request: the hint names the push's commit too.
    assert!(
        warning.contains("`after`")
            && warning.contains("`head_commit.id`")
            && warning.contains("`pull_request.head.sha`"),
        "{warning}"
    );
    assert!(run.summary.contains("**Warning**"));

    // GitLab names its own push and merge request fields.
    let run = apply(
        &fake,
        "1",
        &[("provider", "gitlab"), ("repository", "group/app")],
    );
    assert_eq!(run.code, 0, "{}", show(&run));
    let warning = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning title=Pipeline 1::") && l.contains("commit_hash"))
        .unwrap_or_else(|| panic!("no commit_hash warning:\n{}", run.stdout));
    assert!(
        warning.contains("`checkout_sha`")
            && warning.contains("`object_attributes.last_commit.id`")
            && !warning.contains("pull_request.head.sha"),
        "{warning}"
    );
}

const URL_SECRET: &str = "ghp_urlSECRET0a1b2c3d";
const LINK_SECRET: &str = "glpat-linkSECRET4e5f";
const HEADER_SECRET: &str = "hdrSECRET6a7b8c9d";
const BODY_SECRET: &str = "bodySECRET0e1f2a3b";
const NESTED_SECRET: &str = "nestedSECRET4c5d6e";

/// A hook made by hand with tokens in its URL, a header, its body and its link.
fn hand_made_with_secrets(fake: &FakeDevopness, pipeline: u64) -> String {
    let sha = "{{ action.triggered_from.hook_parsed_variables.commit_hash }}";
    fake.insert_hook(
        pipeline,
        json!({
            "name": "status by hand",
            "action_type": "deploy",
            "target_url": format!("https://api.github.com/repos/{REPO}/statuses/{sha}?access_token={URL_SECRET}"),
            "trigger_when": {"events": ["action.started"]},
            "settings": {
                "request_headers": [
                    {"name": "Authorization", "value": "Bearer {{ application.source_provider.access_token }}"},
                    {"name": "X-Api-Key", "value": HEADER_SECRET},
                ],
                "request_body": {
                    "state": "pending",
                    "context": CONTEXT,
                    "target_url": format!("https://ci.example/runs?private_token={LINK_SECRET}&run=1"),
                    "token": BODY_SECRET,
                    "extra": {"signing": {"password": NESTED_SECRET}},
                    // A plainly named field holding a known secret (the API token).
                    "note": format!("sent with {TOKEN}"),
                },
            },
        }),
    )
}

#[test]
fn secrets_in_an_adopted_hooks_old_values_are_never_printed() {
    use fake_github::FakeGitHub;
    const GH_TOKEN: &str = "ghs_issue_token_5e6f7a";
    let fake = fake_with(&[1]);
    let hand_made = hand_made_with_secrets(&fake, 1);
    let github = FakeGitHub::start(GH_TOKEN);
    github.add_repo("octo-org", "my-app");
    let secrets = [
        URL_SECRET,
        LINK_SECRET,
        HEADER_SECRET,
        BODY_SECRET,
        NESTED_SECRET,
        TOKEN,
    ];
    let leaked = |what: &str, text: &str| {
        for secret in secrets {
            assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
        }
    };

    let run = check_with_drift_issue(&fake, 1, (&github.base_url(), GH_TOKEN), &[], &[]);
    assert_eq!(run.code, 2, "{}", show(&run));
    let started = result_of(&run, 1, "action.started");
    assert_eq!(started["result"], "drifted");
    assert_eq!(started["hook_id"], hand_made.as_str());
    leaked("check", &run.everything_written());
    let issues = github.issues("octo-org", "my-app");
    assert_eq!(issues.len(), 1);
    leaked("the drift issue", &issues[0].to_string());
    // What differs is still said, the secret part redacted.
    assert!(
        run.summary.contains("?access_token=(redacted)"),
        "{}",
        run.summary
    );
    assert!(
        run.summary.contains("private_token=(redacted)&amp;run=1"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("`body.token`: (redacted) &rarr; (absent)"),
        "{}",
        run.summary
    );

    let run = apply(&fake, "1", &[]);
    assert_eq!(run.code, 0, "{}", show(&run));
    assert_eq!(run.output("updated"), "1");
    assert!(
        run.stdout.contains("access_token=(redacted)"),
        "{}",
        run.stdout
    );
    leaked("apply", &run.everything_written());
    // Repaired: the hook holds none of them any more.
    leaked(
        "the repaired hook",
        &hook_of(&fake, 1, "action.started").to_string(),
    );
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

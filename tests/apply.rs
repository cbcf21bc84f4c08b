//! The action end to end in `apply` mode: the real binary, run the way the runner
//! runs it, against the stateful fake Devopness API.

mod support;
use support::*;

const CONTEXT: &str = "ci/devopness(build)";
const SHA: &str = "{{ action.triggered_from.hook_parsed_variables.commit_hash }}";

fn methods(fake: &FakeDevopness) -> Vec<String> {
    fake.requests().iter().map(|r| r.method.clone()).collect()
}

/// `METHOD route` of every request, in the order the fake answered them.
fn routes(fake: &FakeDevopness) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.route()))
        .collect()
}

#[test]
fn first_run_creates_the_three_status_hooks_exactly_as_github_needs_them() {
    let fake = fake_with(&[123]);
    let run = apply(&fake, "123", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "3");
    assert_eq!(run.output("updated"), "0");
    assert_eq!(run.output("unchanged"), "0");
    assert_eq!(run.output("changed"), "true");
    // One list; before writing, the pipeline and its application (where its statuses
    // go); three creates; and the list that verifies no concurrent run created the
    // same hooks.
    assert_eq!(
        routes(&fake),
        [
            "GET /pipelines/123/hooks",
            "GET /pipelines/123",
            "GET /applications/90123",
            "POST /pipelines/123/hooks/outgoing",
            "POST /pipelines/123/hooks/outgoing",
            "POST /pipelines/123/hooks/outgoing",
            "GET /pipelines/123/hooks",
        ]
    );

    let hooks = fake.hooks(123);
    assert_eq!(hooks.len(), 3);
    for (event, state) in [
        ("action.started", "pending"),
        ("action.failed", "failure"),
        ("action.completed", "success"),
    ] {
        let hook = hooks
            .iter()
            .find(|h| h["trigger_when"]["events"] == json!([event]))
            .unwrap_or_else(|| panic!("no hook for {event}: {hooks:?}"));
        assert_eq!(hook["action_type"], "deploy");
        assert_eq!(hook["active"], true);
        assert_eq!(
            hook["target_url"],
            format!("https://api.github.com/repos/{REPO}/statuses/{SHA}")
        );
        assert_eq!(
            hook["settings"]["request_headers"],
            json!([
                {"name": "Authorization", "value": "Bearer {{ application.source_provider.access_token }}"},
                {"name": "Accept", "value": "application/vnd.github+json"},
                {"name": "X-GitHub-Api-Version", "value": "2022-11-28"},
                {"name": "User-Agent", "value": "devopness-status-hooks"},
                {"name": "Content-Type", "value": "application/json"},
            ])
        );
        let body = body_of(hook);
        assert_eq!(body["state"], state);
        assert_eq!(body["context"], CONTEXT);
        assert_eq!(
            body["target_url"],
            "https://app.devopness.com/actions/{{ action.id }}"
        );
        assert!(body["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty() && d.len() <= 140));
        let name = hook["name"].as_str().unwrap_or_default();
        assert!(name.len() <= 60 && name.contains(CONTEXT), "{name}");
    }

    // The hooks output names what was made.
    let out = run.hooks();
    assert_eq!(out.len(), 3);
    for entry in &out {
        assert_eq!(entry["pipeline_id"], 123);
        assert_eq!(entry["result"], "created");
        let id = entry["hook_id"].as_str().unwrap_or_default();
        assert!(hooks.iter().any(|h| h["id"] == id), "{id} not in the API");
    }
    assert!(run.summary.contains("### Pipeline 123"), "{}", run.summary);
    assert!(
        run.summary.contains("| action.started | "),
        "{}",
        run.summary
    );
}

#[test]
fn a_second_run_writes_nothing_and_costs_one_request() {
    let fake = fake_with(&[5]);
    assert_eq!(apply(&fake, "5", &[]).code, 0);
    fake.clear_requests();
    let run = apply(&fake, "5", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("unchanged"), "3");
    assert_eq!(run.output("changed"), "false");
    assert_eq!(methods(&fake), vec!["GET"]);
}

#[test]
fn in_sync_also_when_the_api_returns_bodies_as_strings() {
    let fake = fake_with(&[5]);
    assert_eq!(apply(&fake, "5", &[]).code, 0);
    fake.set_request_body_as_string(true);
    fake.clear_requests();
    let run = apply(&fake, "5", &[]);
    assert_eq!(run.output("unchanged"), "3", "{}", run.stdout);
    assert!(writes(&fake).is_empty());
}

#[test]
fn a_deleted_hook_is_recreated() {
    let fake = fake_with(&[9]);
    apply(&fake, "9", &[]);
    let failed = fake
        .hooks(9)
        .into_iter()
        .find(|h| h["trigger_when"]["events"] == json!(["action.failed"]))
        .expect("failed hook");
    fake.remove_hook(failed["id"].as_str().unwrap_or_default());
    fake.clear_requests();

    let run = apply(&fake, "9", &[]);
    assert_eq!(run.code, 0);
    assert_eq!((run.output("created"), run.output("unchanged")), ("1", "2"));
    // The list, the pipeline's application (before the write), the create, the
    // verifying list.
    assert_eq!(methods(&fake), vec!["GET", "GET", "GET", "POST", "GET"]);
    assert_eq!(fake.hooks(9).len(), 3);
    let recreated = run
        .hooks()
        .into_iter()
        .find(|h| h["event"] == "action.failed")
        .expect("entry");
    assert_eq!(recreated["result"], "created");
}

#[test]
fn an_edited_hook_is_repaired_with_one_put() {
    let fake = fake_with(&[9]);
    apply(&fake, "9", &[]);
    let started = fake
        .hooks(9)
        .into_iter()
        .find(|h| h["trigger_when"]["events"] == json!(["action.started"]))
        .expect("started hook");
    let id = started["id"].as_str().unwrap_or_default().to_owned();
    fake.edit_hook(&id, |h| {
        h["settings"]["request_body"]["description"] = json!("edited by hand");
        h["active"] = json!(false);
    });
    fake.clear_requests();

    let run = apply(&fake, "9", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!((run.output("updated"), run.output("unchanged")), ("1", "2"));
    let w = writes(&fake);
    assert_eq!(w.len(), 1);
    assert_eq!(
        (w[0].method.as_str(), w[0].path.clone()),
        ("PUT", format!("/hooks/outgoing/{id}"))
    );
    let repaired = fake
        .hooks(9)
        .into_iter()
        .find(|h| h["id"] == id.as_str())
        .expect("hook");
    assert_eq!(repaired["active"], true);
    assert_eq!(
        body_of(&repaired)["description"],
        "Deploy started on Devopness"
    );
    assert!(
        run.summary.contains("`active`: false &rarr; true"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("`body.description`: edited by hand &rarr; Deploy started on Devopness"),
        "{}",
        run.summary
    );

    fake.clear_requests();
    assert_eq!(apply(&fake, "9", &[]).output("unchanged"), "3");
    assert!(writes(&fake).is_empty());
}

#[test]
fn hooks_made_by_hand_from_the_guide_are_adopted_not_duplicated() {
    let fake = fake_with(&[77]);
    let guide = fake.seed_guide_hooks(77, REPO);
    let run = apply(&fake, "77", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!((run.output("created"), run.output("updated")), ("0", "3"));
    let ours = hooks_with_context(&fake, 77, CONTEXT);
    assert_eq!(ours.len(), 3);
    let mut ids: Vec<String> = ours
        .iter()
        .map(|h| h["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut guide = guide;
    ids.sort();
    guide.sort();
    assert_eq!(
        ids, guide,
        "the guide's hooks were replaced instead of adopted"
    );
}

#[test]
fn more_than_a_hundred_unrelated_hooks_are_paged_through_and_left_alone() {
    let fake = fake_with(&[3]);
    for i in 0..150 {
        fake.insert_hook(
            3,
            json!({
                "name": format!("slack {i}"),
                "action_type": "deploy",
                "target_url": "https://hooks.slack.com/services/x",
                "trigger_when": {"events": ["action.started"]},
                "settings": {"request_body": {"text": "deploy", "context": "other/context"}},
            }),
        );
    }
    let before = fake.hooks(3);
    let run = apply(&fake, "3", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "3");
    let gets: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.route() == "/pipelines/3/hooks")
        .collect();
    // 150 hooks at 100 a page is two pages; read twice (plan, then verify).
    assert_eq!(gets.len(), 4);
    assert!(gets.iter().all(|r| r
        .query
        .as_deref()
        .is_some_and(|q| q.contains("per_page=100"))));
    let after = fake.hooks(3);
    assert_eq!(after.len(), 153);
    assert_eq!(&after[..150], &before[..]);

    fake.clear_requests();
    assert_eq!(apply(&fake, "3", &[]).output("unchanged"), "3");
    assert!(writes(&fake).is_empty());
}

/// Pages are read one after another: a hook created concurrently ahead of the next
/// page shifts it, and the previous page's last hook is listed again. That is one hook,
/// not two: nothing is deleted, nothing reported as a duplicate.
#[test]
fn a_hook_listed_again_on_the_next_page_is_one_hook_and_never_deleted() {
    let fake = fake_with(&[3]);
    for i in 0..99 {
        fake.insert_hook(
            3,
            json!({
                "name": format!("slack {i}"),
                "action_type": "deploy",
                "target_url": "https://hooks.slack.com/services/x",
                "trigger_when": {"events": ["action.started"]},
                "settings": {"request_body": {"text": "deploy", "context": "other/context"}},
            }),
        );
    }
    assert_eq!(apply(&fake, "3", &[]).output("created"), "3");
    // The first hook created is the 100th: the last of page 1, and again first of page 2.
    // (The three creates go together, so which event it is for is not fixed.)
    let boundary = fake.hooks(3)[99].clone();
    let event = boundary["trigger_when"]["events"][0].clone();
    assert!(boundary["name"]
        .as_str()
        .is_some_and(|n| n.starts_with(CONTEXT)));
    let shift = || {
        Fault::once(FaultKind::ShiftedPage)
            .times(2)
            .method("GET")
            .path_contains("/pipelines/3/hooks")
    };
    for mode in ["apply", "check"] {
        fake.clear_requests();
        fake.inject(shift());
        let run = apply(&fake, "3", &[("mode", mode), ("check-deliveries", "false")]);
        assert_eq!(run.code, 0, "{mode}: {}", show(&run));
        assert_eq!(run.output("duplicates"), "0", "{mode}: {}", run.stdout);
        assert_eq!(run.output("deleted"), "0", "{mode}");
        assert!(writes(&fake).is_empty(), "{mode}: {:?}", writes(&fake));
        let entry = run
            .hooks()
            .into_iter()
            .find(|h| h["event"] == event)
            .expect("an entry for the repeated hook's event");
        assert_eq!(entry["hook_id"], boundary["id"], "{mode}");
        assert!(entry.get("duplicates").is_none(), "{mode}: {entry}");
        // The fault was served: both pages were read, and both held the hook.
        let id = boundary["id"].as_str().expect("hook id");
        let pages: Vec<String> = fake
            .exchanges()
            .into_iter()
            .filter(|e| e.request.method == "GET" && e.request.path == "/pipelines/3/hooks")
            .filter_map(|e| e.response.map(|r| r.body))
            .collect();
        assert_eq!(pages.len(), 2, "{mode}");
        for page in &pages {
            assert!(page.contains(&format!("\"id\":\"{id}\"")), "{mode}: {page}");
        }
    }
    assert_eq!(fake.hooks(3).len(), 102);
}

#[test]
fn one_failing_pipeline_does_not_stop_the_others() {
    let fake = fake_with(&[1, 2]);
    fake.forbid_pipeline(4);
    let run = apply(&fake, "1, 3\n2 4", &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(fake.hooks(1).len(), 3);
    assert_eq!(fake.hooks(2).len(), 3);
    assert_eq!(run.output("created"), "6");
    let hooks = run.hooks();
    assert_eq!(hooks.len(), 12);
    let result_of = |p: u64| -> Vec<String> {
        hooks
            .iter()
            .filter(|h| h["pipeline_id"] == p)
            .map(|h| h["result"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(result_of(1), vec!["created"; 3]);
    assert_eq!(result_of(3), vec!["failed"; 3]);
    assert_eq!(result_of(4), vec!["failed"; 3]);
    let errors = run.errors().join("\n");
    assert!(
        errors.contains("pipeline 3") && errors.contains("404"),
        "{errors}"
    );
    assert!(
        errors.contains("pipeline 4") && errors.contains("403"),
        "{errors}"
    );
    assert!(run.summary.contains("### Errors"), "{}", run.summary);
    assert!(
        run.summary.contains("pipeline 3: could not list its hooks"),
        "{}",
        run.summary
    );
}

#[test]
fn the_hooks_output_is_cut_to_fit_the_runner_and_says_so() {
    // 1000 pipelines, the last three real: 2991 entries with an error each come
    // first, and the output must stay far below the runner's 1 MB.
    let fake = fake_with(&[998, 999, 1000]);
    let ids: Vec<String> = (1..=1000).map(|i| i.to_string()).collect();
    let run = apply(&fake, &ids.join(","), &[("max-concurrency", "64")]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let raw = run.output("hooks");
    assert!(
        raw.len() <= 256 * 1024,
        "hooks output of {} bytes",
        raw.len()
    );
    let hooks = run.hooks();
    let kept = hooks.len();
    assert!(kept > 100 && kept < 3000, "{kept} entries kept");
    // Whole entries, the first ones, in order.
    for (i, h) in hooks.iter().enumerate() {
        assert_eq!(h["pipeline_id"], (i / 3 + 1) as u64, "entry {i}");
        assert_eq!(h["result"], "failed", "entry {i}");
        assert!(
            h["error"].as_str().is_some_and(|e| e.contains("404")),
            "entry {i}: {h}"
        );
    }
    // The counts are exact, whatever the output kept.
    assert_eq!(run.output("created"), "9");
    assert_eq!(fake.hooks(1000).len(), 3);
    let left_out = 3000 - kept;
    assert!(
        run.summary
            .contains(&format!("lists the first {kept} of 3000 hooks")),
        "{}",
        &run.summary[..run.summary.len().min(2000)]
    );
    assert!(run
        .summary
        .contains(&format!("({left_out} entries left out)")));
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("::warning::") && l.contains(&format!("{left_out} left out"))),
        "no warning about the cut"
    );
}

#[test]
fn a_rejected_token_says_so_and_writes_nothing() {
    let fake = fake_with(&[1]);
    let url = fake.base_url();
    let run = run_action(
        &[
            ("api-token", "wrong-token"),
            ("pipeline-ids", "1"),
            ("api-url", url.as_str()),
        ],
        &[],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.errors()
            .iter()
            .any(|e| e.contains("401") && e.contains("api-token")),
        "{}",
        run.stdout
    );
    assert!(writes(&fake).is_empty());
}

#[test]
fn github_enterprise_server_comes_from_github_api_url() {
    let fake = fake_with(&[1]);
    let url = fake.base_url();
    let run = run_action(
        &[
            ("api-token", TOKEN),
            ("pipeline-ids", "1"),
            ("api-url", url.as_str()),
        ],
        &[("GITHUB_API_URL", "https://ghe.example.com/api/v3")],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    for hook in fake.hooks(1) {
        assert_eq!(
            hook["target_url"],
            format!("https://ghe.example.com/api/v3/repos/{REPO}/statuses/{SHA}")
        );
    }
}

#[test]
fn custom_context_links_and_descriptions() {
    let fake = fake_with(&[1]);
    let run = apply(
        &fake,
        "1",
        &[
            ("context", "deploy/production"),
            ("repository", "acme/site"),
            ("details-url", "https://ci.example.com/d/{{ action.id }}"),
            ("description-failed", "Production deploy failed"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let hooks = hooks_with_context(&fake, 1, "deploy/production");
    assert_eq!(hooks.len(), 3);
    let failed = hooks
        .iter()
        .find(|h| h["trigger_when"]["events"] == json!(["action.failed"]))
        .expect("failed");
    assert_eq!(body_of(failed)["description"], "Production deploy failed");
    assert_eq!(
        body_of(failed)["target_url"],
        "https://ci.example.com/d/{{ action.id }}"
    );
    assert!(failed["target_url"]
        .as_str()
        .unwrap_or_default()
        .contains("/repos/acme/site/statuses/"));
}

#[test]
fn invalid_inputs_are_all_reported_and_nothing_is_sent() {
    let fake = fake_with(&[1]);
    let url = fake.base_url();
    let long_context = "c".repeat(41);
    let long_description = "d".repeat(141);
    let run = run_action(
        &[
            ("api-token", TOKEN),
            ("pipeline-ids", "1, x"),
            ("api-url", url.as_str()),
            ("context", long_context.as_str()),
            ("description-started", long_description.as_str()),
            ("mode", "destroy"),
        ],
        &[],
    );
    assert_eq!(run.code, 1);
    let errors = run.errors().join("\n");
    for input in ["pipeline-ids", "context", "description-started", "mode"] {
        assert!(
            errors.contains(&format!("input `{input}`")),
            "{input} not named:\n{errors}"
        );
    }
    assert!(fake.requests().is_empty(), "bad input reached the API");
    assert!(run.outputs.is_empty());
}

#[test]
fn the_token_never_appears_in_what_the_run_writes() {
    let fake = fake_with(&[1, 2]);
    fake.forbid_pipeline(2);
    let runs = [
        apply(&fake, "1,2,3", &[]),
        apply(&fake, "1", &[]),
        apply(&fake, "1,x", &[]),
    ];
    for run in &runs {
        assert!(
            run.stdout.starts_with(&format!("::add-mask::{TOKEN}\n")),
            "mask is not first:\n{}",
            run.stdout
        );
        assert!(
            !run.everything_written().contains(TOKEN),
            "token leaked:\n{}",
            run.everything_written()
        );
    }
}

#[test]
fn pipelines_are_handled_concurrently_and_reported_in_input_order() {
    let ids: Vec<u64> = (1..=30).collect();
    let fake = fake_with(&ids);
    fake.set_latency(std::time::Duration::from_millis(20));
    let list = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    let run = apply(&fake, &list, &[("max-concurrency", "8")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "90");
    let order: Vec<u64> = run
        .hooks()
        .iter()
        .map(|h| h["pipeline_id"].as_u64().unwrap_or(0))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    // Each: list, pipeline, application, three creates, verifying list.
    assert_eq!(fake.requests().len(), 30 * 7);
}

#[test]
fn the_runner_file_parser_follows_the_runner() {
    let text = "a=1=2\n\nb<<EOF\nx\n\ny\nEOF\nc=\n";
    let parsed = parse_file_commands(text).expect("parse");
    assert_eq!(parsed["a"], "1=2");
    assert_eq!(parsed["b"], "x\n\ny");
    assert_eq!(parsed["c"], "");
    assert!(parse_file_commands("b<<EOF\nx\n").is_err());
    assert!(parse_file_commands("novalue\n").is_err());
}

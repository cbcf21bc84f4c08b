//! `application-ids`: the deploy pipelines, the repository and the provider found in
//! Devopness. The real binary, run the way the runner runs it, against the fake API.

mod support;
use support::providers::{assert_golden, hooks_by_event, rendered};
use support::*;

use fake_devopness::NewApplication;
use openapi_contract::devopness;

const SHA: &str = "{{ action.triggered_from.hook_parsed_variables.commit_hash }}";

/// Runs with `application-ids` (and no `pipeline-ids`) plus `more` inputs.
fn run_apps(fake: &FakeDevopness, applications: &str, more: &[(&str, &str)]) -> RunResult {
    let url = fake.base_url();
    let mut inputs = more.to_vec();
    inputs.extend([
        ("api-token", TOKEN),
        ("application-ids", applications),
        ("api-url", url.as_str()),
    ]);
    run_action(&inputs, &[])
}

/// An application on `provider` deploying `repository`, with these pipelines.
fn add_app(
    fake: &FakeDevopness,
    id: u64,
    repository: &str,
    provider: &str,
    pipelines: &[(u64, &str)],
) {
    fake.add_application(NewApplication::new(id, repository, provider));
    for (pipeline, operation) in pipelines {
        fake.add_application_pipeline(id, *pipeline, operation);
    }
}

/// `METHOD route` of every request the fake received.
fn requests(fake: &FakeDevopness) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.route()))
        .collect()
}

fn pipelines_output(run: &RunResult) -> Value {
    serde_json::from_str(run.output("pipelines")).unwrap_or_else(|e| {
        panic!(
            "pipelines output is not JSON ({e}): {}",
            run.output("pipelines")
        )
    })
}

/// Each pipeline of the `pipelines` output: its id, its application's, its repository.
fn destinations(run: &RunResult) -> Vec<(u64, Option<u64>, String)> {
    let output = pipelines_output(run);
    output
        .as_array()
        .map(|list| {
            list.iter()
                .map(|p| {
                    (
                        p["pipeline_id"].as_u64().unwrap_or_default(),
                        p["application_id"].as_u64(),
                        p["repository"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn warnings(run: &RunResult) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| l.starts_with("::warning"))
        .collect()
}

fn github_url(repository: &str) -> String {
    format!("https://api.github.com/repos/{repository}/statuses/{SHA}")
}

#[test]
fn an_applications_deploy_pipelines_get_six_hooks_posting_to_its_repository() {
    let fake = FakeDevopness::start(TOKEN);
    add_app(
        &fake,
        10,
        "team/web-app",
        "github",
        &[(100, "deploy"), (101, "deploy"), (102, "restart")],
    );
    // GITHUB_REPOSITORY (REPO) is another repository, so the hooks below show whose wins.
    assert_ne!(
        REPO, "team/web-app",
        "fixture: the workflow's repository must differ"
    );
    let run = run_apps(&fake, "10", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "6");
    for pipeline in [100, 101] {
        let hooks = fake.hooks(pipeline);
        assert_eq!(hooks.len(), 3, "pipeline {pipeline}");
        for hook in &hooks {
            // The application's repository, not this workflow's (GITHUB_REPOSITORY).
            assert_eq!(hook["target_url"], github_url("team/web-app"));
        }
    }
    assert!(fake.hooks(102).is_empty(), "not a deploy pipeline");
    assert_eq!(
        pipelines_output(&run),
        json!([
            {
                "pipeline_id": 100, "application_id": 10, "application": "web-app",
                "environment": "Production", "repository": "team/web-app", "provider": "github",
                "context": "ci/devopness(build)"
            },
            {
                "pipeline_id": 101, "application_id": 10, "application": "web-app",
                "environment": "Production", "repository": "team/web-app", "provider": "github",
                "context": "ci/devopness(build)"
            },
        ])
    );
    // The application, its pipeline list, then per pipeline: list, 3 creates, the
    // verifying list.
    let sent = requests(&fake);
    assert_eq!(sent.len(), 12, "{sent:?}");
    assert_eq!(sent[0], "GET /applications/10");
    assert_eq!(sent[1], "GET /pipelines/application/10");
    assert!(run.summary.contains("team/web-app"), "{}", run.summary);

    fake.clear_requests();
    let again = run_apps(&fake, "10", &[]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert_eq!(again.output("unchanged"), "6");
    assert!(writes(&fake).is_empty());
    assert_eq!(
        requests(&fake),
        [
            "GET /applications/10",
            "GET /pipelines/application/10",
            "GET /pipelines/100/hooks",
            "GET /pipelines/101/hooks",
        ]
    );
}

#[test]
fn one_deploy_pipeline_in_sync_costs_three_requests() {
    let fake = FakeDevopness::start(TOKEN);
    add_app(
        &fake,
        11,
        "team/api",
        "github",
        &[(110, "deploy"), (111, "stop")],
    );
    assert_eq!(run_apps(&fake, "11", &[]).code, 0);
    fake.clear_requests();
    let run = run_apps(&fake, "11", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("changed"), "false");
    assert_eq!(
        requests(&fake),
        [
            "GET /applications/11",
            "GET /pipelines/application/11",
            "GET /pipelines/110/hooks",
        ]
    );
}

#[test]
fn a_gitlab_application_gets_gitlab_hooks_without_any_provider_input() {
    let fake = FakeDevopness::start(TOKEN);
    // The golden file's project, so the hooks must equal the reviewed GitLab ones.
    add_app(&fake, 20, "my-group/sub/my-app", "gitlab", &[(1, "deploy")]);
    let run = run_apps(&fake, "20", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let hooks = hooks_by_event(&fake, 1);
    assert_golden("gitlab", &hooks);
    let request = rendered(&hooks[0]);
    assert_eq!(
        request.url,
        "https://gitlab.com/api/v4/projects/my-group%2Fsub%2Fmy-app/statuses/0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(request.body["state"], "running");
    assert_eq!(pipelines_output(&run)[0]["provider"], "gitlab");
}

#[test]
fn two_applications_on_two_providers_each_get_their_own_hooks() {
    let fake = FakeDevopness::start(TOKEN);
    add_app(&fake, 30, "team/web", "github", &[(300, "deploy")]);
    add_app(&fake, 31, "team/worker", "bitbucket", &[(310, "deploy")]);
    let run = run_apps(&fake, "30 31", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(fake
        .hooks(300)
        .iter()
        .all(|h| h["target_url"] == github_url("team/web")));
    let bitbucket = fake.hooks(310);
    assert_eq!(bitbucket.len(), 3);
    for hook in &bitbucket {
        assert_eq!(
            hook["target_url"],
            format!("https://api.bitbucket.org/2.0/repositories/team/worker/commit/{SHA}/statuses/build")
        );
        assert_eq!(body_of(hook)["key"], "ci/devopness(build)");
    }
    let providers: Vec<Value> = pipelines_output(&run)
        .as_array()
        .map(|a| a.iter().map(|p| p["provider"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(providers, [json!("github"), json!("bitbucket")]);
}

#[test]
fn an_explicit_repository_contradicting_the_application_wins_with_a_warning() {
    let fake = FakeDevopness::start(TOKEN);
    add_app(&fake, 40, "team/web", "github", &[(400, "deploy")]);
    let run = run_apps(&fake, "40", &[("repository", "team/other")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let warned = warnings(&run);
    assert!(
        warned.iter().any(|w| w.contains("team/other")
            && w.contains("team/web")
            && w.contains("application 40")),
        "{warned:?}"
    );
    assert!(fake
        .hooks(400)
        .iter()
        .all(|h| h["target_url"] == github_url("team/other")));
    assert_eq!(pipelines_output(&run)[0]["repository"], "team/other");
}

#[test]
fn a_pipeline_added_after_the_first_run_is_missing_then_created() {
    let fake = FakeDevopness::start(TOKEN);
    add_app(&fake, 50, "team/web", "github", &[(500, "deploy")]);
    assert_eq!(run_apps(&fake, "50", &[]).code, 0);
    fake.add_application_pipeline(50, 501, "deploy");

    let check = run_apps(
        &fake,
        "50",
        &[("mode", "check"), ("check-deliveries", "false")],
    );
    assert_eq!(check.code, 2, "{}", check.stdout);
    assert_eq!(check.output("missing"), "3");
    let missing: Vec<Value> = check
        .hooks()
        .into_iter()
        .filter(|h| h["result"] == "missing")
        .map(|h| h["pipeline_id"].clone())
        .collect();
    assert_eq!(missing, [json!(501), json!(501), json!(501)]);

    let apply = run_apps(&fake, "50", &[]);
    assert_eq!(apply.code, 0, "{}", apply.stdout);
    assert_eq!(apply.output("created"), "3");
    assert_eq!(apply.output("unchanged"), "3");
    assert_eq!(fake.hooks(501).len(), 3);
}

#[test]
fn check_reports_hooks_posting_to_another_repository_as_drifted() {
    let fake = FakeDevopness::start(TOKEN);
    add_app(&fake, 55, "team/web", "github", &[(550, "deploy")]);
    // Made by hand from the guide, for another repository.
    fake.seed_guide_hooks(550, "team/old-name");
    let check = run_apps(
        &fake,
        "55",
        &[("mode", "check"), ("check-deliveries", "false")],
    );
    assert_eq!(check.code, 2, "{}", check.stdout);
    assert_eq!(check.output("drifted"), "3");
    for hook in check.hooks() {
        assert_eq!(hook["result"], "drifted");
        assert!(
            hook["differences"]
                .as_array()
                .is_some_and(|d| d.contains(&json!("target_url"))),
            "{hook}"
        );
    }
}

#[test]
fn an_unknown_application_fails_and_the_others_are_done() {
    let fake = FakeDevopness::start(TOKEN);
    add_app(&fake, 60, "team/web", "github", &[(600, "deploy")]);
    let run = run_apps(&fake, "99, 60", &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let errors = run.errors();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("application 99") && e.contains("404")),
        "{errors:?}"
    );
    assert_eq!(fake.hooks(600).len(), 3);
    assert_eq!(run.output("created"), "3");
}

#[test]
fn applications_that_cannot_be_targeted_are_errors_naming_them() {
    let fake = FakeDevopness::start(TOKEN);
    let seeded = fake.seed_applications();
    // 104: an AWS credential; 105: no deploy pipeline.
    let run = run_apps(&fake, "104, 105, 101", &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let errors = run.errors();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("application 104") && e.contains("`aws`")),
        "{errors:?}"
    );
    assert!(fake.hooks(1041).is_empty());
    let warned = warnings(&run);
    assert!(
        warned
            .iter()
            .any(|w| w.contains("application 105") && w.contains("deploy")),
        "{warned:?}"
    );
    // The others are done.
    let web = seeded
        .iter()
        .find(|a| a.id == 101)
        .expect("seeded application 101");
    assert!(
        !web.deploy_pipelines.is_empty(),
        "seeded 101 has deploy pipelines"
    );
    for pipeline in &web.deploy_pipelines {
        assert_eq!(fake.hooks(*pipeline).len(), 3, "pipeline {pipeline}");
    }

    fake.add_application(NewApplication::new(106, "x/y", "github").without_repository());
    fake.add_application_pipeline(106, 1061, "deploy");
    let run = run_apps(&fake, "106", &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.errors()
            .iter()
            .any(|e| e.contains("application 106") && e.contains("no repository")),
        "{}",
        run.stdout
    );
    assert!(fake.hooks(1061).is_empty());
}

#[test]
fn the_pipeline_list_is_read_past_its_first_page() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(70, "team/big", "github"));
    for id in 1..=150 {
        let operation = if id == 5 || id == 130 {
            "deploy"
        } else {
            "restart"
        };
        fake.add_application_pipeline(70, id, operation);
    }
    let run = run_apps(&fake, "70", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(fake.hooks(5).len(), 3);
    assert_eq!(fake.hooks(130).len(), 3);
    let pages: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.route() == "/pipelines/application/70")
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(pages, ["page=1&per_page=100", "page=2&per_page=100"]);
}

#[test]
fn a_pipeline_named_twice_is_handled_once_as_its_applications() {
    let fake = FakeDevopness::start(TOKEN);
    add_app(&fake, 80, "team/web", "github", &[(800, "deploy")]);
    fake.add_pipeline(7);
    let url = fake.base_url();
    let run = run_action(
        &[
            ("api-token", TOKEN),
            ("application-ids", "80"),
            ("pipeline-ids", "800, 7"),
            ("api-url", url.as_str()),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "6");
    // Pipeline 7 had no hooks: its own application (90007, deploying REPO) was read.
    assert_eq!(
        destinations(&run),
        [
            (800, Some(80), "team/web".to_owned()),
            (7, Some(90_007), REPO.to_owned())
        ]
    );
    let lists = requests(&fake)
        .iter()
        .filter(|r| *r == "GET /pipelines/800/hooks")
        .count();
    assert_eq!(lists, 2, "one list and the verifying list, not twice that");
}

/// Runs with both `application-ids` and `pipeline-ids`, plus `more` inputs.
fn run_both(
    fake: &FakeDevopness,
    applications: &str,
    pipelines: &str,
    more: &[(&str, &str)],
    env: &[(&str, &str)],
) -> RunResult {
    let url = fake.base_url();
    let mut inputs = more.to_vec();
    inputs.extend([
        ("api-token", TOKEN),
        ("application-ids", applications),
        ("pipeline-ids", pipelines),
        ("api-url", url.as_str()),
    ]);
    run_action(&inputs, env)
}

#[test]
fn no_pipeline_id_is_written_when_an_applications_pipeline_list_cannot_be_read() {
    let fake = FakeDevopness::start(TOKEN);
    add_app(&fake, 82, "team/web", "github", &[(820, "deploy")]);
    fake.add_pipeline(8);
    assert_eq!(run_both(&fake, "82", "820, 8", &[], &[]).code, 0);
    let before = (fake.hooks(820), fake.hooks(8));
    assert_eq!(before.0.len(), 3);
    fake.forbid_application(82);
    fake.clear_requests();

    let run = run_both(&fake, "82", "820, 8", &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(writes(&fake).is_empty(), "{:?}", requests(&fake));
    assert_eq!((fake.hooks(820), fake.hooks(8)), before);
    // Pipeline 8 may belong to application 82 too: nothing tells it does not.
    let errors = run.errors();
    for pipeline in [820, 8] {
        let expected =
            format!("could not tell whether pipeline {pipeline} belongs to application 82, which could not be read; nothing written to it");
        assert!(errors.iter().any(|e| e.contains(&expected)), "{errors:?}");
    }
    let mut sent = requests(&fake);
    sent.sort();
    assert_eq!(
        sent,
        ["GET /applications/82", "GET /pipelines/application/82"]
    );
}

#[test]
fn check_reports_no_drift_for_a_pipeline_of_an_application_that_cannot_be_read() {
    const GH_TOKEN: &str = "ghs_issue_token_83bb";
    let fake = FakeDevopness::start(TOKEN);
    add_app(&fake, 83, "team/web", "github", &[(830, "deploy")]);
    assert_eq!(run_both(&fake, "83", "830", &[], &[]).code, 0);
    fake.forbid_application(83);
    let github = fake_github::FakeGitHub::start(GH_TOKEN);
    github.add_repo("octo-org", "my-app");
    let api = github.base_url();

    let check = run_both(
        &fake,
        "83",
        "830",
        &[
            ("mode", "check"),
            ("check-deliveries", "false"),
            ("drift-issue", "true"),
            ("github-token", GH_TOKEN),
            ("provider", "github"),
            ("provider-api-url", "https://api.github.com"),
        ],
        &[("GITHUB_API_URL", api.as_str())],
    );
    assert_eq!(check.code, 1, "{}", check.stdout);
    assert_eq!(check.output("drifted"), "0", "{}", check.stdout);
    assert!(!check.stdout.contains("drifted"), "{}", check.stdout);
    assert!(
        github.issues("octo-org", "my-app").is_empty(),
        "no drift issue for a drift that is not there"
    );
    assert_eq!(fake.hooks(830).len(), 3);
}

#[test]
fn a_pipeline_of_an_application_without_repository_is_not_written_to_the_workflows() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(84, "x/y", "github").without_repository());
    fake.add_application_pipeline(84, 840, "deploy");
    fake.add_pipeline(9);

    let run = run_both(&fake, "84", "840, 9", &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(fake.hooks(840).is_empty(), "{:?}", fake.hooks(840));
    let errors = run.errors();
    assert!(
        errors.iter().any(|e| e.contains("pipeline 840")
            && e.contains("belongs to application 84")
            && e.contains("nothing written to it")),
        "{errors:?}"
    );
    // Its list was read: pipeline 9 is known not to be application 84's.
    assert_eq!(fake.hooks(9).len(), 3);
    assert_eq!(destinations(&run), [(9, Some(90_009), REPO.to_owned())]);
}

#[test]
fn neither_pipeline_ids_nor_application_ids_is_refused() {
    let fake = FakeDevopness::start(TOKEN);
    let url = fake.base_url();
    let run = run_action(&[("api-token", TOKEN), ("api-url", url.as_str())], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let errors = run.errors();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("pipeline-ids") && e.contains("application-ids")),
        "{errors:?}"
    );
    assert!(fake.requests().is_empty());
}

#[test]
fn every_request_and_answer_fits_devopnesss_description() {
    let fake = FakeDevopness::start(TOKEN);
    add_app(
        &fake,
        90,
        "team/web",
        "github",
        &[(900, "deploy"), (901, "restart")],
    );
    add_app(&fake, 91, "group/sub/api", "gitlab", &[(910, "deploy")]);
    for more in [&[][..], &[("mode", "check")][..]] {
        let run = run_apps(&fake, "90, 91, 92", more);
        assert_eq!(
            run.code, 1,
            "application 92 does not exist:\n{}",
            run.stdout
        );
    }
    if let Err(problems) = devopness().check_exchanges(&fake.exchanges(), true) {
        panic!("a request of the action, or an answer of the fake, departs from Devopness's openapi.json:\n{problems}");
    }
    let operations: std::collections::BTreeSet<String> = fake
        .exchanges()
        .iter()
        .filter_map(|e| {
            let request = openapi_contract::Request::recorded(&e.request);
            devopness()
                .find(request.method, request.path)
                .ok()
                .map(|(op, _)| op.id.clone())
        })
        .collect();
    for id in [
        "getApplication",
        "listPipelinesByResourceType",
        "addPipelineHook",
    ] {
        assert!(operations.contains(id), "{id} not used: {operations:?}");
    }
}

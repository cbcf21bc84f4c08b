//! Several environments deploying one repository, and pipelines of `pipeline-ids` that
//! post to their own application's repository: the binary end to end against the fake
//! Devopness API, which knows each pipeline's application and each application's
//! environment.

mod support;
use support::cli::{gitlab_job_env, run_cli};
use support::*;

use fake_devopness::{EnvironmentType, NewApplication, NewEnvironment, DEFAULT_PROJECT_ID};

const SHA: &str = "{{ action.triggered_from.hook_parsed_variables.commit_hash }}";

/// Two environments of the default project, `staging` (8501) and `production` (8502), with
/// an application each deploying `repository` on GitHub: `web-staging` (51, pipeline 510)
/// and `web` (52, pipeline 520).
fn two_environments(repository: &str) -> FakeDevopness {
    let fake = FakeDevopness::start(TOKEN);
    for (environment, name, kind, application, app_name, pipeline) in [
        (
            8501,
            "staging",
            EnvironmentType::Staging,
            51,
            "web-staging",
            510,
        ),
        (
            8502,
            "production",
            EnvironmentType::Production,
            52,
            "web",
            520,
        ),
    ] {
        fake.add_environment(NewEnvironment::new(
            environment,
            DEFAULT_PROJECT_ID,
            name,
            kind,
        ));
        fake.add_application(
            NewApplication::new(application, repository, "github")
                .named(app_name)
                .in_environment(environment),
        );
        fake.add_application_pipeline(application, pipeline, "deploy");
    }
    fake
}

fn run_apps(fake: &FakeDevopness, ids: &str, more: &[(&str, &str)]) -> RunResult {
    let url = fake.base_url();
    let mut inputs = vec![
        ("api-token", TOKEN),
        ("application-ids", ids),
        ("api-url", url.as_str()),
    ];
    inputs.extend_from_slice(more);
    run_action(&inputs, &[])
}

fn warnings(run: &RunResult) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| l.starts_with("::warning"))
        .collect()
}

/// The status contexts of a pipeline's hooks, each once.
fn contexts(fake: &FakeDevopness, pipeline: u64) -> Vec<String> {
    let mut all: Vec<String> = fake
        .hooks(pipeline)
        .iter()
        .filter_map(|h| body_of(h)["context"].as_str().map(str::to_owned))
        .collect();
    all.dedup();
    all
}

/// `METHOD route` of every request the fake received.
fn requests(fake: &FakeDevopness) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.route()))
        .collect()
}

#[test]
fn two_environments_under_one_context_are_warned_about_by_name() {
    let fake = two_environments("team/web");
    let run = run_apps(&fake, "51, 52", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "6");
    let shared: Vec<&str> = warnings(&run)
        .into_iter()
        .filter(|w| w.contains("all post the status"))
        .collect();
    assert_eq!(shared.len(), 1, "{}", run.stdout);
    for named in [
        "pipeline 510 (application 51 (web-staging), environment staging)",
        "pipeline 520 (application 52 (web), environment production)",
        "`ci/devopness(build)` to `team/web` on github",
        "context: ci/devopness({environment})",
    ] {
        assert!(shared[0].contains(named), "{named}: {}", shared[0]);
    }
    // The default stays the guide's context, so hooks made by hand are still adopted.
    assert_eq!(contexts(&fake, 510), ["ci/devopness(build)"]);
    assert!(
        run.summary.contains("> **Warning**: pipeline 510"),
        "{}",
        run.summary
    );
}

#[test]
fn a_context_per_environment_gives_each_its_own_status_and_no_warning() {
    let fake = two_environments("team/web");
    let context = [("context", "ci/devopness({environment})")];
    let run = run_apps(&fake, "51, 52", &context);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "6");
    assert!(
        !run.stdout.contains("all post the status"),
        "{}",
        run.stdout
    );
    assert_eq!(contexts(&fake, 510), ["ci/devopness(staging)"]);
    assert_eq!(contexts(&fake, 520), ["ci/devopness(production)"]);
    let names: Vec<String> = fake
        .hooks(520)
        .iter()
        .filter_map(|h| h["name"].as_str().map(str::to_owned))
        .collect();
    assert!(
        names.contains(&"ci/devopness(production): started".to_owned()),
        "{names:?}"
    );
    // The pipelines output says which environment and context each got.
    let pipelines: serde_json::Value =
        serde_json::from_str(run.output("pipelines")).unwrap_or_default();
    assert_eq!(pipelines[0]["environment"], "staging");
    assert_eq!(pipelines[1]["context"], "ci/devopness(production)");
    // In sync afterwards: the applications and one list per pipeline, no write.
    fake.clear_requests();
    let again = run_apps(&fake, "51, 52", &context);
    assert_eq!(again.output("unchanged"), "6", "{}", again.stdout);
    assert!(writes(&fake).is_empty());
}

#[test]
fn a_context_that_outgrows_the_limit_once_filled_in_fails_only_that_pipeline() {
    let fake = two_environments("team/web");
    fake.add_environment(NewEnvironment::new(
        8503,
        DEFAULT_PROJECT_ID,
        "production-eu-west-1-blue-green",
        EnvironmentType::Production,
    ));
    fake.add_application(
        NewApplication::new(53, "team/web", "github")
            .named("web-eu")
            .in_environment(8503),
    );
    fake.add_application_pipeline(53, 530, "deploy");
    let run = run_apps(
        &fake,
        "51, 53",
        &[("context", "ci/devopness({environment})")],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.output("created"),
        "3",
        "the other pipeline is still done"
    );
    assert!(fake.hooks(530).is_empty());
    let errors = run.errors();
    assert!(
        errors.iter().any(|e| e.contains("pipeline 530")
            && e.contains("`ci/devopness(production-eu-west-1-blue-green)`")
            && e.contains("at most 40 characters")),
        "{errors:?}"
    );
}

#[test]
fn a_placeholder_the_inputs_cannot_fill_is_refused_before_any_request() {
    let fake = fake_with(&[1]);
    let run = apply(&fake, "1", &[("context", "ci/{branch}")]);
    assert_eq!(run.code, 1);
    assert!(
        run.errors()
            .iter()
            .any(|e| e.contains("input `context`") && e.contains("`{environment}`")),
        "{}",
        run.stdout
    );
    assert!(fake.requests().is_empty());
}

/// An operations repository's workflow names the pipeline of an application that deploys
/// another repository.
fn ops_fixture() -> FakeDevopness {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(61, "team/api", "github").named("api"));
    fake.add_application_pipeline(61, 610, "deploy");
    fake
}

#[test]
fn a_pipeline_of_another_repositorys_application_posts_there() {
    let fake = ops_fixture();
    assert_ne!(
        REPO, "team/api",
        "fixture: the workflow's repository differs"
    );
    let run = apply(&fake, "610", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "3");
    for hook in fake.hooks(610) {
        assert_eq!(
            hook["target_url"],
            format!("https://api.github.com/repos/team/api/statuses/{SHA}"),
            "the application's repository, not the workflow's ({REPO})"
        );
    }
    // In sync afterwards: the list, then (its hooks do not post to the workflow's
    // repository) the pipeline and its application; nothing written.
    fake.clear_requests();
    let again = apply(&fake, "610", &[]);
    assert_eq!(again.output("unchanged"), "3", "{}", again.stdout);
    assert_eq!(
        requests(&fake),
        [
            "GET /pipelines/610/hooks",
            "GET /pipelines/610",
            "GET /applications/61",
        ]
    );
}

#[test]
fn hooks_already_posting_to_the_workflows_repository_cost_one_request() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(62, REPO, "github").named("my-app"));
    fake.add_application_pipeline(62, 620, "deploy");
    assert_eq!(apply(&fake, "620", &[]).output("created"), "3");
    fake.clear_requests();
    let again = apply(&fake, "620", &[]);
    assert_eq!(again.output("unchanged"), "3", "{}", again.stdout);
    assert_eq!(requests(&fake), ["GET /pipelines/620/hooks"]);
    // Its application was not read, so the output cannot name it.
    let pipelines: serde_json::Value =
        serde_json::from_str(again.output("pipelines")).unwrap_or_default();
    assert_eq!(pipelines[0]["application_id"], serde_json::Value::Null);
    assert_eq!(pipelines[0]["repository"], REPO);
}

#[test]
fn hooks_an_earlier_version_made_for_the_workflows_repository_move_to_the_applications() {
    let fake = ops_fixture();
    let url = fake.base_url();
    let made = run_action(
        &[
            ("api-token", TOKEN),
            ("pipeline-ids", "610"),
            ("api-url", url.as_str()),
            ("repository", REPO),
        ],
        &[],
    );
    assert_eq!(made.output("created"), "3", "{}", made.stdout);
    // As an earlier version wrote them: without the Content-Type header.
    for hook in fake.hooks(610) {
        fake.edit_hook(hook["id"].as_str().unwrap_or_default(), |h| {
            let headers = &mut h["settings"]["request_headers"];
            if let Some(list) = headers.as_array_mut() {
                list.retain(|x| x["name"] != "Content-Type");
            }
        });
    }
    let check = apply(
        &fake,
        "610",
        &[("mode", "check"), ("check-deliveries", "false")],
    );
    assert_eq!(check.code, 2, "{}", check.stdout);
    let upgraded = apply(&fake, "610", &[]);
    assert_eq!(upgraded.output("updated"), "3", "{}", upgraded.stdout);
    assert!(fake.hooks(610).iter().all(|h| h["target_url"]
        .as_str()
        .is_some_and(|u| u.contains("/repos/team/api/"))));
}

#[test]
fn hooks_written_with_the_repository_input_stay_until_it_names_the_applications() {
    let fake = ops_fixture();
    // An earlier version wrote them for the workflow's repository.
    let url = fake.base_url();
    let with_repository = |repository: &str, mode: &str| {
        run_action(
            &[
                ("api-token", TOKEN),
                ("pipeline-ids", "610"),
                ("api-url", url.as_str()),
                ("repository", repository),
                ("mode", mode),
            ],
            &[],
        )
    };
    let old = with_repository(REPO, "apply");
    assert_eq!(old.output("created"), "3", "{}", old.stdout);
    // Hooks that match the workflow's repository cost one request: they are not
    // second-guessed (a scheduled check's delivery health shows their failures).
    fake.clear_requests();
    let check = apply(
        &fake,
        "610",
        &[("mode", "check"), ("check-deliveries", "false")],
    );
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert_eq!(requests(&fake), ["GET /pipelines/610/hooks"]);
    // Naming the application's repository repairs them.
    let repaired = with_repository("team/api", "apply");
    assert_eq!(repaired.output("updated"), "3", "{}", repaired.stdout);
    assert!(fake.hooks(610).iter().all(|h| h["target_url"]
        .as_str()
        .is_some_and(|u| u.contains("/repos/team/api/"))));
    assert!(
        !repaired.stdout.contains("differs from"),
        "{}",
        repaired.stdout
    );
}

#[test]
fn the_repository_input_still_wins_with_a_warning_naming_both() {
    let fake = ops_fixture();
    let run = apply(&fake, "610", &[("repository", "team/other")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(fake.hooks(610).iter().all(|h| h["target_url"]
        .as_str()
        .is_some_and(|u| u.contains("/repos/team/other/"))));
    assert!(
        warnings(&run)
            .iter()
            .any(|w| w.contains("`team/other`") && w.contains("`team/api`")),
        "{}",
        run.stdout
    );
}

#[test]
fn without_a_repository_a_terminal_takes_each_pipelines_applications() {
    let fake = ops_fixture();
    let url = fake.base_url();
    let run = run_cli(
        &["--pipeline-ids", "610", "--api-url", &url],
        &[("DEVOPNESS_API_TOKEN", TOKEN)],
        &[TOKEN],
    );
    assert_eq!(run.code, 0, "{}", run.shown());
    assert_eq!(fake.hooks(610).len(), 3);
    assert!(fake.hooks(610).iter().all(|h| h["target_url"]
        .as_str()
        .is_some_and(|u| u.contains("/repos/team/api/"))));
}

#[test]
fn in_a_gitlab_job_the_project_is_a_fallback_not_an_override() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(63, "group/api", "gitlab").named("api"));
    fake.add_application_pipeline(63, 630, "deploy");
    let url = fake.base_url();
    // The job runs in an operations project of a self-managed instance.
    let env = gitlab_job_env("group/ops", "https://gitlab.example.com");
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.push(("DEVOPNESS_API_TOKEN", TOKEN));
    let run = run_cli(
        &["--pipeline-ids", "630", "--api-url", &url],
        &env,
        &[TOKEN],
    );
    assert_eq!(run.code, 0, "{}", run.shown());
    let hooks = fake.hooks(630);
    assert_eq!(hooks.len(), 3);
    for hook in &hooks {
        // The application's project, on the job's own instance; no contradiction warned.
        assert_eq!(
            hook["target_url"],
            format!("https://gitlab.example.com/api/v4/projects/group%2Fapi/statuses/{SHA}")
        );
    }
    assert!(!run.stdout.contains("differs from"), "{}", run.stdout);
}

#[test]
fn a_pipeline_whose_application_cannot_be_targeted_keeps_the_workflows_repository() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(64, "x/y", "").named("no-credential"));
    fake.add_application_pipeline(64, 640, "deploy");
    let run = apply(&fake, "640", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(fake.hooks(640).iter().all(|h| h["target_url"]
        .as_str()
        .is_some_and(|u| u.contains(&format!("/repos/{REPO}/")))));
    assert!(
        warnings(&run)
            .iter()
            .any(|w| w.contains("pipeline 640 belongs to application 64")
                && w.contains("no source provider")
                && w.contains(REPO)),
        "{}",
        run.stdout
    );
}

#[test]
fn remove_finds_the_hooks_of_another_providers_application_named_in_pipeline_ids() {
    for (id, repository, provider, field) in [
        (65, "group/api", "gitlab", "name"),
        (66, "team/app", "bitbucket", "key"),
    ] {
        let fake = FakeDevopness::start(TOKEN);
        fake.add_application(NewApplication::new(id, repository, provider).named("api"));
        let pipeline = id * 10;
        fake.add_application_pipeline(id, pipeline, "deploy");
        let list = pipeline.to_string();
        assert_eq!(apply(&fake, &list, &[]).output("created"), "3");
        assert!(fake
            .hooks(pipeline)
            .iter()
            .all(|h| body_of(h)[field] == "ci/devopness(build)"));
        let removed = apply(&fake, &list, &[("mode", "remove")]);
        assert_eq!(removed.code, 0, "{provider}: {}", removed.stdout);
        assert_eq!(
            removed.output("deleted"),
            "3",
            "{provider}: {}",
            removed.stdout
        );
        assert!(fake.hooks(pipeline).is_empty(), "{provider}");
        // Teardown says nothing of commit hashes.
        assert!(
            !removed.stdout.contains("commit_hash"),
            "{}",
            removed.stdout
        );
    }
}

#[test]
fn a_pipeline_that_runs_for_no_application() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_server_pipeline(670);
    // On GitHub it posts to the workflow's repository.
    let run = apply(&fake, "670", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(fake.hooks(670).iter().all(|h| h["target_url"]
        .as_str()
        .is_some_and(|u| u.contains(&format!("/repos/{REPO}/")))));
    // A context that names its environment cannot be filled in: an error naming why.
    let named = apply(&fake, "670", &[("context", "ci/devopness({environment})")]);
    assert_eq!(named.code, 1, "{}", named.stdout);
    assert!(
        named
            .errors()
            .iter()
            .any(|e| e.contains("pipeline 670") && e.contains("belongs to no application")),
        "{}",
        named.stdout
    );
    // From a terminal, with nothing saying where: an error naming the input.
    let url = fake.base_url();
    let terminal = run_cli(
        &["--pipeline-ids", "670", "--api-url", &url],
        &[("DEVOPNESS_API_TOKEN", TOKEN)],
        &[TOKEN],
    );
    assert_eq!(terminal.code, 1, "{}", terminal.shown());
    assert!(
        terminal
            .stdout
            .contains("pipeline 670: it is not an application's pipeline"),
        "{}",
        terminal.shown()
    );
}

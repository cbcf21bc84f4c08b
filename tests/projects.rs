//! A whole Devopness project in one step (`project-ids`), or some of its environments
//! (`environment-ids`): the binary end to end against the fake Devopness API, which
//! serves projects, their environments (archived ones apart) and their applications,
//! paginated like every list.

mod support;
use support::*;

use fake_devopness::{EnvironmentType, NewApplication, NewEnvironment};

const PROJECT: u64 = 70;

/// Project 70: `staging` (701) and `production` (702) live, `old` (703) archived. Each
/// live environment has `web` on GitHub (team/web) and `api` on GitLab (group/api), the
/// staging `api` listed without its credential; staging's `web` also has a build pipeline;
/// the archived environment has a `web` of its own.
fn project() -> FakeDevopness {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_project(PROJECT, "Shop");
    for (id, name, kind) in [
        (701, "staging", EnvironmentType::Staging),
        (702, "production", EnvironmentType::Production),
    ] {
        fake.add_environment(NewEnvironment::new(id, PROJECT, name, kind));
    }
    fake.add_environment(
        NewEnvironment::new(703, PROJECT, "old", EnvironmentType::Production).archived(),
    );
    let add = |id: u64, environment: u64, repository: &str, provider: &str, name: &str| {
        NewApplication::new(id, repository, provider)
            .named(name)
            .in_environment(environment)
    };
    fake.add_application(add(711, 701, "team/web", "github", "web"));
    fake.add_application(add(712, 701, "group/api", "gitlab", "api").listed_without_credential());
    fake.add_application(add(721, 702, "team/web", "github", "web"));
    fake.add_application(add(722, 702, "group/api", "gitlab", "api"));
    fake.add_application(add(731, 703, "team/web", "github", "web"));
    for (application, pipeline, operation) in [
        (711, 7110, "deploy"),
        (711, 7111, "build"),
        (712, 7120, "deploy"),
        (721, 7210, "deploy"),
        (722, 7220, "deploy"),
        (731, 7310, "deploy"),
    ] {
        fake.add_application_pipeline(application, pipeline, operation);
    }
    fake
}

const DEPLOYS: [u64; 4] = [7110, 7120, 7210, 7220];

fn run_project(fake: &FakeDevopness, inputs: &[(&str, &str)]) -> RunResult {
    let url = fake.base_url();
    let mut all = vec![("api-token", TOKEN), ("api-url", url.as_str())];
    all.extend_from_slice(inputs);
    run_action(&all, &[])
}

fn contexts(fake: &FakeDevopness, pipeline: u64) -> Vec<String> {
    let mut all: Vec<String> = fake
        .hooks(pipeline)
        .iter()
        .map(|h| {
            let body = body_of(h);
            // GitLab names the status `name`, the others `context`.
            body["context"]
                .as_str()
                .or(body["name"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    all.dedup();
    all
}

fn warnings(run: &RunResult) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| l.starts_with("::warning"))
        .collect()
}

#[test]
fn every_deploy_pipeline_of_the_live_environments_gets_its_hooks() {
    let fake = project();
    let run = run_project(&fake, &[("project-ids", "70")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "12");
    for pipeline in DEPLOYS {
        assert_eq!(fake.hooks(pipeline).len(), 3, "pipeline {pipeline}");
    }
    assert!(fake.hooks(7111).is_empty(), "a build pipeline");
    assert!(fake.hooks(7310).is_empty(), "an archived environment");
    // Each to its own application's repository and provider.
    assert!(fake.hooks(7210).iter().all(|h| h["target_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://api.github.com/repos/team/web/"))));
    assert!(fake.hooks(7120).iter().all(|h| h["target_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://gitlab.com/api/v4/projects/group%2Fapi/"))));
    // The default context is shared by staging and production: warned, naming both.
    let shared: Vec<&str> = warnings(&run)
        .into_iter()
        .filter(|w| w.contains("all post the status"))
        .collect();
    assert_eq!(shared.len(), 2, "team/web and group/api: {shared:?}");
    assert!(shared.iter().any(|w| w.contains("environment staging")
        && w.contains("environment production")
        && w.contains("ci/devopness({environment})")));
    // The pipelines output names each one's environment and application.
    let pipelines: Value = serde_json::from_str(run.output("pipelines")).unwrap_or_default();
    let named: Vec<(u64, String, String)> = pipelines
        .as_array()
        .map(|list| {
            list.iter()
                .map(|p| {
                    (
                        p["pipeline_id"].as_u64().unwrap_or_default(),
                        p["environment"].as_str().unwrap_or_default().to_owned(),
                        p["application"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut named = named;
    named.sort();
    assert_eq!(
        named,
        [
            (7110, "staging".into(), "web".into()),
            (7120, "staging".into(), "api".into()),
            (7210, "production".into(), "web".into()),
            (7220, "production".into(), "api".into()),
        ]
    );
}

#[test]
fn a_context_per_environment_and_the_cost_in_sync() {
    let fake = project();
    let inputs = [
        ("project-ids", "70"),
        ("context", "ci/devopness({environment})"),
    ];
    let run = run_project(&fake, &inputs);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        !run.stdout.contains("all post the status"),
        "{}",
        run.stdout
    );
    for (pipeline, context) in [
        (7110, "ci/devopness(staging)"),
        (7120, "ci/devopness(staging)"),
        (7210, "ci/devopness(production)"),
        (7220, "ci/devopness(production)"),
    ] {
        assert_eq!(contexts(&fake, pipeline), [context], "pipeline {pipeline}");
    }
    // In sync: 1 environment list + E=2 application lists + A=4 pipeline lists + P=4 hook
    // lists, and 1 read for the application listed without its credential.
    fake.clear_requests();
    let again = run_project(&fake, &inputs);
    assert_eq!(again.output("unchanged"), "12", "{}", again.stdout);
    assert!(writes(&fake).is_empty());
    let mut sent: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.route()))
        .collect();
    sent.sort();
    assert_eq!(sent.len(), 1 + 2 + 4 + 4 + 1, "{sent:?}");
    assert!(
        sent.contains(&"GET /applications/712".to_owned()),
        "{sent:?}"
    );
    assert!(!sent
        .iter()
        .any(|r| r.starts_with("GET /applications/7") && r != "GET /applications/712"));
    assert!(
        !sent.iter().any(|r| r.contains("703")),
        "the archived environment is not read"
    );
    // The summary groups by environment, then application.
    let at = |needle: &str| {
        again
            .summary
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{}", again.summary))
    };
    assert!(at("### Environment staging") < at("#### Application 711 (web)"));
    assert!(at("#### Application 712 (api)") < at("### Environment production"));
    assert!(at("### Environment production") < at("##### Pipeline 7210"));
}

#[test]
fn check_finds_a_deploy_pipeline_added_anywhere_in_the_project() {
    let fake = project();
    assert_eq!(run_project(&fake, &[("project-ids", "70")]).code, 0);
    fake.add_application_pipeline(722, 7221, "deploy");
    let check = run_project(
        &fake,
        &[
            ("project-ids", "70"),
            ("mode", "check"),
            ("check-deliveries", "false"),
        ],
    );
    assert_eq!(check.code, 2, "{}", check.stdout);
    assert_eq!(check.output("missing"), "3");
    assert!(
        check.summary.contains("##### Pipeline 7221"),
        "{}",
        check.summary
    );
    let apply = run_project(&fake, &[("project-ids", "70")]);
    assert_eq!(apply.output("created"), "3", "{}", apply.stdout);
}

#[test]
fn environment_ids_alone() {
    let fake = project();
    let run = run_project(
        &fake,
        &[
            ("environment-ids", "702"),
            ("context", "ci/devopness({environment})"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "6");
    assert!(fake.hooks(7110).is_empty() && fake.hooks(7120).is_empty());
    assert_eq!(contexts(&fake, 7220), ["ci/devopness(production)"]);
    // An archived environment named is a warning; nothing is written to it.
    let archived = run_project(&fake, &[("environment-ids", "703")]);
    assert_eq!(archived.code, 0, "{}", archived.stdout);
    assert!(fake.hooks(7310).is_empty());
    assert!(
        warnings(&archived)
            .iter()
            .any(|w| w.contains("environment 703 (old)") && w.contains("archived")),
        "{}",
        archived.stdout
    );
}

#[test]
fn a_bad_id_is_refused_before_any_request() {
    let fake = project();
    for (input, value) in [("project-ids", "abc"), ("environment-ids", "0")] {
        let run = run_project(&fake, &[(input, value)]);
        assert_eq!(run.code, 1, "{input}: {}", run.stdout);
        assert!(
            run.errors()
                .iter()
                .any(|e| e.contains(&format!("input `{input}`"))),
            "{input}: {}",
            run.stdout
        );
    }
    assert!(fake.requests().is_empty());
}

#[test]
fn an_unknown_or_forbidden_project_is_an_error_and_the_rest_is_done() {
    let fake = project();
    fake.add_project(80, "Locked");
    fake.forbid_project(80);
    let run = run_project(&fake, &[("project-ids", "99, 80, 70")]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.output("created"), "12", "project 70 is still done");
    let errors = run.errors();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("project 99") && e.contains("404") && e.contains("`project-ids`")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("project 80") && e.contains("403")),
        "{errors:?}"
    );
    // A project without live environments, an environment without applications: warnings.
    fake.add_project(81, "Empty");
    fake.add_environment(NewEnvironment::new(
        811,
        81,
        "dev",
        EnvironmentType::Development,
    ));
    let empty = run_project(&fake, &[("project-ids", "81"), ("environment-ids", "811")]);
    assert_eq!(empty.code, 0, "{}", empty.stdout);
    assert!(
        warnings(&empty).iter().any(|w| w.ends_with(
            "environment 811 (dev): it has no application, so there is nothing to do for it"
        )),
        "{}",
        empty.stdout
    );
    fake.add_project(82, "Archived only");
    fake.add_environment(
        NewEnvironment::new(821, 82, "gone", EnvironmentType::Production).archived(),
    );
    // Review T3/N6: a warning, exit 0; the API lists archived environments apart, so
    // no count of them, and nothing said of adding hooks (true in every mode).
    for mode in ["apply", "check", "remove"] {
        let gone = run_project(&fake, &[("project-ids", "82"), ("mode", mode)]);
        assert_eq!(gone.code, 0, "{mode}: {}", gone.stdout);
        assert!(
            warnings(&gone).iter().any(|w| w.ends_with(
                "project 82: it has no live environment (archived ones are not deployed to), so there is nothing to do for it; check the id in `project-ids`"
            )),
            "{mode}: {}",
            gone.stdout
        );
    }
}

#[test]
fn both_lists_are_read_past_their_first_page() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_project(90, "Big");
    for id in 1..=101 {
        fake.add_environment(NewEnvironment::new(
            9000 + id,
            90,
            &format!("env-{id}"),
            EnvironmentType::Development,
        ));
    }
    // The last environment (on the second page) holds 101 applications; one deploys.
    for id in 1..=101u64 {
        let app = 91_000 + id;
        fake.add_application(
            NewApplication::new(app, "team/big", "github")
                .named(&format!("app-{id}"))
                .in_environment(9101),
        );
        if id == 101 {
            fake.add_application_pipeline(app, 910_101, "deploy");
        }
    }
    let run = run_project(&fake, &[("project-ids", "90")]);
    assert_eq!(run.output("created"), "3", "{}", run.stdout);
    assert_eq!(fake.hooks(910_101).len(), 3);
    let pages = |route: &str| -> Vec<String> {
        fake.requests()
            .iter()
            .filter(|r| r.route() == route)
            .map(|r| r.query.clone().unwrap_or_default())
            .collect()
    };
    assert_eq!(
        pages("/projects/90/environments"),
        ["page=1&per_page=100", "page=2&per_page=100"]
    );
    assert_eq!(
        pages("/environments/9101/applications"),
        ["page=1&per_page=100", "page=2&per_page=100"]
    );
}

/// The `pipeline_id`s of the `pipelines` output, in order.
fn pipeline_ids(run: &RunResult) -> Vec<u64> {
    let pipelines: Value = serde_json::from_str(run.output("pipelines")).unwrap_or_default();
    pipelines
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|p| p["pipeline_id"].as_u64())
                .collect()
        })
        .unwrap_or_default()
}

/// Review N1: a check that could not read a project says so in its headline, in the step
/// summary and on a terminal's last line, while the readable project is still checked.
#[test]
fn a_check_that_could_not_read_a_project_is_incomplete_not_in_sync() {
    let fake = project();
    fake.add_project(80, "Locked");
    fake.forbid_project(80);
    assert_eq!(run_project(&fake, &[("project-ids", "70")]).code, 0);
    let inputs = [
        ("project-ids", "99, 80, 70"),
        ("mode", "check"),
        ("check-deliveries", "false"),
    ];
    let check = run_project(&fake, &inputs);
    assert_eq!(check.code, 1, "{}", check.stdout);
    let results: Vec<Value> = check.hooks().iter().map(|h| h["result"].clone()).collect();
    assert_eq!(
        results,
        vec![json!("ok"); 12],
        "project 70 is still checked"
    );
    let mut checked = pipeline_ids(&check);
    checked.sort_unstable();
    assert_eq!(checked, DEPLOYS);
    assert!(
        check.summary.contains(
            "**Check incomplete**: 2 project(s) or environment(s) could not be checked (see the errors below)."
        ),
        "{}",
        check.summary
    );
    assert!(!check.summary.contains("In sync"), "{}", check.summary);
    // On a terminal, the report's last line.
    let url = fake.base_url();
    let args = [
        "--project-ids",
        "99, 80, 70",
        "--api-url",
        url.as_str(),
        "--mode",
        "check",
        "--check-deliveries=false",
    ];
    let terminal = support::cli::run_cli(
        &args,
        &[("DEVOPNESS_API_TOKEN", TOKEN), ("PATH", "/usr/bin:/bin")],
        &[TOKEN],
    );
    assert_eq!(terminal.code, 1, "{}", terminal.shown());
    assert!(
        terminal
            .stdout
            .contains("Check incomplete: 2 project(s) or environment(s) could not be checked"),
        "{}",
        terminal.shown()
    );
    assert!(!terminal.stdout.contains("In sync"), "{}", terminal.shown());
    // The last line comes after the errors.
    let last = terminal.stdout.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        "Check incomplete: 2 project(s) or environment(s) could not be checked (see the errors above).",
        "{}",
        terminal.shown()
    );
}

/// Project 70 with two applications that cannot get hooks: `docs` (713, staging) has no
/// repository, `infra` (724, production) deploys from a cloud provider's credential.
fn project_with_untargetable() -> FakeDevopness {
    let fake = project();
    fake.add_application(
        NewApplication::new(713, "team/docs", "github")
            .named("docs")
            .in_environment(701)
            .without_repository(),
    );
    fake.add_application(
        NewApplication::new(724, "team/infra", "aws")
            .named("infra")
            .in_environment(702),
    );
    fake.add_application_pipeline(713, 7130, "deploy");
    fake.add_application_pipeline(724, 7240, "deploy");
    fake
}

/// A pipeline of a skipped application, named in `pipeline-ids` as well: handled as
/// when it is named alone (a skipped application holds nothing, and is no error).
#[test]
fn a_named_pipeline_of_a_skipped_application_is_handled_as_when_named_alone() {
    let hooks_of = |inputs: &[(&str, &str)]| {
        let fake = project_with_untargetable();
        let run = run_project(&fake, inputs);
        assert_eq!(run.code, 0, "{inputs:?}: {}", run.stdout);
        assert!(run.errors().is_empty(), "{inputs:?}: {:?}", run.errors());
        let urls: Vec<String> = fake
            .hooks(7130)
            .iter()
            .map(|h| h["url"].as_str().unwrap_or_default().to_string())
            .collect();
        (run, urls)
    };
    let (_, alone) = hooks_of(&[("pipeline-ids", "7130")]);
    assert_eq!(alone.len(), 3, "{alone:?}");
    let (both, together) = hooks_of(&[("project-ids", "70"), ("pipeline-ids", "7130")]);
    assert_eq!(together, alone);
    assert_eq!(
        both.output("created"),
        "15",
        "the project's 12 and pipeline 7130's 3"
    );
}

/// `mode: remove` skips a skipped application too: its hooks stay, unless its deploy
/// pipelines are named in `pipeline-ids` (README).
#[test]
fn remove_leaves_a_skipped_application_s_hooks_unless_its_pipelines_are_named() {
    let fake = project_with_untargetable();
    let both = [("project-ids", "70"), ("pipeline-ids", "7130")];
    assert_eq!(run_project(&fake, &both).code, 0);
    assert_eq!(fake.hooks(7130).len(), 3);
    let remove = |inputs: &[(&str, &str)]| {
        let mut all = inputs.to_vec();
        all.push(("mode", "remove"));
        run_project(&fake, &all)
    };
    let project = remove(&[("project-ids", "70")]);
    assert_eq!(project.code, 0, "{}", project.stdout);
    assert_eq!(fake.hooks(7130).len(), 3, "skipped: left in place");
    assert!(
        fake.hooks(7110).is_empty(),
        "the rest of the project is removed"
    );
    let named = remove(&both);
    assert_eq!(named.code, 0, "{}", named.stdout);
    assert!(fake.hooks(7130).is_empty(), "{}", named.stdout);
}

/// Review N2/D1: an application found in a project that has nowhere to post is skipped
/// with a warning whose advice is in Devopness (an input would redirect the whole
/// project); named in `application-ids`, it is still an error.
#[test]
fn an_application_found_without_a_target_is_skipped_named_it_is_an_error() {
    let fake = project_with_untargetable();
    let run = run_project(&fake, &[("project-ids", "70")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "12", "the rest of the project");
    assert!(fake.hooks(7130).is_empty() && fake.hooks(7240).is_empty());
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    let skipped = |id: &str| -> Vec<&str> {
        warnings(&run)
            .into_iter()
            .filter(|w| w.contains(id))
            .collect()
    };
    let docs = skipped("application 713 (docs)");
    assert_eq!(docs.len(), 1, "{}", run.stdout);
    assert!(
        docs[0].contains(
            "it has no repository in Devopness, so it is skipped; set its repository there"
        ),
        "{docs:?}"
    );
    let infra = skipped("application 724 (infra)");
    assert_eq!(infra.len(), 1, "{}", run.stdout);
    assert!(
        infra[0].contains("its source provider is `aws`")
            && infra[0].contains(
                "so it is skipped; connect it to a supported source provider in Devopness"
            ),
        "{infra:?}"
    );
    for w in docs.iter().chain(&infra) {
        assert!(!w.contains("input"), "no input is the fix: {w}");
    }
    // Named, by itself or as well as found: an error, exit 1.
    for inputs in [
        vec![("application-ids", "713")],
        vec![("project-ids", "70"), ("application-ids", "713")],
    ] {
        let named = run_project(&fake, &inputs);
        assert_eq!(named.code, 1, "{inputs:?}: {}", named.stdout);
        assert!(
            named
                .errors()
                .iter()
                .any(|e| e.contains("application 713 (docs)") && e.contains("no repository")),
            "{inputs:?}: {}",
            named.stdout
        );
    }
}

/// Review N5 and T1: an environment of a project whose applications cannot be listed is
/// named with its project, and the advice says how to leave it out; the rest is done.
#[test]
fn a_project_environment_that_cannot_be_listed_is_named_with_its_project() {
    let fake = project();
    fake.forbid_environment(702);
    let run = run_project(&fake, &[("project-ids", "70")]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.output("created"), "6", "staging is still done");
    assert_eq!(fake.hooks(7110).len(), 3);
    assert!(fake.hooks(7210).is_empty());
    let errors = run.errors();
    assert!(
        errors.iter().any(|e| e.contains(
            "environment 702 (production) of project 70: could not list its applications"
        ) && e.contains("403")
            && e.contains("`environment-ids` instead of project 70 in `project-ids`")),
        "{errors:?}"
    );
    // Gone between the two reads (404).
    let fake = project();
    fake.inject(
        Fault::once(FaultKind::Status {
            code: 404,
            retry_after: None,
        })
        .path_contains("/environments/701/applications"),
    );
    let run = run_project(&fake, &[("project-ids", "70")]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.output("created"), "6", "production is still done");
    let errors = run.errors();
    assert!(
        errors.iter().any(|e| e
            .contains("environment 701 (staging) of project 70: could not list its applications")
            && e.contains("404")
            && e.contains("though project 70 listed it")
            && e.contains("`environment-ids`")),
        "{errors:?}"
    );
}

/// Review T1: an unknown and a forbidden id in `environment-ids` are errors naming each;
/// the other environments are done.
#[test]
fn an_unknown_or_forbidden_environment_is_an_error_and_the_rest_is_done() {
    let fake = project();
    fake.forbid_environment(702);
    let run = run_project(&fake, &[("environment-ids", "999, 702, 701")]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.output("created"), "6", "staging is still done");
    assert_eq!(fake.hooks(7110).len(), 3);
    assert_eq!(fake.hooks(7120).len(), 3);
    assert!(fake.hooks(7210).is_empty() && fake.hooks(7220).is_empty());
    let errors = run.errors();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("environment 999")
            && e.contains("404")
            && e.contains("check the id in `environment-ids`")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("environment 702") && e.contains("403")),
        "{errors:?}"
    );
}

/// Review T2: a pipeline reached through a project and through `pipeline-ids` or
/// `application-ids` as well is handled once: one set of hooks, listed once.
#[test]
fn a_pipeline_reached_twice_is_handled_once() {
    let fake = project();
    let run = run_project(
        &fake,
        &[
            ("project-ids", "70"),
            ("environment-ids", "701"),
            ("application-ids", "711"),
            ("pipeline-ids", "7120, 7210"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("created"), "12");
    for pipeline in DEPLOYS {
        assert_eq!(fake.hooks(pipeline).len(), 3, "pipeline {pipeline}");
    }
    let mut listed = pipeline_ids(&run);
    listed.sort_unstable();
    assert_eq!(listed, DEPLOYS, "each once in `pipelines`");
    let mut hooked: Vec<u64> = run
        .hooks()
        .iter()
        .filter_map(|h| h["pipeline_id"].as_u64())
        .collect();
    hooked.sort_unstable();
    let want: Vec<u64> = DEPLOYS.iter().flat_map(|p| [*p; 3]).collect();
    assert_eq!(hooked, want, "three hooks each in `hooks`");
    // Each application read once: its pipeline list once, 712 (listed without its
    // credential) read once.
    let count = |route: &str| {
        fake.requests()
            .iter()
            .filter(|r| r.route() == route)
            .count()
    };
    assert_eq!(count("/pipelines/application/711"), 1);
    assert_eq!(count("/applications/712"), 1);
    assert_eq!(count("/environments/701/applications"), 1);
}

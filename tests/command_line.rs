//! The binary as a command line, the way a person runs it in a terminal (flags and
//! `DEVOPNESS_*` variables, nothing of GitHub's), in a GitHub Actions `run:` step, and
//! as a Bitbucket pipe sees its variables, against the fake Devopness API. Every run
//! is also a leak test (the token never printed nor written).

mod support;
use support::cli::{run_cli, run_cli_in, CliRun};
use support::*;

const REPOSITORY: &str = "octo-org/my-app";

/// A terminal's environment: the token, and nothing of any CI.
fn terminal_env() -> Vec<(&'static str, &'static str)> {
    vec![("DEVOPNESS_API_TOKEN", TOKEN), ("PATH", "/usr/bin:/bin")]
}

/// Flags that say where statuses go, against `fake`.
fn flags(fake: &FakeDevopness, pipelines: &str) -> Vec<String> {
    [
        "--pipeline-ids",
        pipelines,
        "--api-url",
        &fake.base_url(),
        "--provider",
        "github",
        "--repository",
        REPOSITORY,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn run(fake: &FakeDevopness, pipelines: &str, more: &[&str], env: &[(&str, &str)]) -> CliRun {
    let mut args = flags(fake, pipelines);
    args.extend(more.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut all_env = terminal_env();
    all_env.extend_from_slice(env);
    run_cli(&args, &all_env, &[TOKEN])
}

/// Nothing a GitHub runner would read as a command, and no terminal control.
fn assert_plain(run: &CliRun) {
    for line in run.stdout.lines().chain(run.stderr.lines()) {
        assert!(
            !line.trim_start().starts_with("::"),
            "{line}\n{}",
            run.shown()
        );
        assert!(!line.contains("##["), "{line}");
        assert!(
            !line.chars().any(|c| c.is_control() && c != '\t'),
            "control character in {line:?} (no colour when not a terminal)"
        );
    }
}

#[test]
fn help_lists_every_option_with_its_default_and_variable_and_exits_0() {
    let help = run_cli(&["--help"], &[], &[]);
    assert_eq!(help.code, 0, "{}", help.shown());
    for input in declared_inputs() {
        let name = input.name.as_str();
        let flag = if ["api-token", "github-token", "extra-headers"].contains(&name) {
            format!("--{name}-file FILE")
        } else {
            format!("--{name}")
        };
        assert!(
            help.stdout.contains(&format!("\n  {flag}")),
            "{flag}\n{}",
            help.stdout
        );
        let var = format!("DEVOPNESS_{}", name.replace('-', "_").to_uppercase());
        assert!(help.stdout.contains(&format!("[env: {var}]")), "{var}");
        let default = input.default.as_str();
        if !default.is_empty() && name != "provider" {
            assert!(
                help.stdout.contains(&format!("[default: {default}]")),
                "{name}: default {default} not shown"
            );
        }
    }
    for flag in [
        "--output-json FILE",
        "--output-dotenv FILE",
        "--summary-file FILE",
    ] {
        assert!(help.stdout.contains(flag), "{flag}");
    }
    assert!(
        !help.stdout.contains("--api-token TEXT"),
        "no secret on argv"
    );
    let short = run_cli(&["-h"], &[], &[]);
    assert_eq!(
        (short.code, short.stdout.as_str()),
        (0, help.stdout.as_str())
    );
    for version in ["--version", "-V"] {
        let v = run_cli(&[version], &[], &[]);
        assert_eq!(v.code, 0);
        assert_eq!(
            v.stdout,
            format!("devopness-status-hooks {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn a_terminal_apply_from_flags_and_environment_writes_the_files_asked_for() {
    let fake = fake_with(&[1, 2]);
    let r = run(
        &fake,
        "1,2",
        &[
            "--output-json",
            "outputs.json",
            "--output-dotenv",
            "outputs.env",
            "--summary-file",
            "report.md",
        ],
        &[("DEVOPNESS_CONTEXT", "ci/terminal")],
    );
    assert_eq!(r.code, 0, "{}", r.shown());
    assert_plain(&r);
    let json = r.json("outputs.json");
    assert_eq!(json["created"], 6, "{json}");
    assert_eq!(json["changed"], true);
    assert_eq!(json["hooks"].as_array().map(Vec::len), Some(6));
    let env = r.dotenv("outputs.env");
    assert_eq!(env["created"], "6");
    assert_eq!(env["drift"], "false");
    assert!(
        !env.contains_key("hooks"),
        "the JSON list is not a dotenv value"
    );
    assert!(r
        .file("report.md")
        .starts_with("## Devopness status hooks: apply"));
    assert!(
        r.stdout
            .ends_with("2 pipeline(s): 6 created, 0 updated, 0 unchanged.\n"),
        "{}",
        r.shown()
    );
    for pipeline in [1, 2] {
        let hooks = hooks_with_context(&fake, pipeline, "ci/terminal");
        assert_eq!(hooks.len(), 3, "context from DEVOPNESS_CONTEXT");
        for h in hooks {
            let url = h["target_url"].as_str().unwrap_or_default();
            assert!(url.starts_with(&format!(
                "https://api.github.com/repos/{REPOSITORY}/statuses/"
            )));
        }
    }
}

#[test]
fn a_dry_run_prints_the_plan_and_writes_nothing() {
    let fake = fake_with(&[1]);
    let r = run(&fake, "1", &["--dry-run"], &[]);
    assert_eq!(r.code, 0, "{}", r.shown());
    assert_plain(&r);
    assert!(writes(&fake).is_empty(), "a dry run wrote");
    assert!(
        r.stdout.contains("action.started: would-create"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("  request body (create):"));
    assert!(r
        .stdout
        .contains("note: dry run: nothing was written to Devopness"));
}

#[test]
fn a_check_with_drift_exits_2_and_api_text_cannot_drive_the_terminal() {
    let fake = fake_with(&[1]);
    assert_eq!(run(&fake, "1", &[], &[]).code, 0);
    let started = fake
        .hooks(1)
        .into_iter()
        .find(|h| body_of(h)["state"] == "pending")
        .expect("the started hook");
    let id = started["id"].as_str().unwrap_or_default().to_owned();
    fake.edit_hook(&id, |h| {
        h["settings"]["request_body"]["description"] =
            json!("edited\u{1b}[2J\u{1b}]0;owned\u{7}\r\n::error::forged ##[error]x");
    });
    fake.clear_requests();

    let r = run(
        &fake,
        "1",
        &["--mode", "check", "--output-dotenv", "o.env"],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.shown());
    assert!(writes(&fake).is_empty(), "check wrote");
    assert_plain(&r);
    assert!(
        r.stdout
            .contains("edited^[[2J^[]0;owned^G^M^J::error::forged ## [error]x"),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains("warning: Pipeline 1: the action.started hook has drifted"));
    assert!(r.stdout.contains("error: drift found"), "{}", r.stdout);
    let env = r.dotenv("o.env");
    assert_eq!(
        (env["drift"].as_str(), env["drifted"].as_str()),
        ("true", "1")
    );

    let lenient = run(&fake, "1", &["--mode=check", "--fail-on-drift=false"], &[]);
    assert_eq!(lenient.code, 0, "{}", lenient.shown());
}

#[test]
fn a_flag_wins_over_its_variable() {
    let fake = fake_with(&[1]);
    assert_eq!(run(&fake, "1", &[], &[]).code, 0);
    fake.clear_requests();
    let r = run(
        &fake,
        "1",
        &["--mode", "check"],
        &[
            ("DEVOPNESS_MODE", "remove"),
            ("DEVOPNESS_PIPELINE_IDS", "2"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.shown());
    assert!(writes(&fake).is_empty(), "remove from the variable ran");
    assert_eq!(fake.hooks(1).len(), 3);
}

#[test]
fn the_token_can_come_from_a_file() {
    let fake = fake_with(&[1]);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("secret-token"), format!("{TOKEN}\n")).expect("write");
    let mut args = flags(&fake, "1");
    args.extend(["--api-token-file".into(), "secret-token".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run_cli_in(dir, &args, &[("PATH", "/usr/bin:/bin")], &[TOKEN]);
    assert_eq!(r.code, 0, "{}", r.shown());
    assert_eq!(fake.hooks(1).len(), 3);
}

/// Extra flags, extra variables, and what the error must say.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

/// Each case: exit 1 (not a parser's 2, which a scheduled check would read as drift),
/// an error naming the option, nothing sent, no file written, the token not echoed.
#[test]
fn bad_options_exit_1_naming_the_option_having_sent_nothing() {
    let cases: &[Case] = &[
        (&["--bogus"], &[], "--bogus: unknown option"),
        (&["--api_url=x"], &[], "did you mean --api-url?"),
        (
            &["--api-token", "dvp_typed_on_argv_1234"],
            &[],
            "--api-token: secrets are not read from the command line",
        ),
        (
            &["--mode", "destroy"],
            &[],
            "--mode: expected one of: apply, check, remove",
        ),
        (
            &["--dry-run", "false"],
            &[],
            "error: argument: a value without an option",
        ),
        (
            &["--max-concurrency"],
            &[],
            "--max-concurrency: needs a value",
        ),
        (
            &[],
            &[("DEVOPNESS_HOOK_NAME", "no event")],
            "DEVOPNESS_HOOK_NAME: must contain",
        ),
        (
            &[],
            &[("DEVOPNESS_TIMEOUT_SECONDS", "0")],
            "DEVOPNESS_TIMEOUT_SECONDS: ",
        ),
        (
            &["--output-json", "no/such/dir/o.json"],
            &[],
            "--output-json: the folder no/such/dir does not exist",
        ),
    ];
    for (more, env, expected) in cases {
        let fake = fake_with(&[1]);
        let mut args: Vec<&str> = vec!["--output-dotenv", "o.env", "--summary-file", "s.md"];
        args.extend_from_slice(more);
        let r = run(&fake, "1", &args, env);
        let ctx = format!("case {more:?} {env:?}\n{}", r.shown());
        assert_eq!(r.code, 1, "{ctx}");
        assert!(r.stdout.contains(expected), "expected {expected:?}\n{ctx}");
        assert!(r.stdout.contains("nothing was sent to Devopness"), "{ctx}");
        assert!(fake.requests().is_empty(), "sent a request\n{ctx}");
        assert!(!r.path("o.env").exists(), "outputs written\n{ctx}");
        assert!(!r.stdout.contains("dvp_typed_on_argv_1234"), "{ctx}");
        assert_plain(&r);
    }
}

#[test]
fn every_problem_is_reported_at_once_and_the_report_says_why() {
    let fake = fake_with(&[1]);
    let url = fake.base_url();
    let r = run_cli(
        &[
            "--mode",
            "x",
            "--summary-file",
            "s.md",
            "--pipeline-ids",
            "0",
            "--api-url",
            &url,
        ],
        &[
            ("DEVOPNESS_MAX_CONCURRENCY", "0"),
            ("DEVOPNESS_PROVIDER_API_URL", "http://example.com"),
        ],
        &[],
    );
    assert_eq!(r.code, 1);
    for named in [
        "--api-token-file / DEVOPNESS_API_TOKEN",
        "--pipeline-ids",
        "DEVOPNESS_PROVIDER_API_URL",
        "--mode",
        "DEVOPNESS_MAX_CONCURRENCY",
    ] {
        assert!(
            r.stdout.contains(&format!("error: {named}: ")),
            "{named}\n{}",
            r.stdout
        );
    }
    assert!(r
        .file("s.md")
        .contains("Nothing was done: the options are invalid."));
    assert!(fake.requests().is_empty());
}

#[test]
fn in_a_github_run_step_it_defaults_to_the_workflows_repository() {
    let fake = fake_with(&[1]);
    let url = fake.base_url();
    let r = run_cli(
        &["--pipeline-ids", "1", "--api-url", &url],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", REPOSITORY),
            ("GITHUB_API_URL", "https://ghe.example.com/api/v3"),
            ("DEVOPNESS_API_TOKEN", TOKEN),
        ],
        &[TOKEN],
    );
    assert_eq!(r.code, 0, "{}", r.shown());
    assert_plain(&r);
    let hooks = fake.hooks(1);
    assert_eq!(hooks.len(), 3);
    let target = hooks[0]["target_url"].as_str().unwrap_or_default();
    assert!(
        target.starts_with(&format!(
            "https://ghe.example.com/api/v3/repos/{REPOSITORY}/"
        )),
        "{target}"
    );
}

/// A Bitbucket pipe as the binary sees it (the container run itself is in
/// scripts/image-test): the pipe's variables without the prefix, a list as
/// NAME_COUNT/NAME_i, the outputs in the shared pipe storage.
#[test]
fn a_bitbucket_pipe_reads_its_variables_and_leaves_its_outputs_for_later_pipes() {
    let fake = fake_deploying(&[3, 4], "team/app", "bitbucket");
    let url = fake.base_url();
    let dir = tempfile::tempdir().expect("tempdir");
    let shared = dir.path().join("pipes");
    let own = shared.join("devopness/status-hooks");
    std::fs::create_dir_all(&own).expect("pipe storage");
    let (shared_s, own_s) = (shared.display().to_string(), own.display().to_string());
    let env = [
        ("CI", "true"),
        ("BITBUCKET_REPO_FULL_NAME", "team/app"),
        ("BITBUCKET_WORKSPACE", "team"),
        ("BITBUCKET_REPO_SLUG", "app"),
        (
            "BITBUCKET_COMMIT",
            "0123456789abcdef0123456789abcdef01234567",
        ),
        ("BITBUCKET_PIPE_STORAGE_DIR", own_s.as_str()),
        ("BITBUCKET_PIPE_SHARED_STORAGE_DIR", shared_s.as_str()),
        ("DEVOPNESS_API_TOKEN", TOKEN),
        ("PIPELINE_IDS_COUNT", "2"),
        ("PIPELINE_IDS_0", "3"),
        ("PIPELINE_IDS_1", "4"),
        ("API_URL", url.as_str()),
        ("CONTEXT", "ci/bitbucket"),
    ];
    let r = run_cli_in(dir, &[], &env, &[TOKEN]);
    assert_eq!(r.code, 0, "{}", r.shown());
    assert_plain(&r);
    let outputs = shared.join("devopness-status-hooks");
    let dotenv = support::cli::parse_dotenv(
        &std::fs::read_to_string(outputs.join("outputs.env")).expect("outputs.env"),
    );
    assert_eq!(dotenv["created"], "6");
    let json = std::fs::read_to_string(outputs.join("outputs.json")).expect("outputs.json");
    assert!(json.contains("\"created\":6"), "{json}");
    assert!(outputs.join("summary.md").is_file());
    for pipeline in [3, 4] {
        for h in fake.hooks(pipeline) {
            let target = h["target_url"].as_str().unwrap_or_default();
            assert!(
                target.starts_with("https://api.bitbucket.org/2.0/repositories/team/app/"),
                "{target}"
            );
        }
    }

    // Outside a pipe (a plain step), an unprefixed MODE is someone else's variable.
    let fake = fake_with(&[1]);
    let url = fake.base_url();
    let r = run_cli(
        &["--pipeline-ids", "1", "--api-url", &url],
        &[
            ("BITBUCKET_REPO_FULL_NAME", "team/app"),
            ("DEVOPNESS_API_TOKEN", TOKEN),
            ("MODE", "remove"),
        ],
        &[TOKEN],
    );
    assert_eq!(r.code, 0, "{}", r.shown());
    assert_eq!(
        fake.hooks(1).len(),
        3,
        "MODE=remove was read outside a pipe"
    );
}

/// `--application-ids`: an application knows its repository and provider, so a
/// terminal needs neither; in a GitLab job the application's repository wins over the
/// job's project, and `--provider gitlab` brings the instance's own API.
#[test]
fn applications_say_where_statuses_go_whatever_the_platform() {
    use fake_devopness::NewApplication;
    let fake = fake_with(&[]);
    fake.add_application(NewApplication::new(7, "octo/app", "github"));
    fake.add_application_pipeline(7, 70, "deploy");
    fake.add_application(NewApplication::new(8, "team/service", "gitlab"));
    fake.add_application_pipeline(8, 80, "deploy");
    let url = fake.base_url();

    let terminal = run_cli(
        &["--application-ids", "7", "--api-url", &url],
        &[("DEVOPNESS_API_TOKEN", TOKEN)],
        &[TOKEN],
    );
    assert_eq!(terminal.code, 0, "{}", terminal.shown());
    let target = fake.hooks(70)[0]["target_url"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        target.starts_with("https://api.github.com/repos/octo/app/statuses/"),
        "{target}"
    );

    let job_env: Vec<(String, String)> =
        support::cli::gitlab_job_env("group/sub/project", "https://gitlab.example.com");
    let mut env: Vec<(&str, &str)> = job_env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    env.push(("DEVOPNESS_API_TOKEN", TOKEN));
    let job = run_cli(
        &[
            "--application-ids",
            "8",
            "--provider",
            "gitlab",
            "--api-url",
            &url,
        ],
        &env,
        &[TOKEN],
    );
    assert_eq!(job.code, 0, "{}", job.shown());
    let target = fake.hooks(80)[0]["target_url"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        target.starts_with("https://gitlab.example.com/api/v4/projects/team%2Fservice/statuses/"),
        "{target}"
    );
}

//! The GitLab CI/CD component's job, run the way GitLab runs it: its inputs
//! interpolated (`$[[ inputs.NAME ]]`), its `variables:` and the variables GitLab sets
//! in every job in the environment, then the project's own CI/CD variables over them
//! (GitLab gives project, group, instance and schedule variables precedence over a job's
//! `variables:`), a masked `DEVOPNESS_API_TOKEN`, its `script:` run as the runner runs it
//! (quoted into one `eval` under errexit) by `sh`, and for hostile values also by `bash`
//! and BusyBox's `sh` when the machine has them,
//! the real binary on PATH (the image's `devopness-status-hooks`), against the fake
//! Devopness API; then the dotenv report read back with GitLab's rules.
//!
//! `scripts/gitlab-ci-test` runs the same component under gitlab-ci-local (GitLab's
//! include, inputs, variables and artifacts semantics) in the image itself.

mod ci_files;
mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use ci_files::{root, scalar, yaml_docs, Value};
use support::cli::{gitlab_job_env, parse_dotenv};
use support::*;

const PROJECT: &str = "group/sub/project";
const SERVER: &str = "https://gitlab.example.com";
const JOB_NAME: &str = "devopness-status-hooks";

/// The component's job with `inputs` (the others at their defaults) interpolated.
fn job(inputs: &[(&str, &str)]) -> Value {
    let mut docs = yaml_docs(&root().join("templates/status-hooks.yml"));
    assert_eq!(docs.len(), 2, "spec header, then the job");
    let jobs = docs.pop().expect("jobs");
    let header = docs.pop().expect("header");
    let declared = header["spec"]["inputs"].as_object().expect("spec: inputs:");
    let mut values: BTreeMap<String, String> = declared
        .iter()
        .filter_map(|(name, spec)| spec.get("default").map(|d| (name.clone(), scalar(d, name))))
        .collect();
    for (name, value) in inputs {
        assert!(declared.contains_key(*name), "no input {name}");
        values.insert((*name).to_owned(), (*value).to_owned());
    }
    let job = jobs
        .as_object()
        .and_then(|m| m.values().next())
        .expect("one job");
    interpolate(job, &values)
}

/// GitLab's interpolation of `$[[ inputs.NAME ]]` in every string (after parsing, so a
/// value is inserted as it is, line breaks and all).
fn interpolate(v: &Value, values: &BTreeMap<String, String>) -> Value {
    match v {
        Value::String(s) => {
            let mut out = s.clone();
            for (name, value) in values {
                out = out.replace(&format!("$[[ inputs.{name} ]]"), value);
            }
            assert!(!out.contains("$[["), "an input without a value in {s:?}");
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| interpolate(i, values)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), interpolate(v, values)))
                .collect(),
        ),
        other => other.clone(),
    }
}

struct Job {
    code: i32,
    log: String,
    dir: tempfile::TempDir,
    dotenv_path: PathBuf,
    report_path: PathBuf,
}

impl Job {
    fn dotenv(&self) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(&self.dotenv_path)
            .unwrap_or_else(|e| panic!("no dotenv report ({e}):\n{}", self.log));
        parse_dotenv(&text).into_iter().collect()
    }
}

/// Runs the job's script as GitLab's runner does, with `token` as the masked variable
/// `DEVOPNESS_API_TOKEN`.
fn run_job(job: &Value, token: Option<&str>) -> Job {
    run_job_with(job, token.map(|t| ("DEVOPNESS_API_TOKEN", t)), &[])
}

/// [`run_job`] with the token in a masked variable of another name, and the project's
/// CI/CD variables `project` (which win over the job's `variables:`, as in GitLab).
fn run_job_with(job: &Value, token: Option<(&str, &str)>, project: &[(String, String)]) -> Job {
    run_job_in("sh", job, token, project)
}

/// The job script as GitLab's runner hands it to a POSIX shell: each command of
/// `script:` trimmed and followed by a check of its exit status, the whole quoted into
/// one `eval` (a shell reads a complete command, here-documents included, before it runs
/// it, in `eval` as in a file), under errexit.
fn runner_script(commands: &[String]) -> String {
    let inner: String = commands
        .iter()
        .map(|c| {
            format!(
                "{}\n_runner_exit_code=$?; if [ \"$_runner_exit_code\" -ne 0 ]; then exit \"$_runner_exit_code\"; fi\n",
                c.trim()
            )
        })
        .collect();
    let quoted = inner.replace('\'', "'\\''");
    format!("set -o errexit\nset +o noclobber\n: | eval '{quoted}'\nexit 0\n")
}

/// [`run_job`] under `shell`.
fn run_in(shell: &str, job: &Value, token: Option<&str>) -> Job {
    run_job_in(shell, job, token.map(|t| ("DEVOPNESS_API_TOKEN", t)), &[])
}

/// [`run_job_with`] under `shell` (`sh`, `bash`, `busybox sh`: what a job image may have).
fn run_job_in(
    shell: &str,
    job: &Value,
    token: Option<(&str, &str)>,
    project: &[(String, String)],
) -> Job {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_devopness-status-hooks"));
    let bin_dir = bin.parent().expect("bin dir").display().to_string();
    let script: Vec<String> = job["script"]
        .as_array()
        .expect("script")
        .iter()
        .map(|l| scalar(l, "script"))
        .collect();
    let mut words = shell.split_whitespace();
    let mut cmd = Command::new(words.next().expect("a shell"));
    cmd.args(words)
        .arg("-c")
        .arg(runner_script(&script))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", format!("{bin_dir}:/usr/bin:/bin"))
        .env("HOME", dir.path())
        .env("CI_JOB_NAME", JOB_NAME);
    for (k, v) in gitlab_job_env(PROJECT, SERVER) {
        cmd.env(k, v);
    }
    // The variables a job variable's `$NAME` can name: GitLab's and the project's.
    let known: BTreeMap<String, String> = gitlab_job_env(PROJECT, SERVER)
        .into_iter()
        .chain([("CI_JOB_NAME".to_owned(), JOB_NAME.to_owned())])
        .chain(project.iter().cloned())
        .collect();
    for (k, v) in job["variables"].as_object().expect("variables") {
        cmd.env(k, expand_variables(&scalar(v, k), &known));
    }
    if let Some((name, token)) = token {
        cmd.env(name, token);
    }
    for (k, v) in project {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run sh");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some((_, token)) = token {
        assert!(!log.contains(token), "the token in the job log:\n{log}");
    }
    let artifacts = &job["artifacts"];
    let dotenv_path = dir
        .path()
        .join(scalar(&artifacts["reports"]["dotenv"], "dotenv"));
    let report_path = dir
        .path()
        .join(scalar(&artifacts["paths"][0], "artifact path"));
    Job {
        code: out.status.code().unwrap_or(-1),
        log,
        dir,
        dotenv_path,
        report_path,
    }
}

/// What GitLab does to a job's `variables:` values before the job starts: `$NAME` and
/// `${NAME}` become that variable's value (empty when it has none), `$$` a `$`.
fn expand_variables(value: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        let (name, after) = match rest.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                None => ("", rest),
            },
            None => {
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        if name.is_empty() {
            out.push('$');
        } else {
            out.push_str(vars.get(name).map(String::as_str).unwrap_or(""));
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn the_harness_expands_job_variables_as_gitlab_does() {
    let vars: BTreeMap<String, String> = [("CI_JOB_NAME".to_owned(), "hooks".to_owned())].into();
    assert_eq!(expand_variables("ci/$CI_JOB_NAME", &vars), "ci/hooks");
    assert_eq!(
        expand_variables("${CI_JOB_NAME}-x $$y $UNSET.", &vars),
        "hooks-x $y ."
    );
    assert_eq!(expand_variables("a $ b", &vars), "a $ b");
}

#[test]
fn the_component_job_posts_to_its_own_project_and_reports_by_dotenv() {
    let fake = fake_deploying(&[1, 2], PROJECT, "gitlab");
    let url = fake.base_url();
    let apply = run_job(
        &job(&[("pipeline-ids", "1, 2"), ("api-url", &url)]),
        Some(TOKEN),
    );
    assert_eq!(apply.code, 0, "{}", apply.log);
    assert!(
        !apply.log.lines().any(|l| l.starts_with("::")),
        "{}",
        apply.log
    );
    let env = apply.dotenv();
    assert_eq!(env["created"], "6", "{env:?}");
    assert_eq!(env["changed"], "true");
    assert!(!env.contains_key("hooks"));
    let report = std::fs::read_to_string(&apply.report_path).expect("the Markdown artifact");
    assert!(
        report.contains(&format!("Commit statuses for `{PROJECT}`")),
        "{report}"
    );
    assert!(!report.contains(TOKEN));
    for pipeline in [1, 2] {
        let hooks = fake.hooks(pipeline);
        assert_eq!(hooks.len(), 3);
        for h in hooks {
            let target = h["target_url"].as_str().unwrap_or_default();
            assert!(
                target.starts_with(&format!(
                    "{SERVER}/api/v4/projects/group%2Fsub%2Fproject/statuses/"
                )),
                "the instance's own API and project: {target}"
            );
            assert!(body_of(&h).get("name").is_some(), "a GitLab status body");
        }
    }
    drop(apply.dir);

    // The scheduled check: in sync, then a hook deleted by hand is drift (exit 2),
    // and the report is still written for the artifact.
    let check = job(&[
        ("pipeline-ids", "1, 2"),
        ("api-url", &url),
        ("mode", "check"),
    ]);
    let in_sync = run_job(&check, Some(TOKEN));
    assert_eq!(in_sync.code, 0, "{}", in_sync.log);
    assert_eq!(in_sync.dotenv()["drift"], "false");
    let gone = fake.hooks(2)[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    fake.remove_hook(&gone);
    fake.clear_requests();
    let drift = run_job(&check, Some(TOKEN));
    assert_eq!(drift.code, 2, "{}", drift.log);
    assert!(writes(&fake).is_empty(), "check wrote");
    let env = drift.dotenv();
    assert_eq!(
        (env["drift"].as_str(), env["missing"].as_str()),
        ("true", "1")
    );
    assert!(drift.report_path.is_file());
}

#[test]
fn a_bad_input_or_a_missing_token_fails_the_job_having_sent_nothing() {
    let fake = fake_deploying(&[1], PROJECT, "gitlab");
    let url = fake.base_url();
    let no_token = run_job(&job(&[("pipeline-ids", "1"), ("api-url", &url)]), None);
    assert_eq!(no_token.code, 1, "{}", no_token.log);
    assert!(
        no_token.log.contains("DEVOPNESS_API_TOKEN"),
        "{}",
        no_token.log
    );

    // The token in a variable of the project's own naming.
    let named = run_job_with(
        &job(&[
            ("pipeline-ids", "1"),
            ("api-url", &url),
            ("api-token-variable", "DEVOPNESS_PROD_TOKEN"),
            ("mode", "check"),
            ("fail-on-drift", "false"),
        ]),
        Some(("DEVOPNESS_PROD_TOKEN", TOKEN)),
        &[],
    );
    assert_eq!(named.code, 0, "{}", named.log);
    assert_eq!(named.dotenv()["missing"], "3");
    fake.clear_requests();

    let bad = run_job(
        &job(&[
            ("pipeline-ids", "1, x"),
            ("api-url", &url),
            ("context", "a\u{1b}[31m"),
        ]),
        Some(TOKEN),
    );
    assert_eq!(bad.code, 1, "{}", bad.log);
    // Named as the job passed them: flags.
    assert!(bad.log.contains("error: --pipeline-ids: "), "{}", bad.log);
    assert!(bad.log.contains("error: --context: "), "{}", bad.log);
    assert!(!bad.log.contains('\u{1b}'), "{}", bad.log);
    assert!(fake.requests().is_empty(), "sent a request");
    assert!(!bad.dotenv_path.exists(), "outputs for a refused run");
}

/// A project variable for every option the binary reads from the environment (and the
/// job's `GIT_STRATEGY`), each one that would change the run if it were read: the list
/// scripts/gitlab-ci-test uses (tests/workflows.rs checks it covers every option). The
/// output files it names are in a folder that does not exist, so reading one fails the run.
fn hostile_project_variables() -> Vec<(String, String)> {
    let vars = ci_files::yaml(&root().join("tests/gitlab-ci/project-variables.yml"));
    vars.as_object()
        .expect("a map")
        .iter()
        .map(|(k, v)| (k.clone(), scalar(v, k)))
        .collect()
}

#[test]
fn project_variables_change_nothing_the_inputs_say() {
    let fake = fake_deploying(&[1, 2, 3], PROJECT, "gitlab");
    let url = fake.base_url();
    let project = hostile_project_variables();
    assert!(project
        .iter()
        .any(|(k, v)| k == "DEVOPNESS_MODE" && v == "remove"));

    let apply = run_job_with(
        &job(&[("pipeline-ids", "1, 2"), ("api-url", &url)]),
        Some(("DEVOPNESS_API_TOKEN", TOKEN)),
        &project,
    );
    assert_eq!(apply.code, 0, "{}", apply.log);
    let env = apply.dotenv();
    assert_eq!(
        (env["created"].as_str(), env["deleted"].as_str()),
        ("6", "0"),
        "{}",
        apply.log
    );
    for pipeline in [1, 2] {
        let hooks = fake.hooks(pipeline);
        assert_eq!(hooks.len(), 3);
        for h in &hooks {
            let body = body_of(h);
            // GitLab's status body names the context `name`.
            assert_eq!(body["name"], CONTEXT);
            assert!(
                body["description"]
                    .as_str()
                    .is_some_and(|d| d.ends_with("on Devopness")),
                "{body}"
            );
            assert!(h["target_url"]
                .as_str()
                .is_some_and(|t| t.starts_with(SERVER)));
            assert!(!h.to_string().contains("evil"), "{h}");
            assert!(!h.to_string().contains("X-Evil"), "{h}");
            assert!(h["trigger_when"]["conditions"]
                .as_array()
                .is_none_or(|c| c.is_empty()));
        }
    }
    assert!(fake.hooks(3).is_empty(), "DEVOPNESS_PIPELINE_IDS was read");

    // The scheduled check, with the same variables: it reads, it finds drift, it fails.
    let gone = fake.hooks(1)[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    fake.remove_hook(&gone);
    fake.clear_requests();
    let check = run_job_with(
        &job(&[
            ("pipeline-ids", "1, 2"),
            ("api-url", &url),
            ("mode", "check"),
        ]),
        Some(("DEVOPNESS_API_TOKEN", TOKEN)),
        &project,
    );
    assert_eq!(check.code, 2, "fail-on-drift is the input's: {}", check.log);
    assert!(writes(&fake).is_empty(), "check wrote");
    assert_eq!(check.dotenv()["missing"], "1");
}

fn text_inputs_reach_the_hooks_exactly_as_written_in(shell: &str) {
    let fake = fake_deploying(&[1], PROJECT, "gitlab");
    let url = fake.base_url();
    let context = "ci/$CI_JOB_NAME";
    let started = r#"it's "$(touch pwned)" `touch pwned` ${HOME} \n"#;
    let failed = r"$CI_PROJECT_PATH \$x '' \ ;|&<>*? # done";
    let hook_name = "{context} $USER: {event}";
    let details = "https://example.com/$CI_PIPELINE_ID/{{ action.id }}";
    let run = run_in(
        shell,
        &job(&[
            ("pipeline-ids", "1"),
            ("api-url", &url),
            ("context", context),
            ("description-started", started),
            ("description-failed", failed),
            ("hook-name", hook_name),
            ("details-url", details),
        ]),
        Some(TOKEN),
    );
    assert_eq!(run.code, 0, "{}", run.log);
    assert!(!run.dir.path().join("pwned").exists(), "a command ran");
    let hooks = fake.hooks(1);
    assert_eq!(hooks.len(), 3);
    let by_event = |event: &str| {
        hooks
            .iter()
            .find(|h| h["trigger_when"]["events"][0] == event)
            .map(body_of)
            .unwrap_or_else(|| panic!("no {event} hook"))
    };
    assert_eq!(by_event("action.started")["description"], started);
    assert_eq!(by_event("action.failed")["description"], failed);
    for h in &hooks {
        assert_eq!(body_of(h)["name"], context, "GitLab's context field: {h}");
        assert_eq!(body_of(h)["target_url"], details, "{h}");
        let name = h["name"].as_str().unwrap_or_default();
        assert!(name.starts_with("ci/$CI_JOB_NAME $USER: "), "{name}");
    }
}

#[test]
fn text_inputs_reach_the_hooks_exactly_as_written() {
    text_inputs_reach_the_hooks_exactly_as_written_in("sh");
}

fn a_line_break_in_a_text_input_runs_nothing_in(shell: &str) {
    let fake = fake_deploying(&[1], PROJECT, "gitlab");
    let url = fake.base_url();
    let run = run_in(
        shell,
        &job(&[
            ("pipeline-ids", "1"),
            ("api-url", &url),
            ("context", "ci/x\ntouch pwned\n'\n\"\n$(touch pwned)"),
            ("description-started", "a\n)\ntouch pwned"),
        ]),
        Some(TOKEN),
    );
    assert_eq!(run.code, 1, "{}", run.log);
    assert!(!run.dir.path().join("pwned").exists(), "a command ran");
    assert!(run.log.contains("error: --context: "), "{}", run.log);
    assert!(
        run.log.contains("error: --description-started: "),
        "{}",
        run.log
    );
    assert!(fake.requests().is_empty(), "sent a request");
}

#[test]
fn a_line_break_in_a_text_input_runs_nothing() {
    a_line_break_in_a_text_input_runs_nothing_in("sh");
}

/// The line that ends the component's here-documents (one per text input, all on the
/// script's last command line, which ends with `exit`), and the text of the last one.
const DELIMITER: &str = "DEVOPNESS_STATUS_HOOKS_EOF";
const END_OF_INPUTS: &str = "end of the inputs";

/// An input holding the delimiter line ends its here-document early: its other lines go to
/// the next input's file, the last lines are never read, and the end marker is missed, so
/// the job stops before the binary runs. Nothing in the value runs, whichever input it is
/// (blank by default or not, read first or last), even a value that tries to pick up
/// where the script left off.
fn an_input_holding_the_delimiter_line_runs_nothing_and_sends_nothing_in(shell: &str) {
    let fake = fake_deploying(&[1], PROJECT, "gitlab");
    let url = fake.base_url();
    let hostile =
        format!("x\n{DELIMITER}\ntouch pwned\n$(touch pwned)\ncat >/dev/null <<'{DELIMITER}'");
    for input in [
        "application-ids",
        "repository",
        "provider-api-url",
        "context",
        "ca-certificate",
        "extra-headers",
    ] {
        let run = run_in(
            shell,
            &job(&[("pipeline-ids", "1"), ("api-url", &url), (input, &hostile)]),
            Some(TOKEN),
        );
        assert!(
            !run.dir.path().join("pwned").exists(),
            "{input}: a command ran"
        );
        assert_eq!(run.code, 1, "{input}: {}", run.log);
        assert!(
            run.log
                .contains(&format!("An input holds the line {DELIMITER}")),
            "{input}: {}",
            run.log
        );
        assert!(fake.requests().is_empty(), "{input}: sent a request");
        assert!(
            !run.dotenv_path.exists(),
            "{input}: outputs for a refused run"
        );
    }
}

#[test]
fn an_input_holding_the_delimiter_line_runs_nothing_and_sends_nothing() {
    an_input_holding_the_delimiter_line_runs_nothing_and_sends_nothing_in("sh");
}

/// A value written to line up the end marker gets past the check, and still runs nothing:
/// the job reads only the part before the delimiter, and the shell stops at the `exit`
/// that ends the here-documents' command line, before the rest.
fn a_value_that_lines_up_the_end_marker_only_cuts_itself_short_in(shell: &str) {
    let fake = fake_deploying(&[1], PROJECT, "gitlab");
    let url = fake.base_url();
    let crafted = format!(
        "X-Kept: kept-value\n{DELIMITER}\n{END_OF_INPUTS}\n{DELIMITER}\ntouch pwned\ncat >/dev/null <<'{DELIMITER}'"
    );
    let run = run_in(
        shell,
        &job(&[
            ("pipeline-ids", "1"),
            ("api-url", &url),
            ("extra-headers", &crafted),
        ]),
        Some(TOKEN),
    );
    assert!(!run.dir.path().join("pwned").exists(), "a command ran");
    assert_eq!(run.code, 0, "{}", run.log);
    let hooks = fake.hooks(1);
    assert_eq!(hooks.len(), 3);
    for h in &hooks {
        let ours: Vec<(&str, &str)> = h["settings"]["request_headers"]
            .as_array()
            .expect("headers")
            .iter()
            .filter_map(|x| Some((x["name"].as_str()?, x["value"].as_str()?)))
            .filter(|(name, _)| name.starts_with("X-"))
            .collect();
        assert_eq!(ours, [("X-Kept", "kept-value")], "{h}");
    }
}

#[test]
fn a_value_that_lines_up_the_end_marker_only_cuts_itself_short() {
    a_value_that_lines_up_the_end_marker_only_cuts_itself_short_in("sh");
}

#[test]
fn extra_headers_read_the_job_variables_they_name_and_nothing_else() {
    let fake = fake_deploying(&[1], PROJECT, "gitlab");
    let url = fake.base_url();
    let secret = "proxy-secret-7c1e";
    let run = run_job_with(
        &job(&[
            ("pipeline-ids", "1"),
            ("api-url", &url),
            (
                "extra-headers",
                "X-Proxy-Token: $PROXY_TOKEN\nX-Braced: ${PROXY_TOKEN}-2\n\nX-Literal: $$PROXY_TOKEN $(touch pwned) `touch pwned` $ 5\n",
            ),
        ]),
        Some(("DEVOPNESS_API_TOKEN", TOKEN)),
        &[
            ("PROXY_TOKEN".to_owned(), secret.to_owned()),
            ("DEVOPNESS_EXTRA_HEADERS".to_owned(), "X-Evil: 1".to_owned()),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.log);
    assert!(!run.log.contains(secret), "a header value in the log");
    assert!(!run.dir.path().join("pwned").exists(), "a command ran");
    let hooks = fake.hooks(1);
    assert_eq!(hooks.len(), 3);
    for h in &hooks {
        let headers = h["settings"]["request_headers"]
            .as_array()
            .expect("headers");
        let header = |name: &str| {
            headers
                .iter()
                .find(|x| x["name"] == name)
                .map(|x| x["value"].clone())
        };
        assert_eq!(header("X-Proxy-Token"), Some(Value::from(secret)));
        assert_eq!(header("X-Braced"), Some(Value::from(format!("{secret}-2"))));
        assert_eq!(
            header("X-Literal"),
            Some(Value::from("$PROXY_TOKEN $(touch pwned) `touch pwned` $ 5"))
        );
        assert_eq!(header("X-Evil"), None, "DEVOPNESS_EXTRA_HEADERS was read");
    }
}

#[test]
fn typed_inputs_reach_the_binary_as_flags() {
    let fake = fake_deploying(&[1], PROJECT, "gitlab");
    let url = fake.base_url();
    // As GitLab interpolates a boolean and a number: `true`, `60`.
    let run = run_job(
        &job(&[
            ("pipeline-ids", "1"),
            ("api-url", &url),
            ("dry-run", "true"),
            ("timeout-seconds", "60"),
            ("max-concurrency", "4"),
            ("provider", "gitlab"),
        ]),
        Some(TOKEN),
    );
    assert_eq!(run.code, 0, "{}", run.log);
    assert!(
        run.log
            .contains("note: dry run: nothing was written to Devopness"),
        "{}",
        run.log
    );
    assert!(writes(&fake).is_empty(), "dry-run wrote");
    let bad = run_job(
        &job(&[
            ("pipeline-ids", "1"),
            ("api-url", &url),
            ("timeout-seconds", "60.5"),
        ]),
        Some(TOKEN),
    );
    assert_eq!(bad.code, 1, "{}", bad.log);
    assert!(
        bad.log.contains("error: --timeout-seconds: "),
        "{}",
        bad.log
    );
}

/// The shells other than `sh` (dash here) that a job image may run the script with, of
/// those this machine has: GitLab's runner uses `bash` when the image has it, else `sh`
/// (BusyBox's in Alpine and in our GitLab image).
fn other_shells() -> Vec<&'static str> {
    let has = |program: &str| {
        Command::new(program)
            .arg("--help")
            .output()
            .is_ok_and(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty())
    };
    [("bash", "bash"), ("busybox", "busybox sh")]
        .into_iter()
        .filter(|(program, _)| has(program))
        .map(|(_, shell)| shell)
        .collect()
}

/// The hostile values above run nothing and reach the binary as written under `bash` and
/// BusyBox's `sh` too (each shell reads a complete command, here-documents included,
/// before it runs it).
#[test]
fn hostile_values_run_nothing_under_bash_and_busybox_either() {
    let shells = other_shells();
    eprintln!("shells besides sh: {shells:?}");
    for shell in shells {
        text_inputs_reach_the_hooks_exactly_as_written_in(shell);
        a_line_break_in_a_text_input_runs_nothing_in(shell);
        an_input_holding_the_delimiter_line_runs_nothing_and_sends_nothing_in(shell);
        a_value_that_lines_up_the_end_marker_only_cuts_itself_short_in(shell);
    }
}

//! The GitLab CI/CD component's job, run the way GitLab runs it: its inputs
//! interpolated (`$[[ inputs.NAME ]]`), its `variables:` and the variables GitLab sets
//! in every job in the environment, a masked `DEVOPNESS_API_TOKEN`, its `script:` run
//! by `sh` with errexit, the real binary on PATH (the image's `devopness-status-hooks`),
//! against the fake Devopness API; then the dotenv report read back with GitLab's rules.

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

/// GitLab's interpolation of `$[[ inputs.NAME ]]` in every string.
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
    run_job_with(job, token.map(|t| ("DEVOPNESS_API_TOKEN", t)))
}

/// [`run_job`] with the token in a masked variable of another name.
fn run_job_with(job: &Value, token: Option<(&str, &str)>) -> Job {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_devopness-status-hooks"));
    let bin_dir = bin.parent().expect("bin dir").display().to_string();
    let script: Vec<String> = job["script"]
        .as_array()
        .expect("script")
        .iter()
        .map(|l| scalar(l, "script"))
        .collect();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("set -e\n{}", script.join("\n")))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", format!("{bin_dir}:/usr/bin:/bin"))
        .env("HOME", dir.path());
    for (k, v) in gitlab_job_env(PROJECT, SERVER) {
        cmd.env(k, v);
    }
    for (k, v) in job["variables"].as_object().expect("variables") {
        cmd.env(k, scalar(v, k));
    }
    if let Some((name, token)) = token {
        cmd.env(name, token);
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
    let fake = fake_with(&[1]);
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
    assert!(
        bad.log.contains("error: DEVOPNESS_PIPELINE_IDS: "),
        "{}",
        bad.log
    );
    assert!(
        bad.log.contains("error: DEVOPNESS_CONTEXT: "),
        "{}",
        bad.log
    );
    assert!(!bad.log.contains('\u{1b}'), "{}", bad.log);
    assert!(fake.requests().is_empty(), "sent a request");
    assert!(!bad.dotenv_path.exists(), "outputs for a refused run");
}

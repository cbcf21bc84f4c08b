//! Shared by the integration tests: run the real binary the way the runner does,
//! and read back what it wrote, following the runner's own rules.
#![allow(dead_code, unused_imports)]

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use devopness_status_hooks::inputs::{self, RawValues};
pub use fake_devopness::{FakeDevopness, Fault, FaultKind, RecordedRequest};
pub use serde_json::{json, Value};

pub mod cli;
pub mod providers;
use providers::{ours, sent};

/// A token recognisable anywhere it might leak.
pub const TOKEN: &str = "dvp_SECRET_token_4f9a1c77e2";
pub const REPO: &str = "octo-org/my-app";
/// The default status context: what identifies the action's hooks.
pub const CONTEXT: &str = inputs::DEFAULT_CONTEXT;
/// The three events, in the order the action handles them.
pub const EVENTS: [&str; 3] = ["action.started", "action.failed", "action.completed"];

/// One input as `action.yml` declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredInput {
    pub name: String,
    /// `""` when `action.yml` gives none (the runner then passes `""`).
    pub default: String,
    pub required: bool,
    pub description: String,
}

/// The inputs of `action.yml`, in its order, read as the runner reads them.
pub fn declared_inputs() -> &'static [DeclaredInput] {
    static INPUTS: OnceLock<Vec<DeclaredInput>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        use yaml_rust2::{Yaml, YamlLoader};
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml");
        let text = std::fs::read_to_string(path).expect("read action.yml");
        let docs = YamlLoader::load_from_str(&text).expect("action.yml is YAML");
        let scalar = |y: &Yaml| match y {
            Yaml::String(s) | Yaml::Real(s) => s.clone(),
            Yaml::Integer(i) => i.to_string(),
            Yaml::Boolean(b) => b.to_string(),
            _ => String::new(),
        };
        let Some(inputs) = docs[0]["inputs"].as_hash() else {
            panic!("action.yml has no inputs");
        };
        inputs
            .iter()
            .map(|(name, spec)| DeclaredInput {
                name: scalar(name),
                default: scalar(&spec["default"]),
                required: spec["required"].as_bool().unwrap_or(false),
                description: scalar(&spec["description"]),
            })
            .collect()
    })
}

/// What one run of the binary produced.
pub struct RunResult {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// GITHUB_OUTPUT as the runner would parse it.
    pub outputs: HashMap<String, String>,
    pub outputs_raw: String,
    pub summary: String,
}

impl RunResult {
    pub fn output(&self, name: &str) -> &str {
        self.outputs
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| {
                panic!(
                    "no output {name}; stdout:\n{}\nraw outputs:\n{}",
                    self.stdout, self.outputs_raw
                )
            })
    }

    pub fn hooks(&self) -> Vec<Value> {
        serde_json::from_str::<Value>(self.output("hooks"))
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_else(|| panic!("hooks output is not a JSON array: {}", self.output("hooks")))
    }

    /// `::error` lines of the log.
    pub fn errors(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with("::error"))
            .collect()
    }

    /// Everything the run wrote, except the `::add-mask::` lines that must carry secrets.
    pub fn everything_written(&self) -> String {
        let stdout: Vec<&str> = self
            .stdout
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect();
        format!(
            "{}\n{}\n{}\n{}",
            stdout.join("\n"),
            self.stderr,
            self.outputs_raw,
            self.summary
        )
    }
}

/// Runs the action binary with `inputs` (names as in action.yml) and extra env vars,
/// in an environment holding only what the runner would set.
pub fn run_action(inputs: &[(&str, &str)], env: &[(&str, &str)]) -> RunResult {
    start_action(inputs, env).wait()
}

/// A started run of the binary, with the files it writes.
pub struct Started {
    child: Child,
    dir: tempfile::TempDir,
    secrets: Vec<String>,
}

/// Starts the action binary as [`run_action`] does, without waiting for it.
pub fn start_action(inputs: &[(&str, &str)], env: &[(&str, &str)]) -> Started {
    let dir = tempfile::tempdir().expect("tempdir");
    let output_path: PathBuf = dir.path().join("set_output");
    let summary_path: PathBuf = dir.path().join("step_summary");
    std::fs::write(&output_path, "").expect("output file");
    std::fs::write(&summary_path, "").expect("summary file");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_devopness-status-hooks"));
    cmd.env_clear()
        .env("GITHUB_ACTIONS", "true")
        .env("CI", "true")
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_API_URL", "https://api.github.com")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .env("GITHUB_WORKSPACE", dir.path())
        .env("GITHUB_OUTPUT", &output_path)
        .env("GITHUB_STEP_SUMMARY", &summary_path)
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let declared = declared_inputs();
    for (name, _) in inputs {
        assert!(
            declared.iter().any(|d| d.name == *name),
            "input {name} is not declared in action.yml"
        );
    }
    // As the runner does: every declared input, its action.yml default when left out.
    for d in declared {
        let value = inputs
            .iter()
            .find(|(n, _)| *n == d.name)
            .map_or(d.default.as_str(), |(_, v)| *v);
        cmd.env(input_var(&d.name), value);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("start the action binary");
    Started {
        child,
        dir,
        secrets: secrets_of(inputs),
    }
}

impl Started {
    /// Waits for the run and reads back what it wrote.
    pub fn wait(self) -> RunResult {
        let out = self
            .child
            .wait_with_output()
            .expect("wait for the action binary");
        let outputs_raw =
            std::fs::read_to_string(self.dir.path().join("set_output")).unwrap_or_default();
        let outputs = parse_file_commands(&outputs_raw).unwrap_or_else(|e| {
            panic!("GITHUB_OUTPUT unreadable by the runner: {e}\n{outputs_raw}")
        });
        let result = RunResult {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs,
            outputs_raw,
            summary: std::fs::read_to_string(self.dir.path().join("step_summary"))
                .unwrap_or_default(),
        };
        // Every scenario of the suite is also a leak test: no secret input may appear in
        // anything the run wrote (stdout, stderr, GITHUB_OUTPUT, the step summary).
        let written = result.everything_written();
        for secret in &self.secrets {
            assert!(
                !written.contains(secret.as_str()),
                "a secret input leaked into what the run wrote:\n{written}"
            );
        }
        result
    }
}

/// The secret inputs' values long enough to recognise, by the option table's
/// secrecy: `api-token`, `github-token` and every `extra-headers` value.
pub fn secrets_of(inputs: &[(&str, &str)]) -> Vec<String> {
    let vars: Vec<(String, String)> = inputs
        .iter()
        .map(|(name, value)| (input_var(name), (*value).to_owned()))
        .collect();
    let mut secrets: Vec<String> = RawValues::from_action_inputs(&vars)
        .secrets()
        .into_iter()
        .map(|s| s.trim().to_owned())
        .collect();
    secrets.retain(|s| s.len() >= 8);
    secrets
}

/// The runner's variable name for an input: upper-cased, spaces to `_`, hyphens kept.
pub fn input_var(name: &str) -> String {
    inputs::action_input_var(name)
}

/// Runs against `fake` with the token and the given pipelines, plus other inputs.
pub fn apply(fake: &FakeDevopness, pipelines: &str, more: &[(&str, &str)]) -> RunResult {
    apply_with_env(fake, pipelines, more, &[])
}

/// [`apply`] with extra environment variables.
pub fn apply_with_env(
    fake: &FakeDevopness,
    pipelines: &str,
    more: &[(&str, &str)],
    env: &[(&str, &str)],
) -> RunResult {
    let url = fake.base_url();
    let mut inputs = vec![
        ("api-token", TOKEN),
        ("pipeline-ids", pipelines),
        ("api-url", url.as_str()),
    ];
    inputs.extend_from_slice(more);
    run_action(&inputs, env)
}

/// Parses a file-command file (GITHUB_OUTPUT, GITHUB_ENV) by the runner's rules:
/// lines split on LF; blank lines skipped; `name=value` split at the first `=`,
/// nothing trimmed; `name<<DELIM` then value lines up to a line equal to DELIM.
pub fn parse_file_commands(text: &str) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let heredoc = line.find("<<");
        let equals = line.find('=');
        match (heredoc, equals) {
            (Some(h), e) if e.is_none_or(|e| h < e) => {
                let name = &line[..h];
                let delim = &line[h + 2..];
                if name.is_empty() || delim.is_empty() {
                    return Err(format!("invalid heredoc line {line:?}"));
                }
                let mut value = Vec::new();
                loop {
                    match lines.next() {
                        Some(l) if l == delim => break,
                        Some(l) => value.push(l),
                        None => return Err(format!("delimiter {delim:?} not found")),
                    }
                }
                out.insert(name.to_owned(), value.join("\n"));
            }
            (_, Some(e)) => {
                let name = &line[..e];
                if name.is_empty() {
                    return Err(format!("empty name in {line:?}"));
                }
                out.insert(name.to_owned(), line[e + 1..].to_owned());
            }
            _ => return Err(format!("invalid line {line:?}")),
        }
    }
    Ok(out)
}

/// The requests that changed something.
pub fn writes(fake: &FakeDevopness) -> Vec<RecordedRequest> {
    fake.requests()
        .into_iter()
        .filter(RecordedRequest::is_write)
        .collect()
}

/// The outgoing hooks of a pipeline whose body carries `context`.
pub fn hooks_with_context(fake: &FakeDevopness, pipeline: u64, context: &str) -> Vec<Value> {
    fake.hooks(pipeline)
        .into_iter()
        .filter(|h| body_of(h)["context"] == context)
        .collect()
}

/// A hook's request body as JSON, whether stored as an object or a string.
pub fn body_of(hook: &Value) -> Value {
    match &hook["settings"]["request_body"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        v => v.clone(),
    }
}

/// A fake with these deploy pipelines, each of an application deploying [`REPO`] on GitHub.
pub fn fake_with(pipelines: &[u64]) -> FakeDevopness {
    fake_deploying(pipelines, REPO, "github")
}

/// A fake with these deploy pipelines, each of an application deploying `repository` on
/// `provider` (a credential's code).
pub fn fake_deploying(pipelines: &[u64], repository: &str, provider: &str) -> FakeDevopness {
    let fake = FakeDevopness::start(TOKEN);
    fake.set_default_source(repository, provider);
    for p in pipelines {
        fake.add_pipeline(*p);
    }
    fake
}

/// The exit status, log and stderr of a run, for assertion messages.
pub fn show(run: &RunResult) -> String {
    format!(
        "exit {}\n--- stdout\n{}\n--- stderr\n{}",
        run.code, run.stdout, run.stderr
    )
}

/// What the action sends for each event (the body as an object), from a clean run
/// on a pipeline of its own.
pub fn reference(fake: &FakeDevopness, pipeline: u64) -> BTreeMap<String, Value> {
    fake.add_pipeline(pipeline);
    let run = apply(fake, &pipeline.to_string(), &[]);
    assert_eq!(run.code, 0, "reference run: {}", show(&run));
    let mut out = BTreeMap::new();
    for hook in ours(fake, pipeline) {
        let event = hook["trigger_when"]["events"][0]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            out.insert(event.clone(), sent(&hook)).is_none(),
            "reference run: two hooks for {event}"
        );
    }
    assert_eq!(out.len(), 3, "reference run: {out:#?}");
    out
}

/// Whether the pipeline holds exactly its three correct hooks: of the hooks with
/// our context and one event, one per event, as in `want`; else what is wrong.
pub fn exactly_three(
    fake: &FakeDevopness,
    pipeline: u64,
    want: &BTreeMap<String, Value>,
) -> Result<(), String> {
    let ours = ours(fake, pipeline);
    if ours.len() != 3 {
        return Err(format!(
            "pipeline {pipeline} has {} hooks with our context: {ours:#?}",
            ours.len()
        ));
    }
    for event in EVENTS {
        let of_event: Vec<&Value> = ours
            .iter()
            .filter(|h| h["trigger_when"]["events"] == json!([event]))
            .collect();
        if of_event.len() != 1 {
            return Err(format!("pipeline {pipeline}, {event}: {ours:#?}"));
        }
        if sent(of_event[0]) != want[event] {
            return Err(format!(
                "pipeline {pipeline}, {event}: {:#} is not {:#}",
                sent(of_event[0]),
                want[event]
            ));
        }
    }
    Ok(())
}

/// Exactly the three correct hooks, no duplicates.
pub fn assert_exactly_three(fake: &FakeDevopness, pipeline: u64, want: &BTreeMap<String, Value>) {
    if let Err(e) = exactly_three(fake, pipeline, want) {
        panic!("{e}");
    }
}

/// A fake with pipeline `pipeline` set up by the action and then drifted: its
/// action.failed hook deleted. The request log starts empty.
pub fn drifted(pipeline: u64) -> FakeDevopness {
    let fake = fake_with(&[pipeline]);
    let setup = apply(&fake, &pipeline.to_string(), &[]);
    assert_eq!(setup.code, 0, "{}", show(&setup));
    let failed = fake
        .hooks(pipeline)
        .into_iter()
        .find(|h| h["trigger_when"]["events"] == json!(["action.failed"]))
        .expect("the action.failed hook");
    fake.remove_hook(failed["id"].as_str().unwrap_or_default());
    fake.clear_requests();
    fake
}

/// `check` of `pipeline` with the drift issue on: GitHub at `github_api` (as
/// `GITHUB_API_URL`) with `github_token`, plus other inputs and variables.
pub fn check_with_drift_issue(
    fake: &FakeDevopness,
    pipeline: u64,
    (github_api, github_token): (&str, &str),
    more: &[(&str, &str)],
    env: &[(&str, &str)],
) -> RunResult {
    let url = fake.base_url();
    let id = pipeline.to_string();
    let mut inputs = vec![
        ("api-token", TOKEN),
        ("pipeline-ids", id.as_str()),
        ("api-url", url.as_str()),
        ("mode", "check"),
        ("check-deliveries", "false"),
        ("drift-issue", "true"),
        ("github-token", github_token),
        ("provider-api-url", "https://api.github.com"),
    ];
    inputs.extend_from_slice(more);
    let mut env = env.to_vec();
    env.push(("GITHUB_API_URL", github_api));
    run_action(&inputs, &env)
}

//! The files each CI platform reads, checked offline with the platforms' own schemas and
//! zizmor (installed by scripts/test), and held to action.yml so the front doors cannot
//! drift apart:
//! - GitHub: the workflows, the examples, action.yml, dependabot.yml (schemas, zizmor);
//! - GitLab: the CI/CD component (after GitLab's `$[[ inputs.x ]]` interpolation) and the
//!   examples, against `vendor.gitlab-ci`;
//! - Bitbucket: the example against `vendor.bitbucket-pipelines`;
//! - the component's inputs and pipe.yml's variables against action.yml's inputs.

mod ci_files;

use ci_files::{action_inputs, root, run, scalar, text, tool, upper_snake, yaml, yaml_docs, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const COMPONENT: &str = "templates/status-hooks.yml";
/// Component inputs that are about the GitLab job, not options of the binary.
const COMPONENT_JOB_INPUTS: &[&str] = &["job-name", "stage", "image", "api-token-variable"];
/// Action inputs the component and the pipe do not offer: the token comes from a
/// variable, and the drift issue is a GitHub issue.
const GITHUB_ONLY: &[&str] = &["api-token", "drift-issue", "github-token"];

fn validate(section: &str) {
    let out = run(Command::new("bash")
        .arg(root().join("scripts/validate-workflows"))
        .arg(section)
        .current_dir(root()));
    assert!(
        out.status.success(),
        "scripts/validate-workflows {section} failed ({}):\n{}",
        out.status,
        text(&out)
    );
    // Shown with `cargo test -- --nocapture`.
    println!("{}", text(&out));
}

#[test]
fn github_workflows_examples_action_and_dependabot_match_their_schemas() {
    validate("github");
}

#[test]
fn zizmor_finds_nothing_in_the_workflows_the_examples_and_action_yml() {
    validate("zizmor");
}

#[test]
fn the_bitbucket_example_matches_the_bitbucket_pipelines_schema() {
    validate("bitbucket");
}

// ------------------------------------------------------------------ GitLab component

/// The component's two documents: the `spec:` header and the jobs.
fn component() -> (Value, Value) {
    let mut docs = yaml_docs(&root().join(COMPONENT));
    assert_eq!(
        docs.len(),
        2,
        "{COMPONENT}: expected `spec:`, `---`, then the jobs"
    );
    let jobs = docs.pop().expect("jobs");
    let header = docs.pop().expect("header");
    (header, jobs)
}

fn component_inputs(header: &Value) -> BTreeMap<String, Value> {
    let inputs = header["spec"]["inputs"].as_object().expect("spec: inputs:");
    inputs.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// GitLab's interpolation of one string: each `$[[ inputs.NAME ]]` replaced by the
/// input's value; an undeclared name or another expression is an error, as in GitLab.
fn interpolate(s: &str, values: &BTreeMap<String, String>, used: &mut BTreeSet<String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("$[[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let end = after
            .find("]]")
            .unwrap_or_else(|| panic!("unclosed $[[ in {s:?}"));
        let expr = after[..end].trim();
        let name = expr.strip_prefix("inputs.").unwrap_or_else(|| {
            panic!("{s:?}: only `inputs.NAME` is interpolated here, not {expr:?}")
        });
        let value = values.get(name).unwrap_or_else(|| {
            panic!("{s:?} uses input {name:?}, which spec: inputs: does not declare")
        });
        used.insert(name.to_string());
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Interpolates keys and string values throughout, as GitLab does after parsing.
fn interpolate_value(
    v: &Value,
    values: &BTreeMap<String, String>,
    used: &mut BTreeSet<String>,
) -> Value {
    match v {
        Value::String(s) => Value::String(interpolate(s, values, used)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| interpolate_value(i, values, used))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    (
                        interpolate(k, values, used),
                        interpolate_value(v, values, used),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The component's jobs as GitLab would run them with its defaults (and sample values
/// for the mandatory inputs), plus the names of the inputs the jobs use.
fn interpolated_component() -> (Value, BTreeSet<String>) {
    let (header, jobs) = component();
    let values: BTreeMap<String, String> = component_inputs(&header)
        .iter()
        .map(|(name, spec)| {
            let value = match spec.get("default") {
                Some(d) => scalar(d, name),
                None if name == "pipeline-ids" => "123, 456".to_string(),
                None => format!("sample-{name}"),
            };
            (name.clone(), value)
        })
        .collect();
    let mut used = BTreeSet::new();
    let jobs = interpolate_value(&jobs, &values, &mut used);
    (jobs, used)
}

fn gitlab_schema(files: &[PathBuf]) -> std::process::Output {
    run(Command::new(tool("check-jsonschema"))
        .args(["--builtin-schema", "vendor.gitlab-ci"])
        .args(files))
}

fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).expect("json")).expect("write");
    path
}

#[test]
fn the_gitlab_component_and_examples_match_the_gitlab_ci_schema() {
    let (jobs, used) = interpolated_component();
    let declared: BTreeSet<String> = component_inputs(&component().0).keys().cloned().collect();
    let unused: Vec<_> = declared.difference(&used).collect();
    assert!(
        unused.is_empty(),
        "{COMPONENT}: inputs declared but never used: {unused:?}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = vec![write_json(dir.path(), "component.json", &jobs)];
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root().join("examples/gitlab"))
        .expect("examples/gitlab")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    examples.sort();
    assert!(
        examples.len() >= 3,
        "bootstrap, on-push and drift-check examples expected"
    );
    files.extend(examples);

    let out = gitlab_schema(&files);
    assert!(
        out.status.success(),
        "vendor.gitlab-ci refused:\n{}",
        text(&out)
    );
    println!("{}", text(&out));

    // The check can fail: the same job with a value GitLab refuses.
    let mut broken = jobs.clone();
    let job = broken
        .as_object_mut()
        .and_then(|m| m.values_mut().next())
        .expect("a job");
    job["artifacts"]["when"] = Value::String("sometimes".into());
    let out = gitlab_schema(&[write_json(dir.path(), "broken.json", &broken)]);
    assert!(
        !out.status.success(),
        "the schema accepted artifacts:when: sometimes"
    );
}

#[test]
fn the_gitlab_examples_cover_bootstrap_push_and_schedule() {
    let rules = |file: &str| -> String {
        let doc = yaml(&root().join("examples/gitlab").join(file));
        let include = &doc["include"][0];
        assert!(
            include["component"]
                .as_str()
                .unwrap_or("")
                .ends_with("/status-hooks@1.2.3"),
            "{file}: includes the status-hooks component"
        );
        let job = scalar(&include["inputs"]["job-name"], "job-name");
        serde_json::to_string(&doc[&job]["rules"]).expect("json")
    };
    assert!(rules("bootstrap.yml").contains("\"when\":\"manual\""));
    assert!(rules("on-push.yml").contains("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"));
    assert!(rules("drift-check.yml").contains("$CI_PIPELINE_SOURCE == \\\"schedule\\\""));
}

/// The job the component adds, before interpolation.
fn component_job() -> Value {
    let (_, jobs) = component();
    let map = jobs.as_object().expect("jobs");
    assert_eq!(map.len(), 1, "{COMPONENT}: one job");
    assert!(
        map.contains_key("$[[ inputs.job-name ]]"),
        "the job is named by the job-name input"
    );
    map.values().next().expect("job").clone()
}

/// The line that ends the component's here-documents, and what its last one holds.
const DELIMITER: &str = "DEVOPNESS_STATUS_HOOKS_EOF";
const END_OF_INPUTS: &str = "end of the inputs";

/// The component's job script, its lines joined as GitLab's runner joins them.
fn component_script(job: &Value) -> String {
    job["script"]
        .as_array()
        .expect("script")
        .iter()
        .map(|l| scalar(l, "script"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// GitLab's `blank?` (Rails): empty, or nothing but white space (Unicode's White_Space,
/// which both Ruby's `[[:space:]]` and Rust's `char::is_whitespace` are).
fn blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

/// Whether Python's `re.fullmatch(pattern, value)` matches, for each value (the pattern
/// has no look-around or `$`-before-newline subtlety, so RE2 and JavaScript agree).
fn fullmatches(pattern: &str, values: &[&str]) -> Vec<bool> {
    let out = run(Command::new(tool("python"))
        .args([
            "-c",
            "import json, re, sys; p = sys.argv[1]; \
             print(json.dumps([re.fullmatch(p, v) is not None for v in json.loads(sys.argv[2])]))",
        ])
        .arg(pattern)
        .arg(serde_json::to_string(values).expect("json")));
    assert!(out.status.success(), "python: {}", text(&out));
    serde_json::from_slice(&out.stdout).expect("a JSON list")
}

/// The here-documents of the script, as (file, body) in order, checked to be what keeps
/// an input from reaching the shell: every one quoted, ended by [`DELIMITER`], and part of
/// the script's last command line (its lines joined by `\`), which ends with `exit`, so
/// the shell reads them all before it runs anything and stops before what follows them.
fn here_documents(script: &str) -> Vec<(String, String)> {
    let operator = format!(" <<'{DELIMITER}'");
    let lines: Vec<&str> = script.lines().collect();
    let first = lines
        .iter()
        .position(|l| l.contains("<<"))
        .expect("a here-document");
    // The last command line: from the first here-document to the line without a `\`.
    let mut command = Vec::new();
    let mut at = first;
    while let Some(line) = lines.get(at) {
        at += 1;
        match line.strip_suffix(" \\") {
            Some(joined) => command.push(joined.trim()),
            None => {
                command.push(line.trim());
                break;
            }
        }
    }
    let command = command.join(" ");
    assert!(
        command.ends_with("; exit \"$status\""),
        "the here-documents' command line ends with `exit`: {command}"
    );
    assert_eq!(
        script.matches("<<").count(),
        command.matches("<<").count(),
        "every here-document of the script is on its last command line:\n{script}"
    );
    let files: Vec<String> = command
        .split(" && ")
        .filter_map(|part| part.strip_suffix(operator.as_str()))
        .map(|part| {
            let file = part.strip_prefix("cat >").expect("cat >FILE");
            file.trim_matches('"').to_string()
        })
        .collect();
    assert_eq!(
        files.len(),
        command.matches("<<").count(),
        "every here-document is `cat >FILE <<'{DELIMITER}'`: {command}"
    );
    // The bodies, in order: each up to the line that is exactly the delimiter.
    let mut bodies = Vec::new();
    let mut body = Vec::new();
    for line in &lines[at..] {
        if *line == DELIMITER {
            bodies.push(body.join("\n"));
            body.clear();
        } else {
            body.push(*line);
        }
    }
    assert!(
        body.is_empty(),
        "nothing follows the last here-document: {body:?}"
    );
    assert_eq!(files.len(), bodies.len(), "a body for each here-document");
    files.into_iter().zip(bodies).collect()
}

#[test]
fn the_component_job_hands_every_option_to_the_binary_as_a_flag_in_its_script() {
    let job = component_job();
    let (header, _) = component();
    let inputs = component_inputs(&header);
    let vars = job["variables"].as_object().expect("variables");
    assert_eq!(
        vars.keys().collect::<Vec<_>>(),
        vec!["GIT_STRATEGY"],
        "no option travels in a variable: a project or schedule variable of the same name would win"
    );
    assert_eq!(job["image"]["name"], "$[[ inputs.image ]]");
    assert_eq!(
        job["image"]["entrypoint"],
        serde_json::json!([""]),
        "the runner starts the job with sh"
    );
    let script = component_script(&job);
    let reads = here_documents(&script);
    let mut texts = Vec::new();
    for (name, spec) in &inputs {
        if COMPONENT_JOB_INPUTS.contains(&name.as_str()) {
            continue;
        }
        let use_ = format!("$[[ inputs.{name} ]]");
        assert_eq!(
            script.matches(&use_).count(),
            1,
            "{name}: used once, in the script"
        );
        let typed =
            spec.get("type").is_some_and(|t| t != "string") || spec.get("options").is_some();
        if typed {
            // A boolean, a number or one of its options: nothing the shell would read.
            assert!(
                script.contains(&format!("\"--{name}={use_}\"")),
                "{name}: passed as \"--{name}={use_}\""
            );
        } else {
            // Text: the whole body of one quoted here-document of the last command line.
            let file = if name == "extra-headers" {
                "$work/extra-headers.in".to_string()
            } else {
                format!("$work/flags/{name}")
            };
            assert!(
                reads.contains(&(file.clone(), use_.clone())),
                "{name}: the body of the here-document that writes {file}: {reads:?}"
            );
            texts.push(name.clone());
        }
    }
    assert_eq!(
        reads.len(),
        texts.len() + 1,
        "one here-document per text input, and the end marker: {reads:?}"
    );
    assert_eq!(
        reads.last(),
        Some(&("$work/end".to_string(), END_OF_INPUTS.to_string())),
        "the last here-document holds the end marker"
    );
    for flag in [
        "\"--${file##*/}=$(cat \"$file\")\"",
        "--drift-issue=false",
        "--output-json= ",
        "--extra-headers-file \"$work/extra-headers\"",
    ] {
        assert!(script.contains(flag), "the script passes {flag}:\n{script}");
    }
    assert!(
        script.contains("unset DEVOPNESS_EXTRA_HEADERS DEVOPNESS_GITHUB_TOKEN"),
        "the secrets the job does not hand over as flags are not read from variables"
    );
    assert!(
        script.contains(r#"eval "DEVOPNESS_API_TOKEN=\${$[[ inputs.api-token-variable ]]:-}""#),
        "token from the named variable:\n{script}"
    );
    assert!(
        !script.contains("--api-token"),
        "the token is never on a command line"
    );

    let flag_value = |flag: &str| -> String {
        let after = script
            .split(&format!("{flag}="))
            .nth(1)
            .unwrap_or_else(|| panic!("script has no {flag}="));
        after.split_whitespace().next().expect("value").to_string()
    };
    let artifacts = &job["artifacts"];
    assert_eq!(
        artifacts["when"], "always",
        "the report is kept when drift fails the job"
    );
    assert_eq!(
        artifacts["reports"]["dotenv"],
        Value::String(flag_value("--output-dotenv"))
    );
    let summary = Value::String(flag_value("--summary-file"));
    assert!(
        artifacts["paths"]
            .as_array()
            .expect("paths")
            .contains(&summary),
        "the Markdown report is an artifact"
    );
}

/// scripts/gitlab-ci-test runs every case with a project variable for every option the
/// binary reads from the environment (and the job's GIT_STRATEGY): a new option must be
/// added there too, or that case would not cover it.
#[test]
fn the_gitlab_ci_test_sets_a_project_variable_for_every_option() {
    use devopness_status_hooks::doors::front_door::FILE_OPTIONS;
    use devopness_status_hooks::doors::sources::env_var;
    use devopness_status_hooks::inputs::OPTIONS;
    let vars = yaml(&root().join("tests/gitlab-ci/project-variables.yml"));
    let set: BTreeSet<String> = vars.as_object().expect("a map").keys().cloned().collect();
    let mut want: BTreeSet<String> = OPTIONS
        .iter()
        .map(|o| o.name)
        .chain(FILE_OPTIONS.iter().map(|f| f.name))
        .filter(|n| *n != "api-token") // the token is meant to come from a variable
        .map(env_var)
        .collect();
    want.insert("GIT_STRATEGY".into());
    assert_eq!(set, want, "tests/gitlab-ci/project-variables.yml");
    assert_eq!(vars["DEVOPNESS_MODE"], "remove");
}

/// What GitLab checks when a pipeline including the component is created: every input
/// declared, of its type, one of its options, matching its regex.
#[test]
fn the_gitlab_examples_give_inputs_the_component_accepts() {
    let inputs = component_inputs(&component().0);
    for entry in std::fs::read_dir(root().join("examples/gitlab")).expect("examples/gitlab") {
        let path = entry.expect("entry").path();
        let doc = yaml(&path);
        let file = path.display();
        let given = doc["include"][0]["inputs"].as_object().expect("inputs");
        for (name, value) in given {
            let spec = inputs
                .get(name)
                .unwrap_or_else(|| panic!("{file}: the component has no input {name}"));
            let ok = match spec.get("type").and_then(Value::as_str) {
                Some("boolean") => value.is_boolean(),
                Some("number") => value.is_number(),
                _ => value.is_string(),
            };
            assert!(ok, "{file}: {name}: {value} is not of the input's type");
            if let Some(options) = spec.get("options").and_then(Value::as_array) {
                assert!(
                    options.contains(value),
                    "{file}: {name}: {value} is not an option"
                );
            }
            if let Some(regex) = spec.get("regex") {
                let value = scalar(value, name);
                assert_eq!(
                    fullmatches(&scalar(regex, name), &[&value]),
                    vec![true],
                    "{file}: {name}: {value:?} does not match the input's regex"
                );
            }
        }
    }
}

/// GitLab's rule (docs/ci-platforms.md): an input with a `regex` has a default that is
/// not blank. Before its `Ci::Inputs` rewrite, GitLab checks an optional input's default
/// against its regex whatever value is given, and its match refuses a blank text before
/// looking at the pattern, so such a default fails every `include:` of the component.
#[test]
fn an_input_with_a_regex_has_a_default_that_is_not_blank_and_matches_it() {
    assert!(blank("") && blank(" \n\t") && blank("\u{a0}\u{2003}") && !blank("."));
    let inputs = component_inputs(&component().0);
    let mut with_regex = Vec::new();
    for (name, spec) in &inputs {
        let Some(regex) = spec.get("regex") else {
            continue;
        };
        let default = spec
            .get("default")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{name}: a regex and no string default"));
        assert!(
            !blank(default),
            "{name}: a regex and the blank default {default:?}: GitLab before Ci::Inputs refuses every include"
        );
        assert_eq!(
            fullmatches(&scalar(regex, name), &[default]),
            vec![true],
            "{name}: the default {default:?} does not match its regex"
        );
        with_regex.push(name.as_str());
    }
    // Only the name `eval` reads needs one; text inputs are kept from the shell otherwise.
    assert_eq!(with_regex, ["api-token-variable"]);
}

// ------------------------------------------------------------------ parity with action.yml

#[test]
fn the_component_inputs_have_the_action_inputs_names_and_defaults() {
    let inputs = component_inputs(&component().0);
    let mut expected = BTreeSet::new();
    for (name, default, required) in action_inputs() {
        if GITHUB_ONLY.contains(&name.as_str()) {
            assert!(
                !inputs.contains_key(&name),
                "{name} is GitHub's only: not a component input"
            );
            continue;
        }
        expected.insert(name.clone());
        let spec = inputs
            .get(&name)
            .unwrap_or_else(|| panic!("{COMPONENT} has no input {name}"));
        // A typed default as the text GitLab interpolates (`false`, `120`) against
        // action.yml's string; the types themselves are checked below.
        let got = spec.get("default").map(|d| scalar(d, &name));
        let want = if required { None } else { default };
        assert_eq!(
            got, want,
            "{COMPONENT}: default of {name} (none = a mandatory input)"
        );
    }
    expected.extend(COMPONENT_JOB_INPUTS.iter().map(|s| s.to_string()));
    let actual: BTreeSet<String> = inputs.into_keys().collect();
    assert_eq!(
        actual, expected,
        "{COMPONENT}: inputs beyond the action's and the job's own"
    );
    let token = &component_inputs(&component().0)["api-token-variable"];
    assert_eq!(token["default"], "DEVOPNESS_API_TOKEN");
}

/// GitLab refuses a value of the wrong type at include time (`dry-run: "yes"`), and
/// takes the natural one (`dry-run: true`, `timeout-seconds: 60`).
#[test]
fn the_component_inputs_are_typed_as_the_option_table_says() {
    use devopness_status_hooks::inputs::{Kind, OPTIONS};
    let inputs = component_inputs(&component().0);
    for option in OPTIONS {
        let Some(spec) = inputs.get(option.name) else {
            continue; // not offered (GITHUB_ONLY), checked above
        };
        let name = option.name;
        let ty = spec.get("type").and_then(Value::as_str);
        let default = &spec["default"];
        match option.kind {
            Kind::Boolean => {
                assert_eq!(ty, Some("boolean"), "{name}");
                assert!(
                    default.is_boolean(),
                    "{name}: default {default} is a boolean"
                );
            }
            Kind::Number { .. } => {
                assert_eq!(ty, Some("number"), "{name}");
                assert!(
                    default.is_u64(),
                    "{name}: default {default} is a whole number"
                );
            }
            Kind::Choice(choices) => {
                assert!(matches!(ty, None | Some("string")), "{name}");
                let mut want: Vec<&str> = choices.to_vec();
                if option.default.is_empty() {
                    want.insert(0, "");
                }
                let got: Vec<&str> = spec["options"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{name}: options"))
                    .iter()
                    .map(|o| o.as_str().expect("a string option"))
                    .collect();
                assert_eq!(got, want, "{name}: the options are the table's choices");
            }
            Kind::Text | Kind::Lines | Kind::Url | Kind::List => {
                assert!(matches!(ty, None | Some("string")), "{name}");
                assert!(default.is_string(), "{name}: default {default} is a string");
                assert!(spec.get("options").is_none(), "{name}");
            }
        }
    }
}

#[test]
fn the_pipe_variables_have_the_action_inputs_names_and_defaults() {
    let pipe = yaml(&root().join("pipe.yml"));
    for key in [
        "name",
        "image",
        "description",
        "category",
        "repository",
        "maintainer",
        "tags",
    ] {
        assert!(!pipe[key].is_null(), "pipe.yml has no {key}");
    }
    let vars: BTreeMap<String, Value> = pipe["variables"]
        .as_array()
        .expect("variables")
        .iter()
        .map(|v| (scalar(&v["name"], "name"), v.clone()))
        .collect();
    let token = &vars["DEVOPNESS_API_TOKEN"];
    assert_eq!(
        (&token["required"], &token["secret"]),
        (&Value::Bool(true), &Value::Bool(true))
    );

    let mut expected = BTreeSet::from(["DEVOPNESS_API_TOKEN".to_string()]);
    for (name, default, required) in action_inputs() {
        let var = upper_snake(&name);
        if GITHUB_ONLY.contains(&name.as_str()) {
            assert!(
                !vars.contains_key(&var),
                "{var} is GitHub's only: not a pipe variable"
            );
            continue;
        }
        let spec = vars
            .get(&var)
            .unwrap_or_else(|| panic!("pipe.yml has no variable {var} ({name})"));
        assert_eq!(
            spec["required"],
            Value::Bool(required),
            "pipe.yml: {var} required"
        );
        let want = if required { None } else { default };
        assert_eq!(
            spec.get("default").map(|d| scalar(d, &var)),
            want,
            "pipe.yml: default of {var}"
        );
        expected.insert(var);
    }
    assert_eq!(
        vars["EXTRA_HEADERS"]["secret"],
        Value::Bool(true),
        "header values are secrets"
    );
    assert_eq!(
        vars.into_keys().collect::<BTreeSet<_>>(),
        expected,
        "pipe.yml: variables beyond the action's"
    );
}

// ------------------------------------------------------------------ Dockerfile

#[test]
fn the_dockerfile_builds_both_images_from_one_builder_and_defaults_to_the_action_image() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    let stages: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    // The runner builds the last stage when action.yml says `image: Dockerfile`.
    assert_eq!(
        stages.last().copied(),
        Some("FROM scratch AS action"),
        "stages: {stages:#?}"
    );
    assert!(
        stages.contains(&"FROM scratch AS gitlab"),
        "no gitlab target: {stages:#?}"
    );
    assert_eq!(
        stages.iter().filter(|s| s.ends_with(" AS builder")).count(),
        1,
        "one builder stage"
    );
    for target in ["gitlab", "action"] {
        let stage = dockerfile
            .split(&format!("FROM scratch AS {target}\n"))
            .nth(1)
            .and_then(|rest| rest.split("\nFROM ").next())
            .expect("stage");
        assert!(
            stage.contains("COPY --from=builder /out/devopness-status-hooks "),
            "{target}: the binary comes from the builder stage"
        );
    }
}

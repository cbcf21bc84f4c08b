//! Shared by the tests of the CI files (tests/workflows.rs, tests/release.rs): where the
//! repository is, the tools `scripts/validate-workflows --install` put in place (run by
//! scripts/test; these tests never install anything), and YAML read as JSON values.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use serde_json::Value;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The path of an installed tool (check-jsonschema, zizmor, python), or a failure that
/// says how to install it.
pub fn tool(name: &str) -> PathBuf {
    let out = Command::new("bash")
        .arg(root().join("scripts/validate-workflows"))
        .args(["--tool", name])
        .output()
        .expect("run scripts/validate-workflows --tool");
    assert!(
        out.status.success(),
        "{name} is not installed: run scripts/test once (it installs the CI file tools), or \
         scripts/validate-workflows --install\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

const YAML_TO_JSON: &str = "import json, sys; from ruamel.yaml import YAML; \
text = open(sys.argv[1], encoding='utf-8').read(); \
json.dump(list(YAML(typ='safe', pure=True).load_all(text)), sys.stdout)";

/// Every YAML document of a file (YAML 1.2, as GitHub, GitLab and Bitbucket read it),
/// parsed by ruamel.yaml from the tools' virtualenv.
pub fn yaml_docs(path: &Path) -> Vec<Value> {
    let out = Command::new(tool("python"))
        .args(["-c", YAML_TO_JSON])
        .arg(path)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "could not read {} as YAML:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from the YAML reader")
}

/// The one YAML document of a file.
pub fn yaml(path: &Path) -> Value {
    let mut docs = yaml_docs(path);
    assert_eq!(
        docs.len(),
        1,
        "{} holds {} YAML documents",
        path.display(),
        docs.len()
    );
    docs.remove(0)
}

/// Runs a command, returning its output; panics only if it cannot be started.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"))
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The inputs action.yml declares, in order: (name, default, required).
pub fn action_inputs() -> Vec<(String, Option<String>, bool)> {
    let action = yaml(&root().join("action.yml"));
    let inputs = action["inputs"].as_object().expect("action.yml inputs");
    inputs
        .iter()
        .map(|(name, spec)| {
            let default = spec.get("default").map(|d| scalar(d, name));
            let required = spec["required"].as_bool().unwrap_or(false);
            (name.clone(), default, required)
        })
        .collect()
}

/// A YAML scalar as the string the runner or the platform passes on.
pub fn scalar(value: &Value, what: &str) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => panic!("{what}: expected a scalar, got {other}"),
    }
}

/// `pipeline-ids` -> `PIPELINE_IDS`.
pub fn upper_snake(name: &str) -> String {
    name.replace('-', "_").to_ascii_uppercase()
}

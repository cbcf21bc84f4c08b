//! The services' contracts, for tests: requests and responses checked against the OpenAPI
//! descriptions the services publish, so neither the fakes nor what the action and its
//! hooks send can drift from the real APIs unnoticed. One checker, two descriptions:
//!
//! - [`github()`]: GitHub's REST API (npm `@octokit/openapi`,
//!   `generated/api.github.com.json`), installed, pinned, under `target/` by
//!   `scripts/install-github-openapi` (a step of `scripts/test`);
//! - [`devopness()`]: Devopness's API (Devopness's published `spec.json`, pinned by commit
//!   and sha256), downloaded once under `target/` by `scripts/fetch-devopness-openapi` (a
//!   step of `scripts/test`) or named by `DEVOPNESS_OPENAPI_SPEC`, read with corrections
//!   applied in code when it is loaded (see [`devopness`]'s module and
//!   `docs/devopness-api.md`).
//!
//! A test never fetches a description, and fails, saying what to do, when one is missing.
//! Their schemas are OpenAPI 3.0's, read as JSON Schema draft 4 (see [`to_json_schema`])
//! and validated with the `jsonschema` crate, formats included.
//!
//! ```no_run
//! use openapi_contract::{github, Request};
//! let request = Request::to_url("POST", "https://api.github.com/repos/o/r/statuses/abc", r#"{"state":"success"}"#);
//! let op = github().check_request(&request.expect("a URL")).expect("fits the spec");
//! assert_eq!(op.id, "repos/create-commit-status");
//! ```

mod check;
pub mod devopness;
pub mod github;
mod operation;
mod schema;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use fake_http::Exchange;
use jsonschema::Validator;
use serde_json::{Map, Value};

pub use check::{Mismatch, Request, Response};
pub use devopness::devopness;
pub use github::github;
pub use operation::Operation;
pub use schema::to_json_schema;

/// The body schema of an error status the service may answer on any operation, whatever
/// the operation documents (`None`: the status must be documented).
pub type ErrorBody = fn(u16) -> Option<Value>;

/// An OpenAPI description, its operations, and the validators built so far.
pub struct Spec {
    version: String,
    /// What the service sends with an error status beyond what the description says.
    error_body: ErrorBody,
    /// `components.schemas`, as JSON Schema.
    components: Map<String, Value>,
    operations: Vec<Operation>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

impl Spec {
    /// The description in `path` (`missing` says what to do when it cannot be read), with
    /// `correct` applied to it first.
    pub(crate) fn load(
        path: &Path,
        missing: impl FnOnce(&Path, &std::io::Error) -> String,
        correct: impl FnOnce(&mut Value) -> Result<(), String>,
        error_body: ErrorBody,
    ) -> Result<Spec, String> {
        let text = std::fs::read_to_string(path).map_err(|e| missing(path, &e))?;
        let mut spec: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        correct(&mut spec).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Spec::new(&spec, error_body))
    }

    /// The description `spec`, as it is (no corrections).
    pub fn new(spec: &Value, error_body: ErrorBody) -> Spec {
        let components = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|schemas| {
                schemas
                    .iter()
                    .map(|(name, s)| (name.clone(), to_json_schema(s)))
                    .collect()
            })
            .unwrap_or_default();
        Spec {
            error_body,
            version: spec
                .pointer("/info/version")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            components,
            operations: operation::operations(spec),
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The description's `info.version` (for GitHub, the npm package's version).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// The operation for `method` and `path` (below the API root), with its path
    /// parameters' raw values; the template with the most literal segments wins.
    pub fn find<'p>(
        &self,
        method: &str,
        path: &'p str,
    ) -> Result<(&Operation, Vec<&'p str>), Mismatch> {
        self.operations
            .iter()
            .filter(|op| op.method.eq_ignore_ascii_case(method))
            .filter_map(|op| op.fit(path).map(|(values, literal)| (op, values, literal)))
            .max_by_key(|(_, _, literal)| *literal)
            .map(|(op, values, _)| (op, values))
            .ok_or_else(|| Mismatch::NoOperation {
                method: method.to_string(),
                path: path.to_string(),
            })
    }

    /// What is wrong with `value` under the schema `key` names (built by `schema` the first
    /// time, with the components it references). Empty when it is valid.
    ///
    /// With `close`, stricter than the spec: an object may hold only the fields its schema
    /// declares (see [`schema::closed`]). `key` must say whether it is closed.
    fn validate(
        &self,
        key: &str,
        close: bool,
        schema: impl FnOnce() -> Value,
        value: &Value,
    ) -> Vec<String> {
        let validator = {
            let mut cache = self
                .validators
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(v) = cache.get(key) {
                v.clone()
            } else {
                let bundled = schema::bundle(&schema(), &self.components, close);
                let built = jsonschema::draft4::options()
                    .should_validate_formats(true)
                    .build(&bundled);
                match built {
                    Ok(v) => cache.entry(key.to_string()).or_insert(Arc::new(v)).clone(),
                    Err(e) => {
                        return vec![format!("the spec's schema for {key} does not compile: {e}")]
                    }
                }
            }
        };
        let mut found: Vec<String> = validator
            .iter_errors(value)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() { "/".to_string() } else { at };
                // A whole issue in a message hides what is wrong with it: name objects and
                // arrays by their kind, show other values.
                let text = match e.instance().as_ref() {
                    Value::Object(_) => e.masked_with("the object").to_string(),
                    Value::Array(_) => e.masked_with("the array").to_string(),
                    _ => e.to_string(),
                };
                format!("at {at}: {}", shorten(&text))
            })
            .collect();
        // A list of 100 items broken the same way would bury the rest.
        if found.len() > MAX_PROBLEMS {
            let more = found.len() - MAX_PROBLEMS;
            found.truncate(MAX_PROBLEMS);
            found.push(format!("and {more} more"));
        }
        found
    }

    /// Checks every exchange a fake recorded: the request (when `requests` is true)
    /// and the response against the request's operation. Returns how many responses were
    /// checked (a dropped connection has none), or every mismatch, one line each.
    pub fn check_exchanges(&self, exchanges: &[Exchange], requests: bool) -> Result<usize, String> {
        let mut problems = Vec::new();
        let mut checked = 0;
        for exchange in exchanges {
            let request = Request::recorded(&exchange.request);
            let line = |m: &Mismatch| {
                let r = &exchange.request;
                format!("{} {}: {m}", r.method, r.path)
            };
            if requests {
                if let Err(found) = self.check_request(&request) {
                    problems.extend(found.iter().map(line));
                }
            }
            let op = match self.find(request.method, request.path) {
                Ok((op, _)) => op,
                Err(m) => {
                    if !requests {
                        problems.push(line(&m));
                    }
                    continue;
                }
            };
            if let Some(response) = &exchange.response {
                checked += 1;
                if let Err(found) = self.check_response(op, &Response::recorded(response)) {
                    problems.extend(found.iter().map(line));
                }
            }
        }
        if problems.is_empty() {
            Ok(checked)
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// The target directory: `$CARGO_TARGET_DIR` (relative to the workspace when relative), else
/// the workspace's `target/`. The install and fetch scripts put the descriptions there.
pub(crate) fn target_dir() -> std::path::PathBuf {
    // This crate is `crates/openapi-contract` of the workspace.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.ancestors().nth(2).unwrap_or(manifest);
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|p| !p.is_empty())
        .map_or_else(|| workspace.join("target"), |dir| workspace.join(dir))
}

/// How many problems one value reports at most.
const MAX_PROBLEMS: usize = 10;

/// Long instances (a whole issue) make unreadable messages: keep the start.
fn shorten(text: &str) -> String {
    const MAX: usize = 300;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

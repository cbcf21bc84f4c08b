//! GitHub's REST API description: npm `@octokit/openapi`, installed under `target/` by
//! `scripts/install-github-openapi` (a step of `scripts/test`), never fetched by a test.

use std::env;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::Spec;

/// Set to the path of `api.github.com.json` to use that file instead.
pub const SPEC_ENV: &str = "GITHUB_OPENAPI_SPEC";

/// The installed package's file, below the target directory.
const INSTALLED: &str =
    "github-openapi/node_modules/@octokit/openapi/generated/api.github.com.json";

/// GitHub's REST API description, loaded once per test process.
///
/// # Panics
/// When the description is not installed (with what to run), or cannot be read.
pub fn github() -> &'static Spec {
    static SPEC: OnceLock<Result<Spec, String>> = OnceLock::new();
    match SPEC.get_or_init(|| load(&spec_path())) {
        Ok(spec) => spec,
        Err(e) => panic!("{e}"),
    }
}

/// The description in `path`, as published.
pub fn load(path: &Path) -> Result<Spec, String> {
    Spec::load(path, not_installed, |_| Ok(()), basic_error)
}

/// GitHub answers 401, 403, 503, ... on every operation, and its description lists them on
/// some: any error status carries its `basic-error` body.
fn basic_error(status: u16) -> Option<Value> {
    (status >= 400).then(|| json!({ "$ref": "#/components/schemas/basic-error" }))
}

/// `$GITHUB_OPENAPI_SPEC`, else the file `scripts/install-github-openapi` installs under the
/// target directory (`$CARGO_TARGET_DIR`, relative to the workspace, or `target/`).
pub fn spec_path() -> PathBuf {
    if let Some(path) = env::var_os(SPEC_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    crate::target_dir().join(INSTALLED)
}

/// What to do when the file is not there.
fn not_installed(path: &Path, error: &std::io::Error) -> String {
    format!(
        "GitHub's OpenAPI description (npm @octokit/openapi) is not installed: cannot read {} ({error}). \
         Run `scripts/install-github-openapi` (the install step of `scripts/test`; it installs the \
         pinned package under target/ once, offline afterwards), or set {SPEC_ENV} to an \
         api.github.com.json from that package.",
        path.display()
    )
}

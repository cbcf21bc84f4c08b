//! Devopness's API description: Devopness's own published OpenAPI file,
//! `packages/sdks/common/spec.json` of the public devopness/devopness repository
//! (Apache-2.0), pinned by commit and sha256. It is never copied into this repository:
//! `scripts/fetch-devopness-openapi` (a step of `scripts/test`) downloads it once into the
//! target directory and checks its sha256, or `DEVOPNESS_OPENAPI_SPEC` names a local copy.
//! Where the description is wrong, it is corrected in code as it is loaded ([`correct`]);
//! `docs/devopness-api.md` says what the API really does.

mod corrections;

use std::env;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::Spec;

pub use corrections::correct;

/// Set to the path of a local copy of the description to use that file instead.
pub const SPEC_ENV: &str = "DEVOPNESS_OPENAPI_SPEC";

/// The repository that publishes the description, on GitHub.
pub const REPOSITORY: &str = "devopness/devopness";
/// The commit of [`REPOSITORY`] the description is taken from.
pub const COMMIT: &str = "0223644911db56c8cca54f66480edd6825e17fb3";
/// The description's path in [`REPOSITORY`].
pub const FILE: &str = "packages/sdks/common/spec.json";
/// The sha256 of [`FILE`] at [`COMMIT`], which `scripts/fetch-devopness-openapi` checks.
pub const SHA256: &str = "75f3bf9a3615128722fe6a839aee086708b442bb37e467d3d31e0d17484f70c6";

/// Where `scripts/fetch-devopness-openapi` downloads the description from.
pub fn url() -> String {
    format!("https://raw.githubusercontent.com/{REPOSITORY}/{COMMIT}/{FILE}")
}

/// Devopness's API description, corrected, loaded once per test process.
///
/// # Panics
/// When the description cannot be read (with what to do), or a correction no longer applies.
pub fn devopness() -> &'static Spec {
    static SPEC: OnceLock<Result<Spec, String>> = OnceLock::new();
    match SPEC.get_or_init(|| load(&spec_path())) {
        Ok(spec) => spec,
        Err(e) => panic!("{e}"),
    }
}

/// The description in `path`, with the corrections applied; refused when it is not the
/// pinned one (its sha256), since the corrections and the tests hold to that version.
pub fn load(path: &Path) -> Result<Spec, String> {
    if let Ok(bytes) = std::fs::read(path) {
        pinned(path, &bytes)?;
    }
    Spec::load(path, missing, correct, laravel_error)
}

fn pinned(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let digest: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if digest == SHA256 {
        return Ok(());
    }
    Err(format!(
        "{} is not Devopness's OpenAPI description at commit {COMMIT}: its sha256 is {digest}, \
         not {SHA256}. The Devopness contract tests and their corrections hold to that version \
         of {FILE}: set {SPEC_ENV} to a copy of it, or unset {SPEC_ENV} to use the one \
         `scripts/fetch-devopness-openapi` downloads ({}).",
        path.display(),
        url(),
    ))
}

/// `$DEVOPNESS_OPENAPI_SPEC`, else the copy `scripts/fetch-devopness-openapi` keeps under the
/// target directory (`devopness-openapi/COMMIT/spec.json`).
pub fn spec_path() -> PathBuf {
    if let Some(path) = env::var_os(SPEC_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    crate::target_dir()
        .join("devopness-openapi")
        .join(COMMIT)
        .join("spec.json")
}

fn missing(path: &Path, error: &std::io::Error) -> String {
    format!(
        "Devopness's OpenAPI description is not there: cannot read {} ({error}). The Devopness \
         contract tests need {FILE} of https://github.com/{REPOSITORY} at commit {COMMIT} \
         (sha256 {SHA256}). Run `scripts/fetch-devopness-openapi` (a step of `scripts/test`: \
         it downloads {} once into the target directory and checks its sha256), or set \
         {SPEC_ENV} to a local copy of that file.",
        path.display(),
        url(),
    )
}

/// The API is a Laravel application, and its description declares no `security`, so it never
/// shows the 401 every operation can answer, nor most 404s, the 429 of its rate limit or
/// the 5xx: on any operation these carry Laravel's `{"message": "..."}`, and a 422 also its
/// `errors`, each field's messages a string or a list of strings (`docs/devopness-api.md`,
/// "Errors").
/// Other statuses must be documented.
fn laravel_error(status: u16) -> Option<Value> {
    let errors = json!({
        "type": "object",
        "additionalProperties": {
            "anyOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" } },
            ],
        },
    });
    let required = match status {
        422 => json!(["message", "errors"]),
        401 | 403 | 404 | 429 | 500..=599 => json!(["message"]),
        _ => return None,
    };
    Some(json!({
        "type": "object",
        "required": required,
        "properties": {
            "message": { "type": "string" },
            "errors": errors,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laravel_errors_only_for_the_statuses_it_sends() {
        for status in [401, 403, 404, 429, 500, 503] {
            let body = laravel_error(status).unwrap_or_default();
            assert_eq!(body["required"], json!(["message"]), "{status}");
        }
        let invalid = laravel_error(422).unwrap_or_default();
        assert_eq!(invalid["required"], json!(["message", "errors"]));
        for status in [200, 204, 400, 405, 409, 413] {
            assert_eq!(laravel_error(status), None, "{status}");
        }
    }
}

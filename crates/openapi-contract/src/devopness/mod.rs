//! Devopness's API description: `openapi.json` (Devopness's own published description,
//! `packages/sdks/common/spec.json` of the public devopness/devopness repository), kept in
//! the shared folder CI checks out beside the clone, `../shared/devopness-api/`, with the
//! `NOTES.md` that says where it is wrong. It is read from there, never copied into the
//! repository, and corrected in code as it is loaded ([`correct`]).

mod corrections;

use std::env;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::Spec;

pub use corrections::correct;

/// Set to the path of Devopness's `openapi.json` to use that file instead.
pub const SPEC_ENV: &str = "DEVOPNESS_OPENAPI_SPEC";

/// Where CI puts it, relative to the workspace (the clone).
const SHARED: &str = "../shared/devopness-api/openapi.json";

/// Devopness's API description, corrected as `NOTES.md` says, loaded once per test process.
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

/// The description in `path`, with the corrections applied.
pub fn load(path: &Path) -> Result<Spec, String> {
    Spec::load(path, missing, correct, laravel_error)
}

/// `$DEVOPNESS_OPENAPI_SPEC`, else `../shared/devopness-api/openapi.json` beside the
/// workspace.
pub fn spec_path() -> PathBuf {
    if let Some(path) = env::var_os(SPEC_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(SHARED)
}

fn missing(path: &Path, error: &std::io::Error) -> String {
    format!(
        "Devopness's OpenAPI description is not there: cannot read {} ({error}). CI checks the \
         shared folder out beside the clone ({SHARED} from the repository root); elsewhere, set \
         {SPEC_ENV} to that openapi.json (Devopness's packages/sdks/common/spec.json, with the \
         NOTES.md beside it).",
        path.display()
    )
}

/// The API is a Laravel application, and its description declares no `security`, so it never
/// shows the 401 every operation can answer, nor most 404s, the 429 of its rate limit or
/// the 5xx: on any operation these carry Laravel's `{"message": "..."}`, and a 422 also its
/// `errors`, each field's messages a string or a list of strings (`NOTES.md`, "Errors").
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

//! `action.yml` must load under the runner's manifest rules, which JSON schemas do not know:
//! no `${{ }}` in a name, author or description (the runner refuses the whole action at
//! "Set up job"), and in an input default only the contexts the runner allows there.
//! `scripts/check-action-manifest` holds the rules (the release workflow runs it too);
//! these tests run it on the real manifest and on broken copies, so it is seen to fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn check(path: &Path) -> Output {
    Command::new("python3")
        .arg(root().join("scripts/check-action-manifest"))
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("could not run python3 scripts/check-action-manifest: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn action_yml() -> String {
    std::fs::read_to_string(root().join("action.yml")).expect("read action.yml")
}

/// A copy of action.yml with `from` replaced by `to` (which must occur exactly once).
fn mutated(dir: &Path, from: &str, to: &str) -> PathBuf {
    let original = action_yml();
    assert_eq!(
        original.matches(from).count(),
        1,
        "action.yml should hold {from:?} once"
    );
    let path = dir.join("action.yml");
    std::fs::write(&path, original.replacen(from, to, 1)).expect("write copy");
    path
}

#[test]
fn action_yml_loads_under_the_runners_rules() {
    let out = check(&root().join("action.yml"));
    assert!(
        out.status.success(),
        "action.yml breaks a runner rule:\n{}",
        text(&out)
    );
}

#[test]
fn an_expression_in_an_input_description_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = mutated(
        dir.path(),
        "Token for the drift issue: pass the workflow's github.token",
        "Token for the drift issue, usually ${{ github.token }}",
    );
    let out = check(&path);
    assert!(
        !out.status.success(),
        "the checker passed a description with an expression"
    );
    let said = text(&out);
    assert!(said.contains("inputs.github-token.description"), "{said}");
    assert!(said.contains("not allowed here"), "{said}");
}

#[test]
fn expressions_in_the_name_description_and_an_output_description_are_refused() {
    for (from, to, place) in [
        (
            "name: Devopness status hooks",
            "name: Hooks ${{ github.repository }}",
            "name:",
        ),
        (
            "description: Give Devopness deploy pipelines",
            "description: ${{ github.actor }} gives Devopness deploy pipelines",
            "description:",
        ),
        (
            "description: Number of hooks created.",
            "description: Number of hooks created in ${{ github.repository }}.",
            "outputs.created.description",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = check(&mutated(dir.path(), from, to));
        let said = text(&out);
        assert!(!out.status.success(), "passed with {to:?}:\n{said}");
        assert!(said.contains(place), "expected {place} in:\n{said}");
    }
}

#[test]
fn an_input_default_may_use_only_the_contexts_the_runner_allows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = "  github-token:\n    description: \"Token for the drift issue: pass the workflow's github.token (with permissions issues: write). Masked.\"\n    required: false\n    default: \"\"";
    let allowed = from.replace("default: \"\"", "default: ${{ github.token }}");
    let out = check(&mutated(dir.path(), from, &allowed));
    assert!(
        out.status.success(),
        "github.token is allowed in a default:\n{}",
        text(&out)
    );

    for context in [
        "secrets.GITHUB_TOKEN",
        "inputs.api-token",
        "steps.x.outputs.y",
    ] {
        let refused = from.replace("default: \"\"", &format!("default: ${{{{ {context} }}}}"));
        let out = check(&mutated(dir.path(), from, &refused));
        let said = text(&out);
        assert!(
            !out.status.success(),
            "{context} passed in a default:\n{said}"
        );
        assert!(said.contains("inputs.github-token.default"), "{said}");
    }
}

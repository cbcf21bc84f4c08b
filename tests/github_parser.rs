//! GitHub's own parser on every action manifest and GitHub workflow of the repository:
//! npm `@actions/workflow-parser` (the parser behind GitHub's Actions language service),
//! pinned by `scripts/workflow-parser/package-lock.json` and installed under `target/` by
//! `scripts/install-workflow-parser` (a step of `scripts/test`), loaded as it ships by
//! `scripts/workflow-parser/check.mjs`. Each `action.yml` (the root one, and the one a
//! release writes, pinned by digest) goes through `parseAction` and `convertActionTemplate`,
//! each workflow under `.github/`, `examples/` and `tests/act/` through `parseWorkflow` and
//! `convertWorkflowTemplate`, with no error. Broken copies show that it refuses what GitHub
//! refuses, the `${{ github.token }}` description that once kept the action from loading
//! first.

mod ci_files;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ci_files::{root, text};

/// What `check.mjs` said about some files.
fn parse(files: &[PathBuf]) -> Output {
    let out = Command::new("node")
        .arg(root().join("scripts/workflow-parser/check.mjs"))
        .args(files)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| {
            panic!("could not run node (20.6 or later is needed for GitHub's parser): {e}")
        });
    assert_ne!(
        out.status.code(),
        Some(2),
        "GitHub's parser could not run (scripts/install-workflow-parser installs it):\n{}",
        text(&out)
    );
    out
}

fn yaml_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    files
}

/// Every file below the repository root, but for `.git`, `target` and `node_modules`.
fn every_file(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !matches!(name.to_str(), Some(".git" | "target" | "node_modules")) {
                every_file(&path, found);
            }
        } else {
            found.push(path);
        }
    }
}

/// The action manifests: every `action.yml` / `action.yaml` in the repository.
fn manifests() -> Vec<PathBuf> {
    let mut all = Vec::new();
    every_file(root(), &mut all);
    let mut manifests: Vec<PathBuf> = all
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n == "action.yml" || n == "action.yaml")
        })
        .collect();
    manifests.sort();
    manifests
}

/// The GitHub workflows: `.github/workflows/`, the examples' top folder (`examples/gitlab/`
/// and `examples/bitbucket/` are the other platforms') and `tests/act/`.
fn workflows() -> Vec<PathBuf> {
    [".github/workflows", "examples", "tests/act"]
        .iter()
        .flat_map(|dir| yaml_files_in(&root().join(dir)))
        .collect()
}

/// A copy of the root `action.yml` in `dir`, as the release rewrites it: its image pinned by
/// digest with `scripts/pin-action-image`, as the release workflow runs it.
fn released_manifest(dir: &Path) -> PathBuf {
    let copy = dir.join("action.yml");
    std::fs::copy(root().join("action.yml"), &copy).expect("copy action.yml");
    let digest = format!("sha256:{}", "a1".repeat(32));
    let out = Command::new(root().join("scripts/pin-action-image"))
        .args([
            "--digest-only",
            "--comment",
            "ghcr.io/owner/devopness-status-hooks:v1.2.3",
        ])
        .arg("--file")
        .arg(&copy)
        .arg(format!(
            "docker://ghcr.io/owner/devopness-status-hooks@{digest}"
        ))
        .output()
        .expect("run scripts/pin-action-image");
    assert!(out.status.success(), "pin-action-image:\n{}", text(&out));
    let pinned = std::fs::read_to_string(&copy).expect("read the pinned copy");
    assert!(pinned.contains(&digest), "not pinned:\n{pinned}");
    copy
}

/// A copy of the root `action.yml` in `dir` with `from` (found exactly once) replaced by `to`.
fn mutated(dir: &Path, from: &str, to: &str) -> PathBuf {
    let original = std::fs::read_to_string(root().join("action.yml")).expect("read action.yml");
    assert_eq!(
        original.matches(from).count(),
        1,
        "action.yml should hold {from:?} once"
    );
    let path = dir.join("action.yml");
    std::fs::write(&path, original.replacen(from, to, 1)).expect("write the copy");
    path
}

/// The line (1-based) of `action.yml` that holds `needle`.
fn line_of(needle: &str) -> usize {
    let original = std::fs::read_to_string(root().join("action.yml")).expect("read action.yml");
    original
        .lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle:?} is not in action.yml"))
}

/// Parses `files` and fails unless every one of them was reported `ok`.
fn assert_all_ok(files: &[PathBuf]) {
    let out = parse(files);
    let said = text(&out);
    assert!(
        out.status.success(),
        "GitHub's parser found errors:\n{said}"
    );
    for file in files {
        let line = format!("{}: ok", file.display());
        assert!(
            said.lines().any(|l| l == line),
            "{} was not reported ok:\n{said}",
            file.display()
        );
    }
    // Shown with `cargo test -- --nocapture`.
    println!("{said}");
}

#[test]
fn every_action_manifest_and_workflow_parses_with_no_error() {
    let manifests = manifests();
    assert!(
        manifests.contains(&root().join("action.yml")),
        "the root action.yml was not found: {manifests:?}"
    );
    let workflows = workflows();
    for expected in [
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
        "examples/on-push.yml",
        "tests/act/bootstrap.yml",
    ] {
        assert!(
            workflows.contains(&root().join(expected)),
            "{expected} is not among the workflows: {workflows:?}"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let released = released_manifest(dir.path());
    let files: Vec<PathBuf> = manifests
        .into_iter()
        .chain([released])
        .chain(workflows)
        .collect();
    assert_all_ok(&files);
}

#[test]
fn no_other_file_of_the_repository_is_a_github_workflow() {
    use yaml_rust2::YamlLoader;
    let checked = workflows();
    let mut all = Vec::new();
    every_file(root(), &mut all);
    for path in all
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
    {
        let source = std::fs::read_to_string(path).expect("read YAML");
        let docs = YamlLoader::load_from_str(&source)
            .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
        let is_workflow = docs
            .iter()
            .any(|d| !d["on"].is_badvalue() && !d["jobs"].is_badvalue());
        assert_eq!(
            is_workflow,
            checked.contains(path),
            "{}: a GitHub workflow (`on:` and `jobs:`) must be among those parsed, and only those",
            path.display()
        );
    }
}

#[test]
fn the_old_github_token_description_is_refused() {
    // The description that kept the action from loading ("Unrecognized named-value").
    let current = "    description: \"Token for the drift issue: pass the workflow's github.token (with permissions issues: write). Masked.\"";
    let old =
        "    description: \"Token for the drift issue, usually ${{ github.token }}. Masked.\"";
    let line = line_of(current.trim());
    let dir = tempfile::tempdir().expect("tempdir");
    let out = parse(&[mutated(dir.path(), current, old)]);
    let said = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the old description passed:\n{said}"
    );
    assert!(
        said.contains(&format!(
            "(Line: {line}, Col: 18): Unrecognized named-value: 'github'"
        )),
        "{said}"
    );
}

#[test]
fn expressions_the_runner_refuses_in_a_manifest_are_refused() {
    let token = "  github-token:\n    description: \"Token for the drift issue: pass the workflow's github.token (with permissions issues: write). Masked.\"\n    required: false\n    default: \"\"";
    let default = |value: &str| token.replace("default: \"\"", &format!("default: {value}"));
    let refused = [
        (
            "name: Devopness status hooks".to_string(),
            "name: Hooks ${{ github.repository }}".to_string(),
            "Unrecognized named-value: 'github'",
        ),
        (
            "description: Number of hooks created.".to_string(),
            "description: Number of hooks created ${{ 'today' }}.".to_string(),
            "A template expression is not allowed in this context",
        ),
        // An input default may use github, runner, job, strategy, matrix and hashFiles only.
        (
            token.to_string(),
            default("${{ secrets.GITHUB_TOKEN }}"),
            "Unrecognized named-value: 'secrets'",
        ),
        (
            token.to_string(),
            default("${{ env.GITHUB_TOKEN }}"),
            "Unrecognized named-value: 'env'",
        ),
        (
            token.to_string(),
            default("${{ inputs.api-token }}"),
            "Unrecognized named-value: 'inputs'",
        ),
        (
            "name: Devopness status hooks".to_string(),
            "name: Devopness ${{ status hooks".to_string(),
            "The expression is not closed",
        ),
        (
            "runs:\n".to_string(),
            "unknown-key: x\nruns:\n".to_string(),
            "Unexpected value 'unknown-key'",
        ),
    ];
    for (from, to, expected) in refused {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = parse(&[mutated(dir.path(), &from, &to)]);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "passed with {to:?}:\n{said}");
        assert!(
            said.contains(expected),
            "expected {expected:?} for {to:?}:\n{said}"
        );
    }

    // What the runner allows there passes.
    let dir = tempfile::tempdir().expect("tempdir");
    let allowed = mutated(dir.path(), token, &default("${{ github.token }}"));
    assert_all_ok(&[allowed]);
}

#[test]
fn a_workflow_error_found_only_by_the_conversion_is_reported() {
    // parseWorkflow accepts this; convertWorkflowTemplate finds the unknown job.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("needs.yml");
    std::fs::write(
        &path,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo a\n  \
         b:\n    runs-on: ubuntu-latest\n    needs: [a, nosuch]\n    steps:\n      - run: echo b\n",
    )
    .expect("write");
    let out = parse(&[path]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("Job 'b' depends on unknown job 'nosuch'"),
        "{said}"
    );
}

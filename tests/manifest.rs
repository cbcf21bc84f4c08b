//! What `runs.image` names: the one rule of `action.yml` that GitHub's parser
//! (tests/github_parser.rs) does not check, held by `scripts/check-action-manifest` (the
//! release workflow runs it on the manifest it pins). The runner builds a Dockerfile from the
//! action's folder or pulls a `docker://` image, and refuses anything else when the job
//! starts. These tests run the script on the real manifest, on the release's pinned copy and
//! on broken copies, and show that the parser lets those copies through.

mod ci_files;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ci_files::{root, text};

fn check(path: &Path) -> Output {
    Command::new("python3")
        .arg(root().join("scripts/check-action-manifest"))
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("could not run python3 scripts/check-action-manifest: {e}"))
}

/// A copy of action.yml in `dir` whose image line names `image`.
fn with_image(dir: &Path, image: &str) -> PathBuf {
    let original = std::fs::read_to_string(root().join("action.yml")).expect("read action.yml");
    let line = "  image: Dockerfile\n";
    assert_eq!(
        original.matches(line).count(),
        1,
        "action.yml should hold {line:?} once"
    );
    let path = dir.join("action.yml");
    std::fs::write(
        &path,
        original.replacen(line, &format!("  image: \"{image}\"\n"), 1),
    )
    .expect("write copy");
    path
}

#[test]
fn action_yml_names_a_dockerfile_that_is_there() {
    let out = check(&root().join("action.yml"));
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn an_image_pulled_by_reference_or_a_dockerfile_in_the_folder_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let digest = "a1".repeat(32);
    for image in [
        format!("docker://ghcr.io/owner/devopness-status-hooks@sha256:{digest}"),
        "docker://localhost/devopness-status-hooks:act".to_string(),
    ] {
        let out = check(&with_image(dir.path(), &image));
        assert!(out.status.success(), "{image}: {}", text(&out));
    }
    std::fs::create_dir(dir.path().join("build")).expect("mkdir");
    for dockerfile in [
        "Dockerfile",
        "build/Dockerfile.release",
        "build/release.dockerfile",
    ] {
        std::fs::write(dir.path().join(dockerfile), "FROM scratch\n").expect("write");
        let out = check(&with_image(dir.path(), dockerfile));
        assert!(out.status.success(), "{dockerfile}: {}", text(&out));
    }
}

#[test]
fn an_image_the_runner_cannot_build_or_pull_is_refused() {
    for (image, expected) in [
        (
            "ghcr.io/owner/devopness-status-hooks:v1",
            "neither a Dockerfile nor 'docker://IMAGE'",
        ),
        (
            "build/Containerfile",
            "neither a Dockerfile nor 'docker://IMAGE'",
        ),
        ("docker://", "names no image"),
        ("Dockerfile", "does not exist beside the manifest"),
        ("../Dockerfile", "outside the action's folder"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let copy = with_image(dir.path(), image);
        let out = check(&copy);
        let said = text(&out);
        assert!(!out.status.success(), "{image} passed:\n{said}");
        assert!(
            said.contains(expected),
            "{image}: expected {expected:?} in:\n{said}"
        );
        assert!(said.contains("runs.image"), "{said}");
    }
}

#[test]
fn github_s_parser_lets_those_images_through() {
    // Why the script still exists: the parser wants a non-empty string, nothing more.
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = with_image(dir.path(), "ghcr.io/owner/devopness-status-hooks:v1");
    assert!(!check(&copy).status.success());
    let out = Command::new("node")
        .arg(root().join("scripts/workflow-parser/check.mjs"))
        .arg(&copy)
        .output()
        .unwrap_or_else(|e| panic!("could not run node: {e}"));
    assert!(
        out.status.success(),
        "the parser now refuses it too (then this rule can leave scripts/check-action-manifest):\n{}",
        text(&out)
    );
}

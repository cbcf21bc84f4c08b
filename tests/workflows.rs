//! The workflows, the examples, `action.yml` and `.github/dependabot.yml` must pass the
//! schemas GitHub's tools use (and actionlint, where it can be installed): this runs
//! `scripts/validate-workflows` and fails with its output when it does not pass.

use std::path::Path;
use std::process::Command;

#[test]
fn workflows_examples_action_and_dependabot_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("scripts/validate-workflows");
    assert!(script.is_file(), "missing {}", script.display());

    let output = Command::new("bash")
        .arg(&script)
        .current_dir(root)
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", script.display()));

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "scripts/validate-workflows failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    // Shown with `cargo test -- --nocapture`.
    println!("{stdout}{stderr}");
}

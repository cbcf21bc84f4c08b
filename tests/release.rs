//! The release workflow names every image by digest, checks its own work before it
//! publishes, and gives each job only the permissions it needs; and the two scripts it
//! relies on (scripts/pin-action-image, scripts/check-image-index) do what they say.
//! The pin step of release.yml is run here, on sample digests, exactly as written.

mod ci_files;

use ci_files::{root, run, scalar, text, yaml, yaml_docs, Value};
use std::path::Path;
use std::process::{Command, Output};

const IMAGE: &str = "ghcr.io/owner/devopness-status-hooks";
const VERSION: &str = "v1.2.3";

fn digest(byte: &str) -> String {
    format!("sha256:{}", byte.repeat(32))
}

fn release() -> Value {
    yaml(&root().join(".github/workflows/release.yml"))
}

fn steps(job: &Value) -> Vec<Value> {
    job["steps"].as_array().expect("steps").clone()
}

fn run_text(step: &Value) -> String {
    step.get("run")
        .map(|r| scalar(r, "run"))
        .unwrap_or_default()
}

/// The index of the one step of `job` whose `run` matches, with the step.
fn step_where(job: &Value, what: &str, pred: impl Fn(&str) -> bool) -> (usize, Value) {
    let found: Vec<(usize, Value)> = steps(job)
        .into_iter()
        .enumerate()
        .filter(|(_, s)| pred(&run_text(s)))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one step that {what}, found {}",
        found.len()
    );
    found.into_iter().next().expect("step")
}

fn is_pin_step(run: &str) -> bool {
    run.contains("scripts/pin-action-image") && !run.contains("--get")
}

#[test]
fn only_the_job_that_signs_can_mint_an_oidc_token_or_write_attestations() {
    let wf = release();
    assert_eq!(
        wf["permissions"],
        serde_json::json!({}),
        "no permission by default"
    );
    let jobs = wf["jobs"].as_object().expect("jobs");
    for (name, job) in jobs {
        let perms = job["permissions"]
            .as_object()
            .unwrap_or_else(|| panic!("job {name}: explicit permissions"));
        let has = |scope: &str, level: &str| perms.get(scope).is_some_and(|v| v == level);
        assert_eq!(
            has("id-token", "write"),
            name == "attest",
            "{name}: id-token"
        );
        assert_eq!(
            has("attestations", "write"),
            name == "attest",
            "{name}: attestations"
        );
        assert_eq!(
            has("contents", "write"),
            name == "release",
            "{name}: contents: write"
        );
        assert_eq!(
            has("packages", "write"),
            name == "image" || name == "attest",
            "{name}: packages: write"
        );
        for (scope, level) in perms {
            assert!(
                level == "read" || level == "write" || level == "none",
                "{name}: {scope}: {level}"
            );
        }
    }
}

/// The image job's outputs come from build-push-action steps that push `target`.
fn assert_output_is_pushed_digest(image_job: &Value, output: &str, step_id: &str, target: &str) {
    let want = format!("${{{{ steps.{step_id}.outputs.digest }}}}");
    assert_eq!(
        image_job["outputs"][output],
        Value::String(want),
        "image job output {output}"
    );
    let step = steps(image_job)
        .into_iter()
        .find(|s| s["id"] == step_id)
        .unwrap_or_else(|| panic!("no step id {step_id}"));
    let uses = scalar(&step["uses"], "uses");
    assert!(
        uses.starts_with("docker/build-push-action@"),
        "{step_id}: {uses}"
    );
    assert_eq!(step["with"]["push"], Value::Bool(true), "{step_id} pushes");
    assert_eq!(
        step["with"]["target"], target,
        "{step_id} builds target {target}"
    );
    assert_eq!(step["with"]["platforms"], "linux/amd64,linux/arm64");
    assert_eq!(step["with"]["provenance"], "mode=max");
    assert_eq!(step["with"]["sbom"], Value::Bool(true));
}

/// A git repository holding the files the pin step rewrites, as the checkout does.
fn release_checkout(dir: &Path) {
    for file in [
        "action.yml",
        "pipe.yml",
        "templates/status-hooks.yml",
        "scripts/pin-action-image",
    ] {
        let to = dir.join(file);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(root().join(file), &to).expect("copy");
    }
    let git = |args: &[&str]| {
        let out = run(Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .current_dir(dir));
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "tagged"]);
}

/// Runs a step's script the way the runner runs `run:` (bash -e -o pipefail).
fn run_step(dir: &Path, step: &Value, env: &[(&str, &str)]) -> Output {
    let script = dir.join("step.sh");
    std::fs::write(&script, run_text(step)).expect("write step");
    run(Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .envs(env.iter().copied())
        .current_dir(dir))
}

#[test]
fn the_release_commit_names_each_image_by_the_digest_the_build_pushed() {
    let wf = release();
    assert_output_is_pushed_digest(&wf["jobs"]["image"], "digest", "action", "action");
    assert_output_is_pushed_digest(&wf["jobs"]["image"], "gitlab-digest", "gitlab", "gitlab");
    let (_, step) = step_where(&wf["jobs"]["release"], "pins the images", is_pin_step);
    assert_eq!(step["env"]["DIGEST"], "${{ needs.image.outputs.digest }}");
    assert_eq!(
        step["env"]["GITLAB_DIGEST"],
        "${{ needs.image.outputs.gitlab-digest }}"
    );
    let script = run_text(&step);
    let calls: Vec<&str> = script.split("scripts/pin-action-image").skip(1).collect();
    assert_eq!(
        calls.len(),
        3,
        "action.yml, the GitLab component and pipe.yml are pinned"
    );
    for call in &calls {
        assert!(
            call.contains("--digest-only"),
            "a pin without --digest-only could write a tag: {call}"
        );
    }

    let dir = tempfile::tempdir().expect("tempdir");
    release_checkout(dir.path());
    let (d, g) = (digest("a1"), digest("b2"));
    let env = [
        ("IMAGE", IMAGE),
        ("VERSION", VERSION),
        ("DIGEST", d.as_str()),
        ("GITLAB_DIGEST", g.as_str()),
    ];
    let out = run_step(dir.path(), &step, &env);
    assert!(out.status.success(), "the pin step failed:\n{}", text(&out));

    // What the runner, GitLab and Bitbucket will read.
    let action = yaml(&dir.path().join("action.yml"));
    assert_eq!(
        action["runs"]["image"],
        Value::String(format!("docker://{IMAGE}@{d}"))
    );
    let component = yaml_docs(&dir.path().join("templates/status-hooks.yml"));
    assert_eq!(
        component[0]["spec"]["inputs"]["image"]["default"],
        Value::String(format!("{IMAGE}@{g}"))
    );
    let pipe = yaml(&dir.path().join("pipe.yml"));
    assert_eq!(pipe["image"], Value::String(format!("{IMAGE}@{d}")));

    // The rewritten manifest still loads under the runner's rules.
    let loads = run(Command::new("python3")
        .arg(root().join("scripts/check-action-manifest"))
        .arg(dir.path().join("action.yml")));
    assert!(
        loads.status.success(),
        "the pinned action.yml does not load:\n{}",
        text(&loads)
    );

    // One line changed per file; the tag kept in a comment.
    let numstat = run(Command::new("git")
        .args(["diff", "--numstat"])
        .current_dir(dir.path()));
    for line in String::from_utf8_lossy(&numstat.stdout).lines() {
        assert!(
            line.starts_with("1\t1\t"),
            "more than the image line changed: {line}"
        );
    }
    let manifest = std::fs::read_to_string(dir.path().join("action.yml")).expect("read");
    let line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("image:"))
        .expect("image line");
    assert_eq!(
        line,
        format!("  image: \"docker://{IMAGE}@{d}\" # {IMAGE}:{VERSION}")
    );
    println!("release action.yml line: {line}");
}

#[test]
fn the_release_checks_its_own_work_before_it_publishes() {
    let wf = release();
    let job = &wf["jobs"]["release"];
    let needs: Vec<String> = job["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .map(|n| scalar(n, "needs"))
        .collect();
    assert!(
        needs.contains(&"attest".to_string()),
        "nothing is published before it is attested and signed"
    );
    let (pin, _) = step_where(job, "pins the images", is_pin_step);
    let (check, step) = step_where(job, "checks the release commit", |r| {
        r.contains("check-action-manifest")
    });
    let (commit, _) = step_where(job, "pushes the tag", |r| {
        r.contains("git push --force origin \"refs/tags/$VERSION\"")
    });
    let (publish, _) = step_where(job, "creates the release", |r| {
        r.contains("gh release create")
    });
    assert!(
        pin < check && check < commit && commit < publish,
        "order: pin, check, commit, release"
    );

    let run = run_text(&step);
    assert!(
        run.contains("scripts/check-action-manifest action.yml"),
        "the manifest still loads:\n{run}"
    );
    for read_back in [
        "scripts/check-image-index \"$(scripts/pin-action-image --get)\"",
        "--file templates/status-hooks.yml --key spec.inputs.image.default)\"",
        "--file pipe.yml --key image)\"",
    ] {
        assert!(
            run.contains(read_back),
            "each pinned digest is checked as written ({read_back}):\n{run}"
        );
    }
    let notes = run_text(
        &step_where(job, "creates the release", |r| {
            r.contains("gh release create")
        })
        .1,
    );
    assert!(
        notes.contains("gh attestation verify oci://$IMAGE@$DIGEST --owner $OWNER"),
        "notes: {notes}"
    );
    assert!(
        notes.contains("cosign verify $IMAGE@$DIGEST"),
        "notes: {notes}"
    );
}

// ------------------------------------------------------------------ scripts/pin-action-image

fn pin(args: &[&str], file: &Path) -> Output {
    run(Command::new(root().join("scripts/pin-action-image"))
        .args(["--file"])
        .arg(file)
        .args(args))
}

fn manifest_copy(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("action.yml");
    std::fs::copy(root().join("action.yml"), &path).expect("copy");
    path
}

#[test]
fn pin_action_image_rewrites_only_runs_image_and_refuses_what_is_not_a_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = manifest_copy(dir.path());
    let before = std::fs::read_to_string(&file).expect("read");
    let d = digest("c3");

    for bad in [
        format!("docker://{IMAGE}:{VERSION}"), // a tag, with --digest-only
        format!("docker://{IMAGE}"),           // neither tag nor digest
        "docker://ghcr.io/Owner/Repo@sha256:00".to_string(), // upper case, short digest
        format!("docker://ghcr.io//x@{d}"),
        format!("docker://{IMAGE}:bad tag@{d}"),
    ] {
        let out = pin(&["--digest-only", &bad], &file);
        assert!(!out.status.success(), "accepted {bad}");
        assert!(
            text(&out).contains("pin-action-image: "),
            "says why: {}",
            text(&out)
        );
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            before,
            "{bad}: file untouched"
        );
    }
    let tag_refused = text(&pin(
        &["--digest-only", &format!("docker://{IMAGE}:{VERSION}")],
        &file,
    ));
    assert!(
        tag_refused.contains("give the image's @sha256: digest"),
        "{tag_refused}"
    );

    let out = pin(
        &[
            "--digest-only",
            "--comment",
            "a tag",
            &format!("docker://{IMAGE}@{d}"),
        ],
        &file,
    );
    assert!(out.status.success(), "{}", text(&out));
    let after = std::fs::read_to_string(&file).expect("read");
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        vec![(
            "  image: Dockerfile",
            &*format!("  image: \"docker://{IMAGE}@{d}\" # a tag")
        )]
    );
    assert_eq!(before.lines().count(), after.lines().count());
    let get = pin(&["--get"], &file);
    assert_eq!(
        String::from_utf8_lossy(&get.stdout).trim(),
        format!("docker://{IMAGE}@{d}")
    );
}

#[test]
fn pin_action_image_points_a_copy_at_a_local_image_for_a_local_runner() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = manifest_copy(dir.path());
    for reference in [
        "docker://localhost/devopness-status-hooks:act",
        "localhost:5000/x/y:1.0",
    ] {
        let out = pin(&[reference], &file);
        assert!(out.status.success(), "{reference}: {}", text(&out));
        let runs = yaml(&file)["runs"].clone();
        let want = format!("docker://{}", reference.trim_start_matches("docker://"));
        assert_eq!(runs["image"], Value::String(want));
        assert_eq!(runs["using"], "docker");
    }
}

// ------------------------------------------------------------------ scripts/check-image-index

fn index(platforms: &[&str], media_type: &str) -> String {
    let manifests: Vec<Value> = platforms
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (os, arch) = p.split_once('/').expect("os/arch");
            serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest(&format!("{i}{i}")),
                "size": 500,
                "platform": {"os": os, "architecture": arch},
            })
        })
        .collect();
    serde_json::json!({"schemaVersion": 2, "mediaType": media_type, "manifests": manifests})
        .to_string()
}

fn sha256_hex(dir: &Path, bytes: &str) -> String {
    let file = dir.join("bytes");
    std::fs::write(&file, bytes).expect("write");
    let out = run(Command::new("sha256sum").arg(&file));
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("hash")
        .to_string()
}

fn check_index(dir: &Path, bytes: &str, reference_digest: &str) -> Output {
    let file = dir.join("index.json");
    std::fs::write(&file, bytes).expect("write");
    run(Command::new(root().join("scripts/check-image-index"))
        .arg(format!("docker://{IMAGE}@{reference_digest}"))
        .arg("--manifest-file")
        .arg(&file))
}

#[test]
fn check_image_index_passes_only_the_named_multi_arch_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let oci = "application/vnd.oci.image.index.v1+json";
    let good = index(&["linux/amd64", "linux/arm64", "unknown/unknown"], oci);
    let good_digest = format!("sha256:{}", sha256_hex(dir.path(), &good));
    let out = check_index(dir.path(), &good, &good_digest);
    assert!(out.status.success(), "{}", text(&out));

    let cases = [
        (good.clone(), digest("d4"), "hashes to"),
        (
            index(&["linux/amd64"], oci),
            String::new(),
            "no image for linux/arm64",
        ),
        (
            index(
                &["linux/amd64", "linux/arm64"],
                "application/vnd.oci.image.manifest.v1+json",
            ),
            String::new(),
            "not a multi-platform index",
        ),
    ];
    for (bytes, named, why) in cases {
        let named = if named.is_empty() {
            format!("sha256:{}", sha256_hex(dir.path(), &bytes))
        } else {
            named
        };
        let out = check_index(dir.path(), &bytes, &named);
        assert!(!out.status.success(), "passed: {bytes}");
        assert!(
            text(&out).contains(why),
            "expected '{why}' in: {}",
            text(&out)
        );
    }
    let by_tag =
        run(Command::new(root().join("scripts/check-image-index"))
            .arg(format!("{IMAGE}:{VERSION}")));
    assert!(
        text(&by_tag).contains("not pinned by digest"),
        "{}",
        text(&by_tag)
    );
}

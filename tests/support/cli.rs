//! Runs the real binary as a command line: arguments, an environment holding only what
//! the caller gives (nothing of GitHub's unless asked), the working directory a fresh
//! folder that the run's files land in. Every run is also a leak test.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What one command-line run produced.
pub struct CliRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The working directory (relative output paths land here).
    pub dir: tempfile::TempDir,
}

impl CliRun {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A file the run wrote, relative to its working directory.
    pub fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name))
            .unwrap_or_else(|e| panic!("no file {name} ({e}); stdout:\n{}", self.stdout))
    }

    /// A dotenv report read back the way GitLab reads one; panics on a line GitLab
    /// would refuse.
    pub fn dotenv(&self, name: &str) -> HashMap<String, String> {
        parse_dotenv(&self.file(name))
    }

    pub fn json(&self, name: &str) -> serde_json::Value {
        serde_json::from_str(&self.file(name))
            .unwrap_or_else(|e| panic!("{name} is not JSON: {e}\n{}", self.file(name)))
    }

    /// stdout and stderr, for assertion messages.
    pub fn shown(&self) -> String {
        format!(
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// GitLab's dotenv rules (docs/ci-platforms.md): one `KEY=value` per line, keys of
/// ASCII letters, digits and `_`, no empty lines, no comments, under 5 KB.
pub fn parse_dotenv(text: &str) -> HashMap<String, String> {
    assert!(
        text.len() < 5 * 1024,
        "dotenv report of {} bytes",
        text.len()
    );
    assert!(!text.contains('\r'), "dotenv with a CR:\n{text}");
    let mut out = HashMap::new();
    for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("dotenv line without `=`: {line:?}"));
        assert!(
            !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "dotenv key GitLab refuses: {key:?}"
        );
        assert!(
            out.insert(key.to_owned(), value.to_owned()).is_none(),
            "{key} twice"
        );
    }
    out
}

/// Runs the binary with `args` and exactly `env`, in a fresh working directory.
/// `secrets` must appear in nothing the run printed or wrote.
pub fn run_cli(args: &[&str], env: &[(&str, &str)], secrets: &[&str]) -> CliRun {
    let dir = tempfile::tempdir().expect("tempdir");
    run_cli_in(dir, args, env, secrets)
}

/// [`run_cli`] in a prepared working directory.
pub fn run_cli_in(
    dir: tempfile::TempDir,
    args: &[&str],
    env: &[(&str, &str)],
    secrets: &[&str],
) -> CliRun {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_devopness-status-hooks"));
    cmd.env_clear()
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the binary");
    let run = CliRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        dir,
    };
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a secret was printed:\n{}",
            run.shown()
        );
        for file in files_under(run.dir.path()) {
            let text = std::fs::read(&file).unwrap_or_default();
            let text = String::from_utf8_lossy(&text);
            assert!(
                !text.contains(secret),
                "a secret was written to {}:\n{text}",
                file.display()
            );
        }
    }
    run
}

/// Every file under `dir`, the secret files the test itself wrote excepted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("secret-"))
        {
            out.push(path);
        }
    }
    out
}

/// The variables GitLab sets in every job (docs/ci-platforms.md), for a project on
/// a self-managed instance at `server` (e.g. `https://gitlab.example.com`).
pub fn gitlab_job_env(project: &str, server: &str) -> Vec<(String, String)> {
    let fqdn = server
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    [
        ("CI", "true".to_owned()),
        ("GITLAB_CI", "true".to_owned()),
        ("CI_PROJECT_PATH", project.to_owned()),
        ("CI_PROJECT_ID", "4242".to_owned()),
        ("CI_API_V4_URL", format!("{server}/api/v4")),
        ("CI_SERVER_URL", server.to_owned()),
        ("CI_SERVER_FQDN", fqdn.to_owned()),
        (
            "CI_COMMIT_SHA",
            "0123456789abcdef0123456789abcdef01234567".to_owned(),
        ),
        ("CI_PIPELINE_SOURCE", "push".to_owned()),
        ("CI_JOB_TOKEN", "glcbt-job-token-not-ours".to_owned()),
        ("CI_PROJECT_DIR", "/builds/group/project".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

//! Running the action binary the way the runner runs a container action: an environment
//! holding only what the runner sets, inputs as `INPUT_<NAME>` (hyphens kept), and the
//! file-command files. Reaped with `wait4` on its own pid, for its own peak RSS.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REPOSITORY: &str = "octo/bench";

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl Exit {
    pub fn ok(self) -> bool {
        self == Exit::Code(0)
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "{c}"),
            Exit::Signal(s) => write!(f, "signal {s}"),
        }
    }
}

/// A prepared run: the binary, its whole environment, and the directory holding its files
/// (`set_output`, `step_summary`, `stdout`, `stderr`).
pub struct Prepared {
    pub binary: PathBuf,
    pub env: Vec<(String, String)>,
    dir: tempfile::TempDir,
}

/// What one finished run gave.
pub struct Finished {
    /// From just before `spawn` to `wait4` returning.
    pub wall: Duration,
    pub exit: Exit,
    /// The child's peak resident set size, in KiB (Linux `ru_maxrss`).
    pub max_rss_kib: i64,
    /// GITHUB_OUTPUT, parsed by the runner's rules.
    pub outputs: HashMap<String, String>,
    pub stdout: String,
    pub stderr: String,
}

/// The environment of a run: what the runner sets, and `inputs` (`(name, value)` as in
/// action.yml) as `INPUT_<NAME>`.
pub fn prepare(binary: &Path, inputs: &[(String, String)]) -> io::Result<Prepared> {
    let dir = tempfile::Builder::new().prefix("bench-run-").tempdir()?;
    for file in ["set_output", "step_summary"] {
        std::fs::write(dir.path().join(file), "")?;
    }
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let workspace = dir.path().to_string_lossy().into_owned();
    let mut env: Vec<(String, String)> = [
        ("GITHUB_ACTIONS", "true".to_string()),
        ("CI", "true".to_string()),
        ("GITHUB_REPOSITORY", REPOSITORY.to_string()),
        ("GITHUB_API_URL", "https://api.github.com".to_string()),
        ("GITHUB_SERVER_URL", "https://github.com".to_string()),
        (
            "GITHUB_SHA",
            "0123456789abcdef0123456789abcdef01234567".to_string(),
        ),
        ("GITHUB_WORKSPACE", workspace.clone()),
        ("GITHUB_OUTPUT", path("set_output")),
        ("GITHUB_STEP_SUMMARY", path("step_summary")),
        ("RUNNER_TEMP", workspace.clone()),
        ("HOME", workspace),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (name, value) in inputs {
        env.push((format!("INPUT_{}", name.to_uppercase()), value.clone()));
    }
    Ok(Prepared {
        binary: binary.to_path_buf(),
        env,
        dir,
    })
}

/// The command: only `env` in its environment, no stdin, stdout and stderr to files in `dir`.
pub fn command(binary: &Path, env: &[(String, String)], dir: &Path) -> io::Result<Command> {
    let mut command = Command::new(binary);
    command
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(File::create(dir.join("stdout"))?)
        .stderr(File::create(dir.join("stderr"))?);
    Ok(command)
}

impl Prepared {
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the child from this process; returns it with the instant taken just before
    /// `spawn`. (Its `ru_maxrss` would include this process's peak: see `crate::spawner`.)
    pub fn spawn(&self) -> io::Result<(Child, Instant)> {
        let mut command = command(&self.binary, &self.env, self.dir.path())?;
        let start = Instant::now();
        let child = command.spawn()?;
        Ok((child, start))
    }

    /// Collects the files of a child already reaped.
    pub fn finish(self, wall: Duration, exit: Exit, max_rss_kib: i64) -> io::Result<Finished> {
        let read = |name: &str| std::fs::read_to_string(self.dir.path().join(name));
        Ok(Finished {
            wall,
            exit,
            max_rss_kib,
            outputs: parse_file_command(&read("set_output")?),
            stdout: read("stdout").unwrap_or_default(),
            stderr: read("stderr").unwrap_or_default(),
        })
    }
}

/// Waits for this very child with `wait4`, returning how it ended and its own peak RSS.
/// (`getrusage(RUSAGE_CHILDREN)` would give the largest over every child reaped so far.)
pub fn reap(child: &Child) -> io::Result<(Exit, i64)> {
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| io::Error::other("child pid out of range"))?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data, for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live locals; `pid` is our own child, not yet reaped
        // (std only reaps in `wait`/`try_wait`, which are not called on it).
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let exit = if libc::WIFEXITED(status) {
        Exit::Code(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        Exit::Signal(libc::WTERMSIG(status))
    } else {
        Exit::Code(-1)
    };
    Ok((exit, usage.ru_maxrss))
}

/// A file-command file (GITHUB_OUTPUT) by the runner's rules: `name=value` lines and
/// `name<<DELIMITER` ... `DELIMITER` blocks.
pub fn parse_file_command(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let heredoc = line.find("<<").filter(|&i| match line.find('=') {
            Some(eq) => i < eq,
            None => true,
        });
        if let Some(i) = heredoc {
            let (name, delimiter) = (&line[..i], &line[i + 2..]);
            let mut value: Vec<&str> = Vec::new();
            for l in lines.by_ref() {
                if l == delimiter {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        }
    }
    out
}

/// The last `n` lines of a log, for a failure report.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_file_commands() {
        let got = parse_file_command(
            "created=3\nhooks<<ghadelimiter_x\n[\n1\n]\nghadelimiter_x\nchanged=true\n",
        );
        assert_eq!(got["created"], "3");
        assert_eq!(got["hooks"], "[\n1\n]");
        assert_eq!(got["changed"], "true");
    }
}

//! A small helper process that starts the measured runs, so that their peak RSS is theirs.
//!
//! On exec, Linux folds the peak RSS of the memory image being replaced into the new
//! program's `ru_maxrss`. A child spawned by the bench itself (its image shared with the
//! bench's by `posix_spawn`, or copied by `fork`) would report at least the bench's own
//! peak, which grows with the fake's state: tens of MB after 500 pipelines. So the bench
//! starts this helper first (itself, re-executed with `--spawner`: a fresh, small image),
//! and the helper spawns each run, reaps it with `wait4`, and reports back. The helper's
//! own peak (`VmHWM`, about 1-2 MB) is then the floor of every figure, and is reported.
//!
//! Protocol, one line per message. Request: the run's directory, which holds a `spawn` file
//! (binary path, then environment names and values, each ended by a NUL). Answer:
//! `ok WALL_NS c|s CODE MAXRSS_KIB HELPER_VMHWM_KIB` or `err MESSAGE`.

use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::child::{self, Exit, Finished, Prepared};

/// The argument that makes the bench binary serve as the helper.
pub const ARG: &str = "--spawner";

/// The bench's end of the helper.
pub struct Spawner {
    process: Child,
    to: Option<ChildStdin>,
    from: BufReader<ChildStdout>,
    /// The helper's largest peak RSS seen, in KiB: the floor of every figure it reports.
    pub floor_kib: i64,
}

impl Spawner {
    /// Starts the helper (this executable with `--spawner`).
    pub fn start() -> io::Result<Spawner> {
        let exe = std::env::current_exe()?;
        let mut process = Command::new(exe)
            .arg(ARG)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let (Some(to), Some(from)) = (process.stdin.take(), process.stdout.take()) else {
            return Err(io::Error::other("the helper has no pipes"));
        };
        let mut spawner = Spawner {
            process,
            to: Some(to),
            from: BufReader::new(from),
            floor_kib: 0,
        };
        let ready = spawner.line()?;
        spawner.floor_kib = ready
            .strip_prefix("ready ")
            .and_then(|k| k.trim().parse().ok())
            .ok_or_else(|| io::Error::other(format!("the helper said {ready:?}")))?;
        Ok(spawner)
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.from.read_line(&mut line)? == 0 {
            return Err(io::Error::other("the helper ended"));
        }
        Ok(line.trim_end().to_string())
    }

    /// Runs a prepared run to its end through the helper.
    pub fn run(&mut self, run: Prepared) -> io::Result<Finished> {
        let mut spec = Vec::new();
        spec.extend_from_slice(run.binary.as_os_str().as_bytes());
        spec.push(0);
        for (k, v) in &run.env {
            for part in [k, v] {
                spec.extend_from_slice(part.as_bytes());
                spec.push(0);
            }
        }
        std::fs::write(run.dir().join("spawn"), spec)?;
        let to = self
            .to
            .as_mut()
            .ok_or_else(|| io::Error::other("the helper is closed"))?;
        writeln!(to, "{}", run.dir().display())?;
        to.flush()?;
        let answer = self.line()?;
        let fields: Vec<&str> = answer.split(' ').collect();
        let parsed = match fields.as_slice() {
            ["ok", wall, kind, code, rss, floor] => (|| {
                let code: i32 = code.parse().ok()?;
                let exit = match *kind {
                    "c" => Exit::Code(code),
                    _ => Exit::Signal(code),
                };
                Some((
                    Duration::from_nanos(wall.parse().ok()?),
                    exit,
                    rss.parse::<i64>().ok()?,
                    floor.parse::<i64>().ok()?,
                ))
            })(),
            _ => None,
        };
        let Some((wall, exit, rss, floor)) = parsed else {
            return Err(io::Error::other(format!("the helper said {answer:?}")));
        };
        self.floor_kib = self.floor_kib.max(floor);
        run.finish(wall, exit, rss)
    }
}

impl Drop for Spawner {
    fn drop(&mut self) {
        // The end of its input ends the helper.
        drop(self.to.take());
        let _ = self.process.wait();
    }
}

/// This process's peak RSS (`VmHWM`), in KiB.
fn vm_hwm_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(-1)
}

/// The helper: serves requests from stdin until it ends.
pub fn serve() -> ExitCode {
    let stdin = io::stdin();
    let mut out = io::stdout().lock();
    if writeln!(out, "ready {}", vm_hwm_kib())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    for line in stdin.lock().lines() {
        let Ok(dir) = line else { break };
        let answer = match spawn_and_reap(Path::new(&dir)) {
            Ok((wall, exit, rss)) => {
                let (kind, code) = match exit {
                    Exit::Code(c) => ("c", c),
                    Exit::Signal(s) => ("s", s),
                };
                format!(
                    "ok {} {kind} {code} {rss} {}",
                    wall.as_nanos(),
                    vm_hwm_kib()
                )
            }
            Err(e) => format!("err {}", e.to_string().replace('\n', " ")),
        };
        if writeln!(out, "{answer}")
            .and_then(|()| out.flush())
            .is_err()
        {
            break;
        }
    }
    ExitCode::SUCCESS
}

fn spawn_and_reap(dir: &Path) -> io::Result<(Duration, Exit, i64)> {
    let spec = std::fs::read(dir.join("spawn"))?;
    let mut parts = spec
        .split(|b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let binary = PathBuf::from(parts.next().unwrap_or_default());
    let rest: Vec<String> = parts.collect();
    let env: Vec<(String, String)> = rest
        .chunks_exact(2)
        .map(|kv| (kv[0].clone(), kv[1].clone()))
        .collect();
    let mut command = child::command(&binary, &env, dir)?;
    let start = Instant::now();
    let process = command.spawn()?;
    let (exit, rss) = child::reap(&process)?;
    Ok((start.elapsed(), exit, rss))
}

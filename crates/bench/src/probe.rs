//! Process start to first request: the binary is pointed at a TcpListener of ours, which
//! notes the instant it accepts the connection and the instant the first byte of the
//! request arrives, then closes it; the child is then killed.

use std::io::{self, Read};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::child;

/// One probe: from just before `spawn` to accept, and to the first request byte.
pub struct Sample {
    pub accept: Duration,
    pub first_byte: Duration,
}

/// How long a probe waits for the binary to connect.
const WAIT: Duration = Duration::from_secs(10);

/// Runs the binary once against a fresh listener. `inputs(url)` gives its inputs.
pub fn once(
    binary: &Path,
    inputs: &dyn Fn(&str) -> Vec<(String, String)>,
) -> Result<Sample, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let prepared = child::prepare(binary, &inputs(&format!("http://{addr}")))
        .map_err(|e| format!("preparing the run: {e}"))?;
    let (tx, rx) = mpsc::channel::<io::Result<(Instant, Instant)>>();
    // A blocking accept on its own thread: it wakes when the connection arrives.
    let acceptor = thread::spawn(move || {
        let result = listener.accept().and_then(|(mut stream, _)| {
            let accepted = Instant::now();
            stream.set_read_timeout(Some(WAIT))?;
            let mut byte = [0u8; 1];
            let n = stream.read(&mut byte)?;
            let first_byte = Instant::now();
            if n == 0 {
                return Err(io::Error::other("connection closed before any byte"));
            }
            Ok((accepted, first_byte))
        });
        let _ = tx.send(result);
    });
    let (mut child, start) = prepared
        .spawn()
        .map_err(|e| format!("spawning {}: {e}", binary.display()))?;
    let outcome = loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Ok((accepted, first_byte))) => {
                break Ok(Sample {
                    accept: accepted - start,
                    first_byte: first_byte - start,
                })
            }
            Ok(Err(e)) => break Err(format!("probe connection: {e}")),
            Err(mpsc::RecvTimeoutError::Disconnected) => break Err("probe thread died".into()),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // The child may have ended without connecting (say, an input error).
                let exited = libc::pid_t::try_from(child.id()).is_ok_and(child_exited);
                if exited || start.elapsed() > WAIT {
                    break Err(if exited {
                        "the binary exited without connecting".to_string()
                    } else {
                        format!("the binary did not connect within {WAIT:?}")
                    });
                }
            }
        }
    };
    let _ = child.kill();
    let reaped = child::reap(&child);
    if outcome.is_err() {
        // Unblock the acceptor if it is still waiting.
        let _ = TcpStream::connect(addr);
    }
    let _ = acceptor.join();
    match (outcome, reaped) {
        (Ok(sample), _) => Ok(sample),
        (Err(e), Ok((exit, rss))) => {
            let finished = prepared.finish(start.elapsed(), exit, rss);
            let detail = finished
                .map(|f| child::tail(&format!("{}{}", f.stdout, f.stderr), 10))
                .unwrap_or_default();
            Err(format!("{e} (exit {exit}):\n{detail}"))
        }
        (Err(e), Err(w)) => Err(format!("{e}; reaping: {w}")),
    }
}

/// Whether our unreaped child has exited (peeked with `waitid(WNOWAIT)`, not reaped).
fn child_exited(pid: libc::pid_t) -> bool {
    // SAFETY: `siginfo_t` is plain old data; all-zero is valid and means "no child".
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: `info` is a live local; WNOWAIT leaves the child to be reaped by `wait4`.
    let r = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // SAFETY: reading the pid field of a siginfo filled (or zeroed) above.
    r == 0 && unsafe { info.si_pid() } == pid
}

/// The median of durations (the mean of the two middle ones for an even count).
pub fn median(mut v: Vec<Duration>) -> Option<Duration> {
    if v.is_empty() {
        return None;
    }
    v.sort();
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2
    })
}

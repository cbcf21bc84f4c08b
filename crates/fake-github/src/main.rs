//! `fake-github --token TOKEN --repo OWNER/NAME [--port N]`
//!
//! The fake GitHub issues API as a process (like `fake-devopness`), for `scripts/act-test`: the
//! action runs in a container there, so the fake must live outside any test process.
//! Prints `listening on http://127.0.0.1:PORT` as its first line, then serves until it is
//! killed (SIGTERM's default action ends it; the fake keeps nothing on disk). Its state is
//! read back through its own API (`GET /repos/OWNER/NAME/issues`), as a user would.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use fake_github::FakeGitHub;

const USAGE: &str = "usage: fake-github --token TOKEN --repo OWNER/NAME [--port N]";

struct Options {
    port: u16,
    token: String,
    repo: (String, String),
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let (mut port, mut token, mut repo) = (0u16, String::new(), None);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--port" => {
                port = value
                    .parse()
                    .map_err(|_| format!("--port: not a port number: {value}"))?
            }
            "--token" => token = value,
            "--repo" => {
                let (owner, name) = value
                    .split_once('/')
                    .filter(|(o, n)| !o.is_empty() && !n.is_empty() && !n.contains('/'))
                    .ok_or_else(|| format!("--repo: expected OWNER/NAME, got {value}"))?;
                repo = Some((owner.to_string(), name.to_string()));
            }
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    if token.is_empty() {
        return Err(format!("--token is required\n{USAGE}"));
    }
    let repo = repo.ok_or_else(|| format!("--repo is required\n{USAGE}"))?;
    Ok(Options { port, token, repo })
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
    let fake = match FakeGitHub::start_on(addr, &options.token) {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("fake-github: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    fake.add_repo(&options.repo.0, &options.repo.1);

    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "listening on {}", fake.base_url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    // The server runs on its own thread; this one only keeps the process (and `fake`) alive.
    loop {
        std::thread::park();
    }
}

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_http::testing::raw_at;

#[test]
fn binary_serves_until_terminated() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-devopness"))
        .args([
            "--port",
            "0",
            "--token",
            "bin-token",
            "--pipelines",
            "1,2",
            "--seed-guide-hooks",
            "2",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let addr: SocketAddr = url.parse().expect("address");
    assert!(addr.ip().is_loopback());

    let auth = [("Authorization", "Bearer bin-token")];
    let reply = raw_at(addr, "GET", "/pipelines/2/hooks", &auth, None).expect("reply");
    assert_eq!(reply.status, 200);
    let hooks: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    let types: Vec<&str> = hooks
        .as_array()
        .map(|a| a.iter().filter_map(|h| h["type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(types, ["in", "out", "out", "out"]);
    assert_eq!(
        raw_at(addr, "GET", "/pipelines/1/hooks", &auth, None)
            .expect("reply")
            .body,
        "[]"
    );
    // Stdin being closed does not stop it.
    assert_eq!(
        raw_at(addr, "GET", "/pipelines/3", &auth, None)
            .expect("reply")
            .status,
        404
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            assert!(exit.success(), "{exit:?}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn binary_rejects_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_fake-devopness"))
        .args(["--port", "0"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token"));
}

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

/// Starts the binary with `args`; returns it and its address (from its first line).
fn start(args: &[&str]) -> (std::process::Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-devopness"))
        .args(args)
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
    (child, url.parse().expect("address"))
}

fn get_json(addr: SocketAddr, token: &str, path: &str) -> serde_json::Value {
    let auth = format!("Bearer {token}");
    let reply = raw_at(addr, "GET", path, &[("Authorization", &auth)], None).expect("reply");
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
    serde_json::from_str(&reply.body).expect("json")
}

/// The repository and provider code of the application pipeline `id` belongs to, read
/// as the action reads them (`GET /pipelines/{id}`, then `GET /applications/{id}`).
fn source_of(addr: SocketAddr, token: &str, id: u64) -> (String, String) {
    let pipeline = get_json(addr, token, &format!("/pipelines/{id}"));
    assert_eq!(pipeline["resource_type"], "application");
    let application = pipeline["resource_id"].as_u64().expect("resource_id");
    assert_eq!(application, 90_000 + id, "an application of its own");
    let application = get_json(addr, token, &format!("/applications/{application}"));
    (
        application["repository"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        application["credential"]["provider"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[test]
fn default_source_sets_what_the_pipelines_applications_deploy() {
    let token = "source-token";
    let (mut child, addr) = start(&[
        "--port",
        "0",
        "--token",
        token,
        "--default-source",
        "group/sub/project@gitlab",
        "--pipelines",
        "1,2",
        "--forbid-pipelines",
        "3",
        "--seed-guide-hooks",
        "4",
    ]);
    let gitlab = ("group/sub/project".to_string(), "gitlab".to_string());
    assert_eq!(source_of(addr, token, 1), gitlab);
    assert_eq!(source_of(addr, token, 2), gitlab);
    assert_eq!(source_of(addr, token, 4), gitlab);
    // The guide's hooks are for that repository too.
    let hooks = get_json(addr, token, "/pipelines/4/hooks");
    let targets: Vec<&str> = hooks
        .as_array()
        .map(|a| a.iter().filter_map(|h| h["target_url"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(targets.len(), 3, "{hooks}");
    assert!(
        targets
            .iter()
            .all(|t| t.contains("/repos/group/sub/project/statuses/")),
        "{targets:?}"
    );
    let _ = child.kill();
    let _ = child.wait();

    // Without the flag: octo-org/my-app on github.
    let (mut child, addr) = start(&["--port", "0", "--token", token, "--pipelines", "7"]);
    assert_eq!(
        source_of(addr, token, 7),
        ("octo-org/my-app".to_string(), "github".to_string())
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn binary_rejects_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_fake-devopness"))
        .args(["--port", "0"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token"));

    let out = Command::new(env!("CARGO_BIN_EXE_fake-devopness"))
        .args(["--token", "t", "--default-source", "group/project"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--default-source: ") && stderr.contains("OWNER/REPO@PROVIDER"),
        "{stderr}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_fake-devopness"))
        .arg("--help")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--default-source OWNER/REPO@PROVIDER"));
}

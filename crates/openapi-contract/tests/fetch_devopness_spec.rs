//! `scripts/fetch-devopness-openapi`, the way `scripts/test` gets Devopness's description,
//! run against a server on 127.0.0.1 that stands in for GitHub's raw file host
//! (`DEVOPNESS_OPENAPI_BASE_URL`): the right file is downloaded once, checked and kept, and
//! later runs use the copy without the network; a file with another checksum is refused and
//! nothing is kept; a file that cannot be had fails with what to do; a local copy named by
//! `DEVOPNESS_OPENAPI_SPEC` is used as it is.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, PoisonError};

use openapi_contract::devopness::{spec_path, url, COMMIT, FILE, REPOSITORY, SHA256, SPEC_ENV};

/// The path the raw file host serves the pinned description at.
fn pinned_path() -> String {
    format!("/{REPOSITORY}/{COMMIT}/{FILE}")
}

/// The description itself (the tests serve its real bytes, since the script checks them
/// against the pinned sha256).
fn description() -> Vec<u8> {
    let path = spec_path();
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read Devopness's description at {} ({e}): run scripts/fetch-devopness-openapi \
             or set {SPEC_ENV} to a local copy of {FILE} at {COMMIT} (sha256 {SHA256}, {})",
            path.display(),
            url()
        )
    })
}

/// A raw file host on 127.0.0.1: answers each path from `files` (404 otherwise) and
/// records every path asked for.
struct FileHost {
    base_url: String,
    asked: Arc<Mutex<Vec<String>>>,
}

impl FileHost {
    fn start(files: HashMap<String, Vec<u8>>) -> FileHost {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(&stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                // The rest of the head, up to the blank line.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                log.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(path.clone());
                let (status, body) = match files.get(&path) {
                    Some(body) => ("200 OK", body.as_slice()),
                    None => ("404 Not Found", b"404: Not Found".as_slice()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body);
            }
        });
        FileHost { base_url, asked }
    }

    fn serving(path: String, body: Vec<u8>) -> FileHost {
        FileHost::start(HashMap::from([(path, body)]))
    }

    fn asked(&self) -> Vec<String> {
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Runs the script with `target` as the target directory, the raw file host at `base_url`,
/// and `spec` (or nothing) as `DEVOPNESS_OPENAPI_SPEC`.
fn fetch(target: &Path, base_url: &str, spec: Option<&Path>) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut command = Command::new(root.join("scripts/fetch-devopness-openapi"));
    command
        .env("CARGO_TARGET_DIR", target)
        .env("DEVOPNESS_OPENAPI_BASE_URL", base_url)
        .env_remove(SPEC_ENV);
    if let Some(spec) = spec {
        command.env(SPEC_ENV, spec);
    }
    command
        .output()
        .expect("run scripts/fetch-devopness-openapi")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Where the script keeps the copy below `target`.
fn cached(target: &Path) -> PathBuf {
    target
        .join("devopness-openapi")
        .join(COMMIT)
        .join("spec.json")
}

/// The files left in the cache's folder (a download in progress is a hidden file there).
fn left_in_cache(target: &Path) -> Vec<String> {
    let dir = target.join("devopness-openapi").join(COMMIT);
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn the_pinned_file_is_downloaded_once_checked_and_kept() {
    let good = description();
    let host = FileHost::serving(pinned_path(), good.clone());
    let target = tempfile::tempdir().expect("tempdir");

    let out = fetch(target.path(), &host.base_url, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), cached(target.path()).display().to_string());
    assert_eq!(std::fs::read(cached(target.path())).expect("cached"), good);
    assert_eq!(host.asked(), vec![pinned_path()]);
    assert_eq!(left_in_cache(target.path()), vec!["spec.json"]);
    assert!(stderr(&out).contains("sha256 checked"), "{}", stderr(&out));

    // Again: the kept copy, and no request (the host could be gone).
    let again = fetch(target.path(), "http://127.0.0.1:9", None);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again), cached(target.path()).display().to_string());
    assert_eq!(host.asked().len(), 1, "the second run asked again");
}

#[test]
fn a_file_with_another_checksum_is_refused_and_nothing_is_kept() {
    let mut corrupted = description();
    let middle = corrupted.len() / 2;
    corrupted[middle] ^= 0x20;
    let host = FileHost::serving(pinned_path(), corrupted);
    let target = tempfile::tempdir().expect("tempdir");

    let out = fetch(target.path(), &host.base_url, None);
    let said = stderr(&out);
    assert!(!out.status.success(), "a corrupted file was accepted");
    assert_eq!(stdout(&out), "", "a path was printed");
    assert!(said.contains(&format!("not the pinned {SHA256}")), "{said}");
    assert!(said.contains("nothing was kept"), "{said}");
    assert!(said.contains(SPEC_ENV), "{said}");
    assert_eq!(left_in_cache(target.path()), Vec::<String>::new());
}

#[test]
fn a_file_that_cannot_be_had_fails_saying_how_to_provide_it() {
    let host = FileHost::start(HashMap::new());
    let target = tempfile::tempdir().expect("tempdir");

    let out = fetch(target.path(), &host.base_url, None);
    let said = stderr(&out);
    assert!(!out.status.success(), "a 404 passed");
    assert_eq!(stdout(&out), "");
    let asked_url = format!("{}{}", host.base_url, pinned_path());
    for part in [
        "cannot download",
        "404",
        asked_url.as_str(),
        SPEC_ENV,
        COMMIT,
        SHA256,
        FILE,
        "git show",
    ] {
        assert!(said.contains(part), "{part:?} not in:\n{said}");
    }
    assert_eq!(left_in_cache(target.path()), Vec::<String>::new());
}

#[test]
fn a_kept_copy_with_another_checksum_is_downloaded_again() {
    let good = description();
    let host = FileHost::serving(pinned_path(), good.clone());
    let target = tempfile::tempdir().expect("tempdir");
    let copy = cached(target.path());
    std::fs::create_dir_all(copy.parent().expect("parent")).expect("mkdir");
    std::fs::write(&copy, b"{\"openapi\": \"3.0.0\"}").expect("write");

    let out = fetch(target.path(), &host.base_url, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(&copy).expect("cached"), good);
    assert_eq!(host.asked(), vec![pinned_path()]);
}

#[test]
fn a_local_copy_named_by_the_variable_is_used_without_the_network() {
    let host = FileHost::start(HashMap::new());
    let target = tempfile::tempdir().expect("tempdir");
    let pinned = target.path().join("spec.json");
    std::fs::write(&pinned, description()).expect("write");

    let out = fetch(target.path(), &host.base_url, Some(&pinned));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), pinned.display().to_string());
    assert_eq!(stderr(&out), "");

    // Another description is used as given, with a warning.
    let other = target.path().join("other.json");
    std::fs::write(&other, b"{}").expect("write");
    let out = fetch(target.path(), &host.base_url, Some(&other));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), other.display().to_string());
    assert!(stderr(&out).contains("not the pinned"), "{}", stderr(&out));

    // A name that is not a file fails, saying so.
    let gone = target.path().join("gone.json");
    let out = fetch(target.path(), &host.base_url, Some(&gone));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a readable file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(host.asked(), Vec::<String>::new(), "the network was used");
}

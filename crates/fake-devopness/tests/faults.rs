mod common;

use std::time::{Duration, Instant};

use common::{call, fake_with_pipeline, get, hook_body, TOKEN};
use fake_devopness::{Fault, FaultKind};
use fake_http::testing::raw_at;
use serde_json::Value;

const CREATE: &str = "/pipelines/1/hooks/outgoing";

fn create(fake: &fake_devopness::FakeDevopness) -> std::io::Result<common::Reply> {
    let auth = format!("Bearer {TOKEN}");
    let body = hook_body("CI", "action.started").to_string();
    raw_at(
        fake.addr(),
        "POST",
        CREATE,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(&body),
    )
}

#[test]
fn status_without_doing_the_work() {
    let fake = fake_with_pipeline(1);
    fake.inject(Fault::once(FaultKind::Status {
        code: 429,
        retry_after: Some("1".into()),
    }));
    let reply = create(&fake).expect("reply");
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert_eq!(reply.json()["message"], "Too Many Attempts.");
    assert!(fake.hooks(1).is_empty());

    fake.inject(Fault::once(FaultKind::Status {
        code: 502,
        retry_after: None,
    }));
    let reply = get(&fake, "/pipelines/1/hooks");
    assert_eq!(reply.status, 502);
    assert!(reply
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/html"));

    for code in [500, 503, 504] {
        fake.inject(Fault::once(FaultKind::Status {
            code,
            retry_after: None,
        }));
        assert_eq!(create(&fake).expect("reply").status, code);
    }
    assert!(fake.hooks(1).is_empty());
    assert_eq!(
        create(&fake).expect("reply").status,
        201,
        "rules are used up"
    );
}

#[test]
fn commit_then_status() {
    let fake = fake_with_pipeline(1);
    fake.inject(Fault::once(FaultKind::CommitThenStatus(500)));
    let reply = create(&fake).expect("reply");
    assert_eq!(reply.status, 500);
    assert_eq!(reply.json()["message"], "Server Error");
    assert_eq!(fake.hooks(1).len(), 1, "the hook was created all the same");
    assert_eq!(fake.requests()[0].status, 500);
}

#[test]
fn commit_then_drop() {
    let fake = fake_with_pipeline(1);
    fake.inject(Fault::once(FaultKind::CommitThenDrop).method("POST"));
    let err = create(&fake).expect_err("the connection is cut");
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::UnexpectedEof
        ),
        "{err:?}"
    );
    assert_eq!(fake.hooks(1).len(), 1, "the hook was created all the same");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, 0);
    // The server is fine afterwards.
    assert_eq!(
        get(&fake, "/pipelines/1/hooks")
            .json()
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn drop_does_nothing() {
    let fake = fake_with_pipeline(1);
    fake.inject(Fault::once(FaultKind::Drop));
    assert!(create(&fake).is_err());
    assert!(fake.hooks(1).is_empty());
    assert_eq!(fake.requests()[0].status, 0);
}

#[test]
fn drop_on_a_kept_alive_connection() {
    use std::io::{Read, Write};
    let fake = fake_with_pipeline(1);
    fake.inject(
        Fault::once(FaultKind::Drop)
            .path_contains("/hooks")
            .method("get"),
    );
    let mut stream = std::net::TcpStream::connect(fake.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let request = |path: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n")
    };

    // The first request (not matching the rule) is answered and the connection kept.
    stream
        .write_all(request("/pipelines/1").as_bytes())
        .expect("write");
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    while !complete(&received) {
        let n = stream.read(&mut buf).expect("read");
        assert!(n > 0, "closed early");
        received.extend_from_slice(&buf[..n]);
    }
    assert!(received.starts_with(b"HTTP/1.1 200"));

    // The second one, on the same connection, is dropped without a byte of response.
    stream
        .write_all(request("/pipelines/1/hooks").as_bytes())
        .expect("write");
    match stream.read(&mut buf) {
        Ok(0) | Err(_) => {}
        Ok(n) => panic!("got {n} bytes: {}", String::from_utf8_lossy(&buf[..n])),
    }
}

/// Whether `bytes` hold a whole response with a `content-length` body.
fn complete(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    body.len() >= length
}

#[test]
fn delay() {
    let fake = fake_with_pipeline(1);
    fake.inject(Fault::once(FaultKind::Delay(Duration::from_millis(300))));
    let started = Instant::now();
    assert_eq!(get(&fake, "/pipelines/1/hooks").status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn latency() {
    let fake = fake_with_pipeline(1);
    fake.set_latency(Duration::from_millis(150));
    let started = Instant::now();
    assert_eq!(get(&fake, "/pipelines/1").status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[test]
fn broken_bodies() {
    let fake = fake_with_pipeline(1);

    fake.inject(Fault::once(FaultKind::HtmlBody));
    let reply = create(&fake).expect("reply");
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/html"));
    assert!(reply.body.contains("<html"));

    fake.inject(Fault::once(FaultKind::MalformedJson));
    let reply = get(&fake, "/pipelines/1/hooks");
    assert_eq!(reply.status, 200);
    assert!(serde_json::from_str::<Value>(&reply.body).is_err());

    fake.inject(Fault::once(FaultKind::EmptyBody));
    let reply = get(&fake, "/pipelines/1/hooks");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "");

    fake.inject(Fault::once(FaultKind::HugeBody(3_000_001)));
    let reply = get(&fake, "/pipelines/1/hooks");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.len(), 3_000_001);
    assert!(reply.json().is_array());

    assert!(fake.hooks(1).is_empty(), "none of these did the work");
}

fn next_link(reply: &common::Reply) -> Option<String> {
    reply
        .header("link")?
        .split(", ")
        .find(|p| p.ends_with("rel=\"next\""))
        .and_then(|p| p.split_once(';'))
        .map(|(url, _)| url.trim_matches(['<', '>']).to_string())
}

#[test]
fn link_loop() {
    let fake = fake_with_pipeline(1);
    fake.inject(
        Fault::once(FaultKind::LinkLoop)
            .times(3)
            .path_contains("/hooks"),
    );
    let reply = get(&fake, "/pipelines/1/hooks?page=1&per_page=10");
    assert_eq!(reply.status, 200);
    assert_eq!(
        next_link(&reply),
        Some(format!(
            "{}/pipelines/1/hooks?page=1&per_page=10",
            fake.base_url()
        ))
    );
}

#[test]
fn a_shifted_page_lists_the_previous_pages_last_hook_again() {
    let fake = fake_with_pipeline(1);
    let ids: Vec<String> = (0..3)
        .map(|i| fake.insert_hook(1, hook_body(&format!("h{i}"), "action.started")))
        .collect();
    fake.inject(
        Fault::once(FaultKind::ShiftedPage)
            .times(2)
            .method("GET")
            .path_contains("/pipelines/1/hooks"),
    );
    let page = |n: u32| {
        let reply = get(&fake, &format!("/pipelines/1/hooks?page={n}&per_page=2"));
        assert_eq!(reply.status, 200);
        let listed: Vec<String> = reply
            .json()
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|h| h["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        (listed, next_link(&reply))
    };
    let (first, next) = page(1);
    assert_eq!(first, ids[..2].to_vec(), "page 1 never shifts");
    assert!(next.is_some_and(|n| n.contains("page=2")));
    let (second, next) = page(2);
    assert_eq!(
        second,
        ids[1..3].to_vec(),
        "page 2 repeats page 1's last hook"
    );
    assert_eq!(next, None);
    // The rule is spent: the list reads as usual again.
    assert_eq!(page(2).0, ids[2..].to_vec());
}

#[test]
fn endless_links() {
    let fake = fake_with_pipeline(1);
    fake.insert_hook(1, hook_body("a", "action.started"));
    fake.inject(Fault::once(FaultKind::EndlessLinks).times(usize::MAX));
    for page in [1, 2, 50] {
        let reply = get(
            &fake,
            &format!("/pipelines/1/hooks?page={page}&per_page=100"),
        );
        assert_eq!(
            next_link(&reply),
            Some(format!(
                "{}/pipelines/1/hooks?page={}&per_page=100",
                fake.base_url(),
                page + 1
            ))
        );
        assert!(!reply
            .header("link")
            .unwrap_or_default()
            .contains("rel=\"last\""));
    }
}

#[test]
fn rules_match_method_and_path() {
    let fake = fake_with_pipeline(1);
    fake.inject(
        Fault::once(FaultKind::Status {
            code: 503,
            retry_after: None,
        })
        .method("PUT")
        .path_contains("/hooks/outgoing/")
        .times(2),
    );
    assert_eq!(create(&fake).expect("reply").status, 201);
    let id = fake.hooks(1)[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let path = format!("/hooks/outgoing/{id}");
    let body = serde_json::json!({ "id": id, "name": "renamed" });
    assert_eq!(get(&fake, &path).status, 200);
    assert_eq!(call(&fake, "PUT", &path, Some(&body)).status, 503);
    assert_eq!(call(&fake, "PUT", &path, Some(&body)).status, 503);
    assert_eq!(call(&fake, "PUT", &path, Some(&body)).status, 204);
}

#[test]
fn random_faults_are_reproducible() {
    let run = || {
        let fake = fake_with_pipeline(1);
        fake.set_random_faults(
            42,
            0.5,
            vec![
                FaultKind::Status {
                    code: 503,
                    retry_after: None,
                },
                FaultKind::Drop,
            ],
        );
        (0..40)
            .map(|_| {
                raw_at(
                    fake.addr(),
                    "GET",
                    "/pipelines/1",
                    &[("Authorization", &format!("Bearer {TOKEN}"))],
                    None,
                )
                .map(|r| r.status)
                .unwrap_or(0)
            })
            .collect::<Vec<u16>>()
    };
    let first = run();
    assert_eq!(first, run());
    assert!(
        first.contains(&0) && first.contains(&503) && first.contains(&200),
        "{first:?}"
    );
}

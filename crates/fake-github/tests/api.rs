mod common;

use common::{call, fake_with_repo, get, label_names, links, numbers, send, OWNER, REPO, TOKEN};
use fake_github::{FakeGitHub, Outage};
use fake_http::testing::raw_at;
use serde_json::{json, Value};

const ISSUES: &str = "/repos/acme/site/issues";

fn create(fake: &FakeGitHub, title: &str, labels: &[&str]) -> u64 {
    let reply = call(
        fake,
        "POST",
        ISSUES,
        Some(&json!({ "title": title, "body": "report", "labels": labels })),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["number"].as_u64().unwrap_or_default()
}

#[test]
fn requires_the_token() {
    let fake = fake_with_repo();
    let addr = fake.addr();
    let none = raw_at(addr, "GET", ISSUES, &[], None).expect("reply");
    assert_eq!(none.status, 401);
    assert_eq!(
        none.json(),
        json!({
            "message": "Bad credentials",
            "documentation_url": "https://docs.github.com/rest",
            "status": "401",
        })
    );
    let wrong = raw_at(
        addr,
        "GET",
        ISSUES,
        &[("Authorization", "Bearer nope")],
        None,
    );
    assert_eq!(wrong.expect("reply").status, 401);
    let basic = raw_at(addr, "GET", ISSUES, &[("Authorization", TOKEN)], None);
    assert_eq!(basic.expect("reply").status, 401);
    for auth in [
        format!("Bearer {TOKEN}"),
        format!("token {TOKEN}"),
        format!("bearer {TOKEN}"),
    ] {
        let reply = raw_at(addr, "GET", ISSUES, &[("Authorization", &auth)], None).expect("reply");
        assert_eq!(reply.status, 200, "{auth}");
        assert_eq!(reply.json(), json!([]));
        assert_eq!(
            reply.header("content-type"),
            Some("application/json; charset=utf-8")
        );
    }
    let requests = fake.requests();
    assert_eq!(requests.len(), 6);
    assert_eq!(requests[0].status, 401);
    assert_eq!(requests[5].status, 200);
    assert!(!requests[0].is_write());
}

#[test]
fn unknown_repositories_and_routes_answer_404() {
    let fake = fake_with_repo();
    for (method, path) in [
        ("GET", "/repos/acme/other/issues"),
        ("POST", "/repos/acme/other/issues"),
        ("GET", "/repos/nobody/site/issues/1"),
        ("GET", "/repos/acme/site/issues/1"),
        ("PATCH", "/repos/acme/site/issues/1"),
        ("GET", "/repos/acme/site/issues/1/comments"),
        ("POST", "/repos/acme/site/issues/1/comments"),
        ("GET", "/repos/acme/site/issues/abc"),
        ("DELETE", "/repos/acme/site/issues"),
        ("GET", "/repos/acme/site/pulls"),
        ("GET", "/repos/acme/site/issues/"),
        ("GET", "/api/v3/repos/acme/other/issues"),
        ("GET", "/repositories/1/issues"),
        ("GET", "/user"),
    ] {
        let reply = call(
            &fake,
            method,
            path,
            Some(&json!({ "title": "t", "body": "b" })),
        );
        assert_eq!(reply.status, 404, "{method} {path}");
        assert_eq!(reply.json()["message"], "Not Found", "{method} {path}");
    }
    // Owner and name compare case-insensitively, as on GitHub.
    assert_eq!(get(&fake, "/repos/ACME/Site/issues").status, 200);
    assert_eq!(fake.issues("acme", "other"), Vec::<Value>::new());
}

#[test]
fn create_list_update_close_reopen_comment() {
    let fake = fake_with_repo();
    let reply = call(
        &fake,
        "POST",
        ISSUES,
        Some(&json!({
            "title": "Devopness hooks drifted",
            "body": "3 hooks differ",
            "labels": ["devopness-drift", "automation"],
        })),
    );
    assert_eq!(reply.status, 201);
    let issue = reply.json();
    let base = fake.base_url();
    assert_eq!(issue["number"], 1);
    assert_eq!(issue["state"], "open");
    assert_eq!(issue["state_reason"], Value::Null);
    assert_eq!(issue["title"], "Devopness hooks drifted");
    assert_eq!(issue["body"], "3 hooks differ");
    assert_eq!(issue["comments"], 0);
    assert_eq!(issue["user"]["login"], "github-actions[bot]");
    assert_eq!(issue["closed_by"], Value::Null);
    assert_eq!(label_names(&issue), ["devopness-drift", "automation"]);
    assert_eq!(issue["labels"][0]["color"], "ededed");
    assert_eq!(issue["url"], format!("{base}/repos/acme/site/issues/1"));
    assert_eq!(issue["html_url"], format!("{base}/acme/site/issues/1"));
    assert_eq!(
        reply.header("location"),
        Some(format!("{base}/repos/acme/site/issues/1").as_str())
    );
    assert!(issue.get("pull_request").is_none());

    // A second issue with only one of the labels, and a third with none.
    let other = create(&fake, "Other", &["automation"]);
    let plain = create(&fake, "Plain", &[]);
    assert_eq!((other, plain), (2, 3));

    // Listing by labels: every label must match (case-insensitively); newest first.
    let list = get(
        &fake,
        "/repos/acme/site/issues?labels=devopness-drift,automation",
    );
    assert_eq!(numbers(&list.json()), [1]);
    let list = get(&fake, "/repos/acme/site/issues?labels=Automation&state=all");
    assert_eq!(numbers(&list.json()), [2, 1]);
    let list = get(&fake, "/repos/acme/site/issues");
    assert_eq!(numbers(&list.json()), [3, 2, 1]);
    assert!(list.header("link").is_none());
    // List items leave out `closed_by`, as GitHub's do.
    assert!(list.json()[0].get("closed_by").is_none());

    // Update title and body; labels stay.
    let reply = call(
        &fake,
        "PATCH",
        "/repos/acme/site/issues/1",
        Some(&json!({ "title": "Drift (2)", "body": "2 hooks differ" })),
    );
    assert_eq!(reply.status, 200);
    let issue = reply.json();
    assert_eq!(issue["title"], "Drift (2)");
    assert_eq!(issue["body"], "2 hooks differ");
    assert_eq!(label_names(&issue), ["devopness-drift", "automation"]);

    // Close: state_reason defaults to completed; closed_at and closed_by are set.
    let reply = call(
        &fake,
        "PATCH",
        "/repos/acme/site/issues/1",
        Some(&json!({ "state": "closed" })),
    );
    let issue = reply.json();
    assert_eq!(issue["state"], "closed");
    assert_eq!(issue["state_reason"], "completed");
    assert!(issue["closed_at"].is_string());
    assert_eq!(issue["closed_by"]["login"], "github-actions[bot]");
    let list = get(&fake, "/repos/acme/site/issues?labels=devopness-drift");
    assert_eq!(numbers(&list.json()), Vec::<u64>::new());
    let list = get(
        &fake,
        "/repos/acme/site/issues?labels=devopness-drift&state=closed",
    );
    assert_eq!(numbers(&list.json()), [1]);

    // Reopen: reason reopened, closed_at and closed_by cleared.
    let reply = call(
        &fake,
        "PATCH",
        "/repos/acme/site/issues/1",
        Some(&json!({ "state": "open", "body": "1 hook differs" })),
    );
    let issue = reply.json();
    assert_eq!(issue["state"], "open");
    assert_eq!(issue["state_reason"], "reopened");
    assert_eq!(issue["closed_at"], Value::Null);
    assert_eq!(issue["closed_by"], Value::Null);
    assert_eq!(issue["body"], "1 hook differs");

    // Close as not planned, then replace the labels.
    let reply = call(
        &fake,
        "PATCH",
        "/repos/acme/site/issues/1",
        Some(
            &json!({ "state": "closed", "state_reason": "not_planned", "labels": ["x", { "name": "Automation" }] }),
        ),
    );
    let issue = reply.json();
    assert_eq!(issue["state_reason"], "not_planned");
    assert_eq!(label_names(&issue), ["x", "automation"]);

    // Comment.
    let reply = call(
        &fake,
        "POST",
        "/repos/acme/site/issues/1/comments",
        Some(&json!({ "body": "Drift resolved" })),
    );
    assert_eq!(reply.status, 201);
    let comment = reply.json();
    assert_eq!(comment["body"], "Drift resolved");
    assert_eq!(comment["user"]["login"], "github-actions[bot]");
    assert_eq!(
        comment["issue_url"],
        format!("{base}/repos/acme/site/issues/1")
    );
    let id = comment["id"].as_u64().unwrap_or_default();
    assert_eq!(
        comment["html_url"],
        format!("{base}/acme/site/issues/1#issuecomment-{id}")
    );
    call(
        &fake,
        "POST",
        "/repos/acme/site/issues/1/comments",
        Some(&json!({ "body": "second" })),
    );
    let comments = get(&fake, "/repos/acme/site/issues/1/comments").json();
    let bodies: Vec<&str> = comments
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["body"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(bodies, ["Drift resolved", "second"]);
    assert_eq!(
        get(&fake, "/repos/acme/site/issues/1").json()["comments"],
        2
    );

    // The library view matches the API.
    let issues = fake.issues(OWNER, REPO);
    assert_eq!(issues.len(), 3);
    assert_eq!(issues[0]["state"], "closed");
    assert_eq!(issues[0]["comments"], 2);
    assert_eq!(Some(issues[0].clone()), fake.issue(OWNER, REPO, 1));
    let comments = fake.comments(OWNER, REPO, 1);
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[1]["body"], "second");
    assert_eq!(fake.comments(OWNER, REPO, 2), Vec::<Value>::new());
}

#[test]
fn github_enterprise_prefix() {
    let fake = fake_with_repo();
    assert_eq!(fake.api_v3_url(), format!("{}/api/v3", fake.base_url()));
    let reply = call(
        &fake,
        "POST",
        "/api/v3/repos/acme/site/issues",
        Some(&json!({ "title": "t", "labels": ["a b", "c"] })),
    );
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["body"], Value::Null);
    let list = get(&fake, "/api/v3/repos/acme/site/issues?labels=a+b%2Cc");
    assert_eq!(numbers(&list.json()), [1]);
    let reply = call(
        &fake,
        "PATCH",
        "/api/v3/repos/acme/site/issues/1",
        Some(&json!({ "state": "closed" })),
    );
    assert_eq!(reply.json()["state"], "closed");
    let reply = call(
        &fake,
        "POST",
        "/api/v3/repos/acme/site/issues/1/comments",
        Some(&json!({ "body": "x" })),
    );
    assert_eq!(reply.status, 201);
    let requests = fake.requests();
    assert_eq!(requests[0].path, "/api/v3/repos/acme/site/issues");
    assert_eq!(requests[0].route(), "/repos/acme/site/issues");
    assert_eq!(
        requests[1].query_pairs(),
        [("labels".to_string(), "a b,c".to_string())]
    );
    // Only the exact prefix is stripped.
    assert_eq!(get(&fake, "/api/v3x/repos/acme/site/issues").status, 404);
    assert_eq!(get(&fake, "/api/v4/repos/acme/site/issues").status, 404);
}

#[test]
fn validation_errors() {
    let fake = fake_with_repo();
    for body in [
        json!({ "body": "no title" }),
        json!({ "title": "" }),
        json!({ "title": null }),
        json!({}),
    ] {
        let reply = call(&fake, "POST", ISSUES, Some(&body));
        assert_eq!(reply.status, 422, "{body}");
        assert_eq!(
            reply.json(),
            json!({
                "message": "Validation Failed",
                "errors": [{ "resource": "Issue", "code": "missing_field", "field": "title" }],
                "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
                "status": "422",
            })
        );
    }
    let empty = send(&fake, "POST", ISSUES, None);
    assert_eq!(empty.status, 422);
    let broken = send(&fake, "POST", ISSUES, Some("{\"title\": "));
    assert_eq!(broken.status, 400);
    assert_eq!(broken.json()["message"], "Problems parsing JSON");
    let wrong_type = call(&fake, "POST", ISSUES, Some(&json!({ "title": ["x"] })));
    assert_eq!(wrong_type.status, 422);
    assert!(wrong_type.json()["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("Invalid request.")));
    let numeric = call(&fake, "POST", ISSUES, Some(&json!({ "title": 42 })));
    assert_eq!(numeric.json()["title"], "42");

    let long = "é".repeat(65_537);
    let too_long = call(
        &fake,
        "POST",
        ISSUES,
        Some(&json!({ "title": "t", "body": long })),
    );
    assert_eq!(too_long.status, 422);
    assert_eq!(
        too_long.json()["errors"][0]["message"],
        "body is too long (maximum is 65536 characters)"
    );
    let fits = call(
        &fake,
        "POST",
        ISSUES,
        Some(&json!({ "title": "t", "body": "é".repeat(65_536) })),
    );
    assert_eq!(fits.status, 201);

    for body in [
        json!({ "state": "done" }),
        json!({ "state_reason": "fixed" }),
        json!({ "title": "" }),
        json!({ "labels": "a" }),
        json!({ "labels": [""] }),
    ] {
        let reply = call(&fake, "PATCH", "/repos/acme/site/issues/1", Some(&body));
        assert_eq!(reply.status, 422, "{body}");
        assert_eq!(reply.json()["status"], "422");
    }
    // Nothing changed on failure.
    assert_eq!(
        fake.issue(OWNER, REPO, 1).map(|i| i["state"].clone()),
        Some(json!("open"))
    );

    let path = "/repos/acme/site/issues/1/comments";
    let missing = call(&fake, "POST", path, Some(&json!({})));
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.json()["message"],
        "Invalid request.\n\n\"body\" wasn't supplied."
    );
    let blank = call(&fake, "POST", path, Some(&json!({ "body": " " })));
    assert_eq!(blank.status, 422);
    assert_eq!(blank.json()["errors"][0]["message"], "Body cannot be blank");
    let long = call(
        &fake,
        "POST",
        path,
        Some(&json!({ "body": "x".repeat(65_537) })),
    );
    assert_eq!(long.status, 422);
    assert_eq!(fake.comments(OWNER, REPO, 1), Vec::<Value>::new());
    assert_eq!(
        get(&fake, "/repos/acme/site/issues?state=bogus").status,
        422
    );
}

#[test]
fn pagination_follows_github_links() {
    let fake = fake_with_repo();
    for n in 1..=7 {
        let labels: &[&str] = if n == 4 {
            &["drift"]
        } else {
            &["drift", "bot,ops"]
        };
        fake.seed_issue(OWNER, REPO, &format!("issue {n}"), None, labels);
    }
    let first = get(
        &fake,
        "/api/v3/repos/acme/site/issues?state=all&labels=drift%2Cbot%2Cops&per_page=2",
    );
    // "bot,ops" is split on the comma, so it is two labels neither issue has.
    assert_eq!(numbers(&first.json()), Vec::<u64>::new());

    fake.set_labels_by_hand(OWNER, REPO, 4, &["drift", "bot"]);
    let first = get(
        &fake,
        "/api/v3/repos/acme/site/issues?state=all&labels=drift&per_page=3",
    );
    assert_eq!(first.status, 200);
    assert_eq!(numbers(&first.json()), [7, 6, 5]);
    let rels = links(&first);
    let rel_names: Vec<&str> = rels.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(rel_names, ["next", "last"]);
    let base = fake.base_url();
    let prefix = format!("{base}/api/v3/repositories/");
    assert!(
        rels.iter().all(|(_, url)| url.starts_with(&prefix)),
        "{rels:?}"
    );
    assert!(
        rels[0]
            .1
            .ends_with("/issues?state=all&labels=drift&per_page=3&page=2"),
        "{rels:?}"
    );
    assert!(rels[1].1.ends_with("&page=3"));

    // Follow the links as octocrab does (absolute URLs, same host).
    let mut seen = numbers(&first.json());
    let mut next = rels
        .iter()
        .find(|(r, _)| r == "next")
        .map(|(_, u)| u.clone());
    let mut pages = 1;
    while let Some(url) = next {
        let path = url.strip_prefix(&base).unwrap_or(&url).to_string();
        let reply = get(&fake, &path);
        assert_eq!(reply.status, 200, "{path}");
        seen.extend(numbers(&reply.json()));
        next = links(&reply)
            .into_iter()
            .find(|(r, _)| r == "next")
            .map(|(_, u)| u);
        pages += 1;
        if pages == 3 {
            let rel_names: Vec<String> = links(&reply).into_iter().map(|(r, _)| r).collect();
            assert_eq!(rel_names, ["prev", "first"]);
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, [7, 6, 5, 4, 3, 2, 1]);

    // Labels with commas in them are escaped in the links (octocrab splits Link on commas).
    let reply = get(
        &fake,
        "/repos/acme/site/issues?labels=drift%2Cbot&per_page=1&state=all",
    );
    assert_eq!(numbers(&reply.json()), [4]);
    assert!(reply.header("link").is_none());
    let reply = get(
        &fake,
        "/repos/acme/site/issues?labels=drift,DRIFT&per_page=1",
    );
    let rels = links(&reply);
    assert_eq!(rels.len(), 2);
    assert!(rels[0].1.contains("labels=drift%2CDRIFT&per_page=1&page=2"));

    // per_page above 100 is 100; default is 30; ascending order on request.
    for n in 8..=140 {
        fake.seed_issue(OWNER, REPO, &format!("issue {n}"), None, &[]);
    }
    let reply = get(&fake, "/repos/acme/site/issues?per_page=500");
    assert_eq!(numbers(&reply.json()).len(), 100);
    let reply = get(&fake, "/repos/acme/site/issues?page=2");
    assert_eq!(numbers(&reply.json()).first(), Some(&110));
    assert_eq!(numbers(&reply.json()).len(), 30);
    let reply = get(&fake, "/repos/acme/site/issues?direction=asc&per_page=2");
    assert_eq!(numbers(&reply.json()), [1, 2]);
    let reply = get(&fake, "/repos/acme/site/issues?page=99");
    assert_eq!(reply.json(), json!([]));
}

#[test]
fn comments_paginate() {
    let fake = fake_with_repo();
    let number = fake.seed_issue(OWNER, REPO, "t", Some("b"), &["drift"]);
    for n in 0..5 {
        let reply = call(
            &fake,
            "POST",
            "/repos/acme/site/issues/1/comments",
            Some(&json!({ "body": format!("c{n}") })),
        );
        assert_eq!(reply.status, 201);
    }
    let reply = get(
        &fake,
        "/repos/acme/site/issues/1/comments?per_page=2&page=3",
    );
    let bodies: Vec<String> = reply
        .json()
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|c| c["body"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(bodies, ["c4"]);
    let rels = links(&reply);
    assert!(rels[0]
        .1
        .ends_with(&format!("/issues/{number}/comments?per_page=2&page=2")));
}

#[test]
fn read_only_token() {
    let fake = fake_with_repo();
    let number = fake.seed_issue(OWNER, REPO, "t", None, &["drift"]);
    fake.forbid_writes(true);
    for (method, path, body) in [
        ("POST", ISSUES.to_string(), json!({ "title": "x" })),
        (
            "PATCH",
            format!("{ISSUES}/{number}"),
            json!({ "state": "closed" }),
        ),
        (
            "POST",
            format!("{ISSUES}/{number}/comments"),
            json!({ "body": "x" }),
        ),
        ("POST", ISSUES.to_string(), json!({})),
    ] {
        let reply = call(&fake, method, &path, Some(&body));
        assert_eq!(reply.status, 403, "{method} {path}");
        assert_eq!(
            reply.json()["message"],
            "Resource not accessible by integration"
        );
    }
    assert_eq!(get(&fake, ISSUES).status, 200);
    assert_eq!(get(&fake, &format!("{ISSUES}/{number}")).status, 200);
    // Unknown repositories still answer 404.
    let reply = call(
        &fake,
        "POST",
        "/repos/acme/nope/issues",
        Some(&json!({ "title": "x" })),
    );
    assert_eq!(reply.status, 404);
    assert_eq!(fake.issues(OWNER, REPO).len(), 1);
    assert_eq!(fake.issues(OWNER, REPO)[0]["state"], "open");
    fake.forbid_writes(false);
    let reply = call(&fake, "POST", ISSUES, Some(&json!({ "title": "x" })));
    assert_eq!(reply.status, 201);
}

#[test]
fn outages() {
    let fake = fake_with_repo();
    let addr = fake.addr();
    fake.set_unreachable(true);
    for auth in [format!("Bearer {TOKEN}"), "Bearer wrong".to_string()] {
        let reply = raw_at(addr, "GET", ISSUES, &[("Authorization", &auth)], None).expect("reply");
        assert_eq!(reply.status, 503);
        assert!(reply.json()["message"].is_string());
    }
    let reply = call(&fake, "POST", ISSUES, Some(&json!({ "title": "x" })));
    assert_eq!(reply.status, 503);
    assert_eq!(fake.issues(OWNER, REPO), Vec::<Value>::new());
    fake.set_outage(Outage::Status(502));
    assert_eq!(get(&fake, ISSUES).status, 502);

    fake.set_outage(Outage::Drop);
    let dropped = raw_at(
        addr,
        "POST",
        ISSUES,
        &[("Authorization", &format!("Bearer {TOKEN}"))],
        Some("{\"title\":\"x\"}"),
    );
    assert!(dropped.is_err(), "{dropped:?}");
    assert_eq!(fake.issues(OWNER, REPO), Vec::<Value>::new());

    fake.set_unreachable(false);
    assert_eq!(get(&fake, ISSUES).status, 200);
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 503, 503, 502, 0, 200]);
    assert_eq!(fake.requests()[4].json(), Some(json!({ "title": "x" })));
    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[test]
fn changes_by_hand_and_pull_requests() {
    let fake = fake_with_repo();
    let number = fake.seed_issue(OWNER, REPO, "Drift", Some("old"), &["drift"]);
    let pull = fake.seed_pull_request(OWNER, REPO, "Fix things", &["drift"]);
    assert_eq!((number, pull), (1, 2));

    // Pull requests share the numbering and appear in the issues list, as on GitHub.
    let list = get(&fake, "/repos/acme/site/issues?labels=drift").json();
    assert_eq!(numbers(&list), [2, 1]);
    assert!(list[0]["pull_request"]["url"].is_string());
    assert!(list[1].get("pull_request").is_none());

    fake.close_issue_by_hand(OWNER, REPO, number);
    let issue = get(&fake, "/repos/acme/site/issues/1").json();
    assert_eq!(issue["state"], "closed");
    assert_eq!(issue["state_reason"], "completed");
    assert_eq!(issue["closed_by"]["login"], "octocat");
    assert_eq!(issue["closed_by"]["type"], "User");
    let list = get(&fake, "/repos/acme/site/issues?labels=drift").json();
    assert_eq!(numbers(&list), [2]);

    fake.reopen_issue_by_hand(OWNER, REPO, number);
    fake.edit_body_by_hand(OWNER, REPO, number, Some("edited"));
    fake.set_labels_by_hand(OWNER, REPO, number, &[]);
    let issue = fake.issue(OWNER, REPO, number).unwrap_or_default();
    assert_eq!(issue["state"], "open");
    assert_eq!(issue["state_reason"], "reopened");
    assert_eq!(issue["body"], "edited");
    assert_eq!(label_names(&issue), Vec::<String>::new());
    // Sorting by update time puts the issue just edited first.
    let list = get(&fake, "/repos/acme/site/issues?sort=updated").json();
    assert_eq!(numbers(&list), [1, 2]);
}

#[test]
#[should_panic(expected = "no issue acme/site#9")]
fn by_hand_on_a_missing_issue_panics() {
    let fake = fake_with_repo();
    fake.close_issue_by_hand(OWNER, REPO, 9);
}

#[test]
fn binds_loopback_only() {
    let addr = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    assert!(FakeGitHub::start_on(addr, TOKEN).is_err());
    let fake = FakeGitHub::start(TOKEN);
    assert!(fake.addr().ip().is_loopback());
    assert_eq!(fake.base_url(), format!("http://{}", fake.addr()));
}

#[test]
fn exchanges_pair_each_request_with_the_response_sent() {
    let fake = fake_with_repo();
    let created = call(&fake, "POST", ISSUES, Some(&json!({ "title": "x" })));
    let missing = get(&fake, "/repos/acme/site/issues/9");
    fake.set_outage(Outage::Drop);
    let dropped = raw_at(fake.addr(), "GET", ISSUES, &[], None);
    assert!(dropped.is_err());
    fake.set_outage(Outage::None);

    let exchanges = fake.exchanges();
    assert_eq!(exchanges.len(), 3);
    assert_eq!(exchanges[0].request.method, "POST");
    let response = exchanges[0].response.as_ref().expect("answered");
    assert_eq!(response.status, 201);
    assert_eq!(response.json(), Some(created.json()));
    assert_eq!(
        response.header("Content-Type"),
        Some("application/json; charset=utf-8")
    );
    assert!(response.header("location").is_some());
    let response = exchanges[1].response.as_ref().expect("answered");
    assert_eq!(
        (response.status, response.json()),
        (404, Some(missing.json()))
    );
    assert_eq!(exchanges[2].request.path, ISSUES);
    assert_eq!(exchanges[2].response, None);
    assert_eq!(fake.requests()[2].status, 0);

    fake.clear_requests();
    assert!(fake.exchanges().is_empty());
    assert_eq!(get(&fake, ISSUES).status, 200);
    assert_eq!(fake.exchanges().len(), 1);
}

//! Every response the fake GitHub sends, for the operations the drift issue uses (list,
//! create, get and update issues, create and list comments), fits GitHub's description:
//! successes, pagination, pull requests in the list, and the errors (404, 403, 422, 400,
//! 401, 503). The requests below are valid ones, so they are checked too.

use fake_github::{FakeGitHub, Outage};
use fake_http::testing::{send_at, Reply};
use openapi_contract::github;
use serde_json::{json, Value};

const TOKEN: &str = "ghs_contract";

fn call(fake: &FakeGitHub, method: &str, path: &str, body: Option<Value>) -> Reply {
    let auth = format!("Bearer {TOKEN}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let body = body.map(|b| b.to_string());
    send_at(fake.addr(), method, path, &headers, body.as_deref())
}

/// Checks everything the fake answered (and was asked); returns how many responses.
fn assert_contract(fake: &FakeGitHub) -> usize {
    match github().check_exchanges(&fake.exchanges(), true) {
        Ok(checked) => checked,
        Err(problems) => panic!("the fake GitHub departs from @octokit/openapi:\n{problems}"),
    }
}

#[test]
fn every_issue_and_comment_response_fits_the_spec() {
    let fake = FakeGitHub::start(TOKEN);
    fake.add_repo("acme", "site");
    let issues = "/repos/acme/site/issues";
    let created = call(
        &fake,
        "POST",
        issues,
        Some(json!({ "title": "Drift", "body": "b", "labels": ["devopness-drift"] })),
    );
    assert_eq!(created.status, 201);
    call(&fake, "POST", issues, Some(json!({ "title": "No body" })));
    fake.seed_pull_request("acme", "site", "PR", &["devopness-drift"]);
    call(&fake, "GET", "/repos/acme/site/issues/1", None);
    call(
        &fake,
        "PATCH",
        "/repos/acme/site/issues/1",
        Some(json!({ "title": "t", "body": "b2", "state": "open" })),
    );
    call(
        &fake,
        "POST",
        "/repos/acme/site/issues/1/comments",
        Some(json!({ "body": "in sync" })),
    );
    call(
        &fake,
        "PATCH",
        "/repos/acme/site/issues/1",
        Some(json!({ "state": "closed" })),
    );
    fake.close_issue_by_hand("acme", "site", 2);
    call(
        &fake,
        "PATCH",
        "/repos/acme/site/issues/1",
        Some(json!({ "state": "open", "labels": ["devopness-drift", "x"] })),
    );
    call(&fake, "GET", "/repos/acme/site/issues/1/comments", None);
    let list = call(
        &fake,
        "GET",
        "/repos/acme/site/issues?labels=devopness-drift&state=all&per_page=100",
        None,
    );
    assert_eq!(list.json().as_array().map(Vec::len), Some(2));
    let page = call(
        &fake,
        "GET",
        "/repos/acme/site/issues?state=all&per_page=1&page=2",
        None,
    );
    assert!(page.header("link").is_some());
    // GitHub Enterprise Server paths answer the same.
    call(
        &fake,
        "GET",
        "/api/v3/repos/acme/site/issues?state=closed",
        None,
    );
    assert_eq!(assert_contract(&fake), 11);
}

#[test]
fn every_error_response_fits_the_spec() {
    let fake = FakeGitHub::start(TOKEN);
    fake.add_repo("acme", "site");
    let issues = "/repos/acme/site/issues";
    let statuses: Vec<u16> = [
        call(&fake, "GET", "/repos/acme/nope/issues", None),
        call(
            &fake,
            "POST",
            "/repos/acme/nope/issues",
            Some(json!({ "title": "t" })),
        ),
        call(&fake, "GET", "/repos/acme/site/issues/7", None),
        call(
            &fake,
            "PATCH",
            "/repos/acme/site/issues/7",
            Some(json!({ "state": "closed" })),
        ),
        call(
            &fake,
            "POST",
            "/repos/acme/site/issues/7/comments",
            Some(json!({ "body": "x" })),
        ),
        call(&fake, "GET", "/repos/acme/site/issues/7/comments", None),
        call(&fake, "POST", issues, Some(json!({ "title": "" }))),
        call(
            &fake,
            "POST",
            issues,
            Some(json!({ "title": "t", "body": "x".repeat(65_537) })),
        ),
        call(
            &fake,
            "POST",
            issues,
            Some(json!({ "title": "t", "labels": [""] })),
        ),
    ]
    .iter()
    .map(|r| r.status)
    .collect();
    assert_eq!(statuses, [404, 404, 404, 404, 404, 404, 422, 422, 422]);
    assert_eq!(assert_contract(&fake), 9);

    // Errors the requests cause on purpose: only the responses are checked.
    fake.clear_requests();
    call(&fake, "GET", "/repos/acme/site/issues?state=bogus", None);
    call(&fake, "POST", issues, Some(json!({ "title": ["x"] })));
    let auth = format!("Bearer {TOKEN}");
    send_at(
        fake.addr(),
        "POST",
        issues,
        &[("Authorization", &auth)],
        Some("{\"title\": "),
    );
    send_at(
        fake.addr(),
        "GET",
        issues,
        &[("Authorization", "Bearer wrong")],
        None,
    );
    fake.seed_issue("acme", "site", "t", None, &[]);
    fake.forbid_writes(true);
    call(&fake, "POST", issues, Some(json!({ "title": "t" })));
    call(
        &fake,
        "PATCH",
        "/repos/acme/site/issues/1",
        Some(json!({ "state": "closed" })),
    );
    call(
        &fake,
        "POST",
        "/repos/acme/site/issues/1/comments",
        Some(json!({ "body": "x" })),
    );
    fake.forbid_writes(false);
    fake.set_outage(Outage::Status(503));
    call(&fake, "GET", issues, None);
    call(&fake, "POST", issues, Some(json!({ "title": "t" })));
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [422, 422, 400, 401, 403, 403, 403, 503, 503]);
    match github().check_exchanges(&fake.exchanges(), false) {
        Ok(checked) => assert_eq!(checked, 9),
        Err(problems) => panic!("the fake GitHub departs from @octokit/openapi:\n{problems}"),
    }
}

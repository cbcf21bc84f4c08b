//! Each check can fail: requests and responses that depart from GitHub's description are
//! refused, with a message naming what is wrong.

use fake_github::FakeGitHub;
use openapi_contract::{github, Mismatch, Request, Response};
use serde_json::{json, Value};

fn post(path: &str, body: &str) -> Result<String, Vec<Mismatch>> {
    let url = format!("https://api.github.com{path}");
    let request = Request::to_url("POST", &url, body).expect("a URL");
    github().check_request(&request).map(|op| op.id.clone())
}

#[test]
fn the_spec_is_the_pinned_package() {
    assert_eq!(github().version(), "23.0.2");
    for id in [
        "issues/list-for-repo",
        "issues/create",
        "issues/update",
        "issues/create-comment",
        "repos/create-commit-status",
    ] {
        assert!(github().operation(id).is_some(), "{id}");
    }
}

#[test]
fn a_valid_commit_status_passes() {
    let body = json!({ "state": "success", "context": "ci", "description": "ok", "target_url": "https://x" });
    let op = post("/repos/o/r/statuses/0123abc", &body.to_string());
    assert_eq!(op, Ok("repos/create-commit-status".to_string()));
}

/// The mismatches of a request, as text (empty when it fits).
fn problems(method: &str, url: &str, body: &str) -> String {
    let request = Request::to_url(method, url, body).expect("a URL");
    match github().check_request(&request) {
        Ok(_) => String::new(),
        Err(found) => found
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

const STATUS: &str = "https://api.github.com/repos/o/r/statuses/0123abc";

#[test]
fn a_commit_status_that_departs_from_the_spec_is_refused() {
    let valid = json!({ "state": "pending", "context": "ci", "description": "d", "target_url": "https://x" });
    assert_eq!(problems("POST", STATUS, &valid.to_string()), "");
    // GitHub Enterprise Server's root.
    let ghes = "https://ghe.example/api/v3/repos/o/r/statuses/0123abc";
    assert_eq!(problems("POST", ghes, &valid.to_string()), "");

    let cases: [(Value, &str); 5] = [
        // GitLab's word for it, not GitHub's.
        (
            json!({ "state": "running" }),
            "at /state: \"running\" is not one of",
        ),
        (
            json!({ "context": "ci" }),
            "\"state\" is a required property",
        ),
        (
            json!({ "state": "success", "description": 140 }),
            "at /description: 140 is not of type",
        ),
        // A field GitHub does not know (GitLab's `name`) would be ignored: a mistake of ours.
        (
            json!({ "state": "success", "name": "ci" }),
            "Additional properties are not allowed ('name' was unexpected)",
        ),
        (
            json!({ "state": "success", "target_url": ["x"] }),
            "at /target_url",
        ),
    ];
    for (body, expected) in cases {
        let found = problems("POST", STATUS, &body.to_string());
        assert!(found.contains(expected), "{body}: {found}");
    }
    let found = problems("POST", STATUS, "");
    assert_eq!(found, "the operation requires a body; none was sent");
    let found = problems("POST", STATUS, "{\"state\": ");
    assert!(found.starts_with("the request body is not JSON"), "{found}");
    let found = problems("PUT", STATUS, &valid.to_string());
    assert!(
        found.starts_with("no operation in the spec is PUT /repos/o/r/statuses/"),
        "{found}"
    );
    let found = problems(
        "POST",
        "https://api.github.com/repos/o/r/status/0123abc",
        &valid.to_string(),
    );
    assert!(
        found.starts_with("no operation in the spec is POST"),
        "{found}"
    );
    // Bitbucket's path shape.
    let found = problems(
        "POST",
        "https://api.github.com/repos/o/r/commit/0123abc/statuses/build",
        "{}",
    );
    assert!(found.starts_with("no operation"), "{found}");
}

#[test]
fn issue_requests_that_depart_from_the_spec_are_refused() {
    let issues = "https://api.github.com/repos/o/r/issues";
    let list = format!("{issues}?state=all&labels=devopness-drift&per_page=100");
    assert_eq!(problems("GET", &list, ""), "");
    let found = problems("GET", &format!("{issues}?state=bogus"), "");
    assert!(
        found.starts_with("query parameter `state`: at /: \"bogus\" is not one of"),
        "{found}"
    );
    let found = problems("GET", &format!("{issues}?per_page=many"), "");
    assert!(
        found.contains("`per_page`: at /: \"many\" is not of type \"integer\""),
        "{found}"
    );
    let found = problems("GET", &format!("{issues}?label=x"), "");
    assert_eq!(
        found,
        "query parameter `label` is not one the operation takes"
    );
    let found = problems("GET", issues, "{\"state\": \"all\"}");
    assert_eq!(found, "the operation takes no body; one was sent");

    assert_eq!(
        problems("POST", issues, r#"{"title": "t", "labels": ["a"]}"#),
        ""
    );
    let found = problems("POST", issues, r#"{"body": "no title"}"#);
    assert!(
        found.contains("\"title\" is a required property"),
        "{found}"
    );
    let found = problems("POST", issues, r#"{"title": "t", "labels": "a,b"}"#);
    assert!(
        found.contains("at /labels: \"a,b\" is not of type \"array\""),
        "{found}"
    );

    let one = format!("{issues}/1");
    assert_eq!(problems("PATCH", &one, r#"{"state": "closed"}"#), "");
    let found = problems("PATCH", &one, r#"{"state": "done"}"#);
    assert!(
        found.contains("at /state: \"done\" is not one of"),
        "{found}"
    );
    let found = problems("PATCH", &one, r#"{"state_reason": "fixed"}"#);
    assert!(found.contains("at /state_reason"), "{found}");
    let found = problems(
        "PATCH",
        &format!("{issues}/first"),
        r#"{"state": "closed"}"#,
    );
    assert!(
        found.starts_with("path parameter `issue_number`"),
        "{found}"
    );

    let comments = format!("{one}/comments");
    assert_eq!(problems("POST", &comments, r#"{"body": "x"}"#), "");
    let found = problems("POST", &comments, r#"{"text": "x"}"#);
    assert!(found.contains("\"body\" is a required property"), "{found}");
    assert!(found.contains("'text' was unexpected"), "{found}");
}

/// An issue as the fake renders it (valid: the fake's own test checks that).
fn issue() -> Value {
    let fake = FakeGitHub::start("t");
    let number = fake.seed_issue("o", "r", "t", Some("b"), &["x"]);
    fake.close_issue_by_hand("o", "r", number);
    fake.issue("o", "r", number).expect("the issue")
}

fn response_problems(id: &str, status: u16, content_type: &str, body: &str) -> String {
    let op = github().operation(id).expect("an operation");
    let response = Response {
        status,
        content_type: Some(content_type),
        body,
    };
    match github().check_response(op, &response) {
        Ok(()) => String::new(),
        Err(found) => found
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn responses_that_depart_from_the_spec_are_refused() {
    let json = "application/json; charset=utf-8";
    let valid = issue();
    assert_eq!(
        response_problems("issues/get", 200, json, &valid.to_string()),
        ""
    );
    assert_eq!(
        response_problems("issues/create", 201, json, &valid.to_string()),
        ""
    );

    let broken: [(&str, Value, &str); 6] = [
        (
            "number",
            json!("1"),
            "at /number: \"1\" is not of type \"integer\"",
        ),
        (
            "created_at",
            json!("yesterday"),
            "at /created_at: \"yesterday\" is not a \"date-time\"",
        ),
        (
            "url",
            json!("not a url"),
            "at /url: \"not a url\" is not a \"uri\"",
        ),
        (
            "state_reason",
            json!("fixed"),
            "at /state_reason: \"fixed\" is not one of",
        ),
        ("labels", json!([3]), "at /labels/0"),
        (
            "closed_by",
            json!({ "login": "octocat" }),
            "at /closed_by: \"id\" is a required property",
        ),
    ];
    for (field, value, expected) in broken {
        let mut issue = valid.clone();
        issue[field] = value;
        let found = response_problems("issues/get", 200, json, &issue.to_string());
        assert!(found.contains(expected), "{field}: {found}");
    }
    // A field GitHub does not document, at any depth, is the fake's invention.
    let mut invented = valid.clone();
    invented["priority"] = json!(1);
    invented["user"]["nickname"] = json!("octo");
    let found = response_problems("issues/get", 200, json, &invented.to_string());
    assert!(
        found.contains("at /: Additional properties are not allowed ('priority' was unexpected)"),
        "{found}"
    );
    assert!(
        found.contains(
            "at /user: Additional properties are not allowed ('nickname' was unexpected)"
        ),
        "{found}"
    );
    let found = response_problems("issues/update", 200, json, &invented.to_string());
    assert!(found.contains("'priority' was unexpected"), "{found}");
    let mut missing = valid.clone();
    missing.as_object_mut().map(|o| o.remove("title"));
    let found = response_problems("issues/get", 200, json, &missing.to_string());
    assert!(
        found.contains("\"title\" is a required property"),
        "{found}"
    );

    // Create answers 201, not 200.
    let found = response_problems("issues/create", 200, json, &valid.to_string());
    assert!(
        found.starts_with("status 200 is not documented (documented: 201"),
        "{found}"
    );
    let found = response_problems("issues/get", 200, "text/html", &valid.to_string());
    assert_eq!(
        found,
        "response sent as Some(\"text/html\"), not application/json"
    );
    let found = response_problems("issues/get", 200, json, "<html>");
    assert!(
        found.starts_with("the response body is not JSON"),
        "{found}"
    );
    let list = response_problems("issues/list-for-repo", 200, json, &valid.to_string());
    assert!(list.contains("is not of type \"array\""), "{list}");

    // Documented errors, and those GitHub sends on any operation (GitHub's basic error).
    let not_found =
        json!({ "message": "Not Found", "documentation_url": "https://docs.github.com/rest" });
    assert_eq!(
        response_problems("issues/get", 404, json, &not_found.to_string()),
        ""
    );
    assert_eq!(
        response_problems("issues/get", 401, json, &not_found.to_string()),
        ""
    );
    let found = response_problems(
        "issues/get",
        401,
        json,
        r#"{"message": ["Bad credentials"]}"#,
    );
    assert!(found.contains("at /message"), "{found}");
    // GitHub's 422 carries `status`, which its schema does not declare: error bodies stay open.
    let failed = json!({ "message": "Validation Failed", "errors": [{ "code": "missing_field" }], "documentation_url": "d", "status": "422" });
    assert_eq!(
        response_problems("issues/create", 422, json, &failed.to_string()),
        ""
    );
    let found = response_problems(
        "issues/create",
        422,
        json,
        r#"{"message": "Validation Failed"}"#,
    );
    assert!(
        found.contains("\"documentation_url\" is a required property"),
        "{found}"
    );
    // A response documented without a body.
    let found = response_problems("issues/remove-all-labels", 204, json, "{}");
    assert_eq!(
        found,
        "the 204 response is documented without a body; one was sent"
    );
    assert_eq!(
        response_problems("issues/remove-all-labels", 204, json, ""),
        ""
    );
}

#[test]
fn a_missing_spec_says_how_to_install_it() {
    let missing = std::path::Path::new("/nonexistent/api.github.com.json");
    let error = openapi_contract::github::load(missing)
        .err()
        .unwrap_or_default();
    assert!(error.contains("scripts/install-github-openapi"), "{error}");
    assert!(error.contains("scripts/test"), "{error}");
    assert!(
        error.contains(openapi_contract::github::SPEC_ENV),
        "{error}"
    );
}

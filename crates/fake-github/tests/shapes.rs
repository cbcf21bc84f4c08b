//! The fake's JSON has the shape of GitHub's (the fixtures, written after GitHub's documented
//! examples), and every field octocrab 0.54's models require, with the JSON type they need.
//! (octocrab itself is not a dependency here: these lists mirror its `models::issues::Issue`,
//! `models::issues::Comment`, `models::Label` and `models::Author`.)

mod common;

use std::collections::BTreeSet;

use common::{call, fake_with_repo, get, OWNER, REPO};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Kind {
    Str,
    Url,
    Time,
    U64,
    Bool,
    Array,
    Object,
}

/// `models::issues::Issue`: the fields without `Option` (absent or null fails to deserialize).
const ISSUE_REQUIRED: &[(&str, Kind)] = &[
    ("id", Kind::U64),
    ("node_id", Kind::Str),
    ("url", Kind::Url),
    ("repository_url", Kind::Url),
    ("labels_url", Kind::Url),
    ("comments_url", Kind::Url),
    ("events_url", Kind::Url),
    ("html_url", Kind::Url),
    ("number", Kind::U64),
    ("state", Kind::Str),
    ("title", Kind::Str),
    ("user", Kind::Object),
    ("labels", Kind::Array),
    ("assignees", Kind::Array),
    ("locked", Kind::Bool),
    ("comments", Kind::U64),
    ("created_at", Kind::Time),
    ("updated_at", Kind::Time),
];

/// `models::issues::Comment`.
const COMMENT_REQUIRED: &[(&str, Kind)] = &[
    ("id", Kind::U64),
    ("node_id", Kind::Str),
    ("url", Kind::Url),
    ("html_url", Kind::Url),
    ("user", Kind::Object),
    ("created_at", Kind::Time),
];

/// `models::Author` (`name`, `patch_url` and `email` are optional).
const AUTHOR_REQUIRED: &[(&str, Kind)] = &[
    ("login", Kind::Str),
    ("id", Kind::U64),
    ("node_id", Kind::Str),
    ("avatar_url", Kind::Url),
    ("gravatar_id", Kind::Str),
    ("url", Kind::Url),
    ("html_url", Kind::Url),
    ("followers_url", Kind::Url),
    ("following_url", Kind::Url),
    ("gists_url", Kind::Url),
    ("starred_url", Kind::Url),
    ("subscriptions_url", Kind::Url),
    ("organizations_url", Kind::Url),
    ("repos_url", Kind::Url),
    ("events_url", Kind::Url),
    ("received_events_url", Kind::Url),
    ("type", Kind::Str),
    ("site_admin", Kind::Bool),
];

/// `models::Label` (`description` is optional).
const LABEL_REQUIRED: &[(&str, Kind)] = &[
    ("id", Kind::U64),
    ("node_id", Kind::Str),
    ("url", Kind::Url),
    ("name", Kind::Str),
    ("color", Kind::Str),
    ("default", Kind::Bool),
];

fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

fn check_fields(what: &str, value: &Value, fields: &[(&str, Kind)]) {
    for (name, kind) in fields {
        let field = &value[*name];
        let ok = match kind {
            Kind::Str => field.is_string(),
            Kind::Url => field
                .as_str()
                .is_some_and(|s| s.starts_with("http://") || s.starts_with("https://")),
            Kind::Time => field.as_str().is_some_and(is_time),
            Kind::U64 => field.is_u64(),
            Kind::Bool => field.is_boolean(),
            Kind::Array => field.is_array(),
            Kind::Object => field.is_object(),
        };
        assert!(ok, "{what}.{name} should be {kind:?}, is {field}");
    }
}

fn check_issue(issue: &Value) {
    check_fields("issue", issue, ISSUE_REQUIRED);
    check_fields("issue.user", &issue["user"], AUTHOR_REQUIRED);
    for label in issue["labels"].as_array().into_iter().flatten() {
        check_fields("issue.labels[]", label, LABEL_REQUIRED);
    }
    for assignee in issue["assignees"].as_array().into_iter().flatten() {
        check_fields("issue.assignees[]", assignee, AUTHOR_REQUIRED);
    }
    assert!(matches!(issue["state"].as_str(), Some("open" | "closed")));
    // IssueStateReason is a closed enum: any other string fails to deserialize.
    assert!(matches!(
        issue["state_reason"].as_str(),
        None | Some("completed" | "not_planned" | "reopened" | "duplicate")
    ));
    let closed_at = &issue["closed_at"];
    assert!(closed_at.is_null() || closed_at.as_str().is_some_and(is_time));
    if let Some(closed_by) = issue.get("closed_by").filter(|v| !v.is_null()) {
        check_fields("issue.closed_by", closed_by, AUTHOR_REQUIRED);
    }
    if let Some(pr) = issue.get("pull_request") {
        check_fields(
            "issue.pull_request",
            pr,
            &[
                ("url", Kind::Url),
                ("html_url", Kind::Url),
                ("diff_url", Kind::Url),
                ("patch_url", Kind::Url),
            ],
        );
    }
    // Must be null or a full Milestone; the fake never sets one.
    assert!(issue["milestone"].is_null());
}

fn check_comment(comment: &Value) {
    check_fields("comment", comment, COMMENT_REQUIRED);
    check_fields("comment.user", &comment["user"], AUTHOR_REQUIRED);
    assert!(comment["body"].is_string());
    assert!(comment["updated_at"].as_str().is_some_and(is_time));
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Same keys at the top level and in the nested objects GitHub always sends.
fn assert_same_shape(what: &str, expected: &Value, actual: &Value, nested: &[&str]) {
    assert_eq!(keys(expected), keys(actual), "{what}");
    for name in nested {
        assert_eq!(
            keys(&expected[*name]),
            keys(&actual[*name]),
            "{what}.{name}"
        );
    }
}

#[test]
fn fixtures_have_every_required_field() {
    check_issue(&fixture("issue.json"));
    check_comment(&fixture("comment.json"));
}

#[test]
fn the_fake_answers_in_the_fixtures_shape() {
    let fake = fake_with_repo();
    let created = call(
        &fake,
        "POST",
        "/repos/acme/site/issues",
        Some(&json!({ "title": "Drift", "body": "b", "labels": ["devopness-drift"] })),
    )
    .json();
    let comment = call(
        &fake,
        "POST",
        "/repos/acme/site/issues/1/comments",
        Some(&json!({ "body": "c" })),
    )
    .json();
    fake.close_issue_by_hand(OWNER, REPO, 1);
    let single = get(&fake, "/repos/acme/site/issues/1").json();
    let listed = get(&fake, "/repos/acme/site/issues?state=all").json()[0].clone();
    let updated = call(
        &fake,
        "PATCH",
        "/repos/acme/site/issues/1",
        Some(&json!({ "state": "open" })),
    )
    .json();
    let comments = get(&fake, "/repos/acme/site/issues/1/comments").json()[0].clone();

    let issue_fixture = fixture("issue.json");
    let comment_fixture = fixture("comment.json");
    let nested = ["user", "reactions", "sub_issues_summary"];
    for (what, issue) in [
        ("created", &created),
        ("single", &single),
        ("updated", &updated),
    ] {
        check_issue(issue);
        assert_same_shape(what, &issue_fixture, issue, &nested);
        assert_eq!(
            keys(&issue_fixture["labels"][0]),
            keys(&issue["labels"][0]),
            "{what}.labels[0]"
        );
    }
    assert_same_shape(
        "single.closed_by",
        &issue_fixture["closed_by"],
        &single["closed_by"],
        &[],
    );
    // List items are the same minus `closed_by`.
    check_issue(&listed);
    let mut expected = issue_fixture.clone();
    if let Some(o) = expected.as_object_mut() {
        o.remove("closed_by");
    }
    assert_same_shape("listed", &expected, &listed, &nested);

    for (what, c) in [("created comment", &comment), ("listed comment", &comments)] {
        check_comment(c);
        assert_same_shape(what, &comment_fixture, c, &["user", "reactions"]);
    }

    // A pull request in the issues list adds `draft` and a full `pull_request`.
    fake.seed_pull_request(OWNER, REPO, "PR", &[]);
    let pr = get(&fake, "/repos/acme/site/issues").json()[0].clone();
    check_issue(&pr);
    assert!(pr["pull_request"].is_object());
}

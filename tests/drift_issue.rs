//! The drift tracking issue: opened once, updated while drift persists, reopened
//! if closed by hand, commented on and closed once in sync; GitHub failures are
//! reported without hiding the drift result. Every request the action sends to GitHub, and
//! every response the fake GitHub gives it, must fit GitHub's published description
//! (npm `@octokit/openapi`, through `openapi_contract`).

mod support;
use fake_github::FakeGitHub;
use support::*;

const GH_TOKEN: &str = "ghs_issue_token_77aa13";
const OWNER: &str = "octo-org";
const NAME: &str = "my-app";

struct World {
    devopness: FakeDevopness,
    github: FakeGitHub,
}

fn world() -> World {
    let devopness = fake_with(&[1]);
    assert_eq!(apply(&devopness, "1", &[]).code, 0);
    devopness.insert_incoming_hook(1, json!([{"name": "commit_hash", "path": "pull_request.head.sha", "type": "string", "required": true}]));
    let github = FakeGitHub::start(GH_TOKEN);
    github.add_repo(OWNER, NAME);
    World { devopness, github }
}

impl World {
    fn check(&self, api_url: &str) -> RunResult {
        let url = self.devopness.base_url();
        run_action(
            &[
                ("api-token", TOKEN),
                ("pipeline-ids", "1"),
                ("api-url", url.as_str()),
                ("mode", "check"),
                ("drift-issue", "true"),
                ("github-token", GH_TOKEN),
                ("check-deliveries", "false"),
                // GITHUB_API_URL points at the fake GitHub below; the hooks keep theirs.
                ("provider-api-url", "https://api.github.com"),
            ],
            &[("GITHUB_API_URL", api_url)],
        )
    }

    fn drift(&self) {
        let hook = self
            .devopness
            .hooks(1)
            .into_iter()
            .find(|h| h["trigger_when"]["events"] == json!(["action.failed"]));
        if let Some(hook) = hook {
            self.devopness
                .remove_hook(hook["id"].as_str().unwrap_or_default());
        }
    }

    fn repair(&self) {
        assert_eq!(apply(&self.devopness, "1", &[]).code, 0);
    }

    fn issues(&self) -> Vec<Value> {
        self.github.issues(OWNER, NAME)
    }

    /// Every request sent to GitHub so far, and its response, fit GitHub's description.
    /// Returns the operations used, in order.
    fn assert_contract(&self) -> Vec<String> {
        let exchanges = self.github.exchanges();
        let spec = openapi_contract::github();
        if let Err(problems) = spec.check_exchanges(&exchanges, true) {
            panic!("GitHub requests or responses depart from @octokit/openapi:\n{problems}");
        }
        exchanges
            .iter()
            .filter_map(|e| {
                let request = openapi_contract::Request::recorded(&e.request);
                let (op, _) = spec.find(request.method, request.path).ok()?;
                Some(op.id.clone())
            })
            .collect()
    }
}

#[test]
fn opens_once_updates_reopens_and_closes() {
    let w = world();
    let api = w.github.base_url();

    // In sync: no issue, nothing written to GitHub.
    let run = w.check(&api);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(w.issues().is_empty());
    assert!(w.github.requests().iter().all(|r| !r.is_write()));

    // Drift: one issue, labelled, with the report and the marker.
    w.drift();
    let run = w.check(&api);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let issues = w.issues();
    assert_eq!(issues.len(), 1);
    let issue = &issues[0];
    assert_eq!(issue["state"], "open");
    assert!(issue["title"]
        .as_str()
        .is_some_and(|t| t.contains("drifted")));
    assert!(issue["labels"]
        .as_array()
        .is_some_and(|l| l.iter().any(|x| x["name"] == "devopness-drift")));
    let body = issue["body"].as_str().unwrap_or_default();
    assert!(body.contains("| action.failed | - | missing |"), "{body}");
    assert!(body.contains("<!-- devopness-status-hooks drift-issue"));
    let number = issue["number"].as_u64().unwrap_or_default();

    // Still drifting: the same issue is updated, not a second one.
    let run = w.check(&api);
    assert_eq!(run.code, 2);
    assert_eq!(w.issues().len(), 1);
    assert!(w.github.requests().iter().any(|r| r.method == "PATCH"));

    // Closed by hand while drift persists: reopened.
    w.github.close_issue_by_hand(OWNER, NAME, number);
    assert_eq!(w.check(&api).code, 2);
    assert_eq!(w.issues().len(), 1);
    assert_eq!(w.issues()[0]["state"], "open");

    // In sync again: commented on and closed.
    w.repair();
    let run = w.check(&api);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let issues = w.issues();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["state"], "closed");
    let comments = w.github.comments(OWNER, NAME, number);
    assert_eq!(comments.len(), 1);
    assert!(comments[0]["body"]
        .as_str()
        .is_some_and(|b| b.contains("in sync")));

    // And stays closed while in sync.
    let before = w.github.requests().len();
    assert_eq!(w.check(&api).code, 0);
    assert!(w.github.requests()[before..].iter().all(|r| !r.is_write()));
    let written = run.everything_written();
    assert!(!written.contains(GH_TOKEN) && !written.contains(TOKEN));

    let mut used = w.assert_contract();
    used.sort();
    used.dedup();
    assert_eq!(
        used,
        [
            "issues/create",
            "issues/create-comment",
            "issues/list-for-repo",
            "issues/update"
        ]
    );
}

#[test]
fn works_on_github_enterprise_server_paths() {
    let w = world();
    w.drift();
    let run = w.check(&w.github.api_v3_url());
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(w.issues().len(), 1);
    assert!(w
        .github
        .requests()
        .iter()
        .all(|r| r.path.starts_with("/api/v3/")));
    assert_eq!(
        w.assert_contract(),
        ["issues/list-for-repo", "issues/create"]
    );
}

#[test]
fn a_github_failure_is_reported_without_hiding_the_drift() {
    let w = world();
    w.drift();
    w.github.set_unreachable(true);
    let run = w.check(&w.github.base_url());
    // The drift result still stands (exit 2) and the outputs are written.
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(run.output("drift"), "true");
    assert!(
        run.errors().iter().any(|e| e.contains("drift issue")),
        "{}",
        run.stdout
    );

    w.github.set_unreachable(false);
    w.github.forbid_writes(true);
    let run = w.check(&w.github.base_url());
    assert_eq!(run.code, 2);
    assert!(
        run.errors()
            .iter()
            .any(|e| e.contains("403") && e.contains("issues: write")),
        "{}",
        run.stdout
    );
    w.assert_contract();
}

#[test]
fn a_rejected_github_token_says_so() {
    let w = world();
    w.drift();
    let url = w.devopness.base_url();
    let api = w.github.base_url();
    let run = run_action(
        &[
            ("api-token", TOKEN),
            ("pipeline-ids", "1"),
            ("api-url", url.as_str()),
            ("mode", "check"),
            ("drift-issue", "true"),
            ("github-token", "ghs_wrong_token_0000"),
            ("provider-api-url", "https://api.github.com"),
        ],
        &[("GITHUB_API_URL", api.as_str())],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.errors().iter().any(|e| e.contains("401")),
        "{}",
        run.stdout
    );
    assert!(w.issues().is_empty());
    w.assert_contract();
}

#[test]
fn a_check_that_could_not_read_leaves_the_issue_open() {
    let w = world();
    w.drift();
    assert_eq!(w.check(&w.github.base_url()).code, 2);
    assert_eq!(w.issues()[0]["state"], "open");
    // Pipeline 1 can no longer be read: nothing is known to be in sync.
    w.devopness.forbid_pipeline(1);
    let run = w.check(&w.github.base_url());
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.summary.contains("**Check incomplete**"),
        "{}",
        run.summary
    );
    assert_eq!(w.issues()[0]["state"], "open");
    let number = w.issues()[0]["number"].as_u64().unwrap_or_default();
    assert!(w.github.comments(OWNER, NAME, number).is_empty());
    w.assert_contract();
}

//! GitHub (and GitHub Enterprise Server) commit statuses. The request each hook makes at
//! deploy time, rendered as Devopness renders it, must fit `repos/create-commit-status` in
//! GitHub's published description (npm `@octokit/openapi`, through `openapi_contract`).

mod support;
use support::providers::*;
use support::*;

const INPUTS: &[(&str, &str)] = &[("repository", "octo-org/my-app")];

/// Devopness posts the rendered body to the rendered URL: that request fits GitHub's
/// `repos/create-commit-status` (method, path and its parameters, every body field declared,
/// types and enums).
fn assert_fits_github(r: &RenderedRequest) {
    let body = r.body.to_string();
    let request = openapi_contract::Request::to_url("POST", &r.url, &body)
        .unwrap_or_else(|| panic!("not an absolute URL: {}", r.url));
    match openapi_contract::github().check_request(&request) {
        Ok(op) => assert_eq!(op.id, "repos/create-commit-status", "{}", r.url),
        Err(problems) => panic!(
            "POST {} {body} departs from @octokit/openapi:\n{}",
            r.url,
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

#[test]
fn hooks_match_the_reviewed_golden_file() {
    let (fake, run) = run_provider("github", INPUTS);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_golden("github", &hooks_by_event(&fake, 1));
}

#[test]
fn the_rendered_request_is_a_valid_github_status() {
    let (fake, _) = run_provider("github", INPUTS);
    for (hook, state) in hooks_by_event(&fake, 1)
        .iter()
        .zip(["pending", "failure", "success"])
    {
        let r = rendered(hook);
        assert_fits_github(&r);
        assert_eq!(
            r.url,
            "https://api.github.com/repos/octo-org/my-app/statuses/0123456789abcdef0123456789abcdef01234567"
        );
        assert_eq!(
            r.header("Authorization"),
            Some("Bearer sample-provider-token")
        );
        // Declared, so that the provider need not guess the body's type.
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.header("Accept"), Some("application/vnd.github+json"));
        assert_eq!(r.header("X-GitHub-Api-Version"), Some("2022-11-28"));
        assert!(r.header("User-Agent").is_some_and(|u| !u.is_empty()));
        let body = r.body.as_object().expect("object");
        for key in body.keys() {
            assert!(
                ["state", "target_url", "description", "context"].contains(&key.as_str()),
                "{key}"
            );
        }
        assert_eq!(body["state"], state);
        assert!(["error", "failure", "pending", "success"]
            .contains(&body["state"].as_str().unwrap_or_default()));
        assert!(body["description"]
            .as_str()
            .is_some_and(|d| d.chars().count() <= 140));
        assert_eq!(body["target_url"], "https://app.devopness.com/actions/4242");
        assert_eq!(body["context"], "ci/devopness(build)");
    }
}

#[test]
fn hand_made_hooks_are_adopted_and_drift_repaired() {
    let hand_made = json!({
        "name": "CI(build)",
        "action_type": "deploy",
        "target_url": "https://api.github.com/repos/octo-org/my-app/statuses/{{ action.triggered_from.hook_parsed_variables.commit_hash }}",
        "trigger_when": {"events": ["action.started"]},
        "settings": {
            "request_headers": [{"name": "Authorization", "value": "Bearer {{ application.source_provider.access_token }}"}],
            "request_body": {"state": "pending", "context": "ci/devopness(build)", "description": "by hand"},
        },
    });
    assert_adoption_and_drift("github", INPUTS, "context", hand_made);
}

#[test]
fn enterprise_server_urls() {
    let (fake, run) = run_provider(
        "github",
        &[
            ("repository", "octo-org/my-app"),
            ("provider-api-url", "https://ghe.corp.example/api/v3/"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    for hook in hooks_by_event(&fake, 1) {
        let r = rendered(&hook);
        assert!(r
            .url
            .starts_with("https://ghe.corp.example/api/v3/repos/octo-org/my-app/statuses/"));
        assert_fits_github(&r);
    }
}

#[test]
fn every_input_that_shapes_the_status_keeps_it_valid() {
    let longest = "é".repeat(140);
    let (fake, run) = run_provider(
        "github",
        &[
            ("repository", "octo-org/my-app"),
            ("context", &"c".repeat(40)),
            (
                "details-url",
                "https://ci.example/runs/{{ action.id }}?from=devopness",
            ),
            ("description-started", &longest),
            ("description-failed", "Deploy \"failed\" <b>"),
            ("description-completed", "✓ done"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    for hook in hooks_by_event(&fake, 1) {
        let r = rendered(&hook);
        assert_fits_github(&r);
        assert!(r.body["description"]
            .as_str()
            .is_some_and(|d| d.chars().count() <= 140));
    }
}

#[test]
fn limits_are_refused_before_any_request() {
    let long = "d".repeat(141);
    assert_refused(
        "github",
        &[("description-started", long.as_str())],
        "description-started",
    );
    assert_refused(
        "github",
        &[("description-completed", long.as_str())],
        "description-completed",
    );
    assert_refused("github", &[("context", &"c".repeat(41))], "context");
    assert_refused("github", &[("repository", "no-slash")], "repository");
    assert_refused("github", &[("repository", "owner/..")], "repository");
    assert_refused("github", &[("provider", "gitea")], "provider");
    assert_refused("github", &[("gitlab-ref", "true")], "gitlab-ref");
}

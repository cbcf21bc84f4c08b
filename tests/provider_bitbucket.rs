//! Bitbucket Cloud build statuses.

mod support;
use support::providers::*;
use support::*;

const INPUTS: &[(&str, &str)] = &[("repository", "my-team/my-app")];

#[test]
fn hooks_match_the_reviewed_golden_file() {
    let (fake, run) = run_provider("bitbucket", INPUTS);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_golden("bitbucket", &hooks_by_event(&fake, 1));
}

#[test]
fn the_rendered_request_is_a_valid_bitbucket_status() {
    let (fake, _) = run_provider("bitbucket", INPUTS);
    for (hook, state) in hooks_by_event(&fake, 1)
        .iter()
        .zip(["INPROGRESS", "FAILED", "SUCCESSFUL"])
    {
        let r = rendered(hook);
        assert_eq!(
            r.url,
            "https://api.bitbucket.org/2.0/repositories/my-team/my-app/commit/0123456789abcdef0123456789abcdef01234567/statuses/build"
        );
        assert_eq!(
            r.header("Authorization"),
            Some("Bearer sample-provider-token")
        );
        // Declared, so that the provider need not guess the body's type.
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        let body = r.body.as_object().expect("object");
        for key in body.keys() {
            assert!(
                ["key", "state", "name", "url", "description", "refname"].contains(&key.as_str()),
                "{key}"
            );
        }
        assert_eq!(body["state"], state);
        assert!(["INPROGRESS", "SUCCESSFUL", "FAILED", "STOPPED"]
            .contains(&body["state"].as_str().unwrap_or_default()));
        assert!(body["key"]
            .as_str()
            .is_some_and(|k| !k.is_empty() && k.chars().count() <= 40));
        // `url` is required, and must hold no single-brace Bitbucket template once rendered.
        let url = body["url"].as_str().unwrap_or_default();
        assert_eq!(url, "https://app.devopness.com/actions/4242");
        assert!(!url.contains('{'));
        assert!(body["name"].as_str().is_some_and(|n| !n.is_empty()));
    }
}

#[test]
fn hand_made_hooks_are_adopted_and_drift_repaired() {
    let hand_made = json!({
        "name": "bb status",
        "action_type": "deploy",
        "target_url": "https://api.bitbucket.org/2.0/repositories/my-team/my-app/commit/{{ action.triggered_from.hook_parsed_variables.commit_hash }}/statuses/build",
        "trigger_when": {"events": ["action.completed"]},
        "settings": {
            "request_headers": [{"name": "Authorization", "value": "Bearer {{ application.source_provider.access_token }}"}],
            "request_body": {"key": "ci/devopness(build)", "state": "SUCCESSFUL", "url": "https://example.com"},
        },
    });
    assert_adoption_and_drift("bitbucket", INPUTS, "key", hand_made);
}

#[test]
fn a_custom_api_url_is_used() {
    let (fake, run) = run_provider(
        "bitbucket",
        &[
            ("repository", "ws/repo"),
            (
                "provider-api-url",
                "https://bitbucket-proxy.corp.example/2.0",
            ),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    for hook in hooks_by_event(&fake, 1) {
        assert!(rendered(&hook)
            .url
            .starts_with("https://bitbucket-proxy.corp.example/2.0/repositories/ws/repo/commit/"));
    }
}

#[test]
fn limits_are_refused_before_any_request() {
    assert_refused(
        "bitbucket",
        &[("repository", "ws/repo"), ("context", &"k".repeat(41))],
        "context",
    );
    assert_refused(
        "bitbucket",
        &[("repository", "workspace-only")],
        "repository",
    );
    assert_refused("bitbucket", &[("repository", "ws/re po")], "repository");
}

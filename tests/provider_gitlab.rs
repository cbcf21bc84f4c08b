//! GitLab (gitlab.com and self-managed) commit statuses.

mod support;
use support::providers::*;
use support::*;

const INPUTS: &[(&str, &str)] = &[("repository", "my-group/sub/my-app")];

#[test]
fn hooks_match_the_reviewed_golden_file() {
    let (fake, run) = run_provider("gitlab", INPUTS);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_golden("gitlab", &hooks_by_event(&fake, 1));
}

#[test]
fn the_rendered_request_is_a_valid_gitlab_status() {
    let (fake, _) = run_provider("gitlab", INPUTS);
    for (hook, state) in hooks_by_event(&fake, 1)
        .iter()
        .zip(["running", "failed", "success"])
    {
        let r = rendered(hook);
        // The path is written encoded, since Devopness does not encode it.
        assert_eq!(
            r.url,
            "https://gitlab.com/api/v4/projects/my-group%2Fsub%2Fmy-app/statuses/0123456789abcdef0123456789abcdef01234567"
        );
        assert_eq!(
            r.header("Authorization"),
            Some("Bearer sample-provider-token")
        );
        let body = r.body.as_object().expect("object");
        for (key, value) in body {
            assert!(
                [
                    "state",
                    "name",
                    "context",
                    "target_url",
                    "description",
                    "ref",
                    "pipeline_id",
                    "coverage"
                ]
                .contains(&key.as_str()),
                "{key}"
            );
            if let Some(s) = value.as_str() {
                assert!(s.chars().count() <= 255, "{key} over 255");
            }
        }
        assert_eq!(body["state"], state);
        assert!(
            ["pending", "running", "success", "failed", "canceled", "skipped"]
                .contains(&body["state"].as_str().unwrap_or_default())
        );
        assert_eq!(body["name"], "ci/devopness(build)");
        assert_eq!(body["target_url"], "https://app.devopness.com/actions/4242");
        assert!(!body.contains_key("ref"), "ref is sent only when asked for");
    }
}

#[test]
fn ref_is_sent_when_asked_for() {
    let (fake, run) = run_provider("gitlab", &[("repository", "4711"), ("gitlab-ref", "true")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for hook in hooks_by_event(&fake, 1) {
        let r = rendered(&hook);
        assert_eq!(r.body["ref"], "main");
        assert!(r
            .url
            .starts_with("https://gitlab.com/api/v4/projects/4711/statuses/"));
    }
}

#[test]
fn hand_made_hooks_are_adopted_and_drift_repaired() {
    let hand_made = json!({
        "name": "GitLab status",
        "action_type": "deploy",
        "target_url": "https://gitlab.com/api/v4/projects/my-group%2Fsub%2Fmy-app/statuses/{{ action.triggered_from.hook_parsed_variables.commit_hash }}",
        "trigger_when": {"events": ["action.failed"]},
        "settings": {
            "request_headers": [{"name": "PRIVATE-TOKEN", "value": "{{ application.source_provider.access_token }}"}],
            "request_body": {"state": "failed", "name": "ci/devopness(build)"},
        },
    });
    assert_adoption_and_drift("gitlab", INPUTS, "name", hand_made);
}

#[test]
fn self_managed_urls() {
    let (fake, run) = run_provider(
        "gitlab",
        &[
            ("repository", "team/app"),
            ("provider-api-url", "https://gitlab.corp.example/api/v4"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    for hook in hooks_by_event(&fake, 1) {
        assert!(rendered(&hook)
            .url
            .starts_with("https://gitlab.corp.example/api/v4/projects/team%2Fapp/statuses/"));
    }
}

#[test]
fn limits_are_refused_before_any_request() {
    let long = "d".repeat(256);
    let long_url = format!("https://app.devopness.com/{}", "x".repeat(240));
    assert_refused(
        "gitlab",
        &[("repository", "g/p"), ("description-failed", long.as_str())],
        "description-failed",
    );
    assert_refused(
        "gitlab",
        &[("repository", "g/p"), ("details-url", long_url.as_str())],
        "details-url",
    );
    assert_refused(
        "gitlab",
        &[("repository", "g/p"), ("context", &"c".repeat(41))],
        "context",
    );
    assert_refused("gitlab", &[("repository", "project")], "repository");
    assert_refused("gitlab", &[("repository", "g/../p")], "repository");
    assert_refused("gitlab", &[("repository", "0123")], "repository");
    assert_refused(
        "gitlab",
        &[("repository", "g/p"), ("gitlab-ref", "yes")],
        "gitlab-ref",
    );
}

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
        // Declared, so that the provider need not guess the body's type.
        assert_eq!(r.header("Content-Type"), Some("application/json"));
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

/// GitLab takes `context` as well as `name` for the status name (`name` wins when both
/// are given): a hook made by hand with `context` is the same status, adopted and
/// repaired, not duplicated.
#[test]
fn a_hand_made_hook_naming_the_status_by_context_is_adopted() {
    let fake = fake_with(&[1]);
    let by_context = |event: &str, state: &str| {
        json!({
            "name": format!("GitLab {state}"),
            "action_type": "deploy",
            "target_url": "https://gitlab.com/api/v4/projects/my-group%2Fsub%2Fmy-app/statuses/{{ action.triggered_from.hook_parsed_variables.commit_hash }}",
            "trigger_when": {"events": [event]},
            "settings": {
                "request_headers": [{"name": "PRIVATE-TOKEN", "value": "{{ application.source_provider.access_token }}"}],
                "request_body": {"state": state, "context": "ci/devopness(build)"},
            },
        })
    };
    let adopted = fake.insert_hook(1, by_context("action.failed", "failed"));
    // `name` wins over `context`: this one names another status, and is not ours.
    let mut other = by_context("action.started", "running");
    other["settings"]["request_body"]["name"] = json!("someone/else");
    let other = fake.insert_hook(1, other);
    let mut inputs = vec![("provider", "gitlab")];
    inputs.extend_from_slice(INPUTS);

    let check = apply(
        &fake,
        "1",
        &[inputs.as_slice(), &[("mode", "check")]].concat(),
    );
    assert_eq!(check.code, 2, "{}", show(&check));
    assert_eq!(
        (check.output("missing"), check.output("drifted")),
        ("2", "1"),
        "{}",
        check.stdout
    );

    let run = apply(&fake, "1", &inputs);
    assert_eq!(run.code, 0, "{}", show(&run));
    assert_eq!(
        (run.output("created"), run.output("updated")),
        ("2", "1"),
        "{}",
        run.stdout
    );
    let failed = run
        .hooks()
        .into_iter()
        .find(|h| h["event"] == "action.failed")
        .expect("an entry for action.failed");
    assert_eq!(failed["hook_id"], adopted.as_str());
    assert_eq!(failed["result"], "updated");
    let hooks = fake.hooks(1);
    assert_eq!(hooks.len(), 4, "{hooks:#?}");
    assert!(hooks.iter().any(|h| h["id"] == other.as_str()));
    let repaired = hooks
        .iter()
        .find(|h| h["id"] == adopted.as_str())
        .expect("the adopted hook");
    assert_eq!(body_of(repaired)["name"], "ci/devopness(build)");

    fake.clear_requests();
    let again = apply(&fake, "1", &inputs);
    assert_eq!(again.output("unchanged"), "3");
    assert!(writes(&fake).is_empty());
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

//! Shaping the hooks: extra headers, hook names, and the commit-only condition.

mod support;
use support::providers::*;
use support::*;

#[test]
fn extra_headers_are_added_and_their_values_never_printed() {
    let secret = "proxy-secret-9c1e";
    let headers = format!("X-Proxy-Auth: {secret}\nX-Env: production\n");
    let fake = fake_with(&[1]);
    let run = apply(&fake, "1", &[("extra-headers", headers.as_str())]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for hook in hooks_by_event(&fake, 1) {
        let r = rendered(&hook);
        assert_eq!(r.header("X-Proxy-Auth"), Some(secret));
        assert_eq!(r.header("X-Env"), Some("production"));
        assert_eq!(r.header("Accept"), Some("application/vnd.github+json"));
    }
    assert!(run.stdout.contains(&format!("::add-mask::{secret}")));
    // Edit the secret header: the repair is reported, the value is not.
    let id = hooks_by_event(&fake, 1)[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    fake.edit_hook(&id, |h| {
        let headers = h["settings"]["request_headers"].as_array_mut();
        let proxy = headers.and_then(|a| a.iter_mut().find(|x| x["name"] == "X-Proxy-Auth"));
        if let Some(header) = proxy {
            header["value"] = json!("old-value");
        }
    });
    let run = apply(&fake, "1", &[("extra-headers", headers.as_str())]);
    assert_eq!(run.output("updated"), "1");
    assert!(
        run.summary.contains("header.x-proxy-auth"),
        "{}",
        run.summary
    );
    assert!(!run.everything_written().contains(secret));
}

#[test]
fn bad_extra_headers_are_refused() {
    for bad in [
        "no colon here",
        "X-A: b\r\nX-B: c",
        "Bad Name: v",
        "Authorization: Bearer x",
        "X-A: 1\nx-a: 2",
        "X-A:",
    ] {
        let (fake, run) = run_provider("github", &[("extra-headers", bad)]);
        assert_eq!(run.code, 1, "accepted {bad:?}");
        assert!(
            run.errors()
                .iter()
                .any(|e| e.contains("input `extra-headers`")),
            "{}",
            run.stdout
        );
        assert!(fake.requests().is_empty());
    }
}

#[test]
fn hook_name_template() {
    let fake = fake_with(&[1]);
    let run = apply(&fake, "1", &[("hook-name", "Status {event} ({context})")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let names: Vec<Value> = hooks_by_event(&fake, 1)
        .iter()
        .map(|h| h["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![
            json!("Status started (ci/devopness(build))"),
            json!("Status failed (ci/devopness(build))"),
            json!("Status completed (ci/devopness(build))"),
        ]
    );
    for bad in [
        "{context}",
        "{context} {event} {oops}",
        "A very long hook name that goes on {event} and on {context}",
    ] {
        assert_refused("github", &[("hook-name", bad)], "hook-name");
    }
}

#[test]
fn only_when_commit_adds_the_trigger_type_condition() {
    let fake = fake_with(&[1]);
    let run = apply(&fake, "1", &[("only-when-commit", "true")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for hook in hooks_by_event(&fake, 1) {
        assert_eq!(
            hook["trigger_when"]["conditions"],
            json!([{"path": "action.triggered_from.trigger_type", "accepted_values": ["hook"]}])
        );
    }
    // Turning it off again is drift, repaired.
    let run = apply(&fake, "1", &[("only-when-commit", "false")]);
    assert_eq!(run.output("updated"), "3");
    assert!(hooks_by_event(&fake, 1)
        .iter()
        .all(|h| h["trigger_when"]["conditions"] == json!([])));
    assert_refused("github", &[("only-when-commit", "yes")], "only-when-commit");
}

#[test]
fn a_dry_run_never_prints_extra_header_values_whatever_they_hold() {
    let secret = r#"p"a%s\s-0042"#;
    let headers = format!("X-Proxy-Auth: {secret}");
    let fake = fake_with(&[1]);
    let run = apply(
        &fake,
        "1",
        &[("extra-headers", headers.as_str()), ("dry-run", "true")],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("\"X-Proxy-Auth\""), "{}", run.stdout);
    let written = run.everything_written();
    // Neither raw, nor JSON-escaped, nor percent-escaped.
    for form in [
        secret.to_owned(),
        secret.replace('"', "\\\"").replace('\\', "\\\\"),
        "a%25s".to_owned(),
        "-0042".to_owned(),
    ] {
        assert!(!written.contains(&form), "{form} printed:\n{written}");
    }
    assert!(writes(&fake).is_empty());
}

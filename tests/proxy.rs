//! Behind an HTTP proxy, as the runner passes one (`HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`,
//! either case): every request of the run goes through it, the Devopness API's and the
//! drift issue's on GitHub alike, and `NO_PROXY` bypasses it. The proxy (tests/net) adds
//! a `Via` header to each plain request it forwards, so the fakes' own request logs show
//! that nothing reached them around it.

mod net;
mod support;
use support::*;

use fake_github::FakeGitHub;
use net::{Ca, ForwardProxy, TlsProxy, VIA};

const CONTEXT: &str = "ci/devopness(build)";
const GH_TOKEN: &str = "ghs_proxy_issue_token_9d2b";
const OWNER: &str = "octo-org";
const NAME: &str = "my-app";

/// Whether every request the fake recorded came through the proxy.
fn all_via(requests: &[RecordedRequest]) -> bool {
    requests.iter().all(|r| r.header("via") == Some(VIA))
}

#[test]
fn http_proxy_carries_every_request_and_no_proxy_bypasses_it() {
    let fake = fake_with(&[111, 112]);
    let proxy = ForwardProxy::start();
    let run = apply_with_env(&fake, "111", &[], &[("HTTP_PROXY", &proxy.url)]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(hooks_with_context(&fake, 111, CONTEXT).len(), 3);
    let requests = fake.requests();
    assert!(!requests.is_empty() && all_via(&requests), "{requests:?}");
    let absolute = format!("GET {}/pipelines/111/hooks", fake.base_url());
    assert!(
        proxy.requests().iter().any(|l| l.starts_with(&absolute)),
        "{:?}",
        proxy.requests()
    );
    assert_eq!(proxy.requests().len(), requests.len());

    fake.clear_requests();
    let seen = proxy.requests().len();
    let run = apply_with_env(
        &fake,
        "112",
        &[],
        &[("HTTP_PROXY", &proxy.url), ("NO_PROXY", "127.0.0.1")],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(hooks_with_context(&fake, 112, CONTEXT).len(), 3);
    assert_eq!(
        proxy.requests().len(),
        seen,
        "NO_PROXY did not bypass the proxy"
    );
    assert!(fake.requests().iter().all(|r| r.header("via").is_none()));
}

#[test]
fn lower_case_proxy_variables_work_too() {
    let fake = fake_with(&[113, 114]);
    let proxy = ForwardProxy::start();
    let run = apply_with_env(&fake, "113", &[], &[("http_proxy", &proxy.url)]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(all_via(&fake.requests()));
    let seen = proxy.requests().len();
    assert!(seen >= 1);
    let run = apply_with_env(
        &fake,
        "114",
        &[],
        &[("http_proxy", &proxy.url), ("no_proxy", "127.0.0.1")],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(proxy.requests().len(), seen);
}

/// Devopness with pipeline 1 drifted (its action.failed hook deleted) and a fake GitHub.
fn drifted() -> (FakeDevopness, FakeGitHub) {
    let devopness = fake_with(&[1]);
    assert_eq!(apply(&devopness, "1", &[]).code, 0);
    let failed = devopness
        .hooks(1)
        .into_iter()
        .find(|h| h["trigger_when"]["events"] == json!(["action.failed"]))
        .expect("the action.failed hook");
    devopness.remove_hook(failed["id"].as_str().unwrap_or_default());
    devopness.clear_requests();
    let github = FakeGitHub::start(GH_TOKEN);
    github.add_repo(OWNER, NAME);
    (devopness, github)
}

fn check(
    devopness: &FakeDevopness,
    api: &str,
    more: &[(&str, &str)],
    env: &[(&str, &str)],
) -> RunResult {
    let url = devopness.base_url();
    let mut inputs = vec![
        ("api-token", TOKEN),
        ("pipeline-ids", "1"),
        ("api-url", url.as_str()),
        ("mode", "check"),
        ("check-deliveries", "false"),
        ("drift-issue", "true"),
        ("github-token", GH_TOKEN),
        ("provider-api-url", "https://api.github.com"),
    ];
    inputs.extend_from_slice(more);
    let mut env = env.to_vec();
    env.push(("GITHUB_API_URL", api));
    run_action(&inputs, &env)
}

#[test]
fn the_drift_issue_goes_through_the_http_proxy_like_every_other_request() {
    let (devopness, github) = drifted();
    let proxy = ForwardProxy::start();
    let api = github.base_url();
    let run = check(&devopness, &api, &[], &[("HTTP_PROXY", &proxy.url)]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.errors().iter().all(|e| !e.contains("drift issue")),
        "{}",
        run.stdout
    );
    assert_eq!(github.issues(OWNER, NAME).len(), 1);

    // Every GitHub request (look for the issue, open it) came through the proxy...
    let gh = github.requests();
    assert!(gh.len() >= 2, "{gh:?}");
    assert!(all_via(&gh), "a GitHub request bypassed the proxy: {gh:?}");
    // ... and every Devopness one.
    assert!(all_via(&devopness.requests()), "{:?}", devopness.requests());
    let to_github: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|l| l.contains(&format!("{api}/repos/{OWNER}/{NAME}/issues")))
        .collect();
    assert_eq!(to_github.len(), gh.len(), "{:?}", proxy.requests());
    assert!(
        to_github.iter().any(|l| l.starts_with("POST ")),
        "{to_github:?}"
    );
}

#[test]
fn the_drift_issue_tunnels_through_the_proxy_to_a_github_behind_a_private_ca() {
    // GitHub Enterprise Server behind a corporate proxy, with a private CA.
    let (devopness, github) = drifted();
    let ca = Ca::new("corporate CA");
    let tls = TlsProxy::start(&ca, github.addr());
    let proxy = ForwardProxy::start();
    let api = format!("{}/api/v3", tls.url());
    let pem = ca.pem();
    let run = check(
        &devopness,
        &api,
        &[("ca-certificate", pem.as_str())],
        &[("HTTPS_PROXY", &proxy.url), ("HTTP_PROXY", &proxy.url)],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.errors().iter().all(|e| !e.contains("drift issue")),
        "{}",
        run.stdout
    );
    assert_eq!(github.issues(OWNER, NAME).len(), 1);
    assert!(github.requests().len() >= 2);

    // The run asked the proxy for a tunnel to the TLS endpoint...
    let connect = format!("CONNECT {} ", tls.addr());
    assert!(
        proxy.requests().iter().any(|l| l.starts_with(&connect)),
        "{:?}",
        proxy.requests()
    );
    // ... and every connection the TLS endpoint accepted came from that tunnel.
    let tunnels = proxy.upstream();
    assert!(tls.accepted() >= 1);
    assert!(
        tls.peers().iter().all(|p| tunnels.contains(p)),
        "a connection to GitHub bypassed the proxy: peers {:?}, tunnels {tunnels:?}",
        tls.peers()
    );
    assert!(all_via(&devopness.requests()));
}

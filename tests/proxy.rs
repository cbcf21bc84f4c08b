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

const GH_TOKEN: &str = "ghs_proxy_issue_token_9d2b";
const OWNER: &str = "octo-org";
const NAME: &str = "my-app";

/// Whether every request the fake recorded came through the proxy.
fn all_via(requests: &[RecordedRequest]) -> bool {
    requests.iter().all(|r| r.header("via") == Some(VIA))
}

#[test]
fn http_proxy_carries_every_request_and_no_proxy_bypasses_it() {
    // Upper or lower case, as runners and users spell them.
    for (proxy_var, no_proxy_var, first) in [
        ("HTTP_PROXY", "NO_PROXY", 111),
        ("http_proxy", "no_proxy", 113),
    ] {
        let fake = fake_with(&[first, first + 1]);
        let proxy = ForwardProxy::start();
        let run = apply_with_env(&fake, &first.to_string(), &[], &[(proxy_var, &proxy.url)]);
        assert_eq!(run.code, 0, "{proxy_var}: {}", run.stdout);
        assert_eq!(hooks_with_context(&fake, first, CONTEXT).len(), 3);
        let requests = fake.requests();
        assert!(
            !requests.is_empty() && all_via(&requests),
            "{proxy_var}: {requests:?}"
        );
        let absolute = format!("GET {}/pipelines/{first}/hooks", fake.base_url());
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
            &(first + 1).to_string(),
            &[],
            &[(proxy_var, &proxy.url), (no_proxy_var, "127.0.0.1")],
        );
        assert_eq!(run.code, 0, "{no_proxy_var}: {}", run.stdout);
        assert_eq!(hooks_with_context(&fake, first + 1, CONTEXT).len(), 3);
        assert_eq!(
            proxy.requests().len(),
            seen,
            "{no_proxy_var} did not bypass the proxy"
        );
        assert!(fake.requests().iter().all(|r| r.header("via").is_none()));
    }
}

/// Devopness with pipeline 1 drifted, and a fake GitHub.
fn drifted_and_github() -> (FakeDevopness, FakeGitHub) {
    let github = FakeGitHub::start(GH_TOKEN);
    github.add_repo(OWNER, NAME);
    (drifted(1), github)
}

fn check(
    devopness: &FakeDevopness,
    api: &str,
    more: &[(&str, &str)],
    env: &[(&str, &str)],
) -> RunResult {
    check_with_drift_issue(devopness, 1, (api, GH_TOKEN), more, env)
}

/// The check found the drift (exit 2) and opened the issue, without an error about it.
fn assert_issue_opened(run: &RunResult, github: &FakeGitHub) {
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.errors().iter().all(|e| !e.contains("drift issue")),
        "{}",
        run.stdout
    );
    assert_eq!(github.issues(OWNER, NAME).len(), 1);
}

#[test]
fn the_drift_issue_goes_through_the_http_proxy_like_every_other_request() {
    let (devopness, github) = drifted_and_github();
    let proxy = ForwardProxy::start();
    let api = github.base_url();
    let run = check(&devopness, &api, &[], &[("HTTP_PROXY", &proxy.url)]);
    assert_issue_opened(&run, &github);

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
    let (devopness, github) = drifted_and_github();
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
    assert_issue_opened(&run, &github);
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

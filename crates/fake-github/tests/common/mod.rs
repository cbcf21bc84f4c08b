//! Talking to the fake in tests: `fake_http::testing`'s raw HTTP/1.1 client, with octocrab's
//! headers.
#![allow(dead_code)]

use fake_github::FakeGitHub;
pub use fake_http::testing::Reply;
use serde_json::Value;

pub const TOKEN: &str = "test-token";

/// An authenticated JSON request that must get a response.
pub fn call(fake: &FakeGitHub, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let body = body.map(Value::to_string);
    send(fake, method, path, body.as_deref())
}

/// An authenticated request with a raw body, as octocrab sends it.
pub fn send(fake: &FakeGitHub, method: &str, path: &str, body: Option<&str>) -> Reply {
    let auth = format!("Bearer {TOKEN}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("User-Agent", "octocrab"),
        ("X-GitHub-Api-Version", "2022-11-28"),
        ("Content-Type", "application/json"),
    ];
    fake_http::testing::send_at(fake.addr(), method, path, &headers, body)
}

pub fn get(fake: &FakeGitHub, path: &str) -> Reply {
    call(fake, "GET", path, None)
}

pub const OWNER: &str = "acme";
pub const REPO: &str = "site";

/// A fake knowing `acme/site`.
pub fn fake_with_repo() -> FakeGitHub {
    let fake = FakeGitHub::start(TOKEN);
    fake.add_repo(OWNER, REPO);
    fake
}

/// The label names of an issue as the API renders it.
pub fn label_names(issue: &Value) -> Vec<String> {
    issue["labels"]
        .as_array()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|l| l["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The `number`s of a JSON array of issues.
pub fn numbers(list: &Value) -> Vec<u64> {
    list.as_array()
        .map(|items| items.iter().filter_map(|i| i["number"].as_u64()).collect())
        .unwrap_or_default()
}

/// The `rel="..."` URLs of a `Link` header, as `(rel, url)`.
pub fn links(reply: &Reply) -> Vec<(String, String)> {
    reply
        .header("link")
        .unwrap_or_default()
        .split(',')
        .filter_map(|part| {
            let (url, rel) = part.split_once(';')?;
            let url = url.trim().trim_start_matches('<').trim_end_matches('>');
            let rel = rel.trim().strip_prefix("rel=")?.trim_matches('"');
            Some((rel.to_string(), url.to_string()))
        })
        .collect()
}

//! Talking to the fake in tests: `fake_http::testing`'s raw HTTP/1.1 client, with the
//! Devopness client's headers.
#![allow(dead_code)]

use fake_devopness::FakeDevopness;
pub use fake_http::testing::Reply;
use serde_json::Value;

pub const TOKEN: &str = "test-token";

/// An authenticated JSON request that must get a response.
pub fn call(fake: &FakeDevopness, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let auth = format!("Bearer {TOKEN}");
    let body = body.map(Value::to_string);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
    ];
    fake_http::testing::send_at(fake.addr(), method, path, &headers, body.as_deref())
}

pub fn get(fake: &FakeDevopness, path: &str) -> Reply {
    call(fake, "GET", path, None)
}

/// A valid create body.
pub fn hook_body(name: &str, event: &str) -> Value {
    serde_json::json!({
        "name": name,
        "action_type": "deploy",
        "target_url": "https://api.github.com/repos/o/r/statuses/{{ action.triggered_from.hook_parsed_variables.commit_hash }}",
        "trigger_when": { "events": [event] },
        "settings": {
            "request_headers": [
                { "name": "Authorization", "value": "Bearer {{ application.source_provider.access_token }}" }
            ],
            "request_body": { "state": "pending", "context": "devopness/deploy" }
        }
    })
}

pub fn fake_with_pipeline(id: u64) -> FakeDevopness {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_pipeline(id);
    fake
}

/// The `Link` header's (rel, url) pairs.
pub fn links(reply: &Reply) -> Vec<(String, String)> {
    reply
        .header("link")
        .unwrap_or_default()
        .split(", ")
        .filter_map(|part| {
            let (url, rel) = part.split_once("; rel=")?;
            Some((
                rel.trim_matches('"').to_string(),
                url.trim_matches(['<', '>']).to_string(),
            ))
        })
        .collect()
}

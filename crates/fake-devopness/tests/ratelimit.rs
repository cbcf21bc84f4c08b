//! The optional rate limiter, over HTTP: Laravel's headers on every answer, 429 past the
//! limit with `Retry-After` and `X-RateLimit-Reset`, the refusal not counted, and a new
//! window once the old one has ended.

mod common;

use std::time::{Duration, SystemTime};

use common::{call, fake_with_pipeline, get, hook_body};
use fake_devopness::RateLimit;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[test]
fn every_answer_says_the_limit_and_what_is_left() {
    let fake = fake_with_pipeline(1);
    fake.set_rate_limit(Some(RateLimit::per_seconds(3, 60)));
    let list = get(&fake, "/pipelines/1/hooks");
    assert_eq!(list.status, 200);
    assert_eq!(list.header("x-ratelimit-limit"), Some("3"));
    assert_eq!(list.header("x-ratelimit-remaining"), Some("2"));
    // Errors are counted and carry the headers too.
    let missing = get(&fake, "/pipelines/999/hooks");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("x-ratelimit-remaining"), Some("1"));
    let created = call(
        &fake,
        "POST",
        "/pipelines/1/hooks/outgoing",
        Some(&hook_body("CI", "action.started")),
    );
    assert_eq!(created.status, 201);
    assert_eq!(created.header("x-ratelimit-remaining"), Some("0"));
    assert!(created.header("x-ratelimit-reset").is_none());
}

#[test]
fn past_the_limit_a_429_says_when_the_window_ends_and_does_nothing() {
    let fake = fake_with_pipeline(1);
    fake.set_rate_limit(Some(RateLimit::per_seconds(1, 60)));
    let before = unix_now();
    assert_eq!(get(&fake, "/pipelines/1/hooks").status, 200);
    let refused = call(
        &fake,
        "POST",
        "/pipelines/1/hooks/outgoing",
        Some(&hook_body("CI", "action.started")),
    );
    assert_eq!(refused.status, 429);
    assert_eq!(refused.json()["message"], "Too Many Attempts.");
    assert_eq!(refused.header("x-ratelimit-limit"), Some("1"));
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    let reset: u64 = refused
        .header("x-ratelimit-reset")
        .and_then(|v| v.parse().ok())
        .expect("X-RateLimit-Reset");
    let retry_after: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((before + 59..=before + 61).contains(&reset), "{reset}");
    assert!((58..=60).contains(&retry_after), "{retry_after}");
    assert!(fake.hooks(1).is_empty(), "a refused create was carried out");
    let windows = fake.rate_limit_windows();
    assert_eq!(windows.len(), 1);
    assert_eq!((windows[0].counted, windows[0].refused), (1, 1));
    assert_eq!(windows[0].end_unix, reset);
}

#[test]
fn a_new_window_opens_when_the_old_one_ends() {
    let fake = fake_with_pipeline(1);
    fake.set_rate_limit(Some(RateLimit::per_seconds(1, 1)));
    assert_eq!(get(&fake, "/pipelines/1/hooks").status, 200);
    let refused = get(&fake, "/pipelines/1/hooks");
    assert_eq!(refused.status, 429);
    let reset: u64 = refused
        .header("x-ratelimit-reset")
        .and_then(|v| v.parse().ok())
        .expect("X-RateLimit-Reset");
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(reset);
    if let Ok(wait) = at.duration_since(SystemTime::now()) {
        std::thread::sleep(wait + Duration::from_millis(20));
    }
    let again = get(&fake, "/pipelines/1/hooks");
    assert_eq!(again.status, 200);
    assert_eq!(again.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(fake.rate_limit_windows().len(), 2);
    // Off again: no headers.
    fake.set_rate_limit(None);
    assert!(get(&fake, "/pipelines/1/hooks")
        .header("x-ratelimit-limit")
        .is_none());
}

//! The optional rate limiter, over HTTP: Laravel's headers on every answer, 429 past the
//! limit with `Retry-After` and `X-RateLimit-Reset`, the refusal not counted, and a new
//! window once the old one has really ended: up to a second after the reset it
//! announced, with `Retry-After: 0` meanwhile.

mod common;

use std::thread;
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
    assert_eq!(windows[0].reset_unix, reset);
}

/// Sleeps until the wall clock reads `at` (at once if it is past).
fn sleep_until(at: SystemTime) {
    if let Ok(wait) = at.duration_since(SystemTime::now()) {
        thread::sleep(wait);
    }
}

fn header_u64(reply: &common::Reply, name: &str) -> u64 {
    reply
        .header(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing or not a number"))
}

#[test]
fn the_window_stays_closed_past_its_announced_reset_with_retry_after_0() {
    let fake = fake_with_pipeline(1);
    fake.set_rate_limit(Some(RateLimit::per_seconds(1, 1)));
    // Open the window 0.5 s into a second, so that half a second separates the reset it
    // announces (the next whole second) from its real end.
    let second = SystemTime::UNIX_EPOCH + Duration::from_secs(unix_now() + 1);
    sleep_until(second + Duration::from_millis(500));
    assert_eq!(get(&fake, "/pipelines/1/hooks").status, 200);
    let window = fake.rate_limit_windows()[0];
    let reset = SystemTime::UNIX_EPOCH + Duration::from_secs(window.reset_unix);
    assert!(
        window.ends_at.duration_since(reset).unwrap_or_default() >= Duration::from_millis(300),
        "{window:?}"
    );

    // After the announced reset, before the real end: refused, "retry after 0 s".
    sleep_until(reset + Duration::from_millis(50));
    let refused = get(&fake, "/pipelines/1/hooks");
    assert_eq!(refused.status, 429, "the window ended on its whole second");
    assert_eq!(refused.header("retry-after"), Some("0"));
    assert_eq!(header_u64(&refused, "x-ratelimit-reset"), window.reset_unix);
    assert!(SystemTime::now() < window.ends_at, "too slow to show it");

    // At the real end a new window opens.
    sleep_until(window.ends_at + Duration::from_millis(20));
    let again = get(&fake, "/pipelines/1/hooks");
    assert_eq!(again.status, 200);
    let windows = fake.rate_limit_windows();
    assert_eq!(windows.len(), 2);
    assert_eq!((windows[0].counted, windows[0].refused), (1, 1));
    assert!(windows[1].opened_at >= window.ends_at);
}

#[test]
fn remaining_counts_what_came_in_while_the_answer_was_made() {
    let fake = fake_with_pipeline(1);
    fake.set_rate_limit(Some(RateLimit::per_seconds(10, 60)));
    fake.set_latency(Duration::from_millis(300));
    let first = thread::spawn({
        let url = fake.addr();
        move || {
            let headers = [("Authorization", "Bearer test-token")];
            fake_http::testing::send_at(url, "GET", "/pipelines/1/hooks", &headers, None)
        }
    });
    thread::sleep(Duration::from_millis(100));
    let second = get(&fake, "/pipelines/1/hooks");
    let first = first.join().expect("first request");
    // Both were counted before either answer was made.
    assert_eq!(first.header("x-ratelimit-remaining"), Some("8"));
    assert_eq!(second.header("x-ratelimit-remaining"), Some("8"));
}

#[test]
fn a_new_window_opens_when_the_old_one_ends() {
    let fake = fake_with_pipeline(1);
    fake.set_rate_limit(Some(RateLimit::per_seconds(1, 1)));
    assert_eq!(get(&fake, "/pipelines/1/hooks").status, 200);
    let refused = get(&fake, "/pipelines/1/hooks");
    assert_eq!(refused.status, 429);
    let ends_at = fake.rate_limit_windows()[0].ends_at;
    sleep_until(ends_at + Duration::from_millis(20));
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

//! The real binary against the fake API with injected faults: what is retried (429
//! with `Retry-After` whatever the method; 500/502/503/504 and dropped connections on
//! reads, updates and deletes), what is not (4xx), creates whose outcome is unknown
//! (never blindly repeated, never duplicated, settled by listing again), broken bodies
//! and pagination, and the overall deadline. (HTTP proxies: tests/proxy.rs.)

mod support;
use devopness_status_hooks::transport::policy::MAX_ATTEMPTS;
use support::*;

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

const TIMEOUT: (&str, &str) = ("timeout-seconds", "20");

fn status(code: u16) -> FaultKind {
    FaultKind::Status {
        code,
        retry_after: None,
    }
}

/// The list request of any pipeline.
fn on_list(kind: FaultKind) -> Fault {
    Fault::once(kind).method("GET").path_contains("/hooks")
}

fn on_create(kind: FaultKind) -> Fault {
    Fault::once(kind)
        .method("POST")
        .path_contains("/hooks/outgoing")
}

fn on_delete(kind: FaultKind) -> Fault {
    Fault::once(kind)
        .method("DELETE")
        .path_contains("/hooks/outgoing")
}

/// Requests of that method about that pipeline's hooks (hook ids are not pipeline
/// scoped, so DELETE/PUT are counted over the whole fake by the callers).
fn count(fake: &FakeDevopness, method: &str, pipeline: u64) -> usize {
    let prefix = format!("/pipelines/{pipeline}/hooks");
    fake.requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(&prefix))
        .count()
}

/// The statuses answered to the requests of that method, in order (0: dropped).
fn statuses(fake: &FakeDevopness, method: &str) -> Vec<u16> {
    fake.requests()
        .iter()
        .filter(|r| r.method == method)
        .map(|r| r.status)
        .collect()
}

/// The statuses of every hook-list request (`GET /pipelines/{id}/hooks`), in order.
fn list_statuses(fake: &FakeDevopness) -> Vec<u16> {
    fake.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.route().ends_with("/hooks"))
        .map(|r| r.status)
        .collect()
}

/// The `::error` lines naming the pipeline.
fn errors_about(run: &RunResult, pipeline: u64) -> Vec<String> {
    run.errors()
        .into_iter()
        .filter(|l| l.contains(&format!("Pipeline {pipeline}")))
        .map(str::to_owned)
        .collect()
}

fn assert_error_mentions(run: &RunResult, pipeline: u64, needles: &[&str]) {
    let errors = errors_about(run, pipeline);
    assert!(
        errors.iter().any(|e| {
            e.contains(&format!("pipeline {pipeline}"))
                && needles
                    .iter()
                    .all(|n| e.to_lowercase().contains(&n.to_lowercase()))
        }),
        "no ::error about pipeline {pipeline} saying {needles:?}:\n{}",
        show(run)
    );
}

// ---------------------------------------------------------------- 429

/// `retry_after` is called just before the run starts.
fn rate_limited_list_is_retried_after(retry_after: impl Fn() -> String, pipeline: u64) {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    fake.add_pipeline(pipeline);
    fake.clear_requests();
    let started = Instant::now();
    let retry_after = retry_after();
    fake.inject(on_list(FaultKind::Status {
        code: 429,
        retry_after: Some(retry_after.clone()),
    }));
    let run = apply(&fake, &pipeline.to_string(), &[TIMEOUT]);
    let took = started.elapsed();
    assert_eq!(run.code, 0, "Retry-After {retry_after}: {}", show(&run));
    assert_eq!(run.output("created"), "3");
    assert_exactly_three(&fake, pipeline, &want);
    let lists: Vec<u16> = list_statuses(&fake);
    // The 429, its retry, and the verifying list after the creates.
    assert_eq!(lists, vec![429, 200, 200], "{:?}", fake.requests());
    assert!(
        took >= Duration::from_millis(950),
        "Retry-After {retry_after} not waited for: the run took {took:?}"
    );
    assert!(took < Duration::from_secs(8), "{took:?}");
}

#[test]
fn a_429_with_retry_after_seconds_is_waited_out() {
    rate_limited_list_is_retried_after(|| "1".into(), 11);
}

#[test]
fn a_429_with_retry_after_as_an_http_date_is_waited_out() {
    // Dates have whole seconds: two seconds ahead is one to two seconds of waiting.
    rate_limited_list_is_retried_after(
        || httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2)),
        12,
    );
}

#[test]
fn a_429_on_a_create_is_retried_once_and_creates_once() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    fake.add_pipeline(13);
    fake.clear_requests();
    fake.inject(on_create(FaultKind::Status {
        code: 429,
        retry_after: Some("0".into()),
    }));
    let run = apply(&fake, "13", &[TIMEOUT]);
    assert_eq!(run.code, 0, "{}", show(&run));
    assert_eq!(count(&fake, "POST", 13), 4, "{:?}", fake.requests());
    assert_exactly_three(&fake, 13, &want);
}

// ---------------------------------------------------------------- 5xx

#[test]
fn gateway_errors_on_the_list_are_retried_and_the_run_converges() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    for (pipeline, code) in [(21, 502), (22, 503), (23, 504)] {
        fake.add_pipeline(pipeline);
        fake.clear_requests();
        fake.inject(on_list(status(code)));
        let run = apply(&fake, &pipeline.to_string(), &[TIMEOUT]);
        assert_eq!(run.code, 0, "{code}: {}", show(&run));
        assert_eq!(run.output("created"), "3", "{code}");
        assert_exactly_three(&fake, pipeline, &want);
        let lists: Vec<u16> = list_statuses(&fake);
        assert_eq!(lists, vec![code, 200, 200], "{code}");
        assert_eq!(count(&fake, "POST", pipeline), 3, "{code}");
    }
}

#[test]
fn a_500_on_the_list_is_retried_like_a_gateway_error() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    fake.add_pipeline(31);
    fake.clear_requests();
    fake.inject(on_list(status(500)));
    let run = apply(&fake, "31", &[TIMEOUT]);
    assert_eq!(run.code, 0, "{}", show(&run));
    let lists: Vec<u16> = list_statuses(&fake);
    assert_eq!(lists, vec![500, 200, 200], "{:?}", fake.requests());
    assert_eq!(count(&fake, "POST", 31), 3);
    assert_exactly_three(&fake, 31, &want);
}

#[test]
fn a_list_failing_every_attempt_fails_the_pipeline_clearly() {
    let fake = fake_with(&[32]);
    fake.inject(on_list(status(500)).times(MAX_ATTEMPTS as usize));
    let run = apply(&fake, "32", &[TIMEOUT]);
    assert_eq!(run.code, 1, "{}", show(&run));
    assert_eq!(
        count(&fake, "GET", 32),
        MAX_ATTEMPTS as usize,
        "{:?}",
        fake.requests()
    );
    assert!(writes(&fake).is_empty());
    assert_error_mentions(&run, 32, &["could not list its hooks", "500"]);
    // The next run, without the fault, does the work.
    let run = apply(&fake, "32", &[TIMEOUT]);
    assert_eq!(run.code, 0, "{}", show(&run));
    assert_eq!(hooks_with_context(&fake, 32, CONTEXT).len(), 3);
}

#[test]
fn updates_and_deletes_answered_500_are_sent_again() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    for (pipeline, kind) in [(33, status(500)), (34, FaultKind::CommitThenStatus(500))] {
        fake.add_pipeline(pipeline);
        let mut drifted = want["action.failed"].clone();
        drifted["active"] = json!(false);
        fake.insert_hook(pipeline, drifted);
        fake.insert_hook(pipeline, want["action.started"].clone());
        fake.insert_hook(pipeline, want["action.completed"].clone());
        let copy = fake.insert_hook(pipeline, want["action.completed"].clone());
        fake.clear_requests();
        fake.inject(Fault::once(kind.clone()).method("PUT"));
        fake.inject(on_delete(kind.clone()));
        let run = apply(&fake, &pipeline.to_string(), &[TIMEOUT]);
        assert_eq!(run.code, 0, "{kind:?}: {}", show(&run));
        let puts = fake.requests().iter().filter(|r| r.method == "PUT").count();
        assert_eq!(puts, 2, "{kind:?}: {:?}", fake.requests());
        let deletes: Vec<u16> = fake
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .map(|r| r.status)
            .collect();
        // The second DELETE finds the hook gone (404) when the first one did delete it.
        let second = if kind == status(500) { 204 } else { 404 };
        assert_eq!(deletes, vec![500, second], "{kind:?}");
        assert!(fake
            .hooks(pipeline)
            .iter()
            .all(|h| h["id"] != copy.as_str()));
        assert_exactly_three(&fake, pipeline, &want);
        assert_eq!(run.output("updated"), "1", "{kind:?}");
    }
}

#[test]
fn client_errors_are_not_retried() {
    let fake = fake_with(&[]);
    for (pipeline, code, says) in [
        (41, 401, "token"),
        (42, 403, "403"),
        (43, 404, "404"),
        (44, 422, "422"),
    ] {
        fake.add_pipeline(pipeline);
        fake.clear_requests();
        fake.inject(on_list(status(code)));
        let run = apply(&fake, &pipeline.to_string(), &[TIMEOUT]);
        assert_eq!(run.code, 1, "{code}: {}", show(&run));
        assert_eq!(
            fake.requests().len(),
            1,
            "{code} retried: {:?}",
            fake.requests()
        );
        assert_error_mentions(&run, pipeline, &["could not list its hooks", says]);
    }
    // On a create: that one POST is not repeated, the other two hooks are made.
    for (pipeline, code) in [(45, 403), (46, 422)] {
        fake.add_pipeline(pipeline);
        fake.clear_requests();
        fake.inject(on_create(status(code)));
        let run = apply(&fake, &pipeline.to_string(), &[TIMEOUT]);
        assert_eq!(run.code, 1, "{code}: {}", show(&run));
        assert_eq!(count(&fake, "POST", pipeline), 3, "{:?}", fake.requests());
        assert_eq!(hooks_with_context(&fake, pipeline, CONTEXT).len(), 2);
        assert_error_mentions(&run, pipeline, &["could not create the", &code.to_string()]);
    }
}

// ---------------------------------------------------------------- unknown outcomes

/// A create whose answer was lost: never sent again blindly, the hook exists
/// exactly once, and one more run leaves exactly the three correct hooks.
fn create_of_unknown_outcome(kind: FaultKind, pipeline: u64) {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    fake.add_pipeline(pipeline);
    fake.clear_requests();
    fake.inject(on_create(kind.clone()));
    let run = apply(&fake, &pipeline.to_string(), &[TIMEOUT]);
    assert_eq!(
        count(&fake, "POST", pipeline),
        3,
        "{kind:?}: a create was sent again: {:?}",
        fake.requests()
    );
    match run.code {
        0 => {
            assert_eq!(run.output("created"), "3", "{kind:?}");
            assert_exactly_three(&fake, pipeline, &want);
        }
        1 => {
            assert_error_mentions(&run, pipeline, &["outcome unknown"]);
            assert!(hooks_with_context(&fake, pipeline, CONTEXT).len() <= 3);
        }
        other => panic!("{kind:?}: exit {other}: {}", show(&run)),
    }
    // Never 4, whatever the first run said.
    let again = apply(&fake, &pipeline.to_string(), &[TIMEOUT]);
    assert_eq!(again.code, 0, "{kind:?}: {}", show(&again));
    assert_exactly_three(&fake, pipeline, &want);
}

#[test]
fn a_create_committed_then_answered_500_exists_once() {
    create_of_unknown_outcome(FaultKind::CommitThenStatus(500), 51);
}

#[test]
fn a_create_committed_then_dropped_exists_once() {
    create_of_unknown_outcome(FaultKind::CommitThenDrop, 52);
}

#[test]
fn a_create_answered_502_without_being_done_is_made_after_the_check() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    fake.add_pipeline(53);
    fake.clear_requests();
    fake.inject(on_create(status(502)));
    let run = apply(&fake, "53", &[TIMEOUT]);
    assert_eq!(run.code, 0, "{}", show(&run));
    // Three creates, the list that finds one missing, its create, nothing blind.
    assert_eq!(count(&fake, "POST", 53), 4, "{:?}", fake.requests());
    assert_exactly_three(&fake, 53, &want);
}

#[test]
fn a_create_whose_connection_drops_before_the_work_is_made_after_the_check() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    fake.add_pipeline(54);
    fake.clear_requests();
    fake.inject(on_create(FaultKind::Drop));
    let run = apply(&fake, "54", &[TIMEOUT]);
    assert_eq!(run.code, 0, "{}", show(&run));
    assert_eq!(count(&fake, "POST", 54), 4, "{:?}", fake.requests());
    assert_exactly_three(&fake, 54, &want);
}

/// A fake whose `pipeline` has our started and completed hooks, not the failed one; the
/// reference bodies; the request log empty.
fn missing_only_failed(pipeline: u64) -> (FakeDevopness, BTreeMap<String, Value>) {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    fake.add_pipeline(pipeline);
    for event in ["action.started", "action.completed"] {
        fake.insert_hook(pipeline, want[event].clone());
    }
    fake.clear_requests();
    (fake, want)
}

#[test]
fn a_create_failing_again_after_the_check_is_settled_in_another_round() {
    let (fake, want) = missing_only_failed(57);
    // The create of action.failed, and the one after the first check, fail without
    // being done; the third, after a second check, is made.
    fake.inject(
        Fault::once(status(500))
            .method("POST")
            .path_contains("/hooks/outgoing")
            .times(2),
    );
    let run = apply(&fake, "57", &[TIMEOUT]);
    assert_eq!(run.code, 0, "{}", show(&run));
    let posts: Vec<u16> = statuses(&fake, "POST");
    assert_eq!(posts, vec![500, 500, 201], "{:?}", fake.requests());
    // The first list, a check after each create, and the one that finds it made.
    assert_eq!(count(&fake, "GET", 57), 4, "{:?}", fake.requests());
    assert_eq!(run.output("created"), "1");
    assert_exactly_three(&fake, 57, &want);
}

#[test]
fn a_lost_create_answer_and_a_failed_check_say_outcome_unknown_and_heal_next_run() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    fake.add_pipeline(55);
    fake.clear_requests();
    fake.inject(on_create(FaultKind::CommitThenStatus(500)));
    // The first list goes through untouched; the verifying list fails every attempt.
    fake.inject(on_list(FaultKind::Delay(Duration::ZERO)));
    fake.inject(on_list(status(503)).times(MAX_ATTEMPTS as usize));
    let run = apply(&fake, "55", &[TIMEOUT]);
    assert_eq!(run.code, 1, "{}", show(&run));
    assert_error_mentions(&run, 55, &["outcome unknown", "listing again failed"]);
    assert_eq!(count(&fake, "POST", 55), 3, "{:?}", fake.requests());
    assert_eq!(hooks_with_context(&fake, 55, CONTEXT).len(), 3);
    let again = apply(&fake, "55", &[TIMEOUT]);
    assert_eq!(again.code, 0, "{}", show(&again));
    assert_exactly_three(&fake, 55, &want);
}

#[test]
fn a_create_cut_off_by_the_deadline_is_reported_unknown_and_never_doubled() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    fake.add_pipeline(56);
    fake.clear_requests();
    fake.inject(on_create(FaultKind::Delay(Duration::from_secs(3))));
    let started = Instant::now();
    let run = apply(&fake, "56", &[("timeout-seconds", "2")]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", show(&run));
    assert!(took < Duration::from_secs(5), "the run took {took:?}");
    assert_error_mentions(&run, 56, &["outcome unknown"]);
    assert_eq!(count(&fake, "POST", 56), 3, "{:?}", fake.requests());
    // Let the delayed create finish (or not) on the server, then heal.
    std::thread::sleep(Duration::from_millis(1_500));
    let again = apply(&fake, "56", &[TIMEOUT]);
    assert_eq!(again.code, 0, "{}", show(&again));
    assert_exactly_three(&fake, 56, &want);
}

#[test]
fn a_retry_after_beyond_the_deadline_fails_at_once() {
    let fake = fake_with(&[57]);
    fake.inject(on_list(FaultKind::Status {
        code: 429,
        retry_after: Some("30".into()),
    }));
    let started = Instant::now();
    let run = apply(&fake, "57", &[("timeout-seconds", "3")]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", show(&run));
    assert!(
        took < Duration::from_secs(2),
        "waited for nothing: {took:?}"
    );
    assert_error_mentions(&run, 57, &["could not list its hooks", "429"]);
    assert_eq!(fake.requests().len(), 1);
    assert!(writes(&fake).is_empty());
}

/// A create answered 429 whose `Retry-After` reaches past the deadline was certainly
/// not carried out: it is reported as not sent, not as "outcome unknown", and no
/// verifying list is made for it.
#[test]
fn a_create_refused_with_429_past_the_deadline_is_not_reported_as_unknown() {
    let (fake, _) = missing_only_failed(58);
    fake.inject(on_create(FaultKind::Status {
        code: 429,
        retry_after: Some("30".into()),
    }));
    let started = Instant::now();
    let run = apply(&fake, "58", &[("timeout-seconds", "3")]);
    assert_eq!(run.code, 1, "{}", show(&run));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(count(&fake, "POST", 58), 1, "{:?}", fake.requests());
    assert_eq!(hooks_with_context(&fake, 58, CONTEXT).len(), 2);
    let errors = errors_about(&run, 58);
    assert!(
        errors.iter().all(|e| !e.contains("outcome unknown")),
        "a create refused with 429 is reported as of unknown outcome: {errors:#?}"
    );
    assert_error_mentions(&run, 58, &["action.failed hook", "429"]);
    // Nothing can have been written: no verifying list is needed either.
    assert_eq!(count(&fake, "GET", 58), 1, "{:?}", fake.requests());
}

/// A foreign hook: same event, another status context.
fn foreign(pipeline: u64) -> Value {
    json!({
        "name": "someone else's status",
        "action_type": "deploy",
        "target_url": "https://example.com/hook",
        "trigger_when": { "events": ["action.started"], "conditions": [] },
        "settings": {
            "request_headers": [],
            "request_body": { "state": "pending", "context": format!("other/{pipeline}") },
        },
    })
}

#[test]
fn deletes_of_unknown_outcome_in_remove_mode_end_deleted() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    for (pipeline, kind) in [
        (61, FaultKind::CommitThenStatus(500)),
        (62, FaultKind::CommitThenDrop),
    ] {
        fake.add_pipeline(pipeline);
        let other = fake.insert_hook(pipeline, foreign(pipeline));
        for body in want.values() {
            fake.insert_hook(pipeline, body.clone());
        }
        let before_other = fake.hooks(pipeline);
        fake.clear_requests();
        fake.inject(on_delete(kind.clone()));
        let run = apply(&fake, &pipeline.to_string(), &[TIMEOUT, ("mode", "remove")]);
        assert_eq!(run.code, 0, "{kind:?}: {}", show(&run));
        let left = fake.hooks(pipeline);
        assert_eq!(left.len(), 1, "{kind:?}: {left:#?}");
        assert_eq!(left[0]["id"], other.as_str());
        assert_eq!(
            Some(&left[0]),
            before_other.iter().find(|h| h["id"] == other.as_str()),
            "the foreign hook changed"
        );
        let deletes: Vec<String> = fake
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .map(|r| r.path.rsplit('/').next().unwrap_or_default().to_owned())
            .collect();
        assert!(!deletes.contains(&other), "{deletes:?}");
        assert!(
            (3..=4).contains(&deletes.len()),
            "{kind:?}: {:?}",
            fake.requests()
        );
    }
}

#[test]
fn deleting_an_exact_copy_with_an_unknown_outcome_deletes_only_the_copy() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    for (pipeline, kind) in [
        (63, FaultKind::CommitThenStatus(500)),
        (64, FaultKind::CommitThenDrop),
    ] {
        fake.add_pipeline(pipeline);
        let other = fake.insert_hook(pipeline, foreign(pipeline));
        let mut ids = Vec::new();
        for body in want.values() {
            ids.push(fake.insert_hook(pipeline, body.clone()));
        }
        let copy = fake.insert_hook(pipeline, want["action.failed"].clone());
        fake.clear_requests();
        fake.inject(on_delete(kind.clone()));
        let run = apply(&fake, &pipeline.to_string(), &[TIMEOUT]);
        assert_eq!(run.code, 0, "{kind:?}: {}", show(&run));
        let mut left: Vec<String> = fake
            .hooks(pipeline)
            .iter()
            .map(|h| h["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        left.sort();
        let mut expected = ids.clone();
        expected.push(other.clone());
        expected.sort();
        assert_eq!(left, expected, "{kind:?}: the copy {copy} should be gone");
        for r in fake.requests().iter().filter(|r| r.method == "DELETE") {
            assert!(r.path.ends_with(&copy), "{kind:?}: deleted {}", r.path);
        }
        assert_exactly_three(&fake, pipeline, &want);
    }
}

// ---------------------------------------------------------------- reads

#[test]
fn a_dropped_list_connection_is_retried() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 900);
    fake.add_pipeline(71);
    fake.clear_requests();
    fake.inject(on_list(FaultKind::Drop));
    let run = apply(&fake, "71", &[TIMEOUT]);
    assert_eq!(run.code, 0, "{}", show(&run));
    let lists: Vec<u16> = list_statuses(&fake);
    assert_eq!(lists, vec![0, 200, 200], "{:?}", fake.requests());
    assert_exactly_three(&fake, 71, &want);
}

#[test]
fn looping_and_endless_pagination_are_cut_off() {
    let fake = fake_with(&[81, 82]);
    // The loop links back to the very URL the client started from: one is enough.
    fake.inject(on_list(FaultKind::LinkLoop));
    let started = Instant::now();
    let run = apply(&fake, "81", &[TIMEOUT]);
    assert_eq!(run.code, 1, "{}", show(&run));
    assert_error_mentions(&run, 81, &["pagination loops"]);
    assert!(writes(&fake).is_empty());
    assert_eq!(count(&fake, "GET", 81), 1, "{:?}", fake.requests());

    fake.clear_requests();
    fake.inject(on_list(FaultKind::EndlessLinks).times(1_000));
    let run = apply(&fake, "82", &[TIMEOUT]);
    assert_eq!(run.code, 1, "{}", show(&run));
    assert_error_mentions(&run, 82, &["past 200 pages"]);
    assert!(writes(&fake).is_empty());
    assert_eq!(count(&fake, "GET", 82), 200);
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn broken_list_bodies_fail_clearly_and_write_nothing() {
    let fake = fake_with(&[]);
    for (pipeline, kind, says) in [
        (91, FaultKind::HtmlBody, "HTML"),
        (92, FaultKind::MalformedJson, "not the JSON"),
        (93, FaultKind::EmptyBody, "empty"),
        (94, FaultKind::HugeBody(9 * 1024 * 1024), "over 8 MiB"),
    ] {
        fake.add_pipeline(pipeline);
        fake.clear_requests();
        fake.inject(on_list(kind.clone()));
        let run = apply(&fake, &pipeline.to_string(), &[TIMEOUT]);
        assert_eq!(run.code, 1, "{kind:?}: {}", show(&run));
        assert_error_mentions(&run, pipeline, &["could not list its hooks", says]);
        assert!(writes(&fake).is_empty(), "{kind:?}: {:?}", fake.requests());
        assert!(!run.everything_written().contains(TOKEN));
    }
}

#[test]
fn a_hung_api_ends_at_the_deadline() {
    let fake = fake_with(&[101]);
    fake.inject(on_list(FaultKind::Delay(Duration::from_secs(10))));
    let started = Instant::now();
    let run = apply(&fake, "101", &[("timeout-seconds", "2")]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", show(&run));
    assert!(took < Duration::from_secs(5), "the run took {took:?}");
    assert!(took >= Duration::from_millis(1_900), "{took:?}");
    assert_error_mentions(&run, 101, &["could not list its hooks", "timed out"]);
    assert!(writes(&fake).is_empty());
}

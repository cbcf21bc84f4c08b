//! The real binary against a fake that throttles like Laravel (`X-RateLimit-*` on every
//! answer, 429 with `Retry-After` and `X-RateLimit-Reset` past the limit). The run paces
//! itself: it holds its requests when the window is spent instead of running into 429s,
//! and when the window reopens only after its deadline it stops at once, says how many
//! pipelines are done, and a rerun continues. (How fast it goes is the benchmark's.)

mod support;
use support::*;

use fake_devopness::RateLimit;

const CONTEXT: &str = "ci/devopness(build)";

fn refused(fake: &FakeDevopness) -> usize {
    fake.requests().iter().filter(|r| r.status == 429).count()
}

fn ids(pipelines: &[u64]) -> String {
    pipelines
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn a_spent_window_holds_the_run_with_at_most_one_429_per_window() {
    let pipelines = [1, 2, 3];
    let fake = fake_with(&pipelines);
    // 15 requests (a list, 3 creates and a check per new pipeline) through 6 a second.
    fake.set_rate_limit(Some(RateLimit::per_seconds(6, 1)));
    let run = apply(&fake, &ids(&pipelines), &[("timeout-seconds", "30")]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.output("created"), "9");
    for p in pipelines {
        assert_eq!(
            hooks_with_context(&fake, p, CONTEXT).len(),
            3,
            "pipeline {p}"
        );
    }
    let windows = fake.rate_limit_windows();
    assert!(windows.len() >= 3, "{windows:?}");
    for w in &windows {
        assert!(w.refused <= 1, "more than one 429 in a window: {windows:?}");
    }
    assert!(refused(&fake) < windows.len(), "{windows:?}");
}

#[test]
fn in_sync_under_a_limit_is_one_list_per_pipeline_and_no_burst_of_429s() {
    let pipelines = [11, 12, 13, 14, 15, 16, 17];
    let fake = fake_with(&pipelines);
    assert_eq!(apply(&fake, &ids(&pipelines), &[]).code, 0);
    fake.clear_requests();
    fake.set_rate_limit(Some(RateLimit::per_seconds(3, 1)));
    let run = apply(&fake, &ids(&pipelines), &[("timeout-seconds", "30")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.output("unchanged"), "21");
    let answered: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        answered.iter().filter(|s| **s == 200).count(),
        7,
        "{answered:?}"
    );
    let windows = fake.rate_limit_windows();
    assert!(windows.iter().all(|w| w.refused <= 1), "{windows:?}");
}

#[test]
fn a_window_reopening_after_the_deadline_stops_the_run_and_a_rerun_continues() {
    let pipelines = [21, 22, 23, 24];
    let fake = fake_with(&pipelines);
    fake.set_rate_limit(Some(RateLimit::per_seconds(6, 30)));
    let run = apply(&fake, &ids(&pipelines), &[("timeout-seconds", "5")]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    // Said once for the run: how many are done, and that a rerun continues.
    let summary: Vec<&str> = run
        .errors()
        .into_iter()
        .filter(|l| l.contains("pipeline(s) done"))
        .collect();
    assert_eq!(summary.len(), 1, "{}", run.stdout);
    let done = pipelines
        .iter()
        .filter(|p| hooks_with_context(&fake, **p, CONTEXT).len() == 3)
        .count();
    assert!(
        summary[0].contains(&format!("{done} of 4 pipeline(s) done")),
        "{}",
        summary[0]
    );
    assert!(
        summary[0].contains("Run again to continue"),
        "{}",
        summary[0]
    );
    // Each pipeline not done says why: not sent, for the rate limit.
    for p in pipelines {
        if hooks_with_context(&fake, p, CONTEXT).len() < 3 {
            assert!(
                run.errors()
                    .iter()
                    .any(|l| l.contains(&format!("Pipeline {p}")) && l.contains("not sent")),
                "pipeline {p}: {}",
                run.stdout
            );
        }
    }
    // One 429 to learn when the window ends, then nothing sent in vain.
    assert_eq!(refused(&fake), 1, "{:?}", fake.requests());
    assert!(pipelines
        .iter()
        .all(|p| hooks_with_context(&fake, *p, CONTEXT).len() <= 3));

    fake.set_rate_limit(None);
    let rerun = apply(&fake, &ids(&pipelines), &[]);
    assert_eq!(rerun.code, 0, "{}", rerun.stdout);
    for p in pipelines {
        assert_eq!(
            hooks_with_context(&fake, p, CONTEXT).len(),
            3,
            "pipeline {p}"
        );
    }
}

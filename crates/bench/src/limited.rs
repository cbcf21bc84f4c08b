//! The rate-limited cases: the fake throttles as Laravel really does (a window from the
//! first request counted, to the millisecond, that ends up to a second after the reset
//! it announces; see `docs/rate-limits.md`), and the binary must pace itself.
//!
//! With `--rate-limit` (20 per 5 s by default) and `--rate-limited-pipelines` (50):
//!
//! 1. In sync: the pipelines (bootstrapped beforehand without a limit) again under the
//!    limit: one list each, held when the window is spent.
//! 2. Cut short: as many new pipelines, with `timeout-seconds` at 1.5 windows: the second
//!    window's end comes after the deadline, so the run must stop, say how far it got,
//!    and leave nothing twice.
//! 3. The rerun, under the same limit with the default deadline, must converge. It
//!    starts in the window the cut-short run spent, which a new process cannot know of:
//!    its first request may meet a 429 there.
//!
//! With `--long`, also Laravel's default limit (`--check-rate-limit`, 60 per minute):
//!
//! 4. Check: a scheduled `check` of `--check-pipelines` (30) pipelines in sync whose
//!    hooks all have delivery logs, with the default inputs: a list and three delivery
//!    reads per pipeline, two windows' worth at 30.

use std::time::Duration;

use fake_devopness::{FakeDevopness, RateLimit, Window};
use serde_json::json;

use crate::child::Exit;
use crate::measure::{Bench, Case, Launched, Row};

/// A paced run and what the limiter saw of it.
pub struct Paced {
    pub limit: RateLimit,
    pub row: Row,
    pub windows: Vec<Window>,
    /// From the first request counted to the run's end.
    pub took: Duration,
    /// The floor: from the first request counted to the earliest end the limit allows
    /// (the last window needed opening as soon as it can, then one round trip).
    pub floor: Duration,
    /// Pipelines with exactly their three hooks, one per event.
    pub in_sync: usize,
    /// Pipelines with more than one hook for an event.
    pub duplicated: usize,
    /// The run's `drift` output.
    pub drift: Option<String>,
}

impl Paced {
    pub fn most_refused_in_a_window(&self) -> u32 {
        self.windows.iter().map(|w| w.refused).max().unwrap_or(0)
    }

    /// How much later than the floor the run ended.
    pub fn late_by(&self) -> Duration {
        self.took.saturating_sub(self.floor)
    }

    /// What the goal allows past the floor: one second per window the run spans.
    pub fn slack(&self) -> Duration {
        Duration::from_secs(self.windows.len() as u64)
    }
}

/// The run the deadline cut short.
pub struct Cut {
    pub row: Row,
    pub timeout_secs: u64,
    /// The run's own line saying how many pipelines are done.
    pub note: Option<String>,
    /// The count that line gives.
    pub said_done: Option<usize>,
    /// Pipelines with their three hooks, as the fake has them.
    pub done: usize,
    pub duplicated: usize,
}

pub struct Limited {
    pub limit: RateLimit,
    pub pipelines: usize,
    pub in_sync: Paced,
    pub cut: Cut,
    pub rerun: Paced,
}

/// Runs the three cases.
pub fn run(bench: &mut Bench, limit: RateLimit, n: usize) -> Result<Limited, String> {
    let pipelines: Vec<u64> = (1..=n as u64).collect();
    let (fake, ids) = bench.fake(n);
    let setup = bench.launch(&fake, &ids, n, Case::Bootstrap, None, &[])?;
    bench.expect_exit(&setup, Exit::Code(0));
    fake.set_rate_limit(Some(limit));
    let launched = bench.launch(&fake, &ids, n, Case::InSync, None, &[])?;
    bench.expect_exit(&launched, Exit::Code(0));
    let in_sync = paced(&fake, &[], launched, limit, bench.latency, &pipelines);

    let (fake, ids) = bench.fake(n);
    fake.set_rate_limit(Some(limit));
    let timeout_secs = (limit.window.as_secs() * 3).div_ceil(2);
    let timeout = [("timeout-seconds", timeout_secs.to_string())];
    let launched = bench.launch(&fake, &ids, n, Case::CutShort, None, &timeout)?;
    bench.expect_exit(&launched, Exit::Code(1));
    let cut = cut(&fake, launched, timeout_secs, &pipelines);

    let before = fake.rate_limit_windows();
    let launched = bench.launch(&fake, &ids, n, Case::Rerun, None, &[])?;
    bench.expect_exit(&launched, Exit::Code(0));
    let rerun = paced(&fake, &before, launched, limit, bench.latency, &pipelines);
    Ok(Limited {
        limit,
        pipelines: n,
        in_sync,
        cut,
        rerun,
    })
}

/// The long case: a `check` of `n` pipelines in sync whose every hook has deliveries.
pub fn check(bench: &mut Bench, limit: RateLimit, n: usize) -> Result<Paced, String> {
    let (fake, ids) = bench.fake(n);
    let setup = bench.launch(&fake, &ids, n, Case::Bootstrap, None, &[])?;
    bench.expect_exit(&setup, Exit::Code(0));
    for id in 1..=n as u64 {
        // The incoming hook that supplies the commit hash, as a working setup has.
        let variables = json!([{"name": "commit_hash", "path": "pull_request.head.sha",
            "type": "string", "required": true}]);
        fake.insert_incoming_hook(id, variables);
        for hook in fake.hooks(id) {
            fake.add_delivery(hook["id"].as_str().unwrap_or_default(), 201, 1);
        }
    }
    fake.set_rate_limit(Some(limit));
    let mode = [("mode", "check".to_string())];
    let launched = bench.launch(&fake, &ids, n, Case::Check, None, &mode)?;
    bench.expect_exit(&launched, Exit::Code(0));
    let pipelines: Vec<u64> = (1..=n as u64).collect();
    Ok(paced(
        &fake,
        &[],
        launched,
        limit,
        bench.latency,
        &pipelines,
    ))
}

/// What the limiter saw of a run that found the windows `before` already opened, and
/// how many of the pipelines `ids` it left in sync.
pub fn paced(
    fake: &FakeDevopness,
    before: &[Window],
    launched: Launched,
    limit: RateLimit,
    latency: Duration,
    ids: &[u64],
) -> Paced {
    let windows = spanned(before, &fake.rate_limit_windows());
    let counted: u32 = windows.iter().map(|w| w.counted).sum();
    let first = windows.first().map_or(launched.started, |w| w.opened_at);
    let end = launched.started + launched.row.wall;
    let (in_sync, duplicated) = tally(fake, ids);
    Paced {
        limit,
        took: end.duration_since(first).unwrap_or_default(),
        floor: floor(limit, counted, latency),
        row: launched.row,
        windows,
        in_sync,
        duplicated,
        drift: launched.finished.outputs.get("drift").cloned(),
    }
}

/// The windows of `after` a run spanned, given those it found (`before`): the new ones,
/// and the last one it found, when still the last, with only this run's counts.
fn spanned(before: &[Window], after: &[Window]) -> Vec<Window> {
    let Some(last) = before.last() else {
        return after.to_vec();
    };
    let mut windows: Vec<Window> = after.iter().skip(before.len() - 1).copied().collect();
    if let Some(first) = windows
        .first_mut()
        .filter(|w| w.opened_at == last.opened_at)
    {
        first.counted -= last.counted;
        first.refused -= last.refused;
        if first.counted == 0 && first.refused == 0 {
            windows.remove(0);
        }
    }
    windows
}

/// The earliest the limit lets `counted` requests end, from the first one: the last of
/// the ceil(counted / limit) windows they need opens (windows - 1) lengths later at the
/// soonest, and its requests take a round trip.
pub fn floor(limit: RateLimit, counted: u32, latency: Duration) -> Duration {
    let windows = counted.div_ceil(limit.max.max(1));
    limit.window * windows.saturating_sub(1) + latency
}

fn cut(fake: &FakeDevopness, launched: Launched, timeout_secs: u64, ids: &[u64]) -> Cut {
    let note = launched
        .finished
        .stdout
        .lines()
        .find(|l| l.starts_with("::error::") && l.contains("pipeline(s) done"))
        .map(str::to_owned);
    let said_done = note.as_deref().and_then(|l| {
        l.trim_start_matches("::error::")
            .split(' ')
            .next()
            .and_then(|d| d.parse().ok())
    });
    let (done, duplicated) = tally(fake, ids);
    Cut {
        row: launched.row,
        timeout_secs,
        note,
        said_done,
        done,
        duplicated,
    }
}

/// Of the pipelines `ids`, those with exactly one hook per event, and those with more
/// than one for some.
pub fn tally(fake: &FakeDevopness, ids: &[u64]) -> (usize, usize) {
    let mut in_sync = 0;
    let mut duplicated = 0;
    for &id in ids {
        let hooks = fake.hooks(id);
        let per_event: Vec<usize> = ["action.started", "action.failed", "action.completed"]
            .iter()
            .map(|e| {
                hooks
                    .iter()
                    .filter(|h| h["trigger_when"]["events"][0].as_str() == Some(*e))
                    .count()
            })
            .collect();
        in_sync += usize::from(per_event.iter().all(|c| *c == 1) && hooks.len() == 3);
        duplicated += usize::from(per_event.iter().any(|c| *c > 1));
    }
    (in_sync, duplicated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn window(opened_secs: u64, counted: u32, refused: u32) -> Window {
        let opened_at = SystemTime::UNIX_EPOCH + Duration::from_secs(opened_secs);
        Window {
            opened_at,
            ends_at: opened_at + Duration::from_secs(5),
            reset_unix: opened_secs + 5,
            counted,
            refused,
        }
    }

    #[test]
    fn a_run_spans_the_windows_it_opened_and_its_part_of_the_one_it_found() {
        let before = [window(100, 20, 1), window(105, 7, 0)];
        let after = [
            window(100, 20, 1),
            window(105, 20, 1),
            window(110, 20, 1),
            window(115, 3, 0),
        ];
        assert_eq!(
            spanned(&before, &after),
            vec![window(105, 13, 1), window(110, 20, 1), window(115, 3, 0)]
        );
        // The window it found had ended: only its own.
        let after = [window(100, 20, 1), window(105, 7, 0), window(111, 9, 0)];
        assert_eq!(spanned(&before, &after), vec![window(111, 9, 0)]);
        assert_eq!(spanned(&[], &after), after.to_vec());
    }

    #[test]
    fn the_floor_is_the_last_window_needed_plus_a_round_trip() {
        let rtt = Duration::from_millis(50);
        let per_5s = RateLimit::per_seconds(20, 5);
        assert_eq!(floor(per_5s, 50, rtt), Duration::from_millis(10_050));
        assert_eq!(floor(per_5s, 40, rtt), Duration::from_millis(5_050));
        assert_eq!(floor(per_5s, 1, rtt), rtt);
        let per_minute = RateLimit::per_seconds(60, 60);
        assert_eq!(floor(per_minute, 120, rtt), Duration::from_millis(60_050));
    }
}

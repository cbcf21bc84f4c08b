//! The rate-limited cases: the fake throttles like Laravel (`--rate-limit`, 20 per 5 s by
//! default) and the binary must pace itself.
//!
//! 1. In sync: the pipelines (bootstrapped beforehand without a limit) again under the
//!    limit: one list each, held when the window is spent.
//! 2. Cut short: as many new pipelines, with `timeout-seconds` at 1.5 windows: the second
//!    window's end comes after the deadline, so the run must stop, say how far it got,
//!    and leave nothing twice.
//! 3. The rerun, under the same limit with the default deadline, must converge. It
//!    starts in the window the cut-short run spent, which a new process cannot know of:
//!    its first request may meet a 429 there.

use std::time::{Duration, SystemTime};

use fake_devopness::{FakeDevopness, RateLimit, Window};

use crate::child::Exit;
use crate::measure::{Bench, Case, Launched, Row};

/// A paced run and what the limiter saw of it.
pub struct Paced {
    pub row: Row,
    pub windows: Vec<Window>,
    /// From the first request counted to the run's end.
    pub took: Duration,
    /// From the first request counted to the earliest end the limit allows.
    pub earliest: Duration,
    /// Pipelines with exactly their three hooks, one per event.
    pub in_sync: usize,
    /// Pipelines with more than one hook for an event.
    pub duplicated: usize,
}

impl Paced {
    pub fn most_refused_in_a_window(&self) -> u32 {
        self.windows.iter().map(|w| w.refused).max().unwrap_or(0)
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
    let (fake, ids) = bench.fake(n);
    let setup = bench.launch(&fake, &ids, n, Case::Bootstrap, None, &[])?;
    bench.expect_exit(&setup, Exit::Code(0));
    fake.set_rate_limit(Some(limit));
    let launched = bench.launch(&fake, &ids, n, Case::InSync, None, &[])?;
    bench.expect_exit(&launched, Exit::Code(0));
    let in_sync = paced(&fake, launched, limit, bench.latency, n);

    let (fake, ids) = bench.fake(n);
    fake.set_rate_limit(Some(limit));
    let timeout_secs = (limit.window.as_secs() * 3).div_ceil(2);
    let timeout = [("timeout-seconds", timeout_secs.to_string())];
    let launched = bench.launch(&fake, &ids, n, Case::CutShort, None, &timeout)?;
    bench.expect_exit(&launched, Exit::Code(1));
    let cut = cut(&fake, launched, timeout_secs, n);

    let launched = bench.launch(&fake, &ids, n, Case::Rerun, None, &[])?;
    bench.expect_exit(&launched, Exit::Code(0));
    let rerun = paced(&fake, launched, limit, bench.latency, n);
    Ok(Limited {
        limit,
        pipelines: n,
        in_sync,
        cut,
        rerun,
    })
}

fn paced(
    fake: &FakeDevopness,
    launched: Launched,
    limit: RateLimit,
    latency: Duration,
    n: usize,
) -> Paced {
    let windows = fake.rate_limit_windows();
    let counted: u32 = windows.iter().map(|w| w.counted).sum();
    let needed = u64::from(counted.div_ceil(limit.max.max(1)));
    let first = windows.first().map_or(launched.started, |w| w.opened_at);
    let end = launched.started + launched.row.wall;
    // The last window can open no sooner than (needed - 1) windows after the first one's
    // start (which Laravel rounds down to the second); its requests then take a round trip.
    let first_second = SystemTime::UNIX_EPOCH
        + Duration::from_secs(
            first
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        );
    let earliest_end = first_second + limit.window * needed.saturating_sub(1) as u32 + latency;
    let (in_sync, duplicated) = tally(fake, n);
    Paced {
        row: launched.row,
        windows,
        took: end.duration_since(first).unwrap_or_default(),
        earliest: earliest_end.duration_since(first).unwrap_or_default(),
        in_sync,
        duplicated,
    }
}

fn cut(fake: &FakeDevopness, launched: Launched, timeout_secs: u64, n: usize) -> Cut {
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
    let (done, duplicated) = tally(fake, n);
    Cut {
        row: launched.row,
        timeout_secs,
        note,
        said_done,
        done,
        duplicated,
    }
}

/// Pipelines `1..=n` with exactly one hook per event, and with more than one for some.
fn tally(fake: &FakeDevopness, n: usize) -> (usize, usize) {
    let mut in_sync = 0;
    let mut duplicated = 0;
    for id in 1..=n as u64 {
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

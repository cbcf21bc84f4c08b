//! The goals, each judged from what was measured: PASS, FAIL, or SKIP when what it needs
//! was not measured (another latency, a size left out, a dynamic binary). Pure.

use std::time::Duration;

use crate::limited::{Limited, Paced};
use crate::measure::{self, Case, Probes, Row};
use crate::probe;
use crate::project::{self, ProjectLimited, ProjectRuns};
use crate::setup::Setup;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
}

impl Verdict {
    fn of(ok: bool) -> Verdict {
        if ok {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
        }
    }
}

pub struct Goal {
    pub verdict: Verdict,
    pub text: String,
}

fn goal(verdict: Verdict, text: String) -> Goal {
    Goal { verdict, text }
}

/// Everything the goals are judged on.
pub struct Facts<'a> {
    pub setup: &'a Setup,
    pub rows: &'a [Row],
    pub probes: &'a Probes,
    pub limited: Option<&'a Limited>,
    /// The long case (`--long`).
    pub check: Option<&'a Paced>,
    /// The project case, from nothing and in sync.
    pub project: Option<&'a ProjectRuns>,
    /// The project in sync under Laravel's default limit (`--long`).
    pub project_limited: Option<&'a ProjectLimited>,
    pub latency_ms: u64,
    /// The concurrency of the main runs (`None`: the default).
    pub concurrency: Option<usize>,
}

const MB: f64 = 1_048_576.0;

/// Every goal, in the report's order.
pub fn all(f: &Facts) -> Vec<Goal> {
    let mut goals = vec![
        requests_per_pipeline(f, Case::InSync, 1),
        requests_per_pipeline(f, Case::Bootstrap, measure::BOOTSTRAP_REQUESTS),
        hundred(f, Case::Bootstrap, Duration::from_millis(1_000)),
        hundred(f, Case::InSync, Duration::from_millis(500)),
        peak_rss(f, 1, 15.0),
        peak_rss(f, 500, 40.0),
        first_request(f),
        binary_size(f),
        image_size(f),
    ];
    if let Some(l) = f.limited {
        goals.extend(limited(l));
    }
    if let Some(c) = f.check {
        goals.extend(check(c));
    }
    if let Some(p) = f.project {
        goals.extend(project_runs(p, f.latency_ms));
    }
    if let Some(p) = f.project_limited {
        goals.extend(project_limited(p));
    }
    goals
}

fn requests_per_pipeline(f: &Facts, case: Case, per: usize) -> Goal {
    let of_case: Vec<&Row> = f.rows.iter().filter(|r| r.case == case).collect();
    let seen: Vec<String> = of_case.iter().map(|r| ratio(r.per_pipeline())).collect();
    let verdict = if of_case.is_empty() {
        Verdict::Skip
    } else {
        Verdict::of(
            of_case
                .iter()
                .all(|r| r.requests == per * r.pipelines && r.exit.ok()),
        )
    };
    goal(
        verdict,
        format!(
            "{}: {per} request(s) per pipeline (seen: {})",
            case.name(),
            seen.join(", ")
        ),
    )
}

/// 100 pipelines at 50 ms latency, at the main runs' concurrency, under `limit`.
fn hundred(f: &Facts, case: Case, limit: Duration) -> Goal {
    let what = match case {
        Case::Bootstrap => "new",
        _ => "in-sync",
    };
    let text = format!(
        "100 {what} pipelines at 50 ms latency under {:.1} s",
        limit.as_secs_f64()
    );
    let row = f
        .rows
        .iter()
        .find(|r| r.case == case && r.pipelines == 100 && r.forced == f.concurrency);
    match row {
        Some(r) if f.latency_ms == 50 => goal(
            Verdict::of(r.wall < limit && r.exit.ok()),
            format!(
                "{text} at max-concurrency {}: {} s",
                r.concurrency,
                secs(r.wall)
            ),
        ),
        Some(_) => goal(
            Verdict::Skip,
            format!("{text}: this run used {} ms", f.latency_ms),
        ),
        None => goal(Verdict::Skip, format!("{text}: 100 is not among --sizes")),
    }
}

fn peak_rss(f: &Facts, n: usize, limit: f64) -> Goal {
    let peak = f
        .rows
        .iter()
        .filter(|r| r.pipelines == n)
        .map(Row::rss_mb)
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    let text = format!("peak RSS < {limit:.0} MB for {n} pipeline(s)");
    match peak {
        Some(p) => goal(
            Verdict::of(p < limit),
            format!("{text}: {p:.1} MB (largest of its runs)"),
        ),
        None => goal(Verdict::Skip, format!("{text}: {n} is not among the sizes")),
    }
}

fn first_request(f: &Facts) -> Goal {
    match probe::median(f.probes.first_bytes.clone()) {
        Some(m) => goal(
            Verdict::of(m < Duration::from_millis(5)),
            format!("start to first request < 5 ms (median): {} ms", ms(m)),
        ),
        None => goal(
            Verdict::Skip,
            "start to first request < 5 ms: not measured".into(),
        ),
    }
}

fn binary_size(f: &Facts) -> Goal {
    let s = f.setup;
    if !s.is_static {
        return goal(
            Verdict::Skip,
            "stripped static binary <= 4 MB: this binary is dynamic; build the static one \
             (README, Benchmark) and pass it with --binary"
                .into(),
        );
    }
    goal(
        Verdict::of(s.size <= 4 * 1_048_576),
        format!(
            "stripped static binary <= 4 MB: {:.2} MB",
            s.size as f64 / MB
        ),
    )
}

fn image_size(f: &Facts) -> Goal {
    let s = f.setup;
    match s.ca_bundle {
        Some(bundle) if s.is_static => goal(
            Verdict::of(s.size + bundle <= 6 * 1_048_576),
            format!(
                "image <= 6 MB: {:.2} MB (binary + {}, the FROM scratch layer's content)",
                (s.size + bundle) as f64 / MB,
                crate::setup::CA_BUNDLE
            ),
        ),
        _ => goal(
            Verdict::Skip,
            "image <= 6 MB: needs the static binary and a CA bundle".into(),
        ),
    }
}

fn limited(l: &Limited) -> Vec<Goal> {
    let n = l.pipelines;
    let s = &l.in_sync;
    let c = &l.cut;
    let said = c
        .said_done
        .map_or("no count".to_string(), |d| d.to_string());
    let r = &l.rerun;
    let mut goals = vec![goal(
        Verdict::of(s.row.exit.ok() && s.in_sync == n),
        format!(
            "{}: {n} pipelines in sync end with exit 0 (exit {}, {}/{n} in sync, {} requests)",
            l.limit, s.row.exit, s.in_sync, s.row.requests
        ),
    )];
    goals.extend(pacing(s, &format!("{}, {n} in sync", l.limit)));
    goals.push(goal(
        Verdict::of(
            c.row.exit == crate::child::Exit::Code(1)
                && c.said_done == Some(c.done)
                && c.note
                    .as_deref()
                    .is_some_and(|l| l.contains("Run again to continue"))
                && c.duplicated == 0,
        ),
        format!(
            "{}, {n} new pipelines, timeout-seconds {}: exit {}, says {said} done ({} are), \
             says a rerun continues: {}, duplicated pipelines: {}",
            l.limit,
            c.timeout_secs,
            c.row.exit,
            c.done,
            c.note
                .as_deref()
                .is_some_and(|l| l.contains("Run again to continue")),
            c.duplicated
        ),
    ));
    goals.push(goal(
        Verdict::of(r.row.exit.ok() && r.in_sync == n && r.duplicated == 0),
        format!(
            "{}: the rerun converges (exit {}, {}/{n} in sync, duplicated {}, {} s, \
             {} 429s over the {} windows it spans, at most {} in one)",
            l.limit,
            r.row.exit,
            r.in_sync,
            r.duplicated,
            secs(r.row.wall),
            r.row.refused,
            r.windows.len(),
            r.most_refused_in_a_window()
        ),
    ));
    goals
}

/// The long case: a check with default inputs under Laravel's default limit.
fn check(c: &Paced) -> Vec<Goal> {
    let n = c.row.pipelines;
    let drift = c.drift.as_deref().unwrap_or("(none)");
    let mut goals = vec![goal(
        Verdict::of(c.row.exit.ok() && drift == "false" && c.in_sync == n),
        format!(
            "{}: a check of {n} pipelines with delivery logs ends with exit 0 and no drift, \
             with the default inputs (exit {}, drift {drift}, {} requests)",
            c.limit, c.row.exit, c.row.requests
        ),
    )];
    goals.extend(pacing(c, &format!("{}, check of {n}", c.limit)));
    goals
}

/// The project case: in sync under 1 s at 50 ms, within the README's bound, and from
/// nothing every deploy pipeline gets its three hooks.
fn project_runs(p: &ProjectRuns, latency_ms: u64) -> Vec<Goal> {
    let what = format!("project {}", project::label(p.shape));
    let s = &p.in_sync.row;
    let fast = format!("{what} in sync at 50 ms latency under 1.0 s");
    let fast = if latency_ms == 50 {
        goal(
            Verdict::of(s.wall < Duration::from_secs(1) && s.exit.ok()),
            format!("{fast}: {} s", secs(s.wall)),
        )
    } else {
        goal(
            Verdict::Skip,
            format!("{fast}: this run used {latency_ms} ms"),
        )
    };
    let b = &p.bound;
    let n = p.new.row.pipelines;
    vec![
        fast,
        goal(
            Verdict::of(s.requests <= b.total() && s.exit.ok()),
            format!(
                "{what} in sync: requests <= 1 + E + A + P (+ unlisted credentials, + pages) \
                 = {}: {} requests",
                b.formula(),
                s.requests
            ),
        ),
        goal(
            Verdict::of(p.new.row.exit.ok() && p.new.in_sync == n && p.new.duplicated == 0),
            format!(
                "{what} from nothing converges: {}/{n} deploy pipelines with their three \
                 hooks, duplicated {}, exit {} ({} requests, {} s)",
                p.new.in_sync,
                p.new.duplicated,
                p.new.row.exit,
                p.new.row.requests,
                secs(p.new.row.wall)
            ),
        ),
    ]
}

/// The project in sync under a limit, with the default inputs.
fn project_limited(p: &ProjectLimited) -> Vec<Goal> {
    let c = &p.paced;
    let n = c.row.pipelines;
    let what = format!("{}, project {} in sync", c.limit, project::label(p.shape));
    let mut goals = vec![goal(
        Verdict::of(c.row.exit.ok() && c.in_sync == n && p.split.answered() <= p.bound.total()),
        format!(
            "{what}: ends with exit 0, every deploy pipeline in sync, within the bound, with \
             the default inputs (exit {}, {}/{n} in sync, {} requests answered, bound {}, \
             and {} 429s)",
            c.row.exit,
            c.in_sync,
            p.split.answered(),
            p.bound.total(),
            p.split.refused
        ),
    )];
    goals.extend(pacing(c, &what));
    goals
}

/// The two pacing goals of a run under a limit: at most one 429 per window it spans,
/// and done within one second per window of the floor.
fn pacing(p: &Paced, what: &str) -> Vec<Goal> {
    vec![
        goal(
            Verdict::of(p.most_refused_in_a_window() <= 1),
            format!(
                "{what}: at most one 429 per window ({} 429s over the {} windows the run \
                 spans, at most {} in one)",
                p.row.refused,
                p.windows.len(),
                p.most_refused_in_a_window()
            ),
        ),
        goal(
            Verdict::of(p.late_by() <= p.slack()),
            format!(
                "{what}: done within 1 s per window of the floor ({} s from the first \
                 request; floor {} s; {} s later, {} s allowed)",
                secs(p.took),
                secs(p.floor),
                secs(p.late_by()),
                p.slack().as_secs()
            ),
        ),
    ]
}

pub fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

pub fn ratio(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round())
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::child::Exit;
    use crate::project::{Bound, Measured, Split};
    use fake_devopness::ProjectShape;

    const SHAPE: ProjectShape = ProjectShape {
        environments: 3,
        applications: 20,
        deploy_pipelines: 1,
    };

    fn measured(case: Case, wall_ms: u64, requests: usize, in_sync: usize) -> Measured {
        Measured {
            row: Row {
                case,
                pipelines: 60,
                forced: None,
                concurrency: "25 (default)".into(),
                wall: Duration::from_millis(wall_ms),
                requests,
                refused: 0,
                rss_kib: 4096,
                exit: Exit::Code(0),
            },
            split: Split::default(),
            in_sync,
            duplicated: 0,
        }
    }

    fn runs(in_sync_ms: u64, in_sync_requests: usize, converged: usize) -> ProjectRuns {
        ProjectRuns {
            shape: SHAPE,
            context: crate::project::CONTEXT.into(),
            bound: Bound::of(SHAPE, 0, 100),
            new: measured(Case::ProjectNew, 900, 364, converged),
            in_sync: measured(Case::ProjectInSync, in_sync_ms, in_sync_requests, 60),
        }
    }

    fn verdicts(goals: &[Goal]) -> Vec<Verdict> {
        goals.iter().map(|g| g.verdict).collect()
    }

    #[test]
    fn the_project_goals_pass_fast_within_the_bound_and_converged() {
        let goals = project_runs(&runs(480, 124, 60), 50);
        assert_eq!(verdicts(&goals), [Verdict::Pass; 3]);
        assert!(
            goals[1].text.contains("1 + 3 + 60 + 60 = 124"),
            "{}",
            goals[1].text
        );
    }

    #[test]
    fn the_project_goals_fail_slow_over_the_bound_or_short_of_hooks() {
        use Verdict::{Fail, Pass, Skip};
        assert_eq!(
            verdicts(&project_runs(&runs(1_000, 124, 60), 50)),
            [Fail, Pass, Pass]
        );
        assert_eq!(
            verdicts(&project_runs(&runs(480, 125, 60), 50)),
            [Pass, Fail, Pass]
        );
        assert_eq!(
            verdicts(&project_runs(&runs(480, 124, 59), 50)),
            [Pass, Pass, Fail]
        );
        // The time goal is for 50 ms.
        assert_eq!(
            verdicts(&project_runs(&runs(480, 124, 60), 20)),
            [Skip, Pass, Pass]
        );
    }
}

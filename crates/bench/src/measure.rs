//! The measured runs: each one the real binary, started by the spawner, against a fresh
//! in-process fake; what it took (wall time, requests, 429s, peak RSS, exit status).

use std::time::{Duration, SystemTime};

use fake_devopness::FakeDevopness;

use crate::args::Args;
use crate::child::{self, Exit, Finished};
use crate::probe;
use crate::setup::{set, Setup};
use crate::spawner::Spawner;

pub const TOKEN: &str = "bench-token";
/// The hooks the action keeps per pipeline (started, failed, completed).
pub const HOOKS_PER_PIPELINE: usize = 3;
/// Sizes up to this run at max-concurrency 1 by default.
pub const SEQUENTIAL_CAP: usize = 100;
/// What a new pipeline of the fake costs (its application deploys the workflow's
/// repository): the hook list, then, before any write, the pipeline and its
/// application, the three creates together and the verifying list.
pub const BOOTSTRAP_REQUESTS: usize = 7;
/// Those requests in round trips, one after the other.
pub const BOOTSTRAP_ROUND_TRIPS: u32 = 5;
/// The round trips of [`BOOTSTRAP_ROUND_TRIPS`], for the report.
pub const BOOTSTRAP_STEPS: &str =
    "hook list, pipeline read, application read, 3 creates together, verifying list";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Pipelines without hooks.
    Bootstrap,
    /// The same pipelines again.
    InSync,
    /// New pipelines with a deadline too short for them.
    CutShort,
    /// The rerun after a run the deadline cut short.
    Rerun,
    /// `mode: check` of pipelines in sync, reading their delivery logs.
    Check,
    /// A whole project (`project-ids`) whose deploy pipelines have no hooks.
    ProjectNew,
    /// The same project again.
    ProjectInSync,
}

impl Case {
    pub fn name(self) -> &'static str {
        match self {
            Case::Bootstrap => "bootstrap",
            Case::InSync => "in sync",
            Case::CutShort => "cut short",
            Case::Rerun => "rerun",
            Case::Check => "check",
            Case::ProjectNew => "project, from nothing",
            Case::ProjectInSync => "project, in sync",
        }
    }
}

/// One measured run of the binary.
pub struct Row {
    pub case: Case,
    pub pipelines: usize,
    /// `None`: the default concurrency (no override).
    pub forced: Option<usize>,
    pub concurrency: String,
    pub wall: Duration,
    pub requests: usize,
    /// Requests answered 429.
    pub refused: usize,
    pub rss_kib: i64,
    pub exit: Exit,
}

impl Row {
    pub fn per_pipeline(&self) -> f64 {
        self.requests as f64 / self.pipelines as f64
    }

    pub fn rss_mb(&self) -> f64 {
        self.rss_kib as f64 / 1024.0
    }
}

/// A finished run with what the fake saw of it.
pub struct Launched {
    pub row: Row,
    pub finished: Finished,
    /// Wall clock just before the spawn.
    pub started: SystemTime,
}

/// What the start-to-first-request probes gave.
#[derive(Default)]
pub struct Probes {
    pub first_bytes: Vec<Duration>,
    pub accepts: Vec<Duration>,
    pub error: Option<String>,
}

/// Runs the binary; keeps what looked wrong for the report.
pub struct Bench {
    pub setup: Setup,
    pub latency: Duration,
    pub spawner: Spawner,
    /// Anything odd seen in a run (unexpected statuses or outputs).
    pub notes: Vec<String>,
    /// Logs of the runs that did not end as expected.
    pub failures: Vec<String>,
}

impl Bench {
    /// The inputs of a run: the base inputs, then the fake's URL, the token, the
    /// pipelines and the overrides.
    pub fn inputs(
        &self,
        api_url: &str,
        pipeline_ids: &str,
        forced: Option<usize>,
        extra: &[(&str, String)],
    ) -> Vec<(String, String)> {
        let mut inputs = self.setup.base_inputs.clone();
        set(&mut inputs, "api-token", TOKEN.to_string());
        set(&mut inputs, "pipeline-ids", pipeline_ids.to_string());
        set(&mut inputs, "api-url", api_url.to_string());
        if let Some(c) = forced {
            set(&mut inputs, "max-concurrency", c.to_string());
        }
        for (name, value) in extra {
            set(&mut inputs, name, value.clone());
        }
        inputs
    }

    /// A fake with pipelines `1..=n` and no hooks, and their ids as an input.
    pub fn fake(&self, n: usize) -> (FakeDevopness, String) {
        let fake = FakeDevopness::start(TOKEN);
        fake.set_latency(self.latency);
        // Each pipeline's application deploys the workflow's repository, the common case:
        // hooks already posting there cost one request in sync.
        fake.set_default_source(crate::child::REPOSITORY, "github");
        let ids: Vec<String> = (1..=n as u64).map(|id| id.to_string()).collect();
        for id in 1..=n as u64 {
            fake.add_pipeline(id);
        }
        (fake, ids.join(","))
    }

    /// Runs the binary once against `fake`.
    pub fn launch(
        &mut self,
        fake: &FakeDevopness,
        pipeline_ids: &str,
        n: usize,
        case: Case,
        forced: Option<usize>,
        extra: &[(&str, String)],
    ) -> Result<Launched, String> {
        let concurrency = forced.map_or(self.setup.default_label.clone(), |c| c.to_string());
        eprint!(
            "bench: {}, {n} pipeline(s), max-concurrency {concurrency} ... ",
            case.name()
        );
        fake.clear_requests();
        let inputs = self.inputs(&fake.base_url(), pipeline_ids, forced, extra);
        let started = SystemTime::now();
        let finished = child::prepare(&self.setup.binary, &inputs)
            .and_then(|run| self.spawner.run(run))
            .map_err(|e| format!("could not run {}: {e}", self.setup.binary.display()))?;
        let requests = fake.requests();
        let refused = requests.iter().filter(|r| r.status == 429).count();
        eprintln!(
            "{:.3} s, {} requests ({refused} answered 429), exit {}",
            finished.wall.as_secs_f64(),
            requests.len(),
            finished.exit
        );
        let row = Row {
            case,
            pipelines: n,
            forced,
            concurrency,
            wall: finished.wall,
            requests: requests.len(),
            refused,
            rss_kib: finished.max_rss_kib,
            exit: finished.exit,
        };
        Ok(Launched {
            row,
            finished,
            started,
        })
    }

    /// Notes a run that did not end as `expected`, with its log tail.
    pub fn expect_exit(&mut self, launched: &Launched, expected: Exit) {
        if launched.row.exit != expected {
            let f = &launched.finished;
            self.failures.push(format!(
                "{}, {} pipeline(s): exit {}, expected {expected}\n```\n{}\n```",
                launched.row.case.name(),
                launched.row.pipelines,
                launched.row.exit,
                child::tail(&format!("{}{}", f.stdout, f.stderr), 20)
            ));
        }
    }

    /// A bootstrap run on `n` new pipelines, then (when `in_sync`) the same again.
    pub fn pair(
        &mut self,
        n: usize,
        forced: Option<usize>,
        in_sync: bool,
    ) -> Result<Vec<Row>, String> {
        let (fake, ids) = self.fake(n);
        let cases: &[Case] = if in_sync {
            &[Case::Bootstrap, Case::InSync]
        } else {
            &[Case::Bootstrap]
        };
        let mut rows = Vec::new();
        for &case in cases {
            let launched = self.launch(&fake, &ids, n, case, forced, &[])?;
            self.check_plain(&fake, &launched);
            rows.push(launched.row);
        }
        Ok(rows)
    }

    /// A run without a rate limit: exit 0, every request 2xx, the expected counts.
    pub fn check_plain(&mut self, fake: &FakeDevopness, launched: &Launched) {
        self.expect_exit(launched, Exit::Code(0));
        let row = &launched.row;
        let what = format!(
            "{}, {} pipeline(s), max-concurrency {}",
            row.case.name(),
            row.pipelines,
            row.concurrency
        );
        let requests = fake.requests();
        let refused = requests
            .iter()
            .filter(|r| !(200..300).contains(&r.status))
            .count();
        if refused > 0 {
            self.notes.push(format!(
                "{what}: {refused} of {} requests were not answered 2xx",
                requests.len()
            ));
        }
        let all = (row.pipelines * HOOKS_PER_PIPELINE).to_string();
        let expected: &[(&str, &str)] = match row.case {
            Case::Bootstrap | Case::ProjectNew => &[("created", &all), ("updated", "0")],
            _ => &[("created", "0"), ("updated", "0"), ("unchanged", &all)],
        };
        if !row.exit.ok() {
            return;
        }
        for (name, want) in expected {
            let got = launched
                .finished
                .outputs
                .get(*name)
                .map_or("(none)", String::as_str);
            if got != *want {
                self.notes
                    .push(format!("{what}: output {name} is {got}, expected {want}"));
            }
        }
    }
}

/// The sizes of the sequential baseline.
pub fn sequential_sizes(args: &Args) -> Vec<usize> {
    args.sequential_sizes.clone().map_or_else(
        || {
            args.sizes
                .0
                .iter()
                .copied()
                .filter(|&n| n <= SEQUENTIAL_CAP)
                .collect()
        },
        |s| s.0,
    )
}

/// The main runs: each size at the default (or `--concurrency`) and, for the sequential
/// sizes, at 1.
pub fn main_runs(bench: &mut Bench, args: &Args) -> Result<Vec<Row>, String> {
    let sequential = sequential_sizes(args);
    let mut sizes: Vec<usize> = args.sizes.0.iter().chain(&sequential).copied().collect();
    sizes.sort_unstable();
    sizes.dedup();
    let mut rows = Vec::new();
    for n in sizes {
        let mut runs = Vec::new();
        if args.sizes.0.contains(&n) {
            runs.push(args.concurrency);
        }
        if sequential.contains(&n) && args.concurrency != Some(1) {
            runs.push(Some(1));
        }
        for forced in runs {
            rows.extend(bench.pair(n, forced, true)?);
        }
    }
    Ok(rows)
}

/// The sweep: new and in-sync pipelines at each max-concurrency of `--sweep`.
pub fn sweep(bench: &mut Bench, args: &Args) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for &c in &args.sweep.0 {
        rows.extend(bench.pair(args.sweep_pipelines, Some(c), true)?);
    }
    Ok(rows)
}

/// Start to first request, `--probe-runs` times.
pub fn probes(bench: &Bench, args: &Args) -> Probes {
    let mut p = Probes::default();
    if args.probe_runs > 0 {
        eprintln!(
            "bench: {} start-to-first-request probes ...",
            args.probe_runs
        );
    }
    for _ in 0..args.probe_runs {
        let make = |url: &str| bench.inputs(url, "1", args.concurrency, &[]);
        match probe::once(&bench.setup.binary, &make) {
            Ok(s) => {
                p.accepts.push(s.accept);
                p.first_bytes.push(s.first_byte);
            }
            Err(e) => {
                p.error = Some(e);
                break;
            }
        }
    }
    p
}

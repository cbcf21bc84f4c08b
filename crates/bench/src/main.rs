//! Benchmark of the real action binary against the in-process fake Devopness API.
//!
//! It builds nothing: it runs the binary given by `--binary` (by default
//! `target/release/devopness-status-hooks`) as a child process, the way the runner runs a
//! container action, against `fake_devopness::FakeDevopness` with a per-response latency,
//! and prints one Markdown report: wall time, requests, 429s, the child's own peak RSS
//! (`wait4`) and exit status per run; the speed-up over max-concurrency 1; the median
//! time from spawn to the first request byte; the rate-limited cases; a whole project
//! (`project-ids`), its requests split by endpoint family; and PASS/FAIL per goal.
//!
//! ```text
//! cargo build --release && cargo run --release -p bench [--long]
//! ```
//!
//! Setup ([`setup`]), measurement ([`measure`], [`limited`], [`project`], [`probe`]),
//! then the goals ([`goals`]) and the report ([`report`]).

mod action_yml;
mod args;
mod child;
mod goals;
mod limited;
mod measure;
mod probe;
mod project;
mod report;
mod setup;
mod spawner;

use std::process::ExitCode;
use std::time::Duration;

use crate::args::Args;
use crate::measure::Bench;

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some(spawner::ARG) {
        return spawner::serve();
    }
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let args = match Args::parse(&argv) {
        Ok(a) => a,
        Err((help, true)) => {
            println!("{help}");
            return ExitCode::SUCCESS;
        }
        Err((e, false)) => {
            eprintln!("bench: {e}\n(see --help)");
            return ExitCode::from(2);
        }
    };
    let setup = match setup::Setup::new(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::from(2);
        }
    };
    let spawner = match spawner::Spawner::start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench: could not start the spawner helper: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut bench = Bench {
        setup,
        latency: Duration::from_millis(args.latency_ms),
        spawner,
        notes: Vec::new(),
        failures: Vec::new(),
    };
    match measure_and_report(&mut bench, &args) {
        Ok((report, all_ran)) => {
            print!("{report}");
            if all_ran {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("\nbench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Every measurement, then the goals and the report; true when every run of the binary
/// ended as expected.
fn measure_and_report(bench: &mut Bench, args: &Args) -> Result<(String, bool), String> {
    let probes = measure::probes(bench, args);
    let rows = measure::main_runs(bench, args)?;
    let sweep = measure::sweep(bench, args)?;
    let limited = if args.no_rate_limit {
        None
    } else {
        Some(limited::run(
            bench,
            args.rate_limit,
            args.rate_limited_pipelines,
        )?)
    };
    let project = if args.no_project {
        None
    } else {
        let context = project::context_of(&args.input);
        Some(project::run(bench, args.project, &context)?)
    };
    let (check, project_limited) = long_cases(bench, args)?;
    let goals = goals::all(&goals::Facts {
        setup: &bench.setup,
        rows: &rows,
        probes: &probes,
        limited: limited.as_ref(),
        check: check.as_ref(),
        project: project.as_ref(),
        project_limited: project_limited.as_ref(),
        latency_ms: args.latency_ms,
        concurrency: args.concurrency,
    });
    let report = report::Report {
        args,
        setup: &bench.setup,
        rows: &rows,
        sweep: &sweep,
        probes: &probes,
        limited: limited.as_ref(),
        check: check.as_ref(),
        project: project.as_ref(),
        project_limited: project_limited.as_ref(),
        goals: &goals,
        floor_kib: bench.spawner.floor_kib,
        notes: &bench.notes,
        failures: &bench.failures,
    }
    .render();
    Ok((report, bench.failures.is_empty() && probes.error.is_none()))
}

/// With `--long`: the check under Laravel's default limit (unless `--no-check`), and the
/// project in sync under it (unless `--no-project`).
fn long_cases(
    bench: &mut Bench,
    args: &Args,
) -> Result<(Option<limited::Paced>, Option<project::ProjectLimited>), String> {
    let limit = args.check_rate_limit;
    let check = if args.long && !args.no_check {
        Some(limited::check(bench, limit, args.check_pipelines)?)
    } else {
        None
    };
    let project = if args.long && !args.no_project {
        let context = project::context_of(&args.input);
        Some(project::limited(bench, args.project, &context, limit)?)
    } else {
        None
    };
    Ok((check, project))
}

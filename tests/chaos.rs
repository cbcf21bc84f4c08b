//! The whole action, 100 runs against a fake that fails 30% of requests at random
//! (429, 5xx, writes that land but answer 500 or drop, dropped connections, delays),
//! each run on fresh pipelines seeded with foreign hooks and sometimes hooks of ours
//! (correct, drifted, missing one, an exact copy, made by hand from the guide).
//!
//! Promises checked on every run: exit 0 means every pipeline holds exactly its three
//! correct hooks; otherwise exit 1 with an `::error` naming each pipeline not done and
//! saying what failed. Never a duplicate, never a foreign hook touched, never the token
//! written anywhere. With faults off, one more run converges every pipeline left over.
//! And the faults are survived: at least 97 of the 100 runs converge in one run
//! (reads, updates and deletes are retried; creates of unknown outcome are settled).
//!
//! Four shards of 25 sequential runs, each shard with its own fake and fault seed, so
//! the fault dice of a shard are drawn in a deterministic order of runs.

mod support;
use support::providers::ours;
use support::*;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const SHARDS: u64 = 4;
const RUNS_PER_SHARD: u64 = 25;
const FAULT_RATE: f64 = 0.30;
const SEED: u64 = 0x5eed_c4a0_5000;
/// Runs of the 100 that must converge in one run.
const CONVERGE_AT_LEAST: u64 = 97;

/// xorshift64: the scenario dice.
struct Dice(u64);

impl Dice {
    fn new(seed: u64) -> Dice {
        Dice(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn fault_kinds() -> Vec<FaultKind> {
    let status = |code: u16, retry_after: Option<&str>| FaultKind::Status {
        code,
        retry_after: retry_after.map(str::to_owned),
    };
    vec![
        status(429, Some("0")),
        status(429, Some("1")),
        status(502, None),
        status(503, None),
        status(504, None),
        status(500, None),
        FaultKind::CommitThenStatus(500),
        FaultKind::CommitThenDrop,
        FaultKind::Drop,
        FaultKind::Delay(Duration::from_millis(150)),
    ]
}

/// How a pipeline starts out.
#[derive(Debug, Clone, Copy)]
enum Start {
    Empty,
    InSync,
    OneDeleted,
    OneDrifted,
    ExactCopy,
    GuideByHand,
}

const STARTS: [Start; 6] = [
    Start::Empty,
    Start::InSync,
    Start::OneDeleted,
    Start::OneDrifted,
    Start::ExactCopy,
    Start::GuideByHand,
];

/// How many hooks of ours each event has.
fn per_event(fake: &FakeDevopness, pipeline: u64) -> [usize; 3] {
    let ours = ours(fake, pipeline);
    EVENTS.map(|e| {
        ours.iter()
            .filter(|h| h["trigger_when"]["events"] == json!([e]))
            .count()
    })
}

/// Whether some event has more than one hook of ours.
fn has_duplicates(fake: &FakeDevopness, pipeline: u64) -> bool {
    per_event(fake, pipeline).iter().any(|n| *n > 1)
}

/// Whether the run added a duplicate: an event with more than one hook of ours and
/// more than it started with (a seeded exact copy the run could not get to is not one).
fn added_duplicates(before: [usize; 3], after: [usize; 3]) -> bool {
    before.iter().zip(after).any(|(b, a)| a > 1 && a > *b)
}

/// Exactly the three correct hooks.
fn in_sync(fake: &FakeDevopness, pipeline: u64, want: &BTreeMap<String, Value>) -> bool {
    exactly_three(fake, pipeline, want).is_ok()
}

/// Hooks that are not ours: other contexts, and our context on two events.
fn seed_foreign(fake: &FakeDevopness, pipeline: u64, dice: &mut Dice) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..=dice.below(2) {
        let event = EVENTS[usize::try_from(dice.below(3)).unwrap_or(0)];
        ids.push(fake.insert_hook(
            pipeline,
            json!({
                "name": format!("other status {i}"),
                "action_type": "deploy",
                "target_url": "https://example.com/statuses/{{ action.id }}",
                "active": dice.below(2) == 0,
                "trigger_when": { "events": [event], "conditions": [] },
                "settings": {
                    "request_headers": [{ "name": "X-Other", "value": "1" }],
                    "request_body": { "state": "pending", "context": format!("other/ci-{i}") },
                },
            }),
        ));
    }
    if dice.below(3) == 0 {
        ids.push(fake.insert_hook(
            pipeline,
            json!({
                "name": "ours, but on two events",
                "action_type": "deploy",
                "target_url": "https://example.com/x",
                "trigger_when": { "events": ["action.failed", "action.completed"], "conditions": [] },
                "settings": {
                    "request_headers": [],
                    "request_body": { "state": "failure", "context": CONTEXT },
                },
            }),
        ));
    }
    ids
}

fn seed_ours(
    fake: &FakeDevopness,
    pipeline: u64,
    start: Start,
    want: &BTreeMap<String, Value>,
    dice: &mut Dice,
) {
    let pick = EVENTS[usize::try_from(dice.below(3)).unwrap_or(0)];
    match start {
        Start::Empty => {}
        Start::GuideByHand => {
            fake.seed_guide_hooks(pipeline, REPO);
        }
        Start::InSync | Start::OneDeleted | Start::OneDrifted | Start::ExactCopy => {
            for event in EVENTS {
                if matches!(start, Start::OneDeleted) && event == pick {
                    continue;
                }
                let mut body = want[event].clone();
                if matches!(start, Start::OneDrifted) && event == pick {
                    body["settings"]["request_body"]["description"] = json!("edited by hand");
                    body["active"] = json!(false);
                }
                fake.insert_hook(pipeline, body);
            }
            if matches!(start, Start::ExactCopy) {
                fake.insert_hook(pipeline, want[pick].clone());
            }
        }
    }
}

/// The `::error` line is about this pipeline and says what failed and why.
fn clear_error(line: &str, pipeline: u64) -> bool {
    let prefix = format!("::error title=Pipeline {pipeline}::pipeline {pipeline}: ");
    let Some(message) = line.strip_prefix(&prefix) else {
        return false;
    };
    let what = [
        "could not list its hooks: ",
        "could not create the ",
        "could not repair the ",
        "could not delete hook ",
        "outcome unknown",
    ];
    what.iter().any(|w| message.contains(w)) && message.len() > 40
}

#[derive(Default, Debug)]
struct Stats {
    runs: u64,
    converged: u64,
    duplicates: u64,
    foreign_touched: u64,
    leaks: u64,
    non_converged: u64,
    non_converged_clear: u64,
    leftover_pipelines: u64,
    leftover_converged: u64,
    requests: u64,
    faulted: u64,
    /// What the `::error` lines of non-converged runs were about.
    causes: BTreeMap<&'static str, u64>,
    problems: Vec<String>,
}

fn cause(line: &str) -> &'static str {
    if line.contains("outcome unknown") {
        "a write of unknown outcome"
    } else if line.contains("could not list its hooks") {
        "the list"
    } else if line.contains("could not create") {
        "a create"
    } else if line.contains("could not repair") {
        "a repair"
    } else if line.contains("could not delete") {
        "a delete"
    } else {
        "other"
    }
}

fn foreign_snapshot(fake: &FakeDevopness, pipeline: u64, ids: &[String]) -> Vec<String> {
    let hooks = fake.hooks(pipeline);
    ids.iter()
        .map(|id| {
            hooks
                .iter()
                .find(|h| h["id"] == id.as_str())
                .map(Value::to_string)
                .unwrap_or_else(|| format!("(hook {id} is gone)"))
        })
        .collect()
}

fn run_on(fake: &FakeDevopness, pipelines: &[u64]) -> RunResult {
    let url = fake.base_url();
    let ids: Vec<String> = pipelines.iter().map(u64::to_string).collect();
    let ids = ids.join(", ");
    let inputs = [
        ("api-token", TOKEN),
        ("pipeline-ids", ids.as_str()),
        ("api-url", url.as_str()),
        ("timeout-seconds", "20"),
    ];
    run_action(&inputs, &[])
}

fn shard(index: u64) -> Stats {
    let mut stats = Stats::default();
    let fake = fake_with(&[]);
    let want = reference(&fake, 1);

    let mut dice = Dice::new(SEED + index);
    let fault_seed = SEED ^ (index + 1);
    fake.set_random_faults(fault_seed, FAULT_RATE, fault_kinds());
    let mut leftovers: Vec<(u64, Vec<String>, Vec<String>)> = Vec::new();
    for run_index in 0..RUNS_PER_SHARD {
        let label = format!("shard {index} run {run_index}");
        let count = if dice.below(4) == 0 { 2 } else { 1 };
        let mut pipelines = Vec::new();
        let mut foreign = BTreeMap::new();
        let mut counts_before = BTreeMap::new();
        for k in 0..count {
            let pipeline = 10_000 * (index + 1) + run_index * 10 + k;
            fake.add_pipeline(pipeline);
            let ids = seed_foreign(&fake, pipeline, &mut dice);
            let start = STARTS[usize::try_from(dice.below(6)).unwrap_or(0)];
            seed_ours(&fake, pipeline, start, &want, &mut dice);
            foreign.insert(
                pipeline,
                (ids.clone(), foreign_snapshot(&fake, pipeline, &ids)),
            );
            counts_before.insert(pipeline, per_event(&fake, pipeline));
            pipelines.push(pipeline);
        }
        fake.clear_requests();
        let run = run_on(&fake, &pipelines);
        let requests = fake.requests();
        stats.runs += 1;
        stats.requests += requests.len() as u64;
        stats.faulted += requests
            .iter()
            .filter(|r| !(200..300).contains(&r.status))
            .count() as u64;

        if run.everything_written().contains(TOKEN) {
            stats.leaks += 1;
            stats
                .problems
                .push(format!("{label}: the token was written"));
        }
        let mut touched = false;
        for (pipeline, (ids, before)) in &foreign {
            let wrote = requests
                .iter()
                .any(|r| r.is_write() && ids.iter().any(|id| r.path.ends_with(id.as_str())));
            if wrote || &foreign_snapshot(&fake, *pipeline, ids) != before {
                touched = true;
                stats.problems.push(format!(
                    "{label}: a foreign hook of pipeline {pipeline} was touched"
                ));
            }
        }
        stats.foreign_touched += u64::from(touched);
        if pipelines
            .iter()
            .any(|p| added_duplicates(counts_before[p], per_event(&fake, *p)))
        {
            stats.duplicates += 1;
            stats.problems.push(format!(
                "{label}: duplicates after exit {}: {:#?}\n{}",
                run.code,
                pipelines
                    .iter()
                    .map(|p| ours(&fake, *p))
                    .collect::<Vec<_>>(),
                run.stdout
            ));
        }
        let synced: Vec<bool> = pipelines
            .iter()
            .map(|p| in_sync(&fake, *p, &want))
            .collect();
        match run.code {
            0 => {
                if synced.iter().all(|s| *s) {
                    stats.converged += 1;
                } else {
                    stats.problems.push(format!(
                        "{label}: exit 0 but not in sync: {:#?}\n{}",
                        pipelines.iter().map(|p| fake.hooks(*p)).collect::<Vec<_>>(),
                        run.stdout
                    ));
                }
            }
            code => {
                stats.non_converged += 1;
                let errors = run.errors();
                for line in &errors {
                    *stats.causes.entry(cause(line)).or_default() += 1;
                }
                let every_line_clear = !errors.is_empty()
                    && errors
                        .iter()
                        .all(|l| pipelines.iter().any(|p| clear_error(l, *p)));
                let every_pipeline_named = pipelines
                    .iter()
                    .zip(&synced)
                    .all(|(p, ok)| *ok || errors.iter().any(|l| clear_error(l, *p)));
                if code == 1 && every_line_clear && every_pipeline_named {
                    stats.non_converged_clear += 1;
                } else {
                    stats.problems.push(format!(
                        "{label}: exit {code} without a clear error per pipeline not done:\n{}\n{}",
                        run.stdout, run.stderr
                    ));
                }
                for p in &pipelines {
                    let (ids, before) = foreign[p].clone();
                    leftovers.push((*p, ids, before));
                }
            }
        }
    }

    // Faults off: one more run per pipeline left over converges it.
    fake.set_random_faults(fault_seed, 0.0, vec![]);
    for (pipeline, ids, before) in leftovers {
        stats.leftover_pipelines += 1;
        fake.clear_requests();
        let run = run_on(&fake, &[pipeline]);
        let foreign_ok = foreign_snapshot(&fake, pipeline, &ids) == before
            && !fake
                .requests()
                .iter()
                .any(|r| r.is_write() && ids.iter().any(|id| r.path.ends_with(id.as_str())));
        if !foreign_ok {
            stats.foreign_touched += 1;
        }
        if has_duplicates(&fake, pipeline) {
            stats.duplicates += 1;
        }
        if run.everything_written().contains(TOKEN) {
            stats.leaks += 1;
        }
        if run.code == 0 && in_sync(&fake, pipeline, &want) && foreign_ok {
            stats.leftover_converged += 1;
        } else {
            stats.problems.push(format!(
                "shard {index}: pipeline {pipeline} did not converge with faults off: exit {}\n{}\n{:#?}",
                run.code,
                run.stdout,
                fake.hooks(pipeline)
            ));
        }
    }
    stats
}

#[test]
fn a_hundred_runs_against_a_failing_api_keep_every_promise() {
    let started = Instant::now();
    let shards: Vec<_> = (0..SHARDS)
        .map(|i| std::thread::spawn(move || shard(i)))
        .collect();
    let mut total = Stats::default();
    for handle in shards {
        let s = handle.join().expect("a chaos shard panicked");
        total.runs += s.runs;
        total.converged += s.converged;
        total.duplicates += s.duplicates;
        total.foreign_touched += s.foreign_touched;
        total.leaks += s.leaks;
        total.non_converged += s.non_converged;
        total.non_converged_clear += s.non_converged_clear;
        total.leftover_pipelines += s.leftover_pipelines;
        total.leftover_converged += s.leftover_converged;
        total.requests += s.requests;
        total.faulted += s.faulted;
        for (k, v) in s.causes {
            *total.causes.entry(k).or_default() += v;
        }
        total.problems.extend(s.problems);
    }
    println!(
        "chaos: {} runs ({} requests, {} answered with an error or dropped): converged {}/{}; \
         duplicates seen {}; foreign hooks touched {}; token leaks {}; \
         non-converged with a clear message {}/{}; with faults off {}/{} left-over pipelines converged; took {:?}",
        total.runs,
        total.requests,
        total.faulted,
        total.converged,
        total.runs,
        total.duplicates,
        total.foreign_touched,
        total.leaks,
        total.non_converged_clear,
        total.non_converged,
        total.leftover_converged,
        total.leftover_pipelines,
        started.elapsed()
    );
    println!("chaos: errors reported, by what failed: {:?}", total.causes);
    for p in &total.problems {
        println!("PROBLEM {p}");
    }
    assert_eq!(total.runs, SHARDS * RUNS_PER_SHARD);
    assert_eq!(total.duplicates, 0, "duplicates");
    assert_eq!(total.foreign_touched, 0, "foreign hooks touched");
    assert_eq!(total.leaks, 0, "token leaks");
    assert_eq!(total.converged + total.non_converged, total.runs);
    assert_eq!(
        total.non_converged_clear, total.non_converged,
        "non-converged runs without a clear message"
    );
    assert_eq!(total.leftover_converged, total.leftover_pipelines);
    assert!(
        total.problems.is_empty(),
        "{} problems",
        total.problems.len()
    );
    // The dice really rolled, and the faults were survived.
    assert!(total.faulted > 0);
    assert!(
        total.converged >= CONVERGE_AT_LEAST,
        "converged {}/{}: {:?}",
        total.converged,
        total.runs,
        total.causes
    );
}

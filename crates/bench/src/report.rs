//! The Markdown report: what was run, one table shape for every set of runs, the
//! speed-ups, the first-request probe and the goals.

use std::fmt::Write as _;

use crate::args::Args;
use crate::goals::{ms, ratio, secs, Goal};
use crate::limited::{Limited, Paced};
use crate::measure::{self, Case, Probes, Row};
use crate::probe;
use crate::project::{self, ProjectLimited, ProjectRuns, Split, CONTEXT};
use crate::setup::Setup;

pub struct Report<'a> {
    pub args: &'a Args,
    pub setup: &'a Setup,
    pub rows: &'a [Row],
    pub sweep: &'a [Row],
    pub probes: &'a Probes,
    pub limited: Option<&'a Limited>,
    /// The long case (`--long`).
    pub check: Option<&'a Paced>,
    /// The project case.
    pub project: Option<&'a ProjectRuns>,
    /// The project in sync under Laravel's default limit (`--long`).
    pub project_limited: Option<&'a ProjectLimited>,
    pub goals: &'a [Goal],
    /// The spawner's own peak RSS: a floor under every figure.
    pub floor_kib: i64,
    pub notes: &'a [String],
    pub failures: &'a [String],
}

impl Report<'_> {
    pub fn render(&self) -> String {
        let mut w = String::new();
        self.header(&mut w);
        self.table(&mut w, &self.rows.iter().collect::<Vec<_>>());
        self.baseline(&mut w);
        self.first_request(&mut w);
        let _ = writeln!(w, "Goals:\n");
        for g in self.goals {
            let _ = writeln!(w, "- {} {}", g.verdict.word(), g.text);
        }
        let _ = writeln!(
            w,
            "\nBinary size: {} bytes = {:.2} MB.",
            self.setup.size,
            self.setup.size as f64 / 1_048_576.0
        );
        if !self.sweep.is_empty() {
            let _ = writeln!(
                w,
                "\nConcurrency sweep: {} pipelines, new then in sync, {} ms latency.\n",
                self.args.sweep_pipelines, self.args.latency_ms
            );
            self.table(&mut w, &self.sweep.iter().collect::<Vec<_>>());
        }
        if let Some(l) = self.limited {
            self.limited(&mut w, l);
        }
        if let Some(c) = self.check {
            self.check(&mut w, c);
        }
        if let Some(p) = self.project {
            self.project(&mut w, p);
        }
        if let Some(p) = self.project_limited {
            self.project_limited(&mut w, p);
        }
        self.list(&mut w, "Notes", self.notes);
        let mut failures = self.failures.to_vec();
        if let Some(e) = &self.probes.error {
            failures.push(format!("start-to-first-request probe: {e}"));
        }
        self.list(&mut w, "Failed runs of the binary", &failures);
        w
    }

    fn header(&self, w: &mut String) {
        let s = self.setup;
        let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
        let _ = writeln!(w, "## devopness-status-hooks benchmark\n");
        let _ = writeln!(
            w,
            "- binary: {}, {} bytes ({:.2} MB)",
            s.binary.display(),
            s.size,
            s.size as f64 / 1_048_576.0
        );
        let _ = writeln!(
            w,
            "- fake Devopness API in-process (127.0.0.1), {} ms added to every response; {cpus} CPU(s)",
            self.args.latency_ms
        );
        for h in &s.header {
            let _ = writeln!(w, "- {h}");
        }
        let _ = writeln!(
            w,
            "- bootstrap: pipelines without hooks; in sync: the same pipelines again; 429s: \
             requests answered 429. MB = 2^20 bytes"
        );
        let _ = writeln!(
            w,
            "- peak RSS: `ru_maxrss` of the child from `wait4` on its pid. The child is spawned by a \
             small helper process, since Linux folds the peak of the spawning image into the \
             child's figure at exec; the helper's peak, {:.1} MB, is thus a floor (a figure at it \
             would be marked <=)\n",
            self.floor_kib as f64 / 1024.0
        );
    }

    /// The one table shape of every set of runs.
    fn table(&self, w: &mut String, rows: &[&Row]) {
        let _ = writeln!(
            w,
            "| case | pipelines | concurrency | wall (s) | requests | req/pipeline | 429s | peak RSS (MB) | exit |"
        );
        let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for r in rows {
            let rss = if r.rss_kib <= self.floor_kib {
                format!("<={:.1}", r.rss_mb())
            } else {
                format!("{:.1}", r.rss_mb())
            };
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {} | {rss} | {} |",
                r.case.name(),
                r.pipelines,
                r.concurrency,
                secs(r.wall),
                r.requests,
                ratio(r.per_pipeline()),
                r.refused,
                r.exit
            );
        }
        let _ = writeln!(w);
    }

    /// Which sizes ran sequentially, and the speed-up over them.
    fn baseline(&self, w: &mut String) {
        let args = self.args;
        let sequential = measure::sequential_sizes(args);
        let skipped: Vec<usize> = args
            .sizes
            .0
            .iter()
            .copied()
            .filter(|n| !sequential.contains(n))
            .collect();
        let note = match skipped.last() {
            Some(&largest) if args.sequential_sizes.is_none() => {
                sequential_skipped(&sequential, &skipped, largest, args.latency_ms)
            }
            _ => format!(
                "Sequential baseline (max-concurrency 1): {} pipeline(s).",
                join(&sequential)
            ),
        };
        let _ = writeln!(w, "{note}\n");
        let find = |case: Case, n: usize, forced: Option<usize>| {
            self.rows
                .iter()
                .find(|r| r.case == case && r.pipelines == n && r.forced == forced)
        };
        let mut any = false;
        for &n in &sequential {
            for case in [Case::Bootstrap, Case::InSync] {
                let (Some(seq), Some(par)) =
                    (find(case, n, Some(1)), find(case, n, args.concurrency))
                else {
                    continue;
                };
                if seq.forced == par.forced {
                    continue;
                }
                any = true;
                let _ = writeln!(
                    w,
                    "- speed-up, {}, {n} pipeline(s): {} s at concurrency 1 / {} s at {} = {:.2}x",
                    case.name(),
                    secs(seq.wall),
                    secs(par.wall),
                    par.concurrency,
                    seq.wall.as_secs_f64() / par.wall.as_secs_f64()
                );
            }
        }
        if any {
            let _ = writeln!(w);
        }
    }

    fn first_request(&self, w: &mut String) {
        let p = self.probes;
        match (
            probe::median(p.first_bytes.clone()),
            probe::median(p.accepts.clone()),
        ) {
            (Some(first), Some(accept)) => {
                let _ = writeln!(
                    w,
                    "Process start to first request (median of {} runs against a TcpListener probe, \
                     from just before spawn): {} ms to the first request byte ({} ms to accept; \
                     first byte min {} ms, max {} ms).\n",
                    p.first_bytes.len(),
                    ms(first),
                    ms(accept),
                    ms(*p.first_bytes.iter().min().unwrap_or(&first)),
                    ms(*p.first_bytes.iter().max().unwrap_or(&first)),
                );
            }
            _ => {
                let why = p
                    .error
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default();
                let _ = writeln!(w, "Process start to first request: not measured{why}.\n");
            }
        }
    }

    fn limited(&self, w: &mut String, l: &Limited) {
        let _ = writeln!(
            w,
            "\nRate-limited cases: the fake throttles like Laravel, {} (a fixed window from the first \
             request counted, `X-RateLimit-*` on every answer, 429 past the limit), {} pipelines, \
             {} ms latency. In sync: the pipelines again once bootstrapped; cut short: as many new \
             pipelines with timeout-seconds {}; rerun: the same pipelines again with the default \
             deadline.\n",
            l.limit, l.pipelines, self.args.latency_ms, l.cut.timeout_secs
        );
        self.table(w, &[&l.in_sync.row, &l.cut.row, &l.rerun.row]);
        pacing(w, &[&l.in_sync]);
        if let Some(note) = &l.cut.note {
            let _ = writeln!(w, "The cut-short run's own message:\n\n```\n{note}\n```");
        }
    }

    fn check(&self, w: &mut String, c: &Paced) {
        let _ = writeln!(
            w,
            "\nThe long case: Laravel's default limit, {}, and a scheduled check (`mode: check`, \
             the other inputs at their defaults) of {} pipelines in sync whose every hook has a \
             delivery log: a list and three delivery reads per pipeline, {} ms latency.\n",
            c.limit, c.row.pipelines, self.args.latency_ms
        );
        self.table(w, &[&c.row]);
        pacing(w, &[c]);
    }

    fn project(&self, w: &mut String, p: &ProjectRuns) {
        let shape = p.shape;
        let _ = writeln!(
            w,
            "\nWhole project (`project-ids`): the fake's seeded project {}, {} environments x {} \
             applications x {} deploy pipeline(s), every application listed with its credential, \
             the same repositories in every environment. Inputs: `project-ids` and {}, the \
             others at their defaults; {} ms latency. From nothing: no hook yet; in sync: the \
             same project again.\n",
            project::label(shape),
            shape.environments,
            shape.applications,
            shape.deploy_pipelines,
            context_note(&p.context),
            self.args.latency_ms
        );
        self.table(w, &[&p.new.row, &p.in_sync.row]);
        split(
            w,
            &[
                (p.new.row.case.name(), &p.new.split),
                (p.in_sync.row.case.name(), &p.in_sync.split),
            ],
        );
        let _ = writeln!(
            w,
            "The bound in sync: 1 + E + A + P = {}; from nothing, each deploy pipeline adds its \
             three creates and a verifying list.\n",
            p.bound.formula()
        );
    }

    fn project_limited(&self, w: &mut String, p: &ProjectLimited) {
        let _ = writeln!(
            w,
            "\nThe long project case: Laravel's default limit, {}, and the project {} in sync \
             (bootstrapped without the limit), `project-ids` and `context: {}`, the other \
             inputs at their defaults (timeout-seconds {}), {} ms latency. The bound in sync: \
             {}.\n",
            p.paced.limit,
            project::label(p.shape),
            p.context,
            self.default_input("timeout-seconds"),
            self.args.latency_ms,
            p.bound.formula()
        );
        self.table(w, &[&p.paced.row]);
        pacing(w, &[&p.paced]);
        split(w, &[(p.paced.row.case.name(), &p.split)]);
    }

    /// The value every run gets for an input (its default, or `--input`'s).
    fn default_input(&self, name: &str) -> &str {
        self.setup
            .base_inputs
            .iter()
            .find(|(n, _)| n == name)
            .map_or("(unset)", |(_, v)| v.as_str())
    }

    fn list(&self, w: &mut String, title: &str, items: &[String]) {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(w, "\n{title}:\n");
        for i in items {
            let _ = writeln!(w, "- {i}");
        }
    }
}

/// How paced runs went against the limit: from the first request counted, the floor
/// (the earliest end the limit allows), the windows spanned and their 429s.
fn pacing(w: &mut String, runs: &[&Paced]) {
    let _ = writeln!(
        w,
        "| case | limit | from first request (s) | floor (s) | later than the floor (s) | windows | 429s | most 429s in a window |"
    );
    let _ = writeln!(w, "|---|---|---:|---:|---:|---:|---:|---:|");
    for p in runs {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            p.row.case.name(),
            p.limit,
            secs(p.took),
            secs(p.floor),
            secs(p.late_by()),
            p.windows.len(),
            p.row.refused,
            p.most_refused_in_a_window()
        );
    }
    let _ = writeln!(w);
}

/// Which context the project runs had, and why.
fn context_note(context: &str) -> String {
    if context == CONTEXT {
        format!(
            "`context: {CONTEXT}` (a status per environment: with the default context the \
             environments' statuses would overwrite each other, and the run warns)"
        )
    } else {
        format!("`context: {context}` (from `--input`)")
    }
}

/// The requests of runs by endpoint family.
fn split(w: &mut String, runs: &[(&str, &Split)]) {
    let _ = writeln!(
        w,
        "| case | environment list | application lists | application reads | pipeline lists | hook lists | writes | other | of them, later pages | answered | 429s |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (case, s) in runs {
        let _ = writeln!(
            w,
            "| {case} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s.environment_lists,
            s.application_lists,
            s.application_reads,
            s.pipeline_lists,
            s.hook_lists,
            s.writes,
            s.other,
            s.pages,
            s.answered(),
            s.refused
        );
    }
    let _ = writeln!(w);
}

/// Why the sequential baseline left out the larger sizes: what the largest would take.
fn sequential_skipped(
    sequential: &[usize],
    skipped: &[usize],
    largest: usize,
    latency_ms: u64,
) -> String {
    let secs =
        largest as f64 * f64::from(measure::BOOTSTRAP_ROUND_TRIPS) * latency_ms as f64 / 1000.0;
    format!(
        "Sequential baseline (max-concurrency 1) only for {} pipelines by default (sizes up to \
         {}), not {}: one new pipeline at a time costs about {} round trips ({}) x {latency_ms} \
         ms each, so {largest} pipelines would take about {secs:.0} s. `--sequential-sizes` \
         changes this.",
        join(sequential),
        measure::SEQUENTIAL_CAP,
        join(skipped),
        measure::BOOTSTRAP_ROUND_TRIPS,
        measure::BOOTSTRAP_STEPS,
    )
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skipped_baseline_is_estimated_from_a_bootstrap_s_round_trips() {
        // Measured at 7a36d6f: 100 new pipelines at max-concurrency 1 took 26.0 s at
        // 50 ms, five round trips each.
        let note = sequential_skipped(&[1, 10, 100], &[500], 500, 50);
        assert!(
            note.contains(
                "about 5 round trips (hook list, pipeline read, application read, \
                 3 creates together, verifying list) x 50 ms each"
            ),
            "{note}"
        );
        assert!(
            note.contains("500 pipelines would take about 125 s"),
            "{note}"
        );
    }
}

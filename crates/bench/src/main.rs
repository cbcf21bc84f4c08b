//! Benchmark of the real action binary against the in-process fake Devopness API.
//!
//! It builds nothing: it runs the binary given by `--binary` (by default
//! `target/release/devopness-status-hooks`) as a child process, the way the runner runs a
//! container action, against `fake_devopness::FakeDevopness` with a per-response latency,
//! and prints one Markdown report: wall time, requests the fake received, the child's own
//! peak RSS (`wait4`) and exit status per run; the speed-up over max-concurrency 1; the
//! median time from spawn to the first request byte; and PASS/FAIL per goal.
//!
//! ```text
//! cargo build --release && cargo run --release -p bench
//! ```

mod action_yml;
mod args;
mod child;
mod probe;
mod spawner;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use fake_devopness::FakeDevopness;

use crate::child::Exit;

const TOKEN: &str = "bench-token";
/// The hooks the action keeps per pipeline (started, failed, completed).
const HOOKS_PER_PIPELINE: usize = 3;
/// Sizes up to this run at max-concurrency 1 by default.
const SEQUENTIAL_CAP: usize = 100;
/// The CA bundle the image carries besides the binary.
const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Bootstrap,
    InSync,
}

impl Case {
    fn name(self) -> &'static str {
        match self {
            Case::Bootstrap => "bootstrap",
            Case::InSync => "in sync",
        }
    }
}

/// One measured run of the binary.
struct Row {
    case: Case,
    pipelines: usize,
    /// `None`: the default concurrency (no override).
    forced: Option<usize>,
    concurrency: String,
    wall: Duration,
    requests: usize,
    rss_kib: i64,
    exit: Exit,
}

impl Row {
    fn per_pipeline(&self) -> f64 {
        self.requests as f64 / self.pipelines as f64
    }

    fn rss_mb(&self) -> f64 {
        self.rss_kib as f64 / 1024.0
    }
}

struct Bench {
    binary: PathBuf,
    /// Every declared input with its default, then the `--input` overrides.
    base_inputs: Vec<(String, String)>,
    /// The max-concurrency of the main runs when not forced, as the binary gets it.
    default_label: String,
    latency: Duration,
    /// Starts the measured runs (see `spawner`).
    spawner: spawner::Spawner,
    /// Anything odd seen in a run (unexpected statuses or outputs), for the report.
    notes: Vec<String>,
    /// Logs of the runs that did not exit 0.
    failures: Vec<String>,
}

fn set(inputs: &mut Vec<(String, String)>, name: &str, value: String) {
    match inputs.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value,
        None => inputs.push((name.to_string(), value)),
    }
}

impl Bench {
    fn inputs(
        &self,
        api_url: &str,
        pipeline_ids: &str,
        forced: Option<usize>,
    ) -> Vec<(String, String)> {
        let mut inputs = self.base_inputs.clone();
        set(&mut inputs, "api-token", TOKEN.to_string());
        set(&mut inputs, "pipeline-ids", pipeline_ids.to_string());
        set(&mut inputs, "api-url", api_url.to_string());
        if let Some(c) = forced {
            set(&mut inputs, "max-concurrency", c.to_string());
        }
        inputs
    }

    /// A fresh fake with `n` pipelines without hooks, then the bootstrap run, then (when
    /// `in_sync`) the same pipelines again.
    fn pair(&mut self, n: usize, forced: Option<usize>, in_sync: bool) -> Result<Vec<Row>, String> {
        let fake = FakeDevopness::start(TOKEN);
        fake.set_latency(self.latency);
        let ids: Vec<u64> = (1..=n as u64).collect();
        for id in &ids {
            fake.add_pipeline(*id);
        }
        let list = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        let mut rows = vec![self.run(&fake, &list, n, Case::Bootstrap, forced)?];
        if in_sync {
            rows.push(self.run(&fake, &list, n, Case::InSync, forced)?);
        }
        Ok(rows)
    }

    fn run(
        &mut self,
        fake: &FakeDevopness,
        pipeline_ids: &str,
        n: usize,
        case: Case,
        forced: Option<usize>,
    ) -> Result<Row, String> {
        let concurrency = match forced {
            Some(c) => c.to_string(),
            None => self.default_label.clone(),
        };
        let what = format!(
            "{}, {n} pipeline(s), max-concurrency {concurrency}",
            case.name()
        );
        eprint!("bench: {what} ... ");
        fake.clear_requests();
        let inputs = self.inputs(&fake.base_url(), pipeline_ids, forced);
        let finished = child::prepare(&self.binary, &inputs)
            .and_then(|run| self.spawner.run(run))
            .map_err(|e| format!("could not run {}: {e}", self.binary.display()))?;
        let requests = fake.requests();
        eprintln!(
            "{:.3} s, {} requests, exit {}",
            finished.wall.as_secs_f64(),
            requests.len(),
            finished.exit
        );

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
        let output = |name: &str| {
            finished
                .outputs
                .get(name)
                .map(String::as_str)
                .unwrap_or("(none)")
        };
        let all = (n * HOOKS_PER_PIPELINE).to_string();
        let expected: &[(&str, &str)] = match case {
            Case::Bootstrap => &[("created", &all), ("updated", "0")],
            Case::InSync => &[("created", "0"), ("updated", "0"), ("unchanged", &all)],
        };
        if finished.exit.ok() {
            for (name, want) in expected {
                if output(name) != *want {
                    self.notes.push(format!(
                        "{what}: output {name} is {}, expected {want}",
                        output(name)
                    ));
                }
            }
        } else {
            self.failures.push(format!(
                "{what}: exit {}\n```\n{}\n```",
                finished.exit,
                child::tail(&format!("{}{}", finished.stdout, finished.stderr), 20)
            ));
        }
        Ok(Row {
            case,
            pipelines: n,
            forced,
            concurrency,
            wall: finished.wall,
            requests: requests.len(),
            rss_kib: finished.max_rss_kib,
            exit: finished.exit,
        })
    }
}

/// A path as given, else (when relative and missing) under the workspace root.
fn locate(path: &Path) -> PathBuf {
    if path.exists() || path.is_absolute() {
        return path.to_path_buf();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidate = root.join(path);
    if candidate.exists() {
        candidate
    } else {
        path.to_path_buf()
    }
}

/// The newest modification time of the files under `dir`.
fn newest(dir: &Path) -> Option<SystemTime> {
    let mut latest: Option<SystemTime> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        latest = latest.max(t);
    }
    latest
}

fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn ratio(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round())
    } else {
        format!("{x:.2}")
    }
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "FAIL"
    }
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some(spawner::ARG) {
        return spawner::serve();
    }
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(None) => {
            println!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(Some(e)) => {
            eprintln!("bench: {e}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };

    let binary = locate(&args.binary);
    let size = match std::fs::metadata(&binary) {
        Ok(m) if m.is_file() => m.len(),
        _ => {
            eprintln!(
                "bench: the action binary {} does not exist.\n\
                 The bench builds nothing: build the binary first, from the workspace root:\n\
                 \n    cargo build --release && cargo run --release -p bench\n\n\
                 or point it at a binary with --binary PATH.",
                args.binary.display()
            );
            return ExitCode::from(2);
        }
    };

    let spawner = match spawner::Spawner::start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench: could not start the spawning helper: {e}");
            return ExitCode::FAILURE;
        }
    };

    let mut header = Vec::new();
    let action_yml = locate(&args.action_yml);
    let mut base_inputs = match std::fs::read_to_string(&action_yml) {
        Ok(text) => {
            let inputs = action_yml::declared_inputs(&text);
            header.push(format!(
                "inputs: the {} declared in {} with their defaults, as the runner sets them",
                inputs.len(),
                action_yml.display()
            ));
            inputs
        }
        Err(e) => {
            header.push(format!(
                "inputs: {} unreadable ({e}); only the inputs the bench sets are passed",
                action_yml.display()
            ));
            Vec::new()
        }
    };
    for (name, value) in &args.inputs {
        set(&mut base_inputs, name, value.clone());
        header.push(format!("input override: {name}={value}"));
    }
    let declared_default = base_inputs
        .iter()
        .find(|(n, _)| n == "max-concurrency")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let default_label = match &declared_default {
        Some(v) => format!("{v} (default)"),
        None => "default".to_string(),
    };

    let binary_modified = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
    if let Some(root) = action_yml.parent() {
        let src = if root.as_os_str().is_empty() {
            PathBuf::from("src")
        } else {
            root.join("src")
        };
        if let (Some(b), Some(s)) = (binary_modified, newest(&src)) {
            if s > b {
                header.push(format!(
                    "WARNING: {} is older than {}: rebuild it with `cargo build --release`",
                    binary.display(),
                    src.display()
                ));
            }
        }
    }

    let latency = Duration::from_millis(args.latency_ms);
    let mut bench = Bench {
        binary: binary.clone(),
        base_inputs,
        default_label,
        latency,
        spawner,
        notes: Vec::new(),
        failures: Vec::new(),
    };

    let sequential_default = args.sequential_sizes.is_none();
    let sequential: Vec<usize> = args.sequential_sizes.clone().unwrap_or_else(|| {
        args.sizes
            .iter()
            .copied()
            .filter(|&n| n <= SEQUENTIAL_CAP)
            .collect()
    });
    if args.concurrency == Some(1) {
        header.push("note: --concurrency 1 makes the main runs sequential too".into());
    }

    // Start to first request.
    let mut accepts = Vec::new();
    let mut first_bytes = Vec::new();
    let mut probe_error = None;
    if args.probe_runs > 0 {
        eprintln!(
            "bench: {} start-to-first-request probes ...",
            args.probe_runs
        );
    }
    for _ in 0..args.probe_runs {
        let make = |url: &str| bench.inputs(url, "1", args.concurrency);
        match probe::once(&binary, &make) {
            Ok(s) => {
                accepts.push(s.accept);
                first_bytes.push(s.first_byte);
            }
            Err(e) => {
                probe_error = Some(e);
                break;
            }
        }
    }

    // The main runs.
    let mut sizes: Vec<usize> = args.sizes.iter().chain(&sequential).copied().collect();
    sizes.sort_unstable();
    sizes.dedup();
    let mut rows: Vec<Row> = Vec::new();
    for &n in &sizes {
        let mut runs = Vec::new();
        if args.sizes.contains(&n) {
            runs.push(args.concurrency);
        }
        if sequential.contains(&n) {
            runs.push(Some(1));
        }
        for forced in runs {
            match bench.pair(n, forced, true) {
                Ok(r) => rows.extend(r),
                Err(e) => {
                    eprintln!("\nbench: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }

    // The sweep.
    let mut sweep_rows = Vec::new();
    for &c in &args.sweep {
        match bench.pair(args.sweep_pipelines, Some(c), false) {
            Ok(r) => sweep_rows.extend(r),
            Err(e) => {
                eprintln!("\nbench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }

    // The report.
    let floor_kib = bench.spawner.floor_kib;
    let rss = |r: &Row| {
        if r.rss_kib <= floor_kib {
            format!("<={:.1}", r.rss_mb())
        } else {
            format!("{:.1}", r.rss_mb())
        }
    };
    let mut out = String::new();
    let w = &mut out;
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = writeln!(w, "## devopness-status-hooks benchmark\n");
    let _ = writeln!(
        w,
        "- binary: {}, {size} bytes ({:.2} MB)",
        binary.display(),
        size as f64 / 1_048_576.0
    );
    let _ = writeln!(
        w,
        "- fake Devopness API in-process (127.0.0.1), {} ms added to every response; {cpus} CPU(s)",
        args.latency_ms
    );
    for h in &header {
        let _ = writeln!(w, "- {h}");
    }
    let _ = writeln!(
        w,
        "- bootstrap: pipelines without hooks; in sync: the same pipelines again. MB = 2^20 bytes"
    );
    let _ = writeln!(
        w,
        "- peak RSS: `ru_maxrss` of the child from `wait4` on its pid. The child is spawned by a \
         small helper process, since Linux folds the peak of the spawning image into the \
         child's figure at exec; the helper's peak, {:.1} MB, is thus a floor (a figure at it \
         would be marked <=)\n",
        floor_kib as f64 / 1024.0
    );
    let _ = writeln!(
        w,
        "| case | pipelines | concurrency | wall (s) | requests | req/pipeline | peak RSS (MB) | exit |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.case.name(),
            r.pipelines,
            r.concurrency,
            secs(r.wall),
            r.requests,
            ratio(r.per_pipeline()),
            rss(r),
            r.exit
        );
    }
    let _ = writeln!(w);

    if sequential_default {
        let skipped: Vec<usize> = args
            .sizes
            .iter()
            .copied()
            .filter(|n| !sequential.contains(n))
            .collect();
        if skipped.is_empty() {
            let _ = writeln!(
                w,
                "Sequential baseline (max-concurrency 1): {} pipeline(s).",
                join(&sequential)
            );
        } else {
            let _ = writeln!(
                w,
                "Sequential baseline (max-concurrency 1) only for {} pipelines by default (sizes up to \
                 {SEQUENTIAL_CAP}), not {}: one pipeline at a time costs about 3 round trips \
                 (list, 3 creates together, verifying list) x {} ms each, so {} pipelines would take \
                 about {:.0} s. `--sequential-sizes` changes this.",
                join(&sequential),
                join(&skipped),
                args.latency_ms,
                skipped[skipped.len() - 1],
                skipped[skipped.len() - 1] as f64 * 3.0 * args.latency_ms as f64 / 1000.0
            );
        }
    } else {
        let _ = writeln!(
            w,
            "Sequential baseline (max-concurrency 1): {} pipeline(s).",
            join(&sequential)
        );
    }
    let _ = writeln!(w);
    let find = |case: Case, n: usize, forced: Option<usize>| {
        rows.iter()
            .find(|r| r.case == case && r.pipelines == n && r.forced == forced)
    };
    let mut any_speedup = false;
    for &n in &sequential {
        for case in [Case::Bootstrap, Case::InSync] {
            if let (Some(seq), Some(par)) =
                (find(case, n, Some(1)), find(case, n, args.concurrency))
            {
                if seq.forced == par.forced {
                    continue;
                }
                any_speedup = true;
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
    }
    if any_speedup {
        let _ = writeln!(w);
    }

    let first_median = probe::median(first_bytes.clone());
    match (&first_median, probe::median(accepts.clone())) {
        (Some(first), Some(accept)) => {
            let _ = writeln!(
                w,
                "Process start to first request (median of {} runs against a TcpListener probe, \
                 from just before spawn): {} ms to the first request byte ({} ms to accept; \
                 first byte min {} ms, max {} ms).\n",
                first_bytes.len(),
                ms(*first),
                ms(accept),
                ms(*first_bytes.iter().min().unwrap_or(first)),
                ms(*first_bytes.iter().max().unwrap_or(first)),
            );
        }
        _ => {
            let _ = writeln!(
                w,
                "Process start to first request: not measured{}.\n",
                probe_error
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            );
        }
    }

    // Goals.
    let _ = writeln!(w, "Goals:\n");
    let mut goal = |ok: Option<bool>, text: String| {
        let v = match ok {
            Some(ok) => verdict(ok),
            None => "SKIP",
        };
        let _ = writeln!(w, "- {v} {text}");
    };
    let of_case = |case: Case| rows.iter().filter(move |r| r.case == case);
    let in_sync: Vec<String> = of_case(Case::InSync)
        .map(|r| ratio(r.per_pipeline()))
        .collect();
    goal(
        (!in_sync.is_empty())
            .then(|| of_case(Case::InSync).all(|r| r.requests == r.pipelines && r.exit.ok())),
        format!(
            "in sync: 1 request per pipeline (seen: {})",
            in_sync.join(", ")
        ),
    );
    let boot: Vec<String> = of_case(Case::Bootstrap)
        .map(|r| ratio(r.per_pipeline()))
        .collect();
    goal(
        (!boot.is_empty()).then(|| {
            of_case(Case::Bootstrap).all(|r| r.requests == 5 * r.pipelines && r.exit.ok())
        }),
        format!(
            "bootstrap: 5 requests per pipeline (seen: {})",
            boot.join(", ")
        ),
    );
    match find(Case::Bootstrap, 100, args.concurrency) {
        Some(r) if args.latency_ms == 50 => goal(
            Some(r.wall < Duration::from_secs(2) && r.exit.ok()),
            format!(
                "100 new pipelines at 50 ms latency under 2 s at concurrency {}: {} s",
                r.concurrency,
                secs(r.wall)
            ),
        ),
        Some(_) => goal(
            None,
            format!(
                "100 new pipelines under 2 s: stated at 50 ms latency, this run used {} ms",
                args.latency_ms
            ),
        ),
        None => goal(
            None,
            "100 new pipelines under 2 s: 100 is not among --sizes".into(),
        ),
    }
    for (n, limit) in [(1usize, 15.0f64), (500, 40.0)] {
        let peak = rows
            .iter()
            .filter(|r| r.pipelines == n)
            .map(Row::rss_mb)
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
        match peak {
            Some(p) => goal(
                Some(p < limit),
                format!(
                    "peak RSS < {limit:.0} MB for {n} pipeline(s): {p:.1} MB (largest of its runs)"
                ),
            ),
            None => goal(
                None,
                format!("peak RSS < {limit:.0} MB for {n} pipeline(s): {n} is not among the sizes"),
            ),
        }
    }
    match first_median {
        Some(m) => goal(
            Some(m < Duration::from_millis(5)),
            format!("start to first request < 5 ms (median): {} ms", ms(m)),
        ),
        None => goal(None, "start to first request < 5 ms: not measured".into()),
    }
    // The image's content is the static binary plus a CA bundle: nothing else.
    let is_static = std::fs::read(&binary)
        .map(|b| !b.windows(8).any(|w| w == b"/lib64/l" || w == b"/lib/ld-"))
        .unwrap_or(false);
    let mb = |bytes: u64| bytes as f64 / 1_048_576.0;
    goal(
        is_static.then_some(size <= 4 * 1_048_576),
        if is_static {
            format!("stripped static binary <= 4 MB: {:.2} MB", mb(size))
        } else {
            "stripped static binary <= 4 MB: this binary is dynamic; build the static one \
             (README, Benchmark) and pass it with --binary"
                .into()
        },
    );
    match std::fs::metadata(CA_BUNDLE) {
        Ok(bundle) if is_static => goal(
            Some(size + bundle.len() <= 6 * 1_048_576),
            format!(
                "image <= 6 MB: {:.2} MB (binary + {CA_BUNDLE}, the FROM scratch layer's content)",
                mb(size + bundle.len())
            ),
        ),
        _ => goal(
            None,
            "image <= 6 MB: needs the static binary and a CA bundle".into(),
        ),
    }
    let _ = writeln!(
        w,
        "\nBinary size: {size} bytes = {:.2} MB.",
        size as f64 / 1_048_576.0
    );

    if !sweep_rows.is_empty() {
        let _ = writeln!(
            w,
            "\nConcurrency sweep: {} new pipelines (bootstrap), {} ms latency.\n",
            args.sweep_pipelines, args.latency_ms
        );
        let _ = writeln!(
            w,
            "| max-concurrency | wall (s) | requests | req/pipeline | peak RSS (MB) | exit |"
        );
        let _ = writeln!(w, "|---:|---:|---:|---:|---:|---:|");
        for r in &sweep_rows {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} |",
                r.concurrency,
                secs(r.wall),
                r.requests,
                ratio(r.per_pipeline()),
                rss(r),
                r.exit
            );
        }
    }

    if !bench.notes.is_empty() {
        let _ = writeln!(w, "\nNotes:\n");
        for n in &bench.notes {
            let _ = writeln!(w, "- {n}");
        }
    }
    let probe_failed = probe_error.is_some();
    if !bench.failures.is_empty() || probe_failed {
        let _ = writeln!(w, "\nFailed runs of the binary:\n");
        for f in &bench.failures {
            let _ = writeln!(w, "- {f}");
        }
        if let Some(e) = &probe_error {
            let _ = writeln!(w, "- start-to-first-request probe: {e}");
        }
    }
    print!("{out}");

    if bench.failures.is_empty() && !probe_failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

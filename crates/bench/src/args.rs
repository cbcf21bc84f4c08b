//! Command-line options.

use std::path::PathBuf;

pub const USAGE: &str = "\
Benchmark of the action binary against the in-process fake Devopness API.

Usage (from the workspace root):
  cargo build --release && cargo run --release -p bench -- [OPTIONS]

Options:
  --binary PATH             the action binary [default: target/release/devopness-status-hooks]
  --action-yml PATH         where the declared inputs and defaults are read [default: action.yml]
  --latency-ms N            latency the fake adds to every response [default: 50]
  --sizes LIST              pipeline counts, comma-separated [default: 1,10,100,500]
  --sequential-sizes LIST   pipeline counts for the concurrency-1 baseline
                            [default: the sizes up to 100]
  --concurrency N           max-concurrency of the main runs [default: action.yml's default]
  --sweep LIST              also time N new pipelines at each max-concurrency in LIST
                            (e.g. 4,8,16,32) [default: no sweep]
  --sweep-pipelines N       pipelines per sweep run [default: 100]
  --probe-runs N            start-to-first-request probes; the median is reported [default: 20]
  --input NAME=VALUE        set an action input for every run (repeatable), e.g.
                            --input timeout-seconds=600
  -h, --help                this text

Exit status: 0 when every run of the binary exited 0 (missed goals are reported, not
fatal), 1 when a run failed, 2 for a usage error or a missing binary.";

pub struct Args {
    pub binary: PathBuf,
    pub action_yml: PathBuf,
    pub latency_ms: u64,
    pub sizes: Vec<usize>,
    pub sequential_sizes: Option<Vec<usize>>,
    pub concurrency: Option<usize>,
    pub sweep: Vec<usize>,
    pub sweep_pipelines: usize,
    pub probe_runs: usize,
    pub inputs: Vec<(String, String)>,
}

/// The binary accepts at most this many pipeline ids.
pub const MAX_PIPELINES: usize = 1000;
/// ... and a max-concurrency from 1 to this.
pub const MAX_CONCURRENCY: usize = 64;

/// Parses the arguments; `Err(None)` asks for the help text.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, Option<String>> {
    let mut a = Args {
        binary: PathBuf::from("target/release/devopness-status-hooks"),
        action_yml: PathBuf::from("action.yml"),
        latency_ms: 50,
        sizes: vec![1, 10, 100, 500],
        sequential_sizes: None,
        concurrency: None,
        sweep: Vec::new(),
        sweep_pipelines: 100,
        probe_runs: 20,
        inputs: Vec::new(),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Err(None);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || -> Result<String, Option<String>> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| Some(format!("{name} needs a value")))
        };
        match name.as_str() {
            "--binary" => a.binary = PathBuf::from(value()?),
            "--action-yml" => a.action_yml = PathBuf::from(value()?),
            "--latency-ms" => a.latency_ms = number(&name, &value()?, 0, 60_000)? as u64,
            "--sizes" => a.sizes = list(&name, &value()?, 1, MAX_PIPELINES)?,
            "--sequential-sizes" => {
                let v = value()?;
                a.sequential_sizes = Some(if v.trim().is_empty() {
                    Vec::new()
                } else {
                    list(&name, &v, 1, MAX_PIPELINES)?
                });
            }
            "--concurrency" => a.concurrency = Some(number(&name, &value()?, 1, MAX_CONCURRENCY)?),
            "--sweep" => a.sweep = list(&name, &value()?, 1, MAX_CONCURRENCY)?,
            "--sweep-pipelines" => a.sweep_pipelines = number(&name, &value()?, 1, MAX_PIPELINES)?,
            "--probe-runs" => a.probe_runs = number(&name, &value()?, 0, 1000)?,
            "--input" => {
                let v = value()?;
                let (n, v) = v
                    .split_once('=')
                    .ok_or_else(|| Some(format!("--input expects NAME=VALUE, got {v:?}")))?;
                a.inputs.push((n.trim().to_lowercase(), v.to_string()));
            }
            _ => return Err(Some(format!("unknown argument {arg:?}"))),
        }
    }
    Ok(a)
}

fn number(name: &str, s: &str, min: usize, max: usize) -> Result<usize, Option<String>> {
    match s.trim().parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Some(format!(
            "{name}: expected a whole number from {min} to {max}, got {s:?}"
        ))),
    }
}

fn list(name: &str, s: &str, min: usize, max: usize) -> Result<Vec<usize>, Option<String>> {
    let v = s
        .split(',')
        .map(|p| number(name, p, min, max))
        .collect::<Result<Vec<_>, _>>()?;
    if v.is_empty() {
        return Err(Some(format!("{name}: empty list")));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Args, Option<String>> {
        parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn defaults_and_forms() {
        let a = parse_str("").ok().unwrap();
        assert_eq!(a.sizes, vec![1, 10, 100, 500]);
        assert_eq!(a.latency_ms, 50);
        let a = parse_str("--sizes 1,2 --sweep=4,8 --concurrency 16 --input timeout-seconds=600")
            .ok()
            .unwrap();
        assert_eq!(a.sizes, vec![1, 2]);
        assert_eq!(a.sweep, vec![4, 8]);
        assert_eq!(a.concurrency, Some(16));
        assert_eq!(a.inputs, vec![("timeout-seconds".into(), "600".into())]);
        assert!(parse_str("--concurrency 65").is_err());
        assert!(parse_str("--sizes 0").is_err());
        assert!(parse_str("--bogus").is_err());
        assert!(matches!(parse_str("--help"), Err(None)));
    }
}

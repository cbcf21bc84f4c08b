//! Command-line options (argh), checked against the action's own input limits.

use std::path::PathBuf;
use std::str::FromStr;

use argh::FromArgs;
use devopness_status_hooks::inputs::{MAX_CONCURRENCY, MAX_PIPELINES};
use fake_devopness::{ProjectShape, RateLimit};

#[derive(FromArgs, Debug)]
/// Benchmark of the action binary against the in-process fake Devopness API.
/// Run from the workspace root: cargo build --release && cargo run --release -p bench.
/// Exit status: 0 when every run of the binary ended as expected (missed goals are
/// reported, not fatal), 1 when a run failed, 2 for a usage error or a missing binary.
pub struct Args {
    /// the action binary [default: target/release/devopness-status-hooks]
    #[argh(
        option,
        default = "PathBuf::from(\"target/release/devopness-status-hooks\")"
    )]
    pub binary: PathBuf,
    /// where the declared inputs and their defaults are read [default: action.yml]
    #[argh(option, default = "PathBuf::from(\"action.yml\")")]
    pub action_yml: PathBuf,
    /// latency the fake adds to every response, in ms [default: 50]
    #[argh(option, default = "50")]
    pub latency_ms: u64,
    /// pipeline counts, comma-separated [default: 1,10,100,500]
    #[argh(option, default = "Counts(vec![1, 10, 100, 500])")]
    pub sizes: Counts,
    /// pipeline counts for the concurrency-1 baseline [default: the sizes up to 100]
    #[argh(option)]
    pub sequential_sizes: Option<Counts>,
    /// max-concurrency of the main runs [default: action.yml's default]
    #[argh(option)]
    pub concurrency: Option<usize>,
    /// also time N new and N in-sync pipelines at each max-concurrency in this list,
    /// e.g. 8,16,32 [default: no sweep]
    #[argh(option, default = "Counts(Vec::new())")]
    pub sweep: Counts,
    /// pipelines per sweep run [default: 100]
    #[argh(option, default = "100")]
    pub sweep_pipelines: usize,
    /// start-to-first-request probes; the median is reported [default: 20]
    #[argh(option, default = "20")]
    pub probe_runs: usize,
    /// the rate limit of the rate-limited cases, REQUESTS/SECONDSs [default: 20/5s]
    #[argh(option, default = "RateLimit::per_seconds(20, 5)")]
    pub rate_limit: RateLimit,
    /// pipelines of the rate-limited cases [default: 50]
    #[argh(option, default = "50")]
    pub rate_limited_pipelines: usize,
    /// skip the rate-limited cases (they take about two minutes)
    #[argh(switch)]
    pub no_rate_limit: bool,
    /// also the long cases, under --check-rate-limit, Laravel's default limit: a check of
    /// --check-pipelines pipelines with delivery logs (a minute or more), and the --project
    /// project in sync (over two minutes at 3x20x1)
    #[argh(switch)]
    pub long: bool,
    /// with --long, skip the check (only the project's long case)
    #[argh(switch)]
    pub no_check: bool,
    /// the rate limit of the long cases [default: 60/1m]
    #[argh(option, default = "RateLimit::per_seconds(60, 60)")]
    pub check_rate_limit: RateLimit,
    /// pipelines of the long check [default: 30]
    #[argh(option, default = "30")]
    pub check_pipelines: usize,
    /// the project case's project, ENVIRONMENTSxAPPLICATIONSxDEPLOY_PIPELINES
    /// (applications per environment, deploy pipelines per application) [default: 3x20x1]
    #[argh(
        option,
        default = "ProjectShape { environments: 3, applications: 20, deploy_pipelines: 1 }"
    )]
    pub project: ProjectShape,
    /// skip the project case (and its long case)
    #[argh(switch)]
    pub no_project: bool,
    /// set an action input for every run, NAME=VALUE (repeatable), e.g.
    /// --input timeout-seconds=600
    #[argh(option)]
    pub input: Vec<Input>,
}

/// A comma-separated list of counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts(pub Vec<usize>);

impl FromStr for Counts {
    type Err = String;

    fn from_str(s: &str) -> Result<Counts, String> {
        if s.trim().is_empty() {
            return Ok(Counts(Vec::new()));
        }
        s.split(',')
            .map(|p| {
                p.trim()
                    .parse::<usize>()
                    .map_err(|_| format!("expected whole numbers separated by commas, got {s:?}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Counts)
    }
}

/// `NAME=VALUE`, the name lower-cased as action.yml spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub name: String,
    pub value: String,
}

impl FromStr for Input {
    type Err = String;

    fn from_str(s: &str) -> Result<Input, String> {
        let (name, value) = s
            .split_once('=')
            .ok_or_else(|| format!("expected NAME=VALUE, got {s:?}"))?;
        Ok(Input {
            name: name.trim().to_lowercase(),
            value: value.to_string(),
        })
    }
}

impl Args {
    /// Parses the arguments (without the program name); `Err((text, ok))` is the help
    /// (`ok`) or a usage error.
    pub fn parse(args: &[&str]) -> Result<Args, (String, bool)> {
        let args = Args::from_args(&["bench"], args).map_err(|e| (e.output, e.status.is_ok()))?;
        args.check().map_err(|e| (e, false))?;
        Ok(args)
    }

    /// The counts within what the action accepts.
    fn check(&self) -> Result<(), String> {
        let within = |name: &str, values: &[usize], min: usize, max: usize| match values
            .iter()
            .find(|v| !(min..=max).contains(*v))
        {
            Some(v) => Err(format!("--{name}: {v} is not from {min} to {max}")),
            None => Ok(()),
        };
        within("sizes", &self.sizes.0, 1, MAX_PIPELINES)?;
        if let Some(s) = &self.sequential_sizes {
            within("sequential-sizes", &s.0, 1, MAX_PIPELINES)?;
        }
        within(
            "concurrency",
            self.concurrency.as_slice(),
            1,
            MAX_CONCURRENCY,
        )?;
        within("sweep", &self.sweep.0, 1, MAX_CONCURRENCY)?;
        within("sweep-pipelines", &[self.sweep_pipelines], 1, MAX_PIPELINES)?;
        within(
            "rate-limited-pipelines",
            &[self.rate_limited_pipelines],
            1,
            MAX_PIPELINES,
        )?;
        within("check-pipelines", &[self.check_pipelines], 1, MAX_PIPELINES)?;
        within("probe-runs", &[self.probe_runs], 0, 1000)?;
        if self.sizes.0.is_empty() {
            return Err("--sizes: empty list".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Args, (String, bool)> {
        let words: Vec<&str> = s.split_whitespace().collect();
        Args::parse(&words)
    }

    #[test]
    fn defaults_and_forms() {
        let a = parse("").expect("defaults");
        assert_eq!(a.sizes, Counts(vec![1, 10, 100, 500]));
        assert_eq!(a.latency_ms, 50);
        assert_eq!(a.rate_limit, RateLimit::per_seconds(20, 5));
        assert!(!a.long);
        assert_eq!(a.check_rate_limit, RateLimit::per_seconds(60, 60));
        assert_eq!(a.check_pipelines, 30);
        assert_eq!(a.project, "3x20x1".parse().expect("a shape"));
        assert!(!a.no_project);
        let a = parse(
            "--sizes 1,2 --sweep 4,8 --concurrency 16 --input timeout-seconds=600 \
             --rate-limit 10/2s --long --check-rate-limit 30/1m --check-pipelines 12 \
             --project 2x5x3 --no-project --no-check",
        )
        .expect("valid");
        assert_eq!(a.sizes, Counts(vec![1, 2]));
        assert_eq!(a.sweep, Counts(vec![4, 8]));
        assert_eq!(a.concurrency, Some(16));
        assert_eq!(
            a.input,
            vec![Input {
                name: "timeout-seconds".into(),
                value: "600".into()
            }]
        );
        assert_eq!(a.rate_limit, RateLimit::per_seconds(10, 2));
        assert!(a.long);
        assert_eq!(a.check_rate_limit, RateLimit::per_seconds(30, 60));
        assert_eq!(a.check_pipelines, 12);
        assert_eq!(
            a.project,
            ProjectShape {
                environments: 2,
                applications: 5,
                deploy_pipelines: 3
            }
        );
        assert!(a.no_project);
        assert!(a.no_check);
    }

    #[test]
    fn limits_are_the_actions_own() {
        let too_many = format!("--concurrency {}", MAX_CONCURRENCY + 1);
        assert!(parse(&too_many).is_err());
        assert!(parse(&format!("--sizes {}", MAX_PIPELINES + 1)).is_err());
        assert!(parse("--sizes 0").is_err());
        assert!(parse("--bogus").is_err());
        assert!(parse("--project 0x1x1").is_err());
        assert!(parse("--project 3x20").is_err());
        assert!(matches!(parse("--help"), Err((_, true))));
    }
}

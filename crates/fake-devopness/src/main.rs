//! `fake-devopness --port 0 --token TOKEN --pipelines 1,2,3 [--latency-ms 50]
//! [--default-source OWNER/REPO@PROVIDER] [--seed-guide-hooks PIPELINE]
//! [--forbid-pipelines 4,5] [--rate-limit 20/5s] [--seed-applications]
//! [--seed-project ENVIRONMENTSxAPPLICATIONSxDEPLOY_PIPELINES]`
//!
//! Every pipeline of `--pipelines`, `--forbid-pipelines` and `--seed-guide-hooks` belongs to
//! an application of its own (id 90000 + the pipeline's) deploying `--default-source`:
//! `octo-org/my-app@github` unless given, so a script that expects statuses for another
//! repository or provider (a GitLab job's project, a Bitbucket pipe's repository) says so.
//!
//! Prints `listening on http://127.0.0.1:PORT` as its first line (then, with
//! `--seed-applications`, one line per seeded application, and what the applications of the
//! pipelines added on their own deploy), then serves until SIGINT or SIGTERM.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use fake_devopness::{
    FakeDevopness, ProjectShape, RateLimit, SeededProject, DEFAULT_PROVIDER, DEFAULT_REPOSITORY,
};

const USAGE: &str = "usage: fake-devopness [--port N] --token TOKEN [--pipelines 1,2,3] \
[--forbid-pipelines 4,5] [--default-source OWNER/REPO@PROVIDER] [--latency-ms MS] \
[--seed-guide-hooks PIPELINE] [--rate-limit REQUESTS/SECONDSs] [--seed-applications] \
[--seed-project ENVIRONMENTSxAPPLICATIONSxDEPLOY_PIPELINES (e.g. 3x20x1)]
  --default-source  what the application of each pipeline of --pipelines, \
--forbid-pipelines and --seed-guide-hooks deploys: its repository and the source \
provider's code (default octo-org/my-app@github; e.g. group/sub/project@gitlab, \
team/app@bitbucket)";

struct Options {
    port: u16,
    token: String,
    pipelines: Vec<u64>,
    forbidden: Vec<u64>,
    default_source: Source,
    latency: Duration,
    seed_guide_hooks: Option<u64>,
    rate_limit: Option<RateLimit>,
    seed_applications: bool,
    seed_project: Option<ProjectShape>,
}

/// `OWNER/REPO@PROVIDER`: a repository (`owner/name`, or a GitLab `group/sub/project`) and
/// the code of its source provider.
#[derive(Debug, PartialEq)]
struct Source {
    repository: String,
    provider: String,
}

impl std::str::FromStr for Source {
    type Err = String;

    fn from_str(s: &str) -> Result<Source, String> {
        let expected = "expected OWNER/REPO@PROVIDER (e.g. group/project@gitlab)";
        let (repository, provider) = s
            .rsplit_once('@')
            .ok_or_else(|| format!("no @PROVIDER in {s:?}: {expected}"))?;
        let segments_ok = repository.split('/').count() >= 2
            && repository.split('/').all(|part| {
                !part.is_empty() && !part.contains(|c: char| c.is_whitespace() || c == '@')
            });
        if !segments_ok {
            return Err(format!("not a repository: {repository:?}: {expected}"));
        }
        let provider_ok = !provider.is_empty()
            && provider
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !provider_ok {
            return Err(format!(
                "not a provider code: {provider:?} (github, gitlab, bitbucket, ...): {expected}"
            ));
        }
        Ok(Source {
            repository: repository.to_string(),
            provider: provider.to_string(),
        })
    }
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        token: String::new(),
        pipelines: vec![1],
        forbidden: Vec::new(),
        default_source: Source {
            repository: DEFAULT_REPOSITORY.to_string(),
            provider: DEFAULT_PROVIDER.to_string(),
        },
        latency: Duration::ZERO,
        seed_guide_hooks: None,
        rate_limit: None,
        seed_applications: false,
        seed_project: None,
    };
    let mut args = args;
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_string());
        }
        if flag == "--seed-applications" {
            options.seed_applications = true;
            continue;
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = |v: &str| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        let list = |v: &str| {
            v.split(',')
                .filter(|s| !s.trim().is_empty())
                .map(number)
                .collect::<Result<Vec<u64>, String>>()
        };
        match flag.as_str() {
            "--port" => {
                options.port = u16::try_from(number(&value)?)
                    .map_err(|_| format!("--port: out of range: {value}"))?
            }
            "--token" => options.token = value,
            "--pipelines" => options.pipelines = list(&value)?,
            "--forbid-pipelines" => options.forbidden = list(&value)?,
            "--default-source" => {
                options.default_source = value
                    .parse()
                    .map_err(|e| format!("--default-source: {e}"))?
            }
            "--latency-ms" => options.latency = Duration::from_millis(number(&value)?),
            "--seed-guide-hooks" => options.seed_guide_hooks = Some(number(&value)?),
            "--seed-project" => {
                options.seed_project =
                    Some(value.parse().map_err(|e| format!("--seed-project: {e}"))?)
            }
            "--rate-limit" => {
                options.rate_limit = Some(value.parse().map_err(|e| format!("--rate-limit: {e}"))?)
            }
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    if options.token.is_empty() {
        return Err(format!("--token is required\n{USAGE}"));
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
    let fake = match FakeDevopness::start_on(addr, &options.token) {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("fake-devopness: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Before any pipeline is added: each gets its application when it is added.
    let source = &options.default_source;
    fake.set_default_source(&source.repository, &source.provider);
    for id in &options.pipelines {
        fake.add_pipeline(*id);
    }
    for id in &options.forbidden {
        fake.forbid_pipeline(*id);
    }
    if let Some(id) = options.seed_guide_hooks {
        if !options.pipelines.contains(&id) {
            fake.add_pipeline(id);
        }
        // As a person following the guide would write them: for the application's repository.
        fake.seed_guide_hooks(id, &source.repository);
    }
    fake.set_latency(options.latency);
    fake.set_rate_limit(options.rate_limit);
    let seeded = if options.seed_applications {
        fake.seed_applications()
    } else {
        Vec::new()
    };
    let project = options.seed_project.map(|shape| fake.seed_project(shape));

    let mut stdout = std::io::stdout().lock();
    let mut lines = vec![format!("listening on {}", fake.base_url())];
    lines.extend(seeded.iter().map(|a| {
        format!(
            "application {} ({} {}): deploy pipelines {:?}, other pipelines {:?}",
            a.id,
            a.provider,
            a.repository.as_deref().unwrap_or("no repository"),
            a.deploy_pipelines,
            a.other_pipelines
        )
    }));
    lines.extend(project.iter().flat_map(project_lines));
    let mut own: Vec<u64> = options.pipelines.clone();
    own.extend(&options.forbidden);
    own.extend(options.seed_guide_hooks);
    own.sort_unstable();
    own.dedup();
    if !own.is_empty() {
        lines.push(format!(
            "pipelines {own:?}: each of an application of its own (90000 + its id) deploying {} on {}",
            source.repository, source.provider
        ));
    }
    let (first, rest) = lines.split_at(1);
    if writeln!(stdout, "{}", first.join(""))
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    // A reader may stop after the first line (it has the URL): the rest is for people, and
    // a closed pipe is no reason to stop serving.
    for line in rest {
        if writeln!(stdout, "{line}").is_err() {
            break;
        }
    }
    let _ = stdout.flush();
    drop(stdout);

    match wait_for_signal() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fake-devopness: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `project 5000: 3 environments, 60 applications, 60 deploy pipelines`, then per
/// environment `environment 5001 (production Production): applications 50001-50020,
/// deploy pipelines 500001-500020` (ranges, as the seeded ids follow each other).
fn project_lines(project: &SeededProject) -> Vec<String> {
    let range = |ids: &[u64]| match (ids.first(), ids.last()) {
        (Some(first), Some(last)) => format!("{first}-{last}"),
        _ => "none".to_string(),
    };
    let applications = project.applications().count();
    let mut lines = vec![format!(
        "project {}: {} environments, {applications} applications, {} deploy pipelines",
        project.id,
        project.environments.len(),
        project.deploy_pipelines().len()
    )];
    lines.extend(project.environments.iter().map(|e| {
        let applications: Vec<u64> = e.applications.iter().map(|a| a.id).collect();
        let pipelines: Vec<u64> = e
            .applications
            .iter()
            .flat_map(|a| a.deploy_pipelines.iter().copied())
            .collect();
        format!(
            "environment {} ({} {}): applications {}, deploy pipelines {}",
            e.id,
            e.kind.code(),
            e.name,
            range(&applications),
            range(&pipelines)
        )
    }));
    lines
}

fn wait_for_signal() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r,
                _ = term.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> impl Iterator<Item = String> + '_ {
        s.split_whitespace().map(str::to_string)
    }

    #[test]
    fn parses_options() {
        let o = parse(args(
            "--port 0 --token t --pipelines 1,2,3 --latency-ms 50 --seed-guide-hooks 2",
        ))
        .expect("valid");
        assert_eq!(o.pipelines, vec![1, 2, 3]);
        assert_eq!(o.latency, Duration::from_millis(50));
        assert_eq!(o.seed_guide_hooks, Some(2));
        assert_eq!(o.rate_limit, None);
        let o = parse(args("--token t --rate-limit 20/5s")).expect("valid");
        assert_eq!(o.rate_limit, Some(RateLimit::per_seconds(20, 5)));
        assert!(parse(args("--token t --rate-limit 20")).is_err());
        assert!(!o.seed_applications);
        let o = parse(args("--seed-applications --token t")).expect("valid");
        assert!(o.seed_applications);
        assert_eq!(o.seed_project, None);
        let o = parse(args("--token t --seed-project 3x20x1")).expect("valid");
        assert_eq!(
            o.seed_project,
            Some(ProjectShape {
                environments: 3,
                applications: 20,
                deploy_pipelines: 1
            })
        );
        for bad in [
            "3x20",
            "0x1x1",
            "3x20x1x1",
            "axbxc",
            "101x1x1",
            "100x1000x1",
        ] {
            let given = format!("--token t --seed-project {bad}");
            let error = parse(args(&given)).err().unwrap_or_default();
            assert!(error.starts_with("--seed-project: "), "{bad}: {error}");
        }
        assert_eq!(o.default_source.repository, "octo-org/my-app");
        assert_eq!(o.default_source.provider, "github");
        let o = parse(args("--token t --default-source group/sub/project@gitlab")).expect("valid");
        assert_eq!(
            o.default_source,
            Source {
                repository: "group/sub/project".into(),
                provider: "gitlab".into()
            }
        );
        for bad in [
            "octo/app",
            "octo/app@",
            "app@github",
            "/app@github",
            "octo//app@github",
            "octo/app@GitHub",
            "octo/a@b@github",
        ] {
            let given = format!("--token t --default-source {bad}");
            let error = parse(args(&given)).err().unwrap_or_default();
            assert!(error.starts_with("--default-source: "), "{bad}: {error}");
        }
        assert!(parse(args("--token t --port 70000")).is_err());
        assert!(parse(args("--port 0")).is_err());
        assert!(parse(args("--token t --bogus 1")).is_err());
        assert!(parse(args("--token")).is_err());
    }
}

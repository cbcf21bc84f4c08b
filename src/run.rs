//! One run, end to end, whatever front door it came through: the pipelines the
//! configuration names, the mode per pipeline, then logs, outputs, summary and the drift
//! issue. The only place that ties the pieces together.

use std::time::Instant;

use crate::applications;
use crate::apply;
use crate::devopness::Client;
use crate::doors::actions_io::Log;
use crate::doors::sinks::Sinks;
use crate::projects;
use crate::resolve::Resolver;
use crate::transport::Transport;
use status_core::contexts;
use status_core::discovery::ScopeOutcome;
use status_core::failure;
use status_core::inputs::{self, Config};
use status_core::outcome::{ApplicationError, PipelineOutcome};
use status_core::report;
use status_core::targets::{self, PipelineTarget, Target};

/// Exit status: done, in sync.
pub const EXIT_OK: u8 = 0;
/// Exit status: bad input, or a pipeline that could not be read or written.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: `check` found drift and `fail-on-drift` is true.
pub const EXIT_DRIFT: u8 = 2;

/// Runs a validated configuration (whatever front door it came through) and
/// reports to `sinks`; returns the exit status. `started`: when the run began (the
/// timeout counts from there).
pub async fn execute(
    config: &Config,
    ssl_cert_file: Option<&str>,
    sinks: &Sinks,
    log: &Log,
    started: Instant,
) -> u8 {
    let Some(http) = http_client(config, ssl_cert_file, log) else {
        return EXIT_FAILED;
    };
    // Each pipeline has at most its three writes in flight at once.
    let transport = Transport::new(http, started + config.timeout, 3 * config.max_concurrency);
    let client = match Client::new(
        transport.clone(),
        &config.api_url,
        config.api_token.expose(),
    ) {
        Ok(c) => c,
        Err(e) => {
            log.error(None, &e.to_string());
            return EXIT_FAILED;
        }
    };
    let mut found = pipelines_of(config, &client).await;
    let resolver = Resolver::new(
        &client,
        &config.status,
        &config.targets,
        found.standalone.clone(),
        inputs::check_context,
        &found.applications.read,
    );
    let run = apply::Run {
        client: &client,
        options: config.options,
        resolver: &resolver,
    };
    let mut outcomes = apply::run_all(run, &found.pipelines, config.max_concurrency).await;
    redact_outcomes(&mut outcomes, &mut found, log);
    // Teardown: two pipelines that shared a status do not any more.
    let shared = match config.options.mode {
        inputs::Mode::Remove => Vec::new(),
        _ => contexts::shared_contexts(&postings(&outcomes)),
    };
    let run = report::Outcomes {
        pipelines: &outcomes,
        applications: &found.applications.outcomes,
        scopes: &found.scopes,
        shared: &shared,
    };
    report_run(config, run, sinks, &transport, log).await
}

/// The pipelines the inputs name, and what finding them gave.
struct Found {
    /// Each project and environment of `project-ids` and `environment-ids`.
    scopes: Vec<ScopeOutcome>,
    /// Each application, named or found.
    applications: applications::Applications,
    /// Every pipeline to handle, each once, with its target.
    pipelines: Vec<PipelineTarget>,
    standalone: Option<Target>,
}

/// Every pipeline to handle: the deploy pipelines of the applications named or found in
/// projects and environments, then those of `pipeline-ids`.
async fn pipelines_of(config: &Config, client: &Client) -> Found {
    let concurrency = config.max_concurrency;
    let scopes = projects::find(
        client,
        &config.project_ids,
        &config.environment_ids,
        concurrency,
    )
    .await;
    let wanted = targets::wanted(&config.application_ids, scopes.applications);
    let explicit = config.targets.explicit();
    let mut applications = applications::read_all(client, &wanted, explicit, concurrency).await;
    let standalone = standalone(config);
    let merged = targets::merge(
        &applications.resolved,
        &applications.failed,
        &config.pipeline_ids,
        standalone.as_ref(),
    );
    applications.hold(merged.held);
    Found {
        scopes: scopes.outcomes,
        applications,
        pipelines: merged.pipelines,
        standalone,
    }
}

/// Where the pipelines of `pipeline-ids` post until their applications say otherwise:
/// the inputs' repository and provider (the workflow's repository on GitHub), if known.
fn standalone(config: &Config) -> Option<Target> {
    (!config.status.repository.is_empty()).then(|| Target {
        repository: config.status.repository.clone(),
        provider: config.provider,
    })
}

/// Where each pipeline handled posts, under which context.
fn postings(outcomes: &[PipelineOutcome]) -> Vec<contexts::Posting> {
    outcomes
        .iter()
        .filter(|p| !p.destination.repository.is_empty())
        .map(|p| contexts::Posting {
            pipeline_id: p.pipeline_id,
            owner: p.destination.owner.clone(),
            repository: p.destination.repository.clone(),
            provider: p.destination.provider,
            context: p.destination.context.clone(),
        })
        .collect()
}

/// The HTTP client, trusting the bundled roots, `ca-certificate` and the file named
/// by `SSL_CERT_FILE`; `None` (reported) when that cannot be.
fn http_client(config: &Config, ssl_cert_file: Option<&str>, log: &Log) -> Option<reqwest::Client> {
    let mut roots = config.ca_certificates.clone();
    if let Some(path) = ssl_cert_file {
        let certs = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|pem| inputs::parse_pem_certificates(&pem, &format!("SSL_CERT_FILE {path}")));
        match certs {
            Ok(certs) => roots.extend(certs),
            Err(e) => {
                log.error(
                    Some("SSL_CERT_FILE"),
                    &format!("could not use SSL_CERT_FILE {path}: {e}"),
                );
                return None;
            }
        }
    }
    crate::http::client(&roots)
        .map_err(|e| log.error(None, &e))
        .ok()
}

/// Logs, the drift issue, outputs and summary; returns the exit status.
async fn report_run(
    config: &Config,
    run: report::Outcomes<'_>,
    sinks: &Sinks,
    transport: &Transport,
    log: &Log,
) -> u8 {
    let options = &config.options;
    let outcomes = run.pipelines;
    let hooks = report::hooks_output(outcomes, report::HOOKS_OUTPUT_LIMIT);
    let pipelines = report::pipelines_output(outcomes, report::PIPELINES_OUTPUT_LIMIT);
    log_run(config, run, &hooks, log);
    let drift = report::drift(&report::counts(outcomes, options), options);
    let md = report::summary(run, options, &config.status.context, &hooks);
    let all_ok = run.all_ok();
    // A check that could not read everything says nothing about being in sync:
    // the issue is left as it is then, unless drift was found anyway.
    if let Some(issue) = config.drift_issue.as_ref().filter(|_| drift || all_ok) {
        let report = report::markdown::issue_report(
            run,
            options,
            &config.status.context,
            &hooks,
            crate::github::REPORT_LIMIT,
        );
        let body = log.secrets().redact(&report);
        let tracked =
            crate::github::track_drift(transport, issue, &config.status.context, drift, &body);
        if let Err(e) = tracked.await {
            // Reported, but it does not hide the drift result.
            log.error(Some("Drift issue"), &e.to_string());
        }
    }
    let outputs = report::outputs(outcomes, options, &hooks, &pipelines);
    let md = log.secrets().redact(&md);
    let headline = report::markdown::plain_headline(run, options);
    let outputs_written = sinks.write(&outputs, &md, &headline, log);
    if !all_ok || !outputs_written {
        EXIT_FAILED
    } else if drift && options.fail_on_drift {
        let switch = sinks.fail_on_drift_switch();
        log.error(
            None,
            &format!("drift found: see the report above ({switch} makes this exit 0)"),
        );
        EXIT_DRIFT
    } else {
        EXIT_OK
    }
}

/// The run's log: projects and environments, applications by environment, statuses
/// shared between pipelines, then a group per pipeline in the report's order.
fn log_run(config: &Config, run: report::Outcomes<'_>, hooks: &report::HooksOutput, log: &Log) {
    let outcomes = run.pipelines;
    let groups = report::groups::group(outcomes, run.applications);
    let lines = report::log::scope_lines(run.scopes)
        .into_iter()
        .chain(report::log::application_lines(run.applications))
        .chain(report::log::shared_lines(run.shared))
        .chain(report::log::lines(
            groups.pipelines(),
            &config.options,
            &config.status.extra_headers,
            hooks,
        ));
    for line in lines {
        log.emit(line);
    }
    let failures = outcomes.iter().flat_map(PipelineOutcome::failures);
    let done = outcomes.iter().filter(|p| p.ok()).count();
    if let Some(note) = failure::stopped_early(failures, done, outcomes.len()) {
        log.error(None, &note);
    }
}

/// Server text (errors, warnings) may echo a secret: redact it once, before any
/// report is built from it (Markdown escaping would hide it from later redaction).
fn redact_outcomes(outcomes: &mut [PipelineOutcome], found: &mut Found, log: &Log) {
    let secrets = log.secrets();
    let redact = |s: &str| secrets.redact(s);
    for a in &mut found.applications.outcomes {
        if let Some(ApplicationError::Read(e)) = &mut a.error {
            *e = e.map_text(&redact);
        }
    }
    for scope in &mut found.scopes {
        scope.error = scope.error.as_ref().map(|e| e.map_text(&redact));
    }
    for p in outcomes {
        p.error = p.error.as_ref().map(|e| e.map_text(&redact));
        for w in &mut p.warnings {
            *w = secrets.redact(w);
        }
        for h in &mut p.hooks {
            h.redact(&redact);
        }
    }
}

//! One run of the action, end to end: inputs, the mode per pipeline, then logs,
//! outputs, summary and the drift issue. The only place that ties the pieces together.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::actions_io::{self, Log};
use crate::apply::{self, Job};
use crate::devopness::Client;
use crate::inputs::{self, Config, InputError};
use crate::outcome::PipelineOutcome;
use crate::plan::Identity;
use crate::providers;
use crate::report::{self, log::Line};

/// Exit status: done, in sync.
pub const EXIT_OK: u8 = 0;
/// Exit status: bad input, or a pipeline that could not be read or written.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: `check` found drift and `fail-on-drift` is true.
pub const EXIT_DRIFT: u8 = 2;

/// Registers every secret input with the runner before any other line is printed.
pub fn mask_secrets(vars: &[(String, String)], log: &Log) {
    for secret in inputs::secrets(vars) {
        log.add_mask(&secret);
        let trimmed = secret.trim();
        if trimmed != secret {
            log.add_mask(trimmed);
        }
    }
}

/// The runner's files for outputs and the step summary, when it gives them.
struct Files {
    outputs: Option<PathBuf>,
    summary: Option<PathBuf>,
}

/// A variable of the environment, trimmed; empty means not set.
fn env_var<'a>(vars: &'a [(String, String)], name: &str) -> Option<&'a str> {
    vars.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Runs the action with these environment variables; returns the exit status.
pub async fn run(vars: &[(String, String)], log: &Log) -> u8 {
    let started = Instant::now();
    let files = Files {
        outputs: env_var(vars, "GITHUB_OUTPUT").map(PathBuf::from),
        summary: env_var(vars, "GITHUB_STEP_SUMMARY").map(PathBuf::from),
    };
    let config = match inputs::read(vars) {
        Ok(c) => c,
        Err(errors) => {
            report_input_errors(&errors, log, files.summary.as_deref());
            return EXIT_FAILED;
        }
    };
    let Some(http) = http_client(&config, env_var(vars, "SSL_CERT_FILE"), log) else {
        return EXIT_FAILED;
    };
    let client = Client::new(
        http,
        &config.api_url,
        config.api_token.expose(),
        started + config.timeout,
    );
    let desired = providers::desired_hooks(config.provider, &config.status);
    let job = Job {
        client: &client,
        desired: &desired,
        identity: Identity {
            field: config.provider.identity_field(),
            value: &config.status.context,
        },
        options: config.options,
    };
    let mut outcomes = apply::run_all(job, &config.pipeline_ids, config.max_concurrency).await;
    redact_outcomes(&mut outcomes, log);
    report_run(&config, &outcomes, &files, log).await
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
async fn report_run(config: &Config, outcomes: &[PipelineOutcome], files: &Files, log: &Log) -> u8 {
    let options = &config.options;
    let hooks = report::hooks_output(outcomes, report::HOOKS_OUTPUT_LIMIT);
    for line in report::log::lines(outcomes, options, &config.status.extra_headers, &hooks) {
        emit(log, line);
    }
    let drift = report::drift(&report::counts(outcomes, options), options);
    let md = report::summary(
        outcomes,
        options,
        &config.status.repository,
        &config.status.context,
        &hooks,
    );
    let all_ok = outcomes.iter().all(PipelineOutcome::ok);
    // A check that could not read everything says nothing about being in sync:
    // the issue is left as it is then, unless drift was found anyway.
    if let Some(issue) = config.drift_issue.as_ref().filter(|_| drift || all_ok) {
        let body = log.secrets().redact(&md);
        if let Err(e) =
            crate::github::track_drift(issue, &config.status.context, drift, &body).await
        {
            // Reported, but it does not hide the drift result.
            log.error(Some("Drift issue"), &e);
        }
    }
    let outputs = report::outputs(outcomes, options, &hooks);
    let outputs_written = write_outputs(&outputs, files.outputs.as_deref(), log);
    if let Some(path) = &files.summary {
        if let Err(e) = actions_io::write_summary(path, &log.secrets().redact(&md)) {
            log.warning(
                None,
                &format!("could not write the step summary ({}): {e}", path.display()),
            );
        }
    }
    if !all_ok || !outputs_written {
        EXIT_FAILED
    } else if drift && options.fail_on_drift {
        log.error(
            None,
            "drift found: see the report above (`fail-on-drift: false` makes this exit 0)",
        );
        EXIT_DRIFT
    } else {
        EXIT_OK
    }
}

/// Prints one line of the report's log.
fn emit(log: &Log, line: Line) {
    match line {
        Line::Group(title) => log.group(&title),
        Line::EndGroup => log.endgroup(),
        Line::Info(message) => log.info(&message),
        Line::Warning { title, message } => log.warning(title.as_deref(), &message),
        Line::Error { title, message } => log.error(title.as_deref(), &message),
        Line::Notice(message) => log.notice(None, &message),
    }
}

/// Writes the outputs (or logs them when not run by a runner); false on failure.
fn write_outputs(outputs: &[(&str, String)], path: Option<&Path>, log: &Log) -> bool {
    match path {
        Some(path) => match actions_io::write_outputs(path, outputs) {
            Ok(()) => true,
            Err(e) => {
                log.error(
                    None,
                    &format!("could not write the step outputs ({}): {e}", path.display()),
                );
                false
            }
        },
        None => {
            for (name, value) in outputs {
                log.info(&format!("output {name}={value}"));
            }
            true
        }
    }
}

/// Server text (errors, warnings) may echo a secret: redact it once, before any
/// report is built from it (Markdown escaping would hide it from later redaction).
fn redact_outcomes(outcomes: &mut [PipelineOutcome], log: &Log) {
    let secrets = log.secrets();
    for p in outcomes {
        p.error = p.error.as_deref().map(|e| secrets.redact(e));
        for w in &mut p.warnings {
            *w = secrets.redact(w);
        }
        for h in &mut p.hooks {
            h.error = h.error.as_deref().map(|e| secrets.redact(e));
        }
    }
}

fn report_input_errors(errors: &[InputError], log: &Log, summary: Option<&Path>) {
    for line in report::log::input_errors(errors) {
        emit(log, line);
    }
    if let Some(path) = summary {
        let md = report::markdown::input_errors(errors);
        let _ = actions_io::write_summary(path, &log.secrets().redact(&md));
    }
}

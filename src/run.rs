//! One run of the action, end to end: inputs, the mode per pipeline, then logs,
//! outputs, summary and the drift issue. The only place that ties the pieces together.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::actions_io::{self, Log};
use crate::apply::{self, HookResult, Job, PipelineOutcome};
use crate::devopness::Client;
use crate::failure::Failure;
use crate::inputs::{self, Config, InputError, Mode};
use crate::plan::Identity;
use crate::providers;
use crate::report;
use crate::transport::Transport;

/// Exit status: done, in sync.
pub const EXIT_OK: u8 = 0;
/// Exit status: bad input, or a pipeline that could not be read or written.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: `check` found drift and `fail-on-drift` is true.
pub const EXIT_DRIFT: u8 = 2;

/// Registers every secret input with the runner before any other line is printed.
pub fn mask_secrets(vars: &[(String, String)], log: &Log) {
    for token in inputs::raw_tokens(vars) {
        log.add_mask(token);
        let trimmed = token.trim();
        if trimmed != token {
            log.add_mask(trimmed);
        }
    }
    for value in inputs::extra_header_values(vars) {
        log.add_mask(value);
    }
}

/// Runs the action with these environment variables; returns the exit status.
pub async fn run(vars: &[(String, String)], log: &Log) -> u8 {
    let started = Instant::now();
    let env = |name: &str| {
        vars.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let output_file = env("GITHUB_OUTPUT");
    let summary_file = env("GITHUB_STEP_SUMMARY");

    let config = match inputs::read(vars) {
        Ok(c) => c,
        Err(errors) => {
            report_input_errors(&errors, log, summary_file.as_deref());
            return EXIT_FAILED;
        }
    };
    let mut roots = config.ca_certificates.clone();
    if let Some(path) = env("SSL_CERT_FILE") {
        match std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|pem| {
                crate::http::parse_pem_certificates(
                    &pem,
                    &format!("SSL_CERT_FILE {}", path.display()),
                )
            }) {
            Ok(certs) => roots.extend(certs),
            Err(e) => {
                log.error(
                    Some("SSL_CERT_FILE"),
                    &format!("could not use SSL_CERT_FILE {}: {e}", path.display()),
                );
                return EXIT_FAILED;
            }
        }
    }
    let http = match crate::http::client(&roots) {
        Ok(h) => h,
        Err(e) => {
            log.error(None, &e);
            return EXIT_FAILED;
        }
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
    log_outcomes(&outcomes, &config, log);
    let failures = outcomes.iter().flat_map(|p| {
        p.error
            .iter()
            .chain(p.hooks.iter().filter_map(|h| h.error.as_ref()))
    });
    let done = outcomes.iter().filter(|p| p.ok()).count();
    if let Some(note) = crate::failure::stopped_early(failures, done, outcomes.len()) {
        log.error(None, &note);
    }

    let counts = report::counts(&outcomes, &config.options);
    let drift = report::drift(&counts, &config.options);
    let md = report::summary(
        &outcomes,
        &config.options,
        &config.status.repository,
        &config.status.context,
    );
    let all_ok = outcomes.iter().all(PipelineOutcome::ok);
    // A check that could not read everything says nothing about being in sync:
    // the issue is left as it is then, unless drift was found anyway.
    if let Some(issue) = config.drift_issue.as_ref().filter(|_| drift || all_ok) {
        if let Err(e) = crate::github::track_drift(
            &transport,
            issue,
            &config.status.context,
            drift,
            &log.secrets().redact(&md),
        )
        .await
        {
            // Reported, but it does not hide the drift result.
            log.error(Some("Drift issue"), &e.to_string());
        }
    }
    let outputs_written = write_outputs(
        &report::outputs(&outcomes, &config.options),
        output_file.as_deref(),
        log,
    );
    if let Some(path) = &summary_file {
        if let Err(e) = actions_io::write_summary(path, &log.secrets().redact(&md)) {
            log.warning(
                None,
                &format!("could not write the step summary ({}): {e}", path.display()),
            );
        }
    }
    if !all_ok || !outputs_written {
        EXIT_FAILED
    } else if drift && config.options.fail_on_drift {
        log.error(
            None,
            "drift found: see the report above (`fail-on-drift: false` makes this exit 0)",
        );
        EXIT_DRIFT
    } else {
        EXIT_OK
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
    let redact = |s: &str| secrets.redact(s);
    for p in outcomes {
        p.error = p.error.as_ref().map(|e| e.map_text(&redact));
        for w in &mut p.warnings {
            *w = secrets.redact(w);
        }
        for h in &mut p.hooks {
            h.error = h.error.as_ref().map(|e| e.map_text(&redact));
        }
    }
}

/// The body as the log may show it: `extra-headers` values (secrets) elided.
fn printable_body(body: &serde_json::Value, config: &Config) -> serde_json::Value {
    let mut body = body.clone();
    if let Some(headers) = body
        .pointer_mut("/settings/request_headers")
        .and_then(serde_json::Value::as_array_mut)
    {
        for header in headers {
            let name = header
                .get("name")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("");
            let secret = config
                .status
                .extra_headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case(name));
            if secret {
                header["value"] = serde_json::Value::String("***".into());
            }
        }
    }
    body
}

fn report_input_errors(errors: &[InputError], log: &Log, summary: Option<&Path>) {
    for e in errors {
        log.error(Some(&format!("Invalid input: {}", e.input)), &e.to_string());
    }
    log.error(
        None,
        &format!(
            "{} input problem(s); nothing was sent to Devopness. Fix the inputs above and run again.",
            errors.len()
        ),
    );
    if let Some(path) = summary {
        let mut md = String::from(
            "## Devopness status hooks\n\nNothing was done: the inputs are invalid.\n\n",
        );
        for e in errors {
            md.push_str(&format!("- {}\n", report::md_cell(&e.to_string())));
        }
        let _ = actions_io::write_summary(path, &log.secrets().redact(&md));
    }
}

/// The log: a group per pipeline, a `::warning::` per problem, `::error::` per failure.
fn log_outcomes(outcomes: &[PipelineOutcome], config: &Config, log: &Log) {
    let title = |p: &PipelineOutcome| format!("Pipeline {}", p.pipeline_id);
    for p in outcomes {
        log.group(&title(p));
        for h in &p.hooks {
            let id = h.hook_id.as_deref().unwrap_or("-");
            log.info(&format!(
                "{}: {} (hook {id}, {})",
                h.event.as_str(),
                h.result.as_str(),
                h.name
            ));
            for d in &h.differences {
                log.info(&format!(
                    "  {}: {} -> {}",
                    d.field,
                    report::shown(&d.field, &d.observed),
                    report::shown(&d.field, &d.desired)
                ));
            }
            if let Some(body) = h.body.as_ref().filter(|_| config.options.dry_run) {
                let text =
                    serde_json::to_string_pretty(&printable_body(body, config)).unwrap_or_default();
                log.info(&format!(
                    "  request body ({}):",
                    if h.result == HookResult::WouldCreate {
                        "create"
                    } else {
                        "update"
                    }
                ));
                for line in text.lines() {
                    log.info(&format!("    {line}"));
                }
            }
            if !h.deleted.is_empty() {
                let verb = if config.options.dry_run {
                    "would delete"
                } else {
                    "deleted"
                };
                log.info(&format!("  {verb}: {}", h.deleted.join(", ")));
            }
        }
        log.endgroup();
        for w in &p.warnings {
            log.warning(Some(&title(p)), w);
        }
        for h in &p.hooks {
            let problem = match h.result {
                HookResult::Missing => Some(format!("the {} hook is missing", h.event.as_str())),
                HookResult::Drifted => {
                    let fields: Vec<&str> =
                        h.differences.iter().map(|d| d.field.as_str()).collect();
                    Some(format!(
                        "the {} hook has drifted: {}",
                        h.event.as_str(),
                        fields.join(", ")
                    ))
                }
                _ => None,
            };
            if let Some(problem) = problem {
                log.warning(Some(&title(p)), &problem);
            }
            if !h.duplicates.is_empty() {
                log.warning(
                    Some(&title(p)),
                    &format!(
                        "{} more hook(s) post the same status on {}: {}. Left alone; `prune-duplicates: true` deletes them.",
                        h.duplicates.len(),
                        h.event.as_str(),
                        h.duplicates.join(", ")
                    ),
                );
            }
            if let Some(d) = h.delivery.as_ref().filter(|d| d.failing) {
                log.warning(
                    Some(&title(p)),
                    &format!(
                        "the {} hook's latest delivery failed ({}): {}",
                        h.event.as_str(),
                        d.last_status
                            .map_or("no answer".to_owned(), |s| s.to_string()),
                        d.cause.as_deref().unwrap_or("")
                    ),
                );
            }
        }
        let mut errors: Vec<&Failure> = p.error.iter().collect();
        for e in p.hooks.iter().filter_map(|h| h.error.as_ref()) {
            if !errors.contains(&e) {
                errors.push(e);
            }
        }
        for e in errors {
            log.error(Some(&title(p)), &e.to_string());
        }
    }
    if config.options.mode != Mode::Check && config.options.dry_run {
        log.notice(None, "dry run: nothing was written to Devopness");
    }
}

//! One run of the action, end to end: inputs, plan and apply per pipeline, then
//! logs, outputs and summary. The only place that ties the pieces together.

use std::path::PathBuf;

use crate::actions_io::{self, Log};
use crate::apply::{self, PipelineOutcome};
use crate::devopness::Client;
use crate::inputs::{self, Config, InputError};
use crate::plan::Identity;
use crate::providers;
use crate::report;

/// Exit status: every pipeline ended in the desired state.
pub const EXIT_OK: u8 = 0;
/// Exit status: bad input, or a pipeline that could not be brought in line.
pub const EXIT_FAILED: u8 = 1;

/// Registers every secret input with the runner before any other line is printed.
pub fn mask_secrets(vars: &[(String, String)], log: &Log) {
    if let Some(token) = inputs::raw_token(vars) {
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
    let http = match crate::http::client() {
        Ok(h) => h,
        Err(e) => {
            log.error(None, &e);
            return EXIT_FAILED;
        }
    };
    let client = Client::new(http, &config.api_url, config.api_token.expose());
    let outcomes = apply_config(&client, &config).await;
    log_outcomes(&outcomes, log);

    let outputs = report::outputs(&outcomes);
    match &output_file {
        Some(path) => {
            if let Err(e) = actions_io::write_outputs(path, &outputs) {
                log.error(
                    None,
                    &format!("could not write the step outputs ({}): {e}", path.display()),
                );
            }
        }
        None => {
            for (name, value) in &outputs {
                log.info(&format!("output {name}={value}"));
            }
        }
    }
    if let Some(path) = &summary_file {
        let md = report::summary(&outcomes, &config.status.repository, &config.status.context);
        if let Err(e) = actions_io::write_summary(path, &log.secrets().redact(&md)) {
            log.warning(
                None,
                &format!("could not write the step summary ({}): {e}", path.display()),
            );
        }
    }
    if outcomes.iter().all(PipelineOutcome::ok) {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

async fn apply_config(client: &Client, config: &Config) -> Vec<PipelineOutcome> {
    let desired = providers::desired_hooks(config.provider, &config.status);
    let identity = Identity {
        field: config.provider.identity_field(),
        value: &config.status.context,
    };
    apply::apply_all(
        client,
        &config.pipeline_ids,
        &desired,
        identity,
        config.max_concurrency,
    )
    .await
}

fn report_input_errors(errors: &[InputError], log: &Log, summary: Option<&std::path::Path>) {
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

fn log_outcomes(outcomes: &[PipelineOutcome], log: &Log) {
    for p in outcomes {
        log.group(&format!("Pipeline {}", p.pipeline_id));
        for h in &p.hooks {
            let id = h.hook_id.as_deref().unwrap_or("-");
            log.info(&format!(
                "{}: {} (hook {id}, {})",
                h.event.as_str(),
                h.result.as_str(),
                h.name
            ));
            for d in &h.differences {
                log.info(&format!("  repaired {}", d.field));
            }
            if !h.duplicates.is_empty() {
                log.warning(
                    Some(&format!("Pipeline {}", p.pipeline_id)),
                    &format!(
                        "{} more hook(s) post the same status on {}: {}. Left alone; delete the extra ones in Devopness.",
                        h.duplicates.len(),
                        h.event.as_str(),
                        h.duplicates.join(", ")
                    ),
                );
            }
        }
        log.endgroup();
        let mut errors: Vec<&String> = p.error.iter().collect();
        for e in p.hooks.iter().filter_map(|h| h.error.as_ref()) {
            if !errors.contains(&e) {
                errors.push(e);
            }
        }
        for e in errors {
            log.error(Some(&format!("Pipeline {}", p.pipeline_id)), e);
        }
    }
}

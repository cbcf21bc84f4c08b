//! The GitHub container action's front door: the inputs as the runner passes them
//! (`INPUT_*`), its secrets masked before anything is printed, and the runner's files
//! (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`) the report goes to.

use std::path::{Path, PathBuf};

use super::actions_io::{self, Log};
use super::env_var;
use super::sinks::Sinks;
use status_core::inputs::{self, Config, InputError};
use status_core::report;

/// A run the runner's inputs asked for.
#[derive(Debug)]
pub struct Ready {
    pub config: Config,
    pub sinks: Sinks,
    /// `SSL_CERT_FILE`: more roots to trust, from a file.
    pub ssl_cert_file: Option<String>,
}

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

/// The run the inputs ask for; `None` when they are refused (reported in the log and
/// the step summary, before anything is sent).
pub fn start(vars: &[(String, String)], log: &Log) -> Option<Ready> {
    let summary = env_var(vars, "GITHUB_STEP_SUMMARY").map(PathBuf::from);
    let config = match inputs::read(vars) {
        Ok(c) => c,
        Err(errors) => {
            report_input_errors(&errors, log, summary.as_deref());
            return None;
        }
    };
    Some(Ready {
        config,
        sinks: Sinks::Runner {
            outputs: env_var(vars, "GITHUB_OUTPUT").map(PathBuf::from),
            summary,
        },
        ssl_cert_file: env_var(vars, "SSL_CERT_FILE").map(str::to_owned),
    })
}

fn report_input_errors(errors: &[InputError], log: &Log, summary: Option<&Path>) {
    for line in report::log::input_errors(errors) {
        log.emit(line);
    }
    if let Some(path) = summary {
        let md = report::markdown::input_errors(errors);
        let _ = actions_io::write_summary(path, &log.secrets().redact(&md));
    }
}

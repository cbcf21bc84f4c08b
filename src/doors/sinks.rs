//! Where a run's outputs and Markdown report go, whichever front door it came through:
//! the GitHub runner's files, or the files a command line asked for.

use std::path::{Path, PathBuf};

use super::actions_io::{self, Log};
use super::output_files::{self, OutputFiles};

/// Where a run's outputs and Markdown report go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sinks {
    /// The GitHub runner's files (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`), when it
    /// gives them; without `GITHUB_OUTPUT` the outputs are logged.
    Runner {
        outputs: Option<PathBuf>,
        summary: Option<PathBuf>,
    },
    /// The files a command line asked for (`--output-json`, `--output-dotenv`,
    /// `--summary-file`); the report ends with its headline.
    Files(OutputFiles),
}

impl Sinks {
    /// Writes the outputs and the report (`md`, already redacted); `headline` ends a
    /// command line's log. False when the outputs could not be written.
    pub fn write(&self, outputs: &[(&str, String)], md: &str, headline: &str, log: &Log) -> bool {
        match self {
            Sinks::Runner {
                outputs: file,
                summary,
            } => write_runner_files(outputs, file.as_deref(), summary.as_deref(), md, log),
            Sinks::Files(files) => {
                log.group(headline);
                write_output_files(files, outputs, md, log)
            }
        }
    }

    /// The input that turns off the failure on drift, as this front door spells it.
    pub fn fail_on_drift_switch(&self) -> &'static str {
        match self {
            Sinks::Runner { .. } => "`fail-on-drift: false`",
            Sinks::Files(_) => "`--fail-on-drift=false`",
        }
    }
}

/// The runner's outputs file and step summary; false when the outputs could not be
/// written.
fn write_runner_files(
    outputs: &[(&str, String)],
    file: Option<&Path>,
    summary: Option<&Path>,
    md: &str,
    log: &Log,
) -> bool {
    let written = write_outputs(outputs, file, log);
    if let Some(path) = summary {
        if let Err(e) = actions_io::write_summary(path, md) {
            log.warning(
                None,
                &format!("could not write the step summary ({}): {e}", path.display()),
            );
        }
    }
    written
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

/// The files a command line asked for; false when one could not be written.
fn write_output_files(
    files: &OutputFiles,
    outputs: &[(&str, String)],
    md: &str,
    log: &Log,
) -> bool {
    let dotenv = files.dotenv.as_ref().map(|path| {
        (
            path,
            output_files::dotenv(outputs).map_err(|e| e.to_string()),
        )
    });
    let writes = [
        files
            .json
            .as_ref()
            .map(|path| (path, Ok(output_files::json_object(outputs)))),
        dotenv,
        files.summary.as_ref().map(|path| (path, Ok(md.to_owned()))),
    ];
    let mut ok = true;
    for (path, text) in writes.into_iter().flatten() {
        let result = text.and_then(|t| output_files::write(path, &t).map_err(|e| e.to_string()));
        if let Err(e) = result {
            log.error(None, &format!("could not write {}: {e}", path.display()));
            ok = false;
        }
    }
    ok
}

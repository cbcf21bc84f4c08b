//! The entry point: environment and arguments in, exit code out. A GitHub container
//! action (`GITHUB_ACTIONS=true` with `INPUT_*`) reads its inputs and speaks workflow
//! commands, as it always has; anywhere else (a terminal, GitLab, Bitbucket, a GitHub
//! `run:` step) the command line's front door reads flags and `DEVOPNESS_*`.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use devopness_status_hooks::doors::actions_io::{Log, Secrets, Style};
use devopness_status_hooks::doors::front_door::{self, Start};
use devopness_status_hooks::doors::platform::{self, Platform};
use devopness_status_hooks::doors::sinks::Sinks;
use devopness_status_hooks::doors::terminal;
use devopness_status_hooks::doors::{self, action};
use devopness_status_hooks::run::{self, EXIT_FAILED, EXIT_OK};

fn main() -> ExitCode {
    let started = Instant::now();
    // Lossy, so a variable that is not UTF-8 cannot stop the run before it reports.
    let vars: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let platform = platform::detect(&vars);
    ExitCode::from(if platform.is_action() {
        github_action(&vars, started)
    } else {
        command_line(&vars, &platform, started)
    })
}

/// The GitHub container action.
fn github_action(vars: &[(String, String)], started: Instant) -> u8 {
    let log = Log::stdout(Secrets::default());
    // Masked before anything else is printed.
    action::mask_secrets(vars, &log);
    let Some(ready) = action::start(vars, &log) else {
        return EXIT_FAILED;
    };
    match runtime(&log) {
        Some(rt) => rt.block_on(run::execute(
            &ready.config,
            ready.ssl_cert_file.as_deref(),
            &ready.sinks,
            &log,
            started,
        )),
        None => EXIT_FAILED,
    }
}

/// Every other platform: the command line.
fn command_line(vars: &[(String, String)], platform: &Platform, started: Instant) -> u8 {
    let colour = terminal::wants_colour(std::io::stdout().is_terminal(), vars);
    let log = Log::stdout(Secrets::default()).with_style(Style::Plain { colour });
    let args = std::env::args_os().skip(1).collect();
    match front_door::start(args, vars, platform, &mut |secret| log.add_mask(secret)) {
        Start::Print(text) => {
            print!("{text}");
            EXIT_OK
        }
        Start::Refused { problems, summary } => {
            front_door::report_refused(&problems, summary.as_deref(), &log);
            EXIT_FAILED
        }
        Start::Run(ready) => {
            let ssl_cert_file = doors::env_var(vars, "SSL_CERT_FILE");
            let sinks = Sinks::Files(ready.files);
            match runtime(&log) {
                Some(rt) => rt.block_on(run::execute(
                    &ready.config,
                    ssl_cert_file,
                    &sinks,
                    &log,
                    started,
                )),
                None => EXIT_FAILED,
            }
        }
    }
}

fn runtime(log: &Log) -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| log.error(None, &format!("could not start the async runtime: {e}")))
        .ok()
}

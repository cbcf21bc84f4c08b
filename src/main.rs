//! The container's entry point: environment in, exit code out.

use std::process::ExitCode;

use devopness_status_hooks::actions_io::{Log, Secrets};
use devopness_status_hooks::run;

fn main() -> ExitCode {
    // Lossy, so a variable that is not UTF-8 cannot stop the run before it reports.
    let vars: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let log = Log::stdout(Secrets::default());
    // Masked before anything else is printed.
    run::mask_secrets(&vars, &log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log.error(None, &format!("could not start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    ExitCode::from(runtime.block_on(run::run(&vars, &log)))
}

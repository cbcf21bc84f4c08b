//! The front doors: where a run's values come from and where its report goes. The
//! platform ([`platform`]), the GitHub action ([`action`]), the command line ([`cli`],
//! [`help`], [`sources`], [`front_door`]), where the report goes ([`sinks`]): the
//! runner's files and log ([`actions_io`]) or the command line's ([`output_files`],
//! [`terminal`]).

pub mod action;
pub mod actions_io;
pub mod cli;
pub mod front_door;
pub mod help;
pub mod output_files;
pub mod platform;
pub mod sinks;
pub mod sources;
pub mod terminal;

/// A variable of the environment, trimmed; empty means not set.
pub fn env_var<'a>(vars: &'a [(String, String)], name: &str) -> Option<&'a str> {
    vars.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

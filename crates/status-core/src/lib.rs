//! The pure core of devopness-status-hooks: it decides and formats, and does no I/O.
//! The environment, files and answers come in as values; what it returns goes out
//! through the action's crate (the shell), which alone holds the async runtime, HTTP
//! and TLS. Clippy holds it to that (`clippy.toml`: no environment, file, socket,
//! process, clock, thread or name resolution; below: no printing, no `dbg!`).

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

pub mod api_error;
pub mod contexts;
pub mod discovery;
pub mod failure;
pub mod health;
pub mod hook;
pub mod inputs;
pub mod outcome;
pub mod plan;
pub mod providers;
pub mod report;
pub mod targets;

//! devopness-status-hooks: makes sure each listed Devopness deploy pipeline (or each
//! deploy pipeline of the listed applications) has its three outgoing hooks that post
//! commit statuses (started, failed, completed).
//!
//! A functional core and a thin shell. The core decides and formats without any
//! I/O: [`inputs`] (the option table and its validation), [`providers`], [`hook`],
//! [`plan`], [`health`], [`targets`], [`discovery`], [`contexts`], [`outcome`],
//! [`failure`], [`api_error`], [`report`], [`link`], and for the front doors
//! [`platform`], [`cli`], [`help`], [`terminal`]. The shell does the I/O and ties the
//! core together: [`run`], [`projects`], [`applications`], [`resolve`], [`apply`], [`devopness`],
//! [`github`], [`transport`], [`http`], [`actions_io`], and [`sources`],
//! [`output_files`], [`front_door`]. A core module
//! imports only core modules, and no two modules import each other, directly or round
//! a cycle; `tests/layering.rs` reads the two lists below and holds the sources (and
//! the README's module table) to them.

pub use status_core::{
    api_error, contexts, discovery, failure, health, hook, inputs, outcome, plan, providers,
    report, targets,
};

// Core: pure, no I/O.

// Shell: I/O at the edges.
pub mod applications;
pub mod apply;
pub mod devopness;
pub mod doors;
pub mod github;
pub mod http;
pub mod projects;
pub mod resolve;
pub mod run;
pub mod transport;

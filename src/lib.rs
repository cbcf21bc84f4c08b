//! devopness-status-hooks: makes sure each listed Devopness deploy pipeline (or each
//! deploy pipeline of the listed applications) has its three outgoing hooks that post
//! commit statuses (started, failed, completed).
//!
//! The action's crate is the shell around the pure core (`crates/status-core`, re-exported
//! below so the paths stay `devopness_status_hooks::inputs`, ...): the front doors
//! ([`doors`]), one run end to end ([`run`], [`projects`], [`applications`], [`resolve`],
//! [`apply`]) and the clients ([`devopness`], [`github`], [`transport`], [`http`]).

pub use status_core::{
    api_error, contexts, discovery, failure, health, hook, inputs, outcome, plan, providers,
    report, targets,
};

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

//! devopness-status-hooks: makes sure each listed Devopness deploy pipeline has its
//! three outgoing hooks that post commit statuses (started, failed, completed).
//!
//! A functional core ([`plan`], [`hook`], [`providers`], [`report`], [`inputs`])
//! and a thin shell ([`run`], [`apply`], [`devopness`], [`http`], [`actions_io`]).

pub mod actions_io;
pub mod apply;
pub mod cli;
pub mod devopness;
pub mod github;
pub mod health;
pub mod help;
pub mod hook;
pub mod http;
pub mod inputs;
pub mod link;
pub mod output_files;
pub mod plan;
pub mod platform;
pub mod providers;
pub mod report;
pub mod run;
pub mod sources;
pub mod terminal;

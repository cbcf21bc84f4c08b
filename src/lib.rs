//! devopness-status-hooks: makes sure each listed Devopness deploy pipeline has its
//! three outgoing hooks that post commit statuses (started, failed, completed).
//!
//! A functional core ([`plan`], [`hook`], [`providers`], [`report`], [`inputs`],
//! [`api_error`], [`failure`]) and a thin shell ([`run`], [`apply`], [`devopness`],
//! [`github`], [`transport`], [`http`], [`actions_io`]).

pub mod actions_io;
pub mod api_error;
pub mod apply;
pub mod devopness;
pub mod failure;
pub mod github;
pub mod health;
pub mod hook;
pub mod http;
pub mod inputs;
pub mod link;
pub mod plan;
pub mod providers;
pub mod report;
pub mod run;
pub mod transport;

//! The drift tracking issue on GitHub: one issue per repository and status context,
//! found again by a hidden marker, opened (or reopened) and updated while drift
//! persists, commented on and closed once in sync. octocrab's typed routes, sent
//! through the run's transport ([`service`]).

mod service;

use std::fmt;

use octocrab::models::IssueState;
use octocrab::{params, Octocrab, OctocrabBuilder};

use crate::transport::Transport;
pub use service::OnTransport;
use status_core::api_error::TransportError;
use status_core::inputs::DriftIssue;

/// The label of the tracking issue.
pub const LABEL: &str = "devopness-drift";

/// The hidden marker that identifies the issue for one status context.
pub fn marker(context: &str) -> String {
    format!("<!-- devopness-status-hooks drift-issue context={context} -->")
}

/// The issue title for one status context.
pub fn title(context: &str) -> String {
    format!("Devopness status hooks drifted ({context})")
}

/// GitHub refuses issue bodies over 65,536 characters; leave room for the rest.
pub const REPORT_LIMIT: usize = 60_000;

/// The issue body: the report (cut to [`REPORT_LIMIT`]), then the marker.
pub fn body(report: &str, context: &str) -> String {
    let report = if report.chars().count() > REPORT_LIMIT {
        let cut: String = report.chars().take(REPORT_LIMIT).collect();
        format!(
            "{cut}\n\n_Report cut to fit an issue; the step summary of the run has all of it._\n"
        )
    } else {
        report.to_owned()
    };
    format!(
        "{report}\n---\nOpened by the devopness-status-hooks drift check; it updates this issue while drift persists and closes it once everything is in sync.\n\n{}\n",
        marker(context)
    )
}

/// What was being done to the issue when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    LookFor,
    Open,
    Update,
    CommentOn,
    Close,
}

impl Step {
    fn verb(self) -> &'static str {
        match self {
            Step::LookFor => "look for",
            Step::Open => "open",
            Step::Update => "update",
            Step::CommentOn => "comment on",
            Step::Close => "close",
        }
    }
}

/// Why GitHub did not do it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cause {
    /// GitHub answered this status and message.
    Status { code: u16, message: String },
    /// No usable answer.
    Transport(TransportError),
    /// An answer octocrab could not read.
    Other(String),
}

/// The drift issue could not be kept up to date.
#[derive(Debug, Clone, PartialEq)]
pub enum IssueError {
    /// The client could not be set up (an API URL or token that cannot be used).
    Setup(String),
    Failed {
        step: Step,
        repository: String,
        cause: Cause,
    },
}

impl fmt::Display for IssueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (step, repository, cause) = match self {
            IssueError::Setup(m) => return write!(f, "could not set up the GitHub client: {m}"),
            IssueError::Failed {
                step,
                repository,
                cause,
            } => (step, repository, cause),
        };
        write!(
            f,
            "could not {} the drift issue in {repository}: ",
            step.verb()
        )?;
        match cause {
            Cause::Status { code, message } => {
                let hint = match code {
                    401 => "; the github-token was rejected",
                    403 => "; grant the workflow `permissions: issues: write`",
                    404 => "; check that the repository exists and the token can see it",
                    _ => "",
                };
                write!(f, "{code} {message}{hint}")
            }
            Cause::Transport(e) => write!(f, "{e}"),
            Cause::Other(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for IssueError {}

/// An octocrab error as a [`Cause`]: the transport's own error found by its type.
fn cause(e: octocrab::Error) -> Cause {
    match e {
        octocrab::Error::GitHub { source, .. } => Cause::Status {
            code: source.status_code.as_u16(),
            message: source.message,
        },
        octocrab::Error::Service { source, .. } => {
            let mut next: Option<&(dyn std::error::Error + 'static)> = Some(source.as_ref());
            while let Some(current) = next {
                if let Some(t) = current.downcast_ref::<TransportError>() {
                    return Cause::Transport(t.clone());
                }
                next = current.source();
            }
            Cause::Other(source.to_string())
        }
        other => Cause::Other(other.to_string()),
    }
}

/// octocrab with no connector of its own: its requests go through [`OnTransport`].
fn octocrab_on(transport: &Transport, issue: &DriftIssue) -> Result<Octocrab, IssueError> {
    let service = OnTransport::new(
        transport.clone(),
        &issue.api_url,
        issue.github_token.expose(),
    )
    .map_err(IssueError::Setup)?;
    match OctocrabBuilder::new_empty()
        .with_service(service)
        .with_auth(octocrab::AuthState::None)
        .build()
    {
        Ok(client) => Ok(client),
        Err(never) => match never {},
    }
}

/// Opens, updates, reopens or closes the tracking issue, on `transport`.
pub async fn track_drift(
    transport: &Transport,
    issue: &DriftIssue,
    context: &str,
    drift: bool,
    report: &str,
) -> Result<(), IssueError> {
    let (owner, repo) = issue
        .repository
        .split_once('/')
        .ok_or_else(|| IssueError::Setup(format!("`{}` is not owner/name", issue.repository)))?;
    let fail = |step: Step| {
        let repository = issue.repository.clone();
        move |e: octocrab::Error| IssueError::Failed {
            step,
            repository,
            cause: cause(e),
        }
    };
    let client = octocrab_on(transport, issue)?;
    let issues = client.issues(owner, repo);
    let marker = marker(context);
    let found = issues
        .list()
        .labels(&[LABEL.to_owned()])
        .state(params::State::All)
        .per_page(100)
        .send()
        .await
        .map_err(fail(Step::LookFor))?
        .items
        .into_iter()
        .filter(|i| {
            i.pull_request.is_none() && i.body.as_deref().is_some_and(|b| b.contains(&marker))
        })
        .min_by_key(|i| i.number);
    let text = body(report, context);
    match (found, drift) {
        (None, false) => Ok(()),
        (None, true) => issues
            .create(title(context))
            .body(text)
            .labels(vec![LABEL.to_owned()])
            .send()
            .await
            .map(|_| ())
            .map_err(fail(Step::Open)),
        (Some(existing), true) => issues
            .update(existing.number)
            .title(&title(context))
            .body(&text)
            .state(IssueState::Open)
            .send()
            .await
            .map(|_| ())
            .map_err(fail(Step::Update)),
        (Some(existing), false) if existing.state == IssueState::Open => {
            issues
                .create_comment(
                    existing.number,
                    "All status hooks are in sync again; closing.",
                )
                .await
                .map_err(fail(Step::CommentOn))?;
            issues
                .update(existing.number)
                .state(IssueState::Closed)
                .send()
                .await
                .map(|_| ())
                .map_err(fail(Step::Close))
        }
        (Some(_), false) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_report_fits_an_issue_and_keeps_the_marker() {
        let b = body(&"x".repeat(100_000), "ci/x");
        assert!(b.chars().count() < 65_536);
        assert!(b.contains(&marker("ci/x")));
        assert!(body("short", "ci/x").starts_with("short\n"));
    }
}

//! The drift tracking issue on GitHub (octocrab): one issue per repository and
//! status context, found again by a hidden marker, opened (or reopened) and
//! updated while drift persists, commented on and closed once in sync.

use std::time::Duration;

use octocrab::models::IssueState;
use octocrab::{params, Octocrab};

use crate::inputs::DriftIssue;

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

/// Opens, updates, reopens or closes the tracking issue. Errors say what to do.
pub async fn track_drift(
    issue: &DriftIssue,
    context: &str,
    drift: bool,
    report: &str,
) -> Result<(), String> {
    let (owner, repo) = issue
        .repository
        .split_once('/')
        .ok_or_else(|| format!("`{}` is not owner/name", issue.repository))?;
    let explain = |what: &str, e: octocrab::Error| -> String {
        let detail = match &e {
            octocrab::Error::GitHub { source, .. } => {
                let status = source.status_code.as_u16();
                let hint = match status {
                    401 => "; the github-token was rejected",
                    403 => "; grant the workflow `permissions: issues: write`",
                    404 => "; check that the repository exists and the token can see it",
                    _ => "",
                };
                format!("{status} {}{hint}", source.message)
            }
            other => other.to_string(),
        };
        format!(
            "could not {what} the drift issue in {}: {detail}",
            issue.repository
        )
    };
    let client = Octocrab::builder()
        .base_uri(issue.api_url.as_str())
        .map_err(|e| format!("GITHUB_API_URL {}: {e}", issue.api_url))?
        .personal_token(issue.github_token.expose().to_owned())
        .set_connect_timeout(Some(Duration::from_secs(10)))
        .set_read_timeout(Some(Duration::from_secs(30)))
        .build()
        .map_err(|e| format!("could not set up the GitHub client: {e}"))?;
    let issues = client.issues(owner, repo);
    let marker = marker(context);
    let found = issues
        .list()
        .labels(&[LABEL.to_owned()])
        .state(params::State::All)
        .per_page(100)
        .send()
        .await
        .map_err(|e| explain("look for", e))?
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
            .map_err(|e| explain("open", e)),
        (Some(existing), true) => issues
            .update(existing.number)
            .title(&title(context))
            .body(&text)
            .state(IssueState::Open)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| explain("update", e)),
        (Some(existing), false) if existing.state == IssueState::Open => {
            issues
                .create_comment(
                    existing.number,
                    "All status hooks are in sync again; closing.",
                )
                .await
                .map_err(|e| explain("comment on", e))?;
            issues
                .update(existing.number)
                .state(IssueState::Closed)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| explain("close", e))
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

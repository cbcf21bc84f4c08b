//! GitHub and GitHub Enterprise Server commit statuses
//! (`POST {api}/repos/{owner}/{repo}/statuses/{sha}`).

use serde_json::json;

use super::{
    content_type, segment_after, CommitFields, LimitError, Provider, Setting, StatusRequest,
    StatusSettings, SHA, TOKEN,
};
use crate::hook::{Event, Header};

pub struct GitHub;

/// GitHub rejects a longer description with 422.
pub const DESCRIPTION_LIMIT: usize = 140;

impl Provider for GitHub {
    fn name(&self) -> &'static str {
        "github"
    }

    fn default_api_url(&self, env: &dyn Fn(&str) -> Option<String>) -> String {
        env("GITHUB_API_URL")
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "https://api.github.com".to_owned())
    }

    fn check_repository(&self, repository: &str) -> Result<(), String> {
        let expected = "expected owner/name, as in octo-org/my-app";
        let (owner, name) = repository
            .split_once('/')
            .ok_or_else(|| format!("{expected}; got no `/`"))?;
        let owner_ok = (1..=39).contains(&owner.len())
            && !owner.starts_with('-')
            && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !owner_ok {
            return Err(format!(
                "{expected}; the owner must be 1-39 letters, digits or hyphens"
            ));
        }
        let name_ok = (1..=100).contains(&name.len())
            && name != "."
            && name != ".."
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(format!(
                "{expected}; the name must be 1-100 letters, digits, `-`, `_` or `.`, and not `.` or `..`"
            ));
        }
        Ok(())
    }

    fn identity_field(&self) -> &'static str {
        "context"
    }

    fn commit_fields(&self) -> CommitFields {
        CommitFields {
            request: "pull request",
            push: &["after", "head_commit.id"],
            pull_request: "pull_request.head.sha",
        }
    }

    fn commit_in_url<'u>(&self, url: &'u str) -> Option<&'u str> {
        segment_after(url, "statuses")
    }

    fn token_needs(&self) -> &'static str {
        "commit-status write access (a fine-grained token: \"Commit statuses: write\"; a classic token: repo:status)"
    }

    fn check_limits(&self, settings: &StatusSettings) -> Vec<LimitError> {
        Event::ALL
            .into_iter()
            .filter(|e| settings.description(*e).chars().count() > DESCRIPTION_LIMIT)
            .map(|e| LimitError {
                setting: Setting::Description(e),
                message: format!(
                    "at most {DESCRIPTION_LIMIT} characters for GitHub (it answers 422 to a longer one)"
                ),
            })
            .collect()
    }

    fn status_request(&self, settings: &StatusSettings, event: Event) -> StatusRequest {
        let state = match event {
            Event::Started => "pending",
            Event::Failed => "failure",
            Event::Completed => "success",
        };
        StatusRequest {
            url: format!(
                "{}/repos/{}/statuses/{SHA}",
                settings.api_url, settings.repository
            ),
            headers: vec![
                Header::new("Authorization", &format!("Bearer {TOKEN}")),
                Header::new("Accept", "application/vnd.github+json"),
                Header::new("X-GitHub-Api-Version", "2022-11-28"),
                Header::new("User-Agent", "devopness-status-hooks"),
                content_type(),
            ],
            body: json!({
                "state": state,
                "target_url": settings.details_url,
                "description": settings.description(event),
                "context": settings.context,
            }),
        }
    }
}

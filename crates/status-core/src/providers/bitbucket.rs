//! Bitbucket Cloud build statuses
//! (`POST {api}/repositories/{workspace}/{repo_slug}/commit/{sha}/statuses/build`).

use serde_json::json;

use super::{
    content_type, segment_after, CommitFields, LimitError, Provider, Setting, StatusRequest,
    StatusSettings, SHA, TOKEN,
};
use crate::hook::{Event, Header};

pub struct Bitbucket;

/// Bitbucket answers 400 to a longer `key`.
pub const KEY_LIMIT: usize = 40;
/// The readable title shown next to the status.
pub const STATUS_NAME: &str = "Devopness deploy";

impl Provider for Bitbucket {
    fn name(&self) -> &'static str {
        "bitbucket"
    }

    fn default_api_url(&self, _env: &dyn Fn(&str) -> Option<String>) -> String {
        "https://api.bitbucket.org/2.0".to_owned()
    }

    fn check_repository(&self, repository: &str) -> Result<(), String> {
        let expected = "expected workspace/repo_slug, as in my-team/my-app";
        let (workspace, slug) = repository
            .split_once('/')
            .ok_or_else(|| format!("{expected}; got no `/`"))?;
        let part_ok = |p: &str, max: usize| {
            (1..=max).contains(&p.len())
                && p != "."
                && p != ".."
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !part_ok(workspace, 62) || !part_ok(slug, 62) {
            return Err(format!(
                "{expected}; each part 1-62 letters, digits, `-`, `_` or `.`, one `/` between"
            ));
        }
        Ok(())
    }

    fn identity_field(&self) -> &'static str {
        "key"
    }

    fn commit_fields(&self) -> CommitFields {
        CommitFields {
            request: "pull request",
            push: &["push.changes[0].new.target.hash"],
            pull_request: "pullrequest.source.commit.hash",
        }
    }

    fn commit_in_url<'u>(&self, url: &'u str) -> Option<&'u str> {
        segment_after(url, "commit")
    }

    fn token_needs(&self) -> &'static str {
        "access to the repository; and only the status's creator (or a repository admin) may overwrite it, so all three hooks must post with the same credential"
    }

    fn check_limits(&self, settings: &StatusSettings) -> Vec<LimitError> {
        if settings.context.chars().count() > KEY_LIMIT {
            vec![LimitError {
                setting: Setting::Context,
                message: format!("at most {KEY_LIMIT} characters: it is Bitbucket's status key"),
            }]
        } else {
            Vec::new()
        }
    }

    fn status_request(&self, settings: &StatusSettings, event: Event) -> StatusRequest {
        let state = match event {
            Event::Started => "INPROGRESS",
            Event::Failed => "FAILED",
            Event::Completed => "SUCCESSFUL",
        };
        StatusRequest {
            url: format!(
                "{}/repositories/{}/commit/{SHA}/statuses/build",
                settings.api_url, settings.repository
            ),
            headers: vec![
                Header::new("Authorization", &format!("Bearer {TOKEN}")),
                content_type(),
            ],
            body: json!({
                "key": settings.context,
                "state": state,
                "name": STATUS_NAME,
                "url": settings.details_url,
                "description": settings.description(event),
            }),
        }
    }
}

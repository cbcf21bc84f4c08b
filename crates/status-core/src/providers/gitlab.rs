//! GitLab (gitlab.com and self-managed) commit statuses
//! (`POST {api}/projects/{id}/statuses/{sha}`).

use serde_json::json;

use super::{
    content_type, segment_after, CommitFields, LimitError, Provider, Setting, StatusRequest,
    StatusSettings, SHA, SOURCE_REF, TOKEN,
};
use crate::hook::{Event, Header};

pub struct GitLab;

/// GitLab's limit on each string of a status.
pub const STRING_LIMIT: usize = 255;

/// The project as it goes into the URL: a numeric id as is, a path with its `/`
/// written `%2F` (Devopness does not encode).
pub fn project_segment(repository: &str) -> String {
    repository.replace('/', "%2F")
}

impl Provider for GitLab {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn default_api_url(&self, _env: &dyn Fn(&str) -> Option<String>) -> String {
        "https://gitlab.com/api/v4".to_owned()
    }

    fn check_repository(&self, repository: &str) -> Result<(), String> {
        if !repository.is_empty() && repository.chars().all(|c| c.is_ascii_digit()) {
            return if repository.starts_with('0') {
                Err("a numeric project id cannot start with 0".into())
            } else {
                Ok(())
            };
        }
        let expected = "expected the project path (group/sub/project) or the numeric project id";
        let parts: Vec<&str> = repository.split('/').collect();
        if parts.len() < 2 {
            return Err(format!("{expected}; got no `/`"));
        }
        if repository.len() > STRING_LIMIT {
            return Err(format!("{expected}; at most {STRING_LIMIT} characters"));
        }
        for part in parts {
            let ok = !part.is_empty()
                && part != "."
                && part != ".."
                && !part.starts_with(['-', '.'])
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !ok {
                return Err(format!(
                    "{expected}; each part must be letters, digits, `-`, `_` or `.`, got `{part}`"
                ));
            }
        }
        Ok(())
    }

    fn identity_field(&self) -> &'static str {
        "name"
    }

    /// GitLab reads `context` as the status name when `name` is absent.
    fn identity_aliases(&self) -> &'static [&'static str] {
        &["context"]
    }

    fn commit_fields(&self) -> CommitFields {
        CommitFields {
            request: "merge request",
            push: &["checkout_sha"],
            pull_request: "object_attributes.last_commit.id",
        }
    }

    fn commit_in_url<'u>(&self, url: &'u str) -> Option<&'u str> {
        segment_after(url, "statuses")
    }

    fn token_needs(&self) -> &'static str {
        "the `api` scope, and a user with at least the Developer role on the project (Maintainer where the branch is protected)"
    }

    fn takes_source_ref(&self) -> bool {
        true
    }

    fn check_limits(&self, settings: &StatusSettings) -> Vec<LimitError> {
        let limited = std::iter::once((Setting::DetailsUrl, settings.details_url.as_str())).chain(
            Event::ALL
                .into_iter()
                .map(|e| (Setting::Description(e), settings.description(e))),
        );
        limited
            .filter(|(_, value)| value.chars().count() > STRING_LIMIT)
            .map(|(setting, _)| LimitError {
                setting,
                message: format!(
                    "at most {STRING_LIMIT} characters for GitLab (it refuses a longer string)"
                ),
            })
            .collect()
    }

    fn status_request(&self, settings: &StatusSettings, event: Event) -> StatusRequest {
        // `running` (not `pending`) on start: GitLab answers 400 to a repeated state.
        let state = match event {
            Event::Started => "running",
            Event::Failed => "failed",
            Event::Completed => "success",
        };
        let mut body = json!({
            "state": state,
            "name": settings.context,
            "target_url": settings.details_url,
            "description": settings.description(event),
        });
        if settings.gitlab_ref {
            body["ref"] = json!(SOURCE_REF);
        }
        StatusRequest {
            url: format!(
                "{}/projects/{}/statuses/{SHA}",
                settings.api_url,
                project_segment(&settings.repository)
            ),
            headers: vec![
                Header::new("Authorization", &format!("Bearer {TOKEN}")),
                content_type(),
            ],
            body,
        }
    }
}

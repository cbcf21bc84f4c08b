//! Source providers: where Devopness sends the commit status, and in what shape.
//!
//! Each provider lives in its own module and implements [`Provider`]; [`ALL`] is
//! the one list that names them. The rest of the program only sees the trait.

use serde_json::Value;

use crate::hook::{DesiredHook, Event, Header};

mod bitbucket;
mod github;
mod gitlab;

/// GitHub: the default provider, and where the drift issue lives.
pub const GITHUB: &dyn Provider = &github::GitHub;
/// GitLab (gitlab.com and self-managed).
pub const GITLAB: &dyn Provider = &gitlab::GitLab;
/// Bitbucket Cloud.
pub const BITBUCKET: &dyn Provider = &bitbucket::Bitbucket;

/// Every provider, by its `provider` input value.
pub static ALL: &[&dyn Provider] = &[GITHUB, GITLAB, BITBUCKET];

/// Whether `a` and `b` are the same provider.
pub fn same(a: &dyn Provider, b: &dyn Provider) -> bool {
    a.name() == b.name()
}

/// The provider named `name`, if any.
pub fn by_name(name: &str) -> Option<&'static dyn Provider> {
    ALL.iter().copied().find(|p| p.name() == name)
}

/// The names of every provider, for error messages.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|p| p.name()).collect()
}

/// Devopness renders this to the commit the deploy was triggered from.
pub const SHA: &str = "{{ action.triggered_from.hook_parsed_variables.commit_hash }}";
/// Devopness renders this to the source provider token connected to the application.
pub const TOKEN: &str = "{{ application.source_provider.access_token }}";
/// Devopness renders this to the branch the deploy was triggered from.
pub const SOURCE_REF: &str = "{{ action.triggered_from.hook_parsed_variables.source_ref }}";
/// The default `hook-name` template.
pub const DEFAULT_HOOK_NAME: &str = "{context}: {event}";
/// Devopness refuses longer hook names.
pub const HOOK_NAME_LIMIT: usize = 60;

/// What the user asked the status to look like, validated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatusSettings {
    pub api_url: String,
    pub repository: String,
    pub context: String,
    pub details_url: String,
    pub description_started: String,
    pub description_failed: String,
    pub description_completed: String,
    /// `extra-headers`: added to every hook's request after the provider's own.
    pub extra_headers: Vec<Header>,
    /// `hook-name`: a template with `{context}` and `{event}`.
    pub hook_name: String,
    /// `only-when-commit`: send statuses only for deploys triggered by a hook.
    pub only_when_commit: bool,
    /// `gitlab-ref`: GitLab only, also send `ref`.
    pub gitlab_ref: bool,
}

impl StatusSettings {
    pub fn description(&self, event: Event) -> &str {
        match event {
            Event::Started => &self.description_started,
            Event::Failed => &self.description_failed,
            Event::Completed => &self.description_completed,
        }
    }
}

/// A [`StatusSettings`] field that a provider limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Context,
    DetailsUrl,
    Description(Event),
}

/// A provider's limit that one setting breaks, and what the provider does then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitError {
    pub setting: Setting,
    pub message: String,
}

/// Where a provider's webhook payloads carry the commit, for the incoming hook's
/// `commit_hash` variable: the push event's field(s) and the pull (merge) request's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitFields {
    /// What the provider calls a pull request (`merge request` on GitLab).
    pub request: &'static str,
    /// The push event's commit (the first is the usual one).
    pub push: &'static [&'static str],
    /// The pull (merge) request's head commit.
    pub pull_request: &'static str,
}

/// Every status request declares its body as JSON, so that no provider has to guess.
pub fn content_type() -> Header {
    Header::new("Content-Type", "application/json")
}

/// The request Devopness will send to the provider for one event.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusRequest {
    pub url: String,
    pub headers: Vec<Header>,
    pub body: Value,
}

pub trait Provider: Sync {
    /// The `provider` input value.
    fn name(&self) -> &'static str;
    /// `provider-api-url` when the input is not given (`env` is the process environment).
    fn default_api_url(&self, env: &dyn Fn(&str) -> Option<String>) -> String;
    /// Checks the `repository` input; the message says what is expected.
    fn check_repository(&self, repository: &str) -> Result<(), String>;
    /// The body field that names the status (context, name or key): a hook's identity.
    fn identity_field(&self) -> &'static str;
    /// Other body fields the provider also reads as the status's name when the identity
    /// field is absent (GitLab: `context`).
    fn identity_aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// Where the provider's push and pull request payloads carry the commit.
    fn commit_fields(&self) -> CommitFields;
    /// The commit in a rendered status request URL: `Some("")` when the URL has the
    /// provider's status shape with an empty commit (a deploy without a commit hash),
    /// `None` when the URL does not have that shape at all.
    fn commit_in_url<'u>(&self, url: &'u str) -> Option<&'u str>;
    /// What the provider needs of the token that posts statuses, for advice when it
    /// refuses it.
    fn token_needs(&self) -> &'static str;
    /// Whether the status can also carry the branch (`gitlab-ref`).
    fn takes_source_ref(&self) -> bool {
        false
    }
    /// The headers the provider's request sets itself, with their values (templates
    /// unrendered).
    fn own_header_values(&self) -> Vec<Header> {
        self.status_request(&StatusSettings::default(), Event::Started)
            .headers
    }
    /// The provider's own limits, each error naming the setting that breaks one.
    fn check_limits(&self, settings: &StatusSettings) -> Vec<LimitError>;
    /// The commit-status request for `event`.
    fn status_request(&self, settings: &StatusSettings, event: Event) -> StatusRequest;
}

/// The hook name for `event`: the `hook-name` template expanded.
pub fn hook_name(template: &str, context: &str, event: Event) -> String {
    template
        .replace("{context}", context)
        .replace("{event}", event.word())
}

/// The condition that keeps a hook quiet for deploys started by hand (no commit).
pub fn only_when_commit_condition() -> Value {
    serde_json::json!({
        "path": "action.triggered_from.trigger_type",
        "accepted_values": ["hook"],
    })
}

/// The three hooks one pipeline should have.
pub fn desired_hooks(provider: &dyn Provider, settings: &StatusSettings) -> Vec<DesiredHook> {
    Event::ALL
        .into_iter()
        .map(|event| {
            let request = provider.status_request(settings, event);
            let mut headers = request.headers;
            headers.extend(settings.extra_headers.iter().cloned());
            DesiredHook {
                event,
                name: hook_name(&settings.hook_name, &settings.context, event),
                target_url: request.url,
                headers,
                body: request.body,
                conditions: if settings.only_when_commit {
                    vec![only_when_commit_condition()]
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

/// The status identity written in an observed hook's request body, if any: the identity
/// field, else the first alias present (as the provider reads it).
pub fn identity_of(provider: &dyn Provider, body: &Value) -> Option<String> {
    status_name(body, provider.identity_field()).map(str::to_owned)
}

/// The status a request body names, where `field` is a provider's identity field: that
/// field, else (when it is absent) the first of the provider's aliases present.
pub fn status_name<'b>(body: &'b Value, field: &str) -> Option<&'b str> {
    let aliases = ALL
        .iter()
        .find(|p| p.identity_field() == field)
        .map_or(&[][..], |p| p.identity_aliases());
    std::iter::once(field)
        .chain(aliases.iter().copied())
        .find_map(|f| body.get(f))
        .and_then(Value::as_str)
}

/// The path segment that follows the last `marker` segment of `url`'s path (the query
/// and fragment left out): `Some("")` when there is none or it is empty, `None` when
/// no segment is `marker`.
pub(crate) fn segment_after<'u>(url: &'u str, marker: &str) -> Option<&'u str> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let path = path.split_once("://").map_or(path, |(_, rest)| rest);
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments.iter().rposition(|s| *s == marker)?;
    Some(segments.get(at + 1).copied().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_commit_is_read_from_each_providers_status_url() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        for (provider, with, without) in [
            (
                GITHUB,
                format!("https://api.github.com/repos/o/statuses/statuses/{sha}"),
                "https://api.github.com/repos/o/statuses/statuses/".to_owned(),
            ),
            (
                GITLAB,
                format!("https://gitlab.com/api/v4/projects/g%2Fp/statuses/{sha}?x=1"),
                "https://gitlab.com/api/v4/projects/g%2Fp/statuses".to_owned(),
            ),
            (
                BITBUCKET,
                format!("https://api.bitbucket.org/2.0/repositories/w/commit/commit/{sha}/statuses/build"),
                "https://api.bitbucket.org/2.0/repositories/w/r/commit//statuses/build".to_owned(),
            ),
        ] {
            assert_eq!(provider.commit_in_url(&with), Some(sha), "{with}");
            assert_eq!(provider.commit_in_url(&without), Some(""), "{without}");
            assert_eq!(provider.commit_in_url("https://hooks.example/x"), None);
        }
    }

    #[test]
    fn gitlab_reads_context_when_name_is_absent() {
        let field = GITLAB.identity_field();
        assert_eq!(status_name(&json!({"context": "c"}), field), Some("c"));
        assert_eq!(
            status_name(&json!({"name": "n", "context": "c"}), field),
            Some("n")
        );
        // GitHub's identity field is `context`: it has no alias.
        assert_eq!(
            status_name(&json!({"name": "n"}), GITHUB.identity_field()),
            None
        );
        assert_eq!(
            identity_of(GITLAB, &json!({"context": "c"})).as_deref(),
            Some("c")
        );
    }

    #[test]
    fn every_status_request_declares_json() {
        for provider in ALL {
            let request = provider.status_request(&StatusSettings::default(), Event::Failed);
            assert!(
                request.headers.contains(&content_type()),
                "{}: {:?}",
                provider.name(),
                request.headers
            );
            assert!(provider
                .own_header_values()
                .iter()
                .any(|h| h.name == "Content-Type"));
        }
    }
}

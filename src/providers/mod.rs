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
    /// Whether the status can also carry the branch (`gitlab-ref`).
    fn takes_source_ref(&self) -> bool {
        false
    }
    /// The names of the headers the provider's request sets itself.
    fn own_headers(&self) -> Vec<String> {
        self.status_request(&StatusSettings::default(), Event::Started)
            .headers
            .into_iter()
            .map(|h| h.name)
            .collect()
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

/// The status identity written in an observed hook's request body, if any.
pub fn identity_of(provider: &dyn Provider, body: &Value) -> Option<String> {
    body.get(provider.identity_field())
        .and_then(Value::as_str)
        .map(str::to_owned)
}

//! Source providers: where Devopness sends the commit status, and in what shape.
//!
//! Each provider lives in its own module and implements [`Provider`]; [`ALL`] is
//! the one list that names them. The rest of the program only sees the trait.

use serde_json::Value;

use crate::hook::{DesiredHook, Event, Header};
use crate::inputs::InputError;

mod github;

/// Every provider, by its `provider` input value.
pub static ALL: &[&dyn Provider] = &[&github::GitHub];

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

/// What the user asked the status to look like, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusSettings {
    pub api_url: String,
    pub repository: String,
    pub context: String,
    pub details_url: String,
    pub description_started: String,
    pub description_failed: String,
    pub description_completed: String,
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
    /// The provider's own limits, each error naming the input that breaks one.
    fn check_limits(&self, settings: &StatusSettings) -> Vec<InputError>;
    /// The commit-status request for `event`.
    fn status_request(&self, settings: &StatusSettings, event: Event) -> StatusRequest;
}

/// The default hook name for `event`: `{context}: {event word}`.
pub fn hook_name(context: &str, event: Event) -> String {
    format!("{context}: {}", event.word())
}

/// The three hooks one pipeline should have.
pub fn desired_hooks(provider: &dyn Provider, settings: &StatusSettings) -> Vec<DesiredHook> {
    Event::ALL
        .into_iter()
        .map(|event| {
            let request = provider.status_request(settings, event);
            DesiredHook {
                event,
                name: hook_name(&settings.context, event),
                target_url: request.url,
                headers: request.headers,
                body: request.body,
                conditions: Vec::new(),
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

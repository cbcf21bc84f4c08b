//! The fake's data: projects, environments, applications, pipelines, hooks and delivery
//! logs, plus the clock and id generator.
//!
//! Hooks are stored as the JSON object `GET /hooks/outgoing/{id}` returns, so test helpers
//! (`edit_hook`) can change anything and every view is derived from that one document. The
//! rest is stored as typed records; `documents` renders them as the API does.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::faults::XorShift;

/// The project every environment added without one belongs to (it always exists).
pub const DEFAULT_PROJECT_ID: u64 = 4_201;
/// The environment (`Production`, of [`DEFAULT_PROJECT_ID`]) every application added without
/// one belongs to, and every pipeline added without an application reports (it always
/// exists).
pub const DEFAULT_ENVIRONMENT_ID: u64 = 8_402;
pub(crate) const ORGANIZATION_ID: u64 = 1_601;
/// A pipeline added without an application reports this plus its id as its application
/// (`resource_id`), an application the fake does not hold.
const APPLICATION_ID_BASE: u64 = 90_000;

pub(crate) struct Pipeline {
    pub id: u64,
    pub operation: String,
    pub forbidden: bool,
    pub created_at: String,
    /// The application it belongs to, when added to one (see `applications`).
    pub application_id: Option<u64>,
    /// The `resource_type` of a pipeline that runs for another resource than an
    /// application (`server`, ...); `None` for an application's.
    pub other_resource: Option<&'static str>,
}

/// The first id of the resources other pipelines run for (a server's pipeline N runs for
/// resource `80000 + N`).
const OTHER_RESOURCE_ID_BASE: u64 = 80_000;

impl Pipeline {
    /// The id of the resource it runs for: its `resource_id`, and its hooks' (an
    /// application's, unless it runs for another resource).
    pub fn resource_id(&self) -> u64 {
        match self.other_resource {
            Some(_) => OTHER_RESOURCE_ID_BASE.saturating_add(self.id),
            None => self
                .application_id
                .unwrap_or(APPLICATION_ID_BASE.saturating_add(self.id)),
        }
    }

    /// Its `resource_type`.
    pub fn resource_type(&self) -> &'static str {
        self.other_resource.unwrap_or("application")
    }
}

/// An environment's `type` (`EnvironmentType` in the API's description).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvironmentType {
    Development,
    Staging,
    Production,
}

impl EnvironmentType {
    /// `development`, `staging` or `production`, as the API writes it.
    pub fn code(self) -> &'static str {
        match self {
            EnvironmentType::Development => "development",
            EnvironmentType::Staging => "staging",
            EnvironmentType::Production => "production",
        }
    }

    /// `type_human_readable`.
    pub fn human(self) -> &'static str {
        match self {
            EnvironmentType::Development => "Development",
            EnvironmentType::Staging => "Staging",
            EnvironmentType::Production => "Production",
        }
    }
}

/// An environment to add to the fake ([`crate::FakeDevopness::add_environment`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnvironment {
    pub id: u64,
    pub project_id: u64,
    pub name: String,
    pub kind: EnvironmentType,
    /// Archived: listed only at `/projects/{id}/environments/archived`, with `archived_at`.
    pub archived: bool,
}

impl NewEnvironment {
    /// A live environment of `project_id`.
    pub fn new(id: u64, project_id: u64, name: &str, kind: EnvironmentType) -> NewEnvironment {
        NewEnvironment {
            id,
            project_id,
            name: name.to_string(),
            kind,
            archived: false,
        }
    }

    /// The same environment, archived.
    pub fn archived(mut self) -> NewEnvironment {
        self.archived = true;
        self
    }
}

pub(crate) struct Project {
    pub id: u64,
    pub name: String,
    pub forbidden: bool,
    pub created_at: String,
}

pub(crate) struct Environment {
    pub new: NewEnvironment,
    pub forbidden: bool,
    pub created_at: String,
    /// Set when added archived, a moment after `created_at`.
    pub archived_at: Option<String>,
}

/// An application to add to the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub id: u64,
    pub name: String,
    /// `owner/name`; `None` for an application without one (which the API's create refuses,
    /// so the fake answers empty strings for `repository`, `repository_owner` and
    /// `repository_name`, the spec's type).
    pub repository: Option<String>,
    /// `credential.provider.code`: `github`, `gitlab`, `bitbucket`, or a cloud code (`aws`,
    /// ...); empty for an application without a credential (`credential: null`).
    pub provider: String,
    pub default_branch: String,
    /// The environment it belongs to ([`DEFAULT_ENVIRONMENT_ID`] unless given).
    pub environment_id: u64,
    /// Whether its item in its environment's application list carries its `credential`
    /// (when it has one); without it, a client must read `GET /applications/{id}`.
    pub credential_listed: bool,
}

impl NewApplication {
    /// An application deploying `repository` (`owner/name`) from `provider`, named after the
    /// repository's name, with `main` as its default branch, in the default environment.
    pub fn new(id: u64, repository: &str, provider: &str) -> NewApplication {
        let name = repository.rsplit('/').next().unwrap_or(repository);
        NewApplication {
            id,
            name: name.to_string(),
            repository: Some(repository.to_string()),
            provider: provider.to_string(),
            default_branch: "main".to_string(),
            environment_id: DEFAULT_ENVIRONMENT_ID,
            credential_listed: true,
        }
    }

    /// The same application without a repository.
    pub fn without_repository(mut self) -> NewApplication {
        self.repository = None;
        self
    }

    /// The same application without a credential (so without a source provider).
    pub fn without_credential(mut self) -> NewApplication {
        self.provider.clear();
        self
    }

    pub fn named(mut self, name: &str) -> NewApplication {
        self.name = name.to_string();
        self
    }

    /// The same application in another environment (added first with
    /// [`crate::FakeDevopness::add_environment`]).
    pub fn in_environment(mut self, environment_id: u64) -> NewApplication {
        self.environment_id = environment_id;
        self
    }

    /// The same application, listed in its environment without its `credential` (it keeps
    /// it: `GET /applications/{id}` shows it).
    pub fn listed_without_credential(mut self) -> NewApplication {
        self.credential_listed = false;
        self
    }
}

pub(crate) struct Application {
    pub new: NewApplication,
    pub forbidden: bool,
    pub created_at: String,
}

/// Why a lookup failed, in the order the real API checks.
pub(crate) enum Denied {
    NotFound,
    Forbidden,
}

/// Where a pipeline (or hook) belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub environment_id: u64,
    pub project_id: u64,
}

#[derive(Default)]
pub(crate) struct Store {
    pub projects: BTreeMap<u64, Project>,
    pub environments: BTreeMap<u64, Environment>,
    pub applications: BTreeMap<u64, Application>,
    pub pipelines: BTreeMap<u64, Pipeline>,
    /// Every hook (incoming and outgoing), in creation order.
    pub hooks: Vec<Map<String, Value>>,
    /// Every delivery, oldest first.
    pub deliveries: Vec<Value>,
    /// When true, a project's environment list shows its archived environments too (with
    /// their `archived_at`), so a client must skip them itself.
    pub archived_in_live_list: bool,
    /// Where the application of a pipeline added without one deploys from: its
    /// repository and source provider code.
    pub default_source: (String, String),
    clock: Clock,
    ids: XorShift,
}

/// The repository and provider of the application a pipeline added on its own belongs to,
/// until [`Store::default_source`] is set otherwise.
pub const DEFAULT_REPOSITORY: &str = "octo-org/my-app";
pub const DEFAULT_PROVIDER: &str = "github";

impl Store {
    /// A store holding the default project and its default environment.
    pub fn new(seed: u64) -> Store {
        let mut store = Store {
            ids: XorShift::new(seed),
            default_source: (DEFAULT_REPOSITORY.into(), DEFAULT_PROVIDER.into()),
            ..Store::default()
        };
        store.add_project(DEFAULT_PROJECT_ID, "Fake project");
        store.add_environment(NewEnvironment::new(
            DEFAULT_ENVIRONMENT_ID,
            DEFAULT_PROJECT_ID,
            "Production",
            EnvironmentType::Production,
        ));
        store
    }

    /// Adds (or renames) a project; its environments and its access stay.
    pub fn add_project(&mut self, id: u64, name: &str) {
        let created_at = self.now();
        let project = self.projects.entry(id).or_insert(Project {
            id,
            name: String::new(),
            forbidden: false,
            created_at,
        });
        project.name = name.to_string();
    }

    /// Adds (or replaces) an environment; its applications stay its own.
    pub fn add_environment(&mut self, environment: NewEnvironment) {
        let created_at = self.now();
        let archived_at = environment.archived.then(|| self.now());
        self.environments.insert(
            environment.id,
            Environment {
                new: environment,
                forbidden: false,
                created_at,
                archived_at,
            },
        );
    }

    /// The project, if the caller may see it.
    pub fn project(&self, id: u64) -> Result<&Project, Denied> {
        match self.projects.get(&id) {
            None => Err(Denied::NotFound),
            Some(p) if p.forbidden => Err(Denied::Forbidden),
            Some(p) => Ok(p),
        }
    }

    /// The environment, if the caller may see it (and so its project).
    pub fn environment(&self, id: u64) -> Result<&Environment, Denied> {
        let environment = self.environments.get(&id).ok_or(Denied::NotFound)?;
        let project_forbidden = self
            .projects
            .get(&environment.new.project_id)
            .is_some_and(|p| p.forbidden);
        if environment.forbidden || project_forbidden {
            return Err(Denied::Forbidden);
        }
        Ok(environment)
    }

    /// The application, if the caller may see it (and so its environment and project).
    pub fn application(&self, id: u64) -> Result<&Application, Denied> {
        let application = self.applications.get(&id).ok_or(Denied::NotFound)?;
        let environment = self.environment(application.new.environment_id);
        if application.forbidden || matches!(environment, Err(Denied::Forbidden)) {
            return Err(Denied::Forbidden);
        }
        Ok(application)
    }

    /// The applications of an environment, by id.
    pub fn applications_in(&self, environment_id: u64) -> impl Iterator<Item = &Application> {
        self.applications
            .values()
            .filter(move |a| a.new.environment_id == environment_id)
    }

    /// The environment and project a pipeline belongs to: its application's, else the
    /// defaults.
    pub fn place_of(&self, pipeline: &Pipeline) -> Place {
        let environment_id = pipeline
            .application_id
            .and_then(|a| self.applications.get(&a))
            .map_or(DEFAULT_ENVIRONMENT_ID, |a| a.new.environment_id);
        let project_id = self
            .environments
            .get(&environment_id)
            .map_or(DEFAULT_PROJECT_ID, |e| e.new.project_id);
        Place {
            environment_id,
            project_id,
        }
    }

    /// Adds a pipeline on its own. In Devopness every deploy pipeline is an
    /// application's: it gets one of its own (id `90000 + id`, deploying the
    /// [`Store::default_source`]) unless that application exists already.
    pub fn add_pipeline(&mut self, id: u64, operation: &str) {
        let application_id = APPLICATION_ID_BASE.saturating_add(id);
        if !self.applications.contains_key(&application_id) {
            let (repository, provider) = self.default_source.clone();
            let mut new = NewApplication::new(application_id, &repository, &provider);
            new.name = format!("app-{id}");
            let created_at = self.now();
            self.applications.insert(
                application_id,
                Application {
                    new,
                    forbidden: false,
                    created_at,
                },
            );
        }
        self.add_pipeline_of(id, operation, None);
    }

    /// Adds (or replaces) a pipeline, of `application_id` when given.
    pub fn add_pipeline_of(&mut self, id: u64, operation: &str, application_id: Option<u64>) {
        let created_at = self.now();
        self.pipelines.insert(
            id,
            Pipeline {
                id,
                operation: operation.to_string(),
                forbidden: false,
                created_at,
                application_id,
                other_resource: None,
            },
        );
    }

    /// Now, as Laravel writes dates (strictly later than the previous call).
    pub fn now(&mut self) -> String {
        format_micros(self.clock.tick())
    }

    /// The pipeline, if the caller may see it.
    pub fn pipeline(&self, id: u64) -> Result<&Pipeline, Denied> {
        match self.pipelines.get(&id) {
            None => Err(Denied::NotFound),
            Some(p) if p.forbidden => Err(Denied::Forbidden),
            Some(p) => Ok(p),
        }
    }

    fn position(&self, hook_id: &str, kind: &str) -> Option<usize> {
        self.hooks
            .iter()
            .position(|h| str_field(h, "id") == Some(hook_id) && str_field(h, "type") == Some(kind))
    }

    /// Index of an outgoing hook the caller may see.
    pub fn outgoing(&self, hook_id: &str) -> Result<usize, Denied> {
        let index = self.position(hook_id, "out").ok_or(Denied::NotFound)?;
        match pipeline_of(&self.hooks[index]).and_then(|p| self.pipelines.get(&p)) {
            Some(p) if p.forbidden => Err(Denied::Forbidden),
            _ => Ok(index),
        }
    }

    /// Any outgoing hook, for test helpers (which bypass authorization).
    pub fn outgoing_unchecked(&self, hook_id: &str) -> Option<usize> {
        self.position(hook_id, "out")
    }

    pub fn hooks_of(&self, pipeline_id: u64) -> impl Iterator<Item = &Map<String, Value>> {
        self.hooks
            .iter()
            .filter(move |h| pipeline_of(h) == Some(pipeline_id))
    }

    /// Creates an outgoing hook from already validated `fields`, filling in the rest.
    pub fn create_outgoing(&mut self, pipeline_id: u64, fields: Map<String, Value>) -> String {
        let mut hook = self.skeleton(pipeline_id, "out");
        hook.extend(fields);
        self.push(hook)
    }

    pub fn create_incoming(
        &mut self,
        pipeline_id: u64,
        variables: Value,
        base_url: &str,
    ) -> String {
        let mut hook = self.skeleton(pipeline_id, "in");
        let id = str_field(&hook, "id").unwrap_or_default().to_string();
        let overrides = json!({
            "name": "GitHub push and pull request",
            "url": format!("{base_url}/hooks/incoming/{id}"),
            "target_url": null,
            "requires_secret": true,
            "secret_algorithm": "sha256",
            "secret_header_name": "X-Hub-Signature-256",
            "settings": { "variables": variables },
            "trigger_when": { "conditions": [] },
        });
        if let Value::Object(o) = overrides {
            hook.extend(o);
        }
        self.push(hook)
    }

    fn push(&mut self, hook: Map<String, Value>) -> String {
        let id = str_field(&hook, "id").unwrap_or_default().to_string();
        self.hooks.push(hook);
        id
    }

    /// A hook with every `Hook` field at its default, as the API fills them in.
    fn skeleton(&mut self, pipeline_id: u64, kind: &str) -> Map<String, Value> {
        let micros = self.clock.tick();
        let now = format_micros(micros);
        let pipeline = self.pipelines.get(&pipeline_id);
        let resource_id = pipeline.map_or(
            APPLICATION_ID_BASE.saturating_add(pipeline_id),
            Pipeline::resource_id,
        );
        let place = pipeline.map_or(
            Place {
                environment_id: DEFAULT_ENVIRONMENT_ID,
                project_id: DEFAULT_PROJECT_ID,
            },
            |p| self.place_of(p),
        );
        let hook = json!({
            "id": self.uuid(micros),
            "name": "",
            "type": kind,
            "action_type": "deploy",
            "url": null,
            "target_url": null,
            "is_auto_generated": false,
            "requires_secret": false,
            "verify_ssl": true,
            "active": true,
            "project_id": place.project_id,
            "environment_id": place.environment_id,
            "pipeline_id": pipeline_id,
            "resource_type": "application",
            "resource_id": resource_id,
            // No `request_body` until one is given: the description's is never null.
            "settings": { "request_headers": [] },
            "trigger_when": { "events": [], "conditions": [] },
            "secret": self.secret(),
            "secret_algorithm": null,
            "secret_header_name": null,
            "created_by_user": user(),
            "created_at": now,
            "updated_at": now,
        });
        match hook {
            Value::Object(o) => o,
            _ => Map::new(),
        }
    }

    pub fn touch(&mut self, index: usize) {
        let now = format_micros(self.clock.tick());
        if let Some(hook) = self.hooks.get_mut(index) {
            hook.insert("updated_at".into(), Value::String(now));
        }
    }

    pub fn remove(&mut self, index: usize) {
        if index < self.hooks.len() {
            let hook = self.hooks.remove(index);
            let id = str_field(&hook, "id").unwrap_or_default();
            self.deliveries
                .retain(|d| d.get("hook_id").and_then(Value::as_str) != Some(id));
        }
    }

    /// Logs a delivery of the hook at `index` for action `action_id`: its URL is the hook's
    /// `target_url` rendered as Devopness renders it, with `commit` as the commit hash (a
    /// deploy started by hand has none: the hash renders empty).
    pub fn add_delivery(
        &mut self,
        index: usize,
        status: u16,
        action_id: u64,
        commit: Option<&str>,
    ) {
        let Some(hook) = self.hooks.get(index) else {
            return;
        };
        let hook_id = str_field(hook, "id").unwrap_or_default().to_string();
        let url = render_template(
            str_field(hook, "target_url").unwrap_or_default(),
            action_id,
            commit.unwrap_or_default(),
        );
        let micros = self.clock.tick();
        let now = format_micros(micros);
        let delivery = json!({
            "id": self.uuid(micros),
            "hook_id": hook_id,
            "action_id": action_id,
            "retry_of": null,
            "ip_address": "10.0.0.17",
            "url": url,
            "response_status_code": status,
            "created_at": now,
            "updated_at": now,
        });
        self.deliveries.push(delivery);
    }

    /// The one-time `secret` of a new hook: 40 hex digits (a string, as `Hook.secret` is).
    fn secret(&mut self) -> String {
        let words = [
            self.ids.next_u64(),
            self.ids.next_u64(),
            self.ids.next_u64(),
        ];
        let hex: String = words.iter().map(|w| format!("{w:016x}")).collect();
        hex[..40].to_string()
    }

    /// A UUIDv7-shaped id: milliseconds, then the sub-millisecond micros, then random bits.
    /// The clock is strictly increasing, so ids sort in creation order.
    fn uuid(&mut self, micros: u64) -> String {
        let millis = micros / 1000;
        let sub = micros % 1000;
        let rand = self.ids.next_u64();
        let variant = 0x8000 | ((rand >> 48) & 0x3fff);
        format!(
            "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
            millis >> 16,
            millis & 0xffff,
            sub,
            variant,
            rand & 0xffff_ffff_ffff
        )
    }
}

/// Where Devopness keeps the commit hash an incoming hook extracted.
const COMMIT_HASH: &str = "action.triggered_from.hook_parsed_variables.commit_hash";

/// Renders `{{ path }}` templates as Devopness does for one delivery: `action.id`, the
/// commit hash, and every other variable as empty (the fake knows no other values).
fn render_template(template: &str, action_id: u64, commit: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        match rest[start + 2..start + len].trim() {
            "action.id" => out.push_str(&action_id.to_string()),
            COMMIT_HASH => out.push_str(commit),
            _ => {}
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

pub(crate) fn user() -> Value {
    json!({ "id": 1, "name": "Fake User", "email": "fake.user@example.com", "url_slug": "fake-user" })
}

pub(crate) fn str_field<'a>(hook: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    hook.get(key).and_then(Value::as_str)
}

pub(crate) fn pipeline_of(hook: &Map<String, Value>) -> Option<u64> {
    hook.get("pipeline_id").and_then(Value::as_u64)
}

/// How a stored hook is shown.
#[derive(Clone, Copy)]
pub(crate) enum View {
    /// `POST` response: the `Hook` including the one-time `secret`.
    Created,
    /// `GET /hooks/outgoing/{id}`: the `Hook` without `secret`.
    Full,
    /// An item of `GET /pipelines/{id}/hooks`: a `HookRelation`.
    Relation,
}

pub(crate) fn render(hook: &Map<String, Value>, view: View, body_as_string: bool) -> Value {
    let mut out = hook.clone();
    match view {
        View::Created => {}
        View::Full => {
            out.remove("secret");
        }
        View::Relation => {
            for key in [
                "secret",
                "secret_algorithm",
                "secret_header_name",
                "created_by_user",
            ] {
                out.remove(key);
            }
        }
    }
    if body_as_string {
        if let Some(body) = out
            .get_mut("settings")
            .and_then(|s| s.get_mut("request_body"))
        {
            if body.is_object() || body.is_array() {
                *body = Value::String(body.to_string());
            }
        }
    }
    Value::Object(out)
}

/// Wall-clock microseconds, forced strictly increasing.
#[derive(Default)]
struct Clock {
    last: u64,
}

impl Clock {
    fn tick(&mut self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        self.last = now.max(self.last + 1);
        self.last
    }
}

/// `2026-08-21T12:34:56.123456Z`, Laravel's serialization of dates.
pub(crate) fn format_micros(micros: u64) -> String {
    let date_time = fake_http::time::datetime(micros / 1_000_000);
    format!("{date_time}.{:06}Z", micros % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(format_micros(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            format_micros(1_664_206_231_000_042),
            "2022-09-26T15:30:31.000042Z"
        );
        assert_eq!(
            format_micros(951_782_400_000_000),
            "2000-02-29T00:00:00.000000Z"
        );
    }

    #[test]
    fn delivery_urls_are_rendered_with_or_without_a_commit() {
        let url = "https://api.github.com/repos/o/r/statuses/{{ action.triggered_from.hook_parsed_variables.commit_hash }}?a={{ action.id }}&b={{ other }}";
        assert_eq!(
            render_template(url, 7, "abc"),
            "https://api.github.com/repos/o/r/statuses/abc?a=7&b="
        );
        assert_eq!(
            render_template(url, 7, ""),
            "https://api.github.com/repos/o/r/statuses/?a=7&b="
        );
        assert_eq!(render_template("x {{ open", 1, "c"), "x {{ open");
    }

    #[test]
    fn ids_and_times_increase() {
        let mut store = Store::new(7);
        store.add_pipeline(1, "deploy");
        let ids: Vec<String> = (0..50)
            .map(|_| store.create_outgoing(1, Map::new()))
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        let times: Vec<&str> = store
            .hooks
            .iter()
            .filter_map(|h| str_field(h, "created_at"))
            .collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));
    }
}

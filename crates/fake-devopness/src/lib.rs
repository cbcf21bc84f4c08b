//! A stateful fake of the Devopness hooks API, for tests, demos and benchmarks.
//!
//! It serves, on 127.0.0.1 only, the endpoints the product uses (see
//! `docs/devopness-api.md`; `openapi-contract` holds it to Devopness's published OpenAPI
//! description) with the real API's shapes, status codes, Laravel validation and
//! pagination, and can inject faults (error statuses, dropped connections, broken bodies,
//! endless pagination, a page shifted by a concurrent write) and throttle like Laravel (a
//! fixed-window rate limit with `X-RateLimit-*` headers and 429). Pipelines may belong to
//! applications
//! ([`FakeDevopness::add_application`], [`FakeDevopness::seed_applications`]), served by
//! `GET /applications/{id}` and `GET /pipelines/application/{id}`; applications belong to
//! environments, and environments to projects ([`FakeDevopness::add_environment`],
//! [`FakeDevopness::add_project`], [`FakeDevopness::seed_project`]), a default one of each
//! when none is given, served by `GET /projects/{id}/environments` (and `.../archived`),
//! `GET /environments/{id}` and `GET /environments/{id}/applications`.
//!
//! ```no_run
//! use fake_devopness::{FakeDevopness, Fault, FaultKind};
//! let fake = FakeDevopness::start("secret-token");
//! fake.add_pipeline(1);
//! fake.inject(Fault::once(FaultKind::Drop).method("POST"));
//! // ... point the client at fake.base_url() ...
//! ```

mod applications;
mod documents;
mod faults;
mod gate;
mod model;
mod pagination;
mod projects;
mod ratelimit;
mod reply;
mod routes;
mod server;
mod validation;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use fake_http::Server;
use serde_json::{json, Value};

pub use applications::SeededApplication;
/// One request the fake received.
pub use fake_http::RecordedRequest;
pub use faults::{Fault, FaultKind};
pub use model::{
    EnvironmentType, NewApplication, NewEnvironment, DEFAULT_ENVIRONMENT_ID, DEFAULT_PROJECT_ID,
    DEFAULT_PROVIDER, DEFAULT_REPOSITORY,
};
pub use projects::{ProjectShape, SeededEnvironment, SeededProject, SEEDED_PROJECT_ID};
pub use ratelimit::{RateLimit, Window};

use model::{render, View};
use server::{App, State};

/// A request the fake received with the response it got ([`FakeDevopness::exchanges`]).
pub use fake_http::{Exchange, RecordedResponse};

/// A running fake. Dropping it stops the server and closes its connections.
pub struct FakeDevopness {
    /// Declared first: dropped first, it stops the server before the state goes.
    server: Server,
    app: Arc<App>,
}

impl FakeDevopness {
    /// Starts the server on 127.0.0.1 (a free port) on its own thread with its own tokio
    /// runtime, accepting only `Authorization: Bearer <token>`.
    ///
    /// # Panics
    /// When no socket or runtime can be had (a test cannot go on without its fake).
    pub fn start(token: &str) -> FakeDevopness {
        fake_http::start_on_free_port("fake-devopness", |addr| {
            FakeDevopness::start_on(addr, token)
        })
    }

    /// Starts the server on `addr`, which must be a loopback address.
    pub fn start_on(addr: SocketAddr, token: &str) -> std::io::Result<FakeDevopness> {
        let binding = Server::bind(addr, "fake-devopness")?;
        let state = State::new(u64::from(binding.addr().port()));
        let app = Arc::new(App::new(token, binding.base_url(), state));
        let server = binding.serve(routes::router(app.clone()))?;
        Ok(FakeDevopness { server, app })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.app.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Adds a deploy pipeline with no hooks (replacing any pipeline with that id), of an
    /// application of its own (id `90000 + id`) that deploys the default source
    /// ([`FakeDevopness::set_default_source`]: `octo-org/my-app` on github unless set).
    pub fn add_pipeline(&self, id: u64) {
        self.add_pipeline_with_operation(id, "deploy");
    }

    /// Adds a pipeline running another operation (`"restart"`, ...).
    pub fn add_pipeline_with_operation(&self, id: u64, operation: &str) {
        self.app.lock().store.add_pipeline(id, operation);
    }

    /// Adds a deploy pipeline that runs for a server (`resource_type: server`), not for an
    /// application: Devopness says nothing of where its statuses go.
    pub fn add_server_pipeline(&self, id: u64) {
        let mut state = self.app.lock();
        state.store.add_pipeline_of(id, "deploy", None);
        if let Some(p) = state.store.pipelines.get_mut(&id) {
            p.other_resource = Some("server");
        }
    }

    /// Where the applications of pipelines added from now on with [`Self::add_pipeline`]
    /// deploy from: `repository` (`owner/name`) on `provider` (a credential's code).
    pub fn set_default_source(&self, repository: &str, provider: &str) {
        self.app.lock().store.default_source = (repository.to_owned(), provider.to_owned());
    }

    /// Makes the pipeline exist but answer 403 to every request about it or its hooks
    /// (adding it first if needed).
    pub fn forbid_pipeline(&self, id: u64) {
        let mut state = self.app.lock();
        if !state.store.pipelines.contains_key(&id) {
            state.store.add_pipeline(id, "deploy");
        }
        if let Some(p) = state.store.pipelines.get_mut(&id) {
            p.forbidden = true;
        }
    }

    /// Seeds an outgoing hook as if created through the API, without validation: `hook` is a
    /// JSON object like a create body; every `Hook` field it lacks gets the API's default,
    /// and the fields it has are kept as given. Returns the id.
    ///
    /// # Panics
    /// When the pipeline was never added, or `hook` is not an object.
    pub fn insert_hook(&self, pipeline_id: u64, hook: Value) -> String {
        let Value::Object(fields) = hook else {
            panic!("fake-devopness: insert_hook needs a JSON object, got {hook}");
        };
        let mut state = self.app.lock();
        assert!(
            state.store.pipelines.contains_key(&pipeline_id),
            "fake-devopness: insert_hook into unknown pipeline {pipeline_id}; call add_pipeline first"
        );
        state.store.create_outgoing(pipeline_id, fields)
    }

    /// Seeds an incoming hook (`"type": "in"`) whose `settings.variables` is `variables`.
    ///
    /// # Panics
    /// When the pipeline was never added.
    pub fn insert_incoming_hook(&self, pipeline_id: u64, variables: Value) -> String {
        let mut state = self.app.lock();
        assert!(
            state.store.pipelines.contains_key(&pipeline_id),
            "fake-devopness: insert_incoming_hook into unknown pipeline {pipeline_id}"
        );
        state
            .store
            .create_incoming(pipeline_id, variables, &self.app.base_url)
    }

    /// The pipeline's outgoing hooks as `GET /hooks/outgoing/{id}` returns them, in creation
    /// order (affected by `set_request_body_as_string`).
    pub fn hooks(&self, pipeline_id: u64) -> Vec<Value> {
        let state = self.app.lock();
        state
            .store
            .hooks_of(pipeline_id)
            .filter(|h| model::str_field(h, "type") == Some("out"))
            .map(|h| render(h, View::Full, state.body_as_string))
            .collect()
    }

    /// Changes a stored outgoing hook in place (the stored form: `request_body` as given).
    ///
    /// # Panics
    /// When there is no outgoing hook with that id.
    pub fn edit_hook(&self, hook_id: &str, f: impl FnOnce(&mut Value)) {
        let mut state = self.app.lock();
        let index = state.store.outgoing_unchecked(hook_id);
        let Some(index) = index else {
            drop(state);
            panic!("fake-devopness: edit_hook: no outgoing hook {hook_id}");
        };
        let mut hook = Value::Object(std::mem::take(&mut state.store.hooks[index]));
        f(&mut hook);
        state.store.hooks[index] = match hook {
            Value::Object(o) => o,
            _ => serde_json::Map::new(),
        };
    }

    /// Deletes the outgoing hook (and its delivery log), as if deleted elsewhere. No-op when
    /// there is none.
    pub fn remove_hook(&self, hook_id: &str) {
        let mut state = self.app.lock();
        if let Some(index) = state.store.outgoing_unchecked(hook_id) {
            state.store.remove(index);
        }
    }

    /// Logs a delivery of the hook for `GET /hooks/outgoing/{id}/requests`, for a deploy
    /// triggered by an incoming hook: its `url` is the hook's `target_url` rendered with
    /// the commit [`FakeDevopness::commit_of`] `action_id`.
    ///
    /// # Panics
    /// When there is no outgoing hook with that id.
    pub fn add_delivery(&self, hook_id: &str, response_status_code: u16, action_id: u64) {
        let commit = FakeDevopness::commit_of(action_id);
        self.log_delivery(hook_id, response_status_code, action_id, Some(&commit));
    }

    /// Logs a delivery for a deploy started by hand: no commit hash, so its `url` is the
    /// hook's `target_url` rendered with an empty commit (`.../statuses/`,
    /// `.../commit//statuses/build`), which the provider answers with 404.
    ///
    /// # Panics
    /// When there is no outgoing hook with that id.
    pub fn add_delivery_without_commit(
        &self,
        hook_id: &str,
        response_status_code: u16,
        action_id: u64,
    ) {
        self.log_delivery(hook_id, response_status_code, action_id, None);
    }

    /// The commit the deploy of `action_id` was triggered from, in [`add_delivery`]: 40 hex
    /// digits.
    ///
    /// [`add_delivery`]: FakeDevopness::add_delivery
    pub fn commit_of(action_id: u64) -> String {
        format!("{action_id:040x}")
    }

    fn log_delivery(&self, hook_id: &str, status: u16, action_id: u64, commit: Option<&str>) {
        let mut state = self.app.lock();
        let index = state.store.outgoing_unchecked(hook_id);
        let Some(index) = index else {
            drop(state);
            panic!("fake-devopness: add_delivery: no outgoing hook {hook_id}");
        };
        state.store.add_delivery(index, status, action_id, commit);
    }

    /// When true, responses carry an object or array `settings.request_body` as a string
    /// holding its JSON, as the real API sometimes does.
    pub fn set_request_body_as_string(&self, yes: bool) {
        self.app.lock().body_as_string = yes;
    }

    /// Time added before every response.
    pub fn set_latency(&self, d: Duration) {
        self.app.lock().latency = d;
    }

    /// Throttles every request from now on as Laravel does (`None`: no limit, the
    /// default). Each call starts afresh, with no window open.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.app.lock().limiter = limit.map(ratelimit::Limiter::new);
    }

    /// The windows the rate limiter opened so far, oldest first.
    pub fn rate_limit_windows(&self) -> Vec<Window> {
        self.app
            .lock()
            .limiter
            .as_ref()
            .map(ratelimit::Limiter::windows)
            .unwrap_or_default()
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.lock().requests.all()
    }

    /// Every request received, in order, each with the response it got (`None` when the
    /// connection was dropped): what a contract test checks against Devopness's description.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.app.lock().requests.exchanges()
    }

    /// Forgets the requests and responses received so far.
    pub fn clear_requests(&self) {
        self.app.lock().requests.clear();
    }

    /// Appends a fault rule; each request takes the first rule matching it.
    pub fn inject(&self, fault: Fault) {
        self.app.lock().faults.push(fault);
    }

    /// Each request not taken by a rule gets, with probability `rate`, one of `kinds`
    /// (uniformly), drawn from a PRNG seeded with `seed`. A rate of 0 turns this off.
    pub fn set_random_faults(&self, seed: u64, rate: f64, kinds: Vec<FaultKind>) {
        self.app.lock().faults.set_random(seed, rate, kinds);
    }

    /// Seeds what a person following the Devopness guide by hand would have: an incoming
    /// GitHub hook that extracts `commit_hash`, and three outgoing hooks (`action.started`,
    /// `action.failed`, `action.completed`) posting a GitHub commit status with one context.
    /// Returns the ids of the outgoing hooks.
    pub fn seed_guide_hooks(&self, pipeline_id: u64, repository: &str) -> Vec<String> {
        self.insert_incoming_hook(
            pipeline_id,
            json!([
                { "name": "commit_hash", "path": "pull_request.head.sha", "type": "string", "required": false, "default_value": null },
                { "name": "source_ref", "path": "pull_request.head.ref", "type": "string", "required": false, "default_value": null },
            ]),
        );
        let url = format!(
            "https://api.github.com/repos/{repository}/statuses/{{{{ action.triggered_from.hook_parsed_variables.commit_hash }}}}"
        );
        [
            ("action.started", "pending", "Deploy started"),
            ("action.failed", "failure", "Deploy failed"),
            ("action.completed", "success", "Deploy completed"),
        ]
        .into_iter()
        .map(|(event, state, description)| {
            self.insert_hook(
                pipeline_id,
                json!({
                    "name": format!("CI(build) {state}"),
                    "action_type": "deploy",
                    "target_url": url,
                    "trigger_when": { "events": [event], "conditions": [] },
                    "settings": {
                        "request_headers": [
                            { "name": "Accept", "value": "application/vnd.github+json" },
                            { "name": "Authorization", "value": "Bearer {{ application.source_provider.access_token }}" },
                        ],
                        "request_body": {
                            "state": state,
                            "target_url": "https://app.devopness.com/actions/{{ action.id }}",
                            "description": description,
                            "context": "ci/devopness(build)",
                        },
                    },
                }),
            )
        })
        .collect()
    }
}

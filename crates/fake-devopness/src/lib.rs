//! A stateful fake of the Devopness hooks API, for tests, demos and benchmarks.
//!
//! It serves, on 127.0.0.1 only, the endpoints the product uses (see
//! `/work/shared/devopness-api/NOTES.md`) with the real API's shapes, status codes, Laravel
//! validation and pagination, and can inject faults (error statuses, dropped connections,
//! broken bodies, endless pagination).
//!
//! ```no_run
//! use fake_devopness::{FakeDevopness, Fault, FaultKind};
//! let fake = FakeDevopness::start("secret-token");
//! fake.add_pipeline(1);
//! fake.inject(Fault::once(FaultKind::Drop).method("POST"));
//! // ... point the client at fake.base_url() ...
//! ```

mod faults;
mod gate;
mod model;
mod pagination;
mod routes;
mod server;
mod validation;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

pub use faults::{Fault, FaultKind};

use model::{render, View};
use server::{App, Conn, CuttableListener};

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The status answered; 0 when the connection was dropped without a response.
    pub status: u16,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RecordedRequest {
    /// POST, PUT, PATCH or DELETE.
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// A running fake. Dropping it stops the server and closes its connections.
pub struct FakeDevopness {
    app: Arc<App>,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeDevopness {
    /// Starts the server on 127.0.0.1 (a free port) on its own thread with its own tokio
    /// runtime, accepting only `Authorization: Bearer <token>`.
    ///
    /// # Panics
    /// When no socket or runtime can be had (a test cannot go on without its fake).
    pub fn start(token: &str) -> FakeDevopness {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        match FakeDevopness::start_on(addr, token) {
            Ok(fake) => fake,
            Err(e) => panic!("fake-devopness: cannot start on {addr}: {e}"),
        }
    }

    /// Starts the server on `addr`, which must be a loopback address.
    pub fn start_on(addr: SocketAddr, token: &str) -> std::io::Result<FakeDevopness> {
        if !addr.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "fake-devopness binds to loopback addresses only",
            ));
        }
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let app = Arc::new(App::new(
            token,
            format!("http://{addr}"),
            u64::from(addr.port()),
        ));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fake-devopness")
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let service = routes::router(app.clone()).into_make_service_with_connect_info::<Conn>();
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fake-devopness".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let serve = axum::serve(CuttableListener(listener), service);
                    tokio::select! {
                        _ = serve => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime cancels every connection task, closing the sockets.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok(FakeDevopness {
            app,
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.app.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds a deploy pipeline with no hooks (replacing any pipeline with that id).
    pub fn add_pipeline(&self, id: u64) {
        self.add_pipeline_with_operation(id, "deploy");
    }

    /// Adds a pipeline running another operation (`"restart"`, ...).
    pub fn add_pipeline_with_operation(&self, id: u64, operation: &str) {
        self.app.lock().store.add_pipeline(id, operation);
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

    /// Logs a delivery of the hook for `GET /hooks/outgoing/{id}/requests`.
    ///
    /// # Panics
    /// When there is no outgoing hook with that id.
    pub fn add_delivery(&self, hook_id: &str, response_status_code: u16, action_id: u64) {
        let mut state = self.app.lock();
        let index = state.store.outgoing_unchecked(hook_id);
        let Some(index) = index else {
            drop(state);
            panic!("fake-devopness: add_delivery: no outgoing hook {hook_id}");
        };
        state
            .store
            .add_delivery(index, response_status_code, action_id);
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

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        let state = self.app.lock();
        state.requests.iter().map(|(_, r)| r.clone()).collect()
    }

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

impl Drop for FakeDevopness {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

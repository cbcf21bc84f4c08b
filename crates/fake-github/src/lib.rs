//! A stateful fake of the GitHub REST API endpoints octocrab 0.54 uses to manage issues: list
//! (filtered by labels and state, paginated with a `Link` header), create, get and update an
//! issue, and create and list its comments.
//!
//! It serves on 127.0.0.1 only, with GitHub's shapes, status codes and error bodies, and
//! accepts every path with or without GitHub Enterprise Server's `/api/v3` prefix.
//!
//! ```no_run
//! use fake_github::FakeGitHub;
//! let fake = FakeGitHub::start("ghs_token");
//! fake.add_repo("acme", "site");
//! // Point the client at fake.base_url() (github.com style) or fake.api_v3_url() (GHES).
//! // ... run the code under test ...
//! let issues = fake.issues("acme", "site");
//! assert_eq!(issues[0]["state"], "open");
//! ```

mod fields;
mod gate;
mod model;
mod query;
mod reply;
mod routes;
mod server;

use std::net::SocketAddr;
use std::sync::Arc;

use fake_http::Server;
use serde_json::Value;

/// One request the fake received.
pub use fake_http::RecordedRequest;
/// What the fake answered: each request with its response.
pub use fake_http::{Exchange, RecordedResponse};

use model::{human, token_user, View};
use server::{App, State};

/// How the fake answers while GitHub is "down".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Normal service.
    None,
    /// Every request gets this status with a JSON `message` (auth and routing are skipped).
    Status(u16),
    /// Every connection is reset once its request was read, without a response.
    Drop,
}

/// A running fake. Dropping it stops the server and closes its connections.
pub struct FakeGitHub {
    /// Declared first: dropped first, it stops the server before the state goes.
    server: Server,
    app: Arc<App>,
}

impl FakeGitHub {
    /// Starts the server on 127.0.0.1 (a free port) on its own thread with its own tokio
    /// runtime, accepting only `Authorization: Bearer <token>` or `token <token>`.
    ///
    /// # Panics
    /// When no socket or runtime can be had (a test cannot go on without its fake).
    pub fn start(token: &str) -> FakeGitHub {
        fake_http::start_on_free_port("fake-github", |addr| FakeGitHub::start_on(addr, token))
    }

    /// Starts the server on `addr`, which must be a loopback address.
    pub fn start_on(addr: SocketAddr, token: &str) -> std::io::Result<FakeGitHub> {
        let binding = Server::bind(addr, "fake-github")?;
        let base_url = binding.base_url();
        let app = Arc::new(App::new(token, base_url.clone(), State::new(base_url)));
        let server = binding.serve(routes::router(app.clone()))?;
        Ok(FakeGitHub { server, app })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: the `api.github.com` equivalent.
    /// URLs in responses (`url`, `html_url`, ...) start with it.
    pub fn base_url(&self) -> String {
        self.app.base_url.clone()
    }

    /// `http://127.0.0.1:PORT/api/v3`: the GitHub Enterprise Server form of the same API.
    pub fn api_v3_url(&self) -> String {
        format!("{}/api/v3", self.app.base_url)
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Makes the repository exist (no-op when it does). Owner and name compare
    /// case-insensitively; any other repository answers 404.
    pub fn add_repo(&self, owner: &str, repo: &str) {
        self.app.lock().store.add_repo(owner, repo);
    }

    /// Seeds an open issue as if the token's user (`github-actions[bot]`) had created it
    /// (adding the repository and any missing label). Returns its number.
    pub fn seed_issue(
        &self,
        owner: &str,
        repo: &str,
        title: &str,
        body: Option<&str>,
        labels: &[&str],
    ) -> u64 {
        let mut state = self.app.lock();
        let index = state.store.add_repo(owner, repo);
        let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        state.store.create_issue(
            index,
            title.to_string(),
            body.map(str::to_string),
            &labels,
            token_user(),
            false,
        )
    }

    /// Seeds an open pull request opened by `octocat`. Like on GitHub, it shares the issue
    /// numbering and shows up in the issues list (with a `pull_request` key), so a client
    /// must skip it. Returns its number.
    pub fn seed_pull_request(&self, owner: &str, repo: &str, title: &str, labels: &[&str]) -> u64 {
        let mut state = self.app.lock();
        let index = state.store.add_repo(owner, repo);
        let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        state
            .store
            .create_issue(index, title.to_string(), None, &labels, human(), true)
    }

    /// Every issue (and pull request) of the repository, as `GET .../issues/{number}` renders
    /// it (`number`, `title`, `body`, `state`, `state_reason`, `labels` as objects with a
    /// `name`, `comments`, `closed_by`, ...), in creation order. Empty for an unknown repository.
    pub fn issues(&self, owner: &str, repo: &str) -> Vec<Value> {
        let state = self.app.lock();
        let store = &state.store;
        let Some(index) = store.find(owner, repo) else {
            return Vec::new();
        };
        let repo = &store.repos[index];
        repo.issues
            .iter()
            .map(|i| store.render_issue(repo, i, View::Single))
            .collect()
    }

    /// One issue as `GET .../issues/{number}` renders it.
    pub fn issue(&self, owner: &str, repo: &str, number: u64) -> Option<Value> {
        let state = self.app.lock();
        let store = &state.store;
        let index = store.find(owner, repo)?;
        let issue = store.issue(index, number)?;
        Some(store.render_issue(&store.repos[index], issue, View::Single))
    }

    /// The issue's comments as the API renders them, oldest first.
    pub fn comments(&self, owner: &str, repo: &str, number: u64) -> Vec<Value> {
        let state = self.app.lock();
        let store = &state.store;
        let Some(index) = store.find(owner, repo) else {
            return Vec::new();
        };
        store
            .comments_of(index, number)
            .map(|c| store.render_comment(&store.repos[index], c))
            .collect()
    }

    /// Closes the issue (reason `completed`, `closed_by` `octocat`) as a person would in
    /// the web UI. No-op when already closed.
    ///
    /// # Panics
    /// When there is no such issue.
    pub fn close_issue_by_hand(&self, owner: &str, repo: &str, number: u64) {
        self.by_hand(
            owner,
            repo,
            number,
            "close_issue_by_hand",
            |store, index| {
                store.set_state(index, number, false, None, &human());
            },
        );
    }

    /// Reopens the issue (reason `reopened`) as a person would. No-op when open.
    ///
    /// # Panics
    /// When there is no such issue.
    pub fn reopen_issue_by_hand(&self, owner: &str, repo: &str, number: u64) {
        self.by_hand(
            owner,
            repo,
            number,
            "reopen_issue_by_hand",
            |store, index| {
                store.set_state(index, number, true, None, &human());
            },
        );
    }

    /// Replaces the issue's labels (creating missing ones) as a person would.
    ///
    /// # Panics
    /// When there is no such issue.
    pub fn set_labels_by_hand(&self, owner: &str, repo: &str, number: u64, labels: &[&str]) {
        let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        self.by_hand(owner, repo, number, "set_labels_by_hand", |store, index| {
            store.set_labels(index, number, &labels);
        });
    }

    /// Replaces the issue's body as a person would.
    ///
    /// # Panics
    /// When there is no such issue.
    pub fn edit_body_by_hand(&self, owner: &str, repo: &str, number: u64, body: Option<&str>) {
        self.by_hand(owner, repo, number, "edit_body_by_hand", |store, index| {
            if let Some(issue) = store.issue_mut(index, number) {
                issue.body = body.map(str::to_string);
            }
        });
    }

    fn by_hand(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        what: &str,
        f: impl FnOnce(&mut model::Store, usize),
    ) {
        let mut state = self.app.lock();
        let store = &mut state.store;
        let index = store
            .find(owner, repo)
            .filter(|index| store.issue(*index, number).is_some());
        let Some(index) = index else {
            drop(state);
            panic!("fake-github: {what}: no issue {owner}/{repo}#{number}");
        };
        f(store, index);
        store.touch(index, number);
    }

    /// When true, every write (POST, PATCH, ...) to a known repository answers 403
    /// `Resource not accessible by integration`, as for a token without `issues: write`.
    /// Reads still work; unknown repositories still answer 404.
    pub fn forbid_writes(&self, yes: bool) {
        self.app.lock().forbid_writes = yes;
    }

    /// When true, every request answers 503 (GitHub down); see [`FakeGitHub::set_outage`]
    /// for other statuses or dropped connections.
    pub fn set_unreachable(&self, yes: bool) {
        self.set_outage(if yes {
            Outage::Status(503)
        } else {
            Outage::None
        });
    }

    pub fn set_outage(&self, outage: Outage) {
        self.app.lock().outage = outage;
    }

    /// Every request received, in order (also those answered 401, 404 or during an outage).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.lock().requests.all()
    }

    /// Every request received, in order, each with the response it got (`None` when the
    /// connection was dropped): what a contract test checks against GitHub's description.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.app.lock().exchanges()
    }

    /// Forgets the requests and responses received so far.
    pub fn clear_requests(&self) {
        self.app.lock().clear();
    }
}

//! The fake's data (repositories with their issues, labels and comments) and how GitHub
//! renders it.
//!
//! Every object is rendered with all the fields GitHub sends, in particular every field
//! octocrab's `models::issues::Issue`, `Comment`, `Label` and `Author` require.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::query::encode;

/// The account behind the token: what a workflow's `GITHUB_TOKEN` acts as.
pub(crate) fn token_user() -> User {
    User {
        login: "github-actions[bot]".to_string(),
        id: 41_898_282,
        bot: true,
    }
}

/// The person who edits issues "by hand" in tests.
pub(crate) fn human() -> User {
    User {
        login: "octocat".to_string(),
        id: 583_231,
        bot: false,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    pub login: String,
    pub id: u64,
    pub bot: bool,
}

pub(crate) struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

pub(crate) struct Issue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub open: bool,
    pub state_reason: Option<String>,
    /// Names as the repository's labels spell them.
    pub labels: Vec<String>,
    pub user: User,
    pub closed_by: Option<User>,
    pub created_at: u64,
    pub updated_at: u64,
    pub closed_at: Option<u64>,
    /// Orders issues created within the same second.
    pub updated_seq: u64,
    pub pull_request: bool,
}

pub(crate) struct Comment {
    pub id: u64,
    pub issue_number: u64,
    pub body: String,
    pub user: User,
    pub created_at: u64,
    pub updated_at: u64,
}

pub(crate) struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    /// In creation order (number order).
    pub issues: Vec<Issue>,
    /// In creation order.
    pub comments: Vec<Comment>,
    pub labels: Vec<Label>,
}

/// Who sees an issue: list responses leave out `closed_by`, as GitHub's do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    List,
    Single,
}

pub(crate) struct Store {
    pub base_url: String,
    pub repos: Vec<Repo>,
    next_id: u64,
    seq: u64,
}

impl Store {
    pub fn new(base_url: String) -> Store {
        Store {
            base_url,
            repos: Vec::new(),
            next_id: 1_000,
            seq: 0,
        }
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn tick(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Adds the repository (owner and name compare case-insensitively, as on GitHub); no-op
    /// when it exists. Returns its index.
    pub fn add_repo(&mut self, owner: &str, name: &str) -> usize {
        if let Some(index) = self.find(owner, name) {
            return index;
        }
        let id = 700_000 + self.id();
        self.repos.push(Repo {
            id,
            owner: owner.to_string(),
            name: name.to_string(),
            issues: Vec::new(),
            comments: Vec::new(),
            labels: Vec::new(),
        });
        self.repos.len() - 1
    }

    pub fn find(&self, owner: &str, name: &str) -> Option<usize> {
        self.repos
            .iter()
            .position(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    pub fn find_by_id(&self, id: u64) -> Option<usize> {
        self.repos.iter().position(|r| r.id == id)
    }

    /// The repository's label of that name (case-insensitively), created (color `ededed`)
    /// when missing. Returns the name as the repository spells it.
    pub fn ensure_label(&mut self, repo: usize, name: &str) -> String {
        if let Some(label) = self.repos[repo]
            .labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
        {
            return label.name.clone();
        }
        let id = self.id();
        self.repos[repo].labels.push(Label {
            id,
            name: name.to_string(),
            color: "ededed".to_string(),
            description: None,
        });
        name.to_string()
    }

    /// Sets the labels (deduplicated, created when missing).
    pub fn set_labels(&mut self, repo: usize, number: u64, names: &[String]) {
        let mut canonical: Vec<String> = Vec::new();
        for name in names {
            let name = self.ensure_label(repo, name);
            if !canonical.contains(&name) {
                canonical.push(name);
            }
        }
        if let Some(issue) = self.issue_mut(repo, number) {
            issue.labels = canonical;
        }
    }

    /// Creates an open issue (or pull request) and returns its number.
    pub fn create_issue(
        &mut self,
        repo: usize,
        title: String,
        body: Option<String>,
        labels: &[String],
        user: User,
        pull_request: bool,
    ) -> u64 {
        let id = self.id();
        let seq = self.tick();
        let now = now();
        let repo_ref = &mut self.repos[repo];
        let number = repo_ref.issues.last().map_or(1, |i| i.number + 1);
        repo_ref.issues.push(Issue {
            id,
            number,
            title,
            body,
            open: true,
            state_reason: None,
            labels: Vec::new(),
            user,
            closed_by: None,
            created_at: now,
            updated_at: now,
            closed_at: None,
            updated_seq: seq,
            pull_request,
        });
        self.set_labels(repo, number, labels);
        number
    }

    pub fn issue(&self, repo: usize, number: u64) -> Option<&Issue> {
        self.repos[repo].issues.iter().find(|i| i.number == number)
    }

    pub fn issue_mut(&mut self, repo: usize, number: u64) -> Option<&mut Issue> {
        self.repos[repo]
            .issues
            .iter_mut()
            .find(|i| i.number == number)
    }

    /// Marks the issue changed now.
    pub fn touch(&mut self, repo: usize, number: u64) {
        let seq = self.tick();
        if let Some(issue) = self.issue_mut(repo, number) {
            issue.updated_at = now();
            issue.updated_seq = seq;
        }
    }

    /// Closes (with `reason`, `completed` when `None`) or reopens the issue, as GitHub does:
    /// closing sets `closed_at` and `closed_by`, reopening clears them and sets the reason
    /// `reopened`. A reason given for an issue already in that state replaces the old one.
    pub fn set_state(
        &mut self,
        repo: usize,
        number: u64,
        open: bool,
        reason: Option<Option<String>>,
        actor: &User,
    ) {
        let Some(issue) = self.issue_mut(repo, number) else {
            return;
        };
        match (issue.open, open) {
            (true, false) => {
                issue.open = false;
                issue.closed_at = Some(now());
                issue.closed_by = Some(actor.clone());
                issue.state_reason = reason.unwrap_or_else(|| Some("completed".to_string()));
            }
            (false, true) => {
                issue.open = true;
                issue.closed_at = None;
                issue.closed_by = None;
                issue.state_reason = reason.unwrap_or_else(|| Some("reopened".to_string()));
            }
            _ => {
                if let Some(reason) = reason {
                    issue.state_reason = reason;
                }
            }
        }
    }

    /// Adds a comment and returns its id.
    pub fn add_comment(&mut self, repo: usize, number: u64, body: String, user: User) -> u64 {
        let id = self.id();
        let now = now();
        self.repos[repo].comments.push(Comment {
            id,
            issue_number: number,
            body,
            user,
            created_at: now,
            updated_at: now,
        });
        self.touch(repo, number);
        id
    }

    pub fn comments_of(&self, repo: usize, number: u64) -> impl Iterator<Item = &Comment> {
        self.repos[repo]
            .comments
            .iter()
            .filter(move |c| c.issue_number == number)
    }

    fn api(&self) -> &str {
        &self.base_url
    }

    fn repo_api(&self, repo: &Repo) -> String {
        format!(
            "{}/repos/{}/{}",
            self.api(),
            encode(&repo.owner),
            encode(&repo.name)
        )
    }

    fn repo_html(&self, repo: &Repo) -> String {
        format!(
            "{}/{}/{}",
            self.base_url,
            encode(&repo.owner),
            encode(&repo.name)
        )
    }

    pub fn render_user(&self, user: &User) -> Value {
        let api = format!("{}/users/{}", self.api(), encode(&user.login));
        let (node_id, avatar, html, kind) = if user.bot {
            let app = user.login.trim_end_matches("[bot]");
            (
                node_id("03:Bot", user.id),
                "https://avatars.githubusercontent.com/in/15368?v=4".to_string(),
                format!("{}/apps/{}", self.base_url, encode(app)),
                "Bot",
            )
        } else {
            (
                node_id("04:User", user.id),
                format!("https://avatars.githubusercontent.com/u/{}?v=4", user.id),
                format!("{}/{}", self.base_url, encode(&user.login)),
                "User",
            )
        };
        json!({
            "login": user.login,
            "id": user.id,
            "node_id": node_id,
            "avatar_url": avatar,
            "gravatar_id": "",
            "url": api,
            "html_url": html,
            "followers_url": format!("{api}/followers"),
            "following_url": format!("{api}/following{{/other_user}}"),
            "gists_url": format!("{api}/gists{{/gist_id}}"),
            "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
            "subscriptions_url": format!("{api}/subscriptions"),
            "organizations_url": format!("{api}/orgs"),
            "repos_url": format!("{api}/repos"),
            "events_url": format!("{api}/events{{/privacy}}"),
            "received_events_url": format!("{api}/received_events"),
            "type": kind,
            "user_view_type": "public",
            "site_admin": false,
        })
    }

    pub fn render_label(&self, repo: &Repo, name: &str) -> Value {
        let label = repo.labels.iter().find(|l| l.name == name);
        let (id, color, description) = match label {
            Some(l) => (l.id, l.color.as_str(), l.description.clone()),
            None => (0, "ededed", None),
        };
        json!({
            "id": id,
            "node_id": node_id("05:Label", id),
            "url": format!("{}/labels/{}", self.repo_api(repo), encode(name)),
            "name": name,
            "color": color,
            "default": false,
            "description": description,
        })
    }

    fn reactions(url: String) -> Value {
        json!({
            "url": url,
            "total_count": 0,
            "+1": 0,
            "-1": 0,
            "laugh": 0,
            "hooray": 0,
            "confused": 0,
            "heart": 0,
            "rocket": 0,
            "eyes": 0,
        })
    }

    fn association(user: &User) -> &'static str {
        if user.bot {
            "NONE"
        } else {
            "OWNER"
        }
    }

    pub fn render_issue(&self, repo: &Repo, issue: &Issue, view: View) -> Value {
        let api = format!("{}/issues/{}", self.repo_api(repo), issue.number);
        let html = format!(
            "{}/{}/{}",
            self.repo_html(repo),
            if issue.pull_request { "pull" } else { "issues" },
            issue.number
        );
        let comments = self.comments_of_repo(repo, issue.number);
        let mut value = json!({
            "url": api,
            "repository_url": self.repo_api(repo),
            "labels_url": format!("{api}/labels{{/name}}"),
            "comments_url": format!("{api}/comments"),
            "events_url": format!("{api}/events"),
            "html_url": html,
            "id": issue.id,
            "node_id": node_id(if issue.pull_request { "011:PullRequest" } else { "05:Issue" }, issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self.render_user(&issue.user),
            "labels": issue.labels.iter().map(|n| self.render_label(repo, n)).collect::<Vec<_>>(),
            "state": if issue.open { "open" } else { "closed" },
            "locked": false,
            "assignee": null,
            "assignees": [],
            "milestone": null,
            "comments": comments,
            "created_at": format_secs(issue.created_at),
            "updated_at": format_secs(issue.updated_at),
            "closed_at": issue.closed_at.map(format_secs),
            "author_association": Store::association(&issue.user),
            "type": null,
            "active_lock_reason": null,
            "sub_issues_summary": { "total": 0, "completed": 0, "percent_completed": 0 },
            "body": issue.body,
            "reactions": Store::reactions(format!("{api}/reactions")),
            "timeline_url": format!("{api}/timeline"),
            "performed_via_github_app": null,
            "state_reason": issue.state_reason,
        });
        if let Value::Object(fields) = &mut value {
            if view == View::Single {
                let closed_by = issue
                    .closed_by
                    .as_ref()
                    .map_or(Value::Null, |u| self.render_user(u));
                fields.insert("closed_by".to_string(), closed_by);
            }
            if issue.pull_request {
                let pulls = format!("{}/pulls/{}", self.repo_api(repo), issue.number);
                fields.insert("draft".to_string(), Value::Bool(false));
                fields.insert(
                    "pull_request".to_string(),
                    json!({
                        "url": pulls,
                        "html_url": html,
                        "diff_url": format!("{html}.diff"),
                        "patch_url": format!("{html}.patch"),
                        "merged_at": null,
                    }),
                );
            }
        }
        value
    }

    fn comments_of_repo(&self, repo: &Repo, number: u64) -> usize {
        repo.comments
            .iter()
            .filter(|c| c.issue_number == number)
            .count()
    }

    pub fn render_comment(&self, repo: &Repo, comment: &Comment) -> Value {
        let api = format!("{}/issues/comments/{}", self.repo_api(repo), comment.id);
        json!({
            "url": api,
            "html_url": format!(
                "{}/issues/{}#issuecomment-{}",
                self.repo_html(repo),
                comment.issue_number,
                comment.id
            ),
            "issue_url": format!("{}/issues/{}", self.repo_api(repo), comment.issue_number),
            "id": comment.id,
            "node_id": node_id("012:IssueComment", comment.id),
            "user": self.render_user(&comment.user),
            "created_at": format_secs(comment.created_at),
            "updated_at": format_secs(comment.updated_at),
            "author_association": Store::association(&comment.user),
            "body": comment.body,
            "reactions": Store::reactions(format!("{api}/reactions")),
            "performed_via_github_app": null,
        })
    }
}

/// A node id in GitHub's legacy format: base64 of `"05:Issue1347"` and the like.
fn node_id(kind: &str, id: u64) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{kind}{id}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Wall-clock seconds since the epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `2026-08-21T12:34:56Z`, GitHub's timestamp format.
pub(crate) fn format_secs(secs: u64) -> String {
    format!("{}Z", fake_http::time::datetime(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(format_secs(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_secs(1_664_206_231), "2022-09-26T15:30:31Z");
        assert_eq!(format_secs(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn node_ids() {
        assert_eq!(node_id("04:User", 583_231), "MDQ6VXNlcjU4MzIzMQ==");
        assert_eq!(node_id("03:Bot", 41_898_282), "MDM6Qm90NDE4OTgyODI=");
        assert_eq!(node_id("05:Issue", 1), "MDU6SXNzdWUx");
    }

    #[test]
    fn labels_are_case_insensitive_and_deduplicated() {
        let mut store = Store::new("http://h".into());
        let repo = store.add_repo("Acme", "Site");
        assert_eq!(store.add_repo("acme", "site"), repo);
        let number = store.create_issue(
            repo,
            "t".into(),
            None,
            &["Drift".into(), "drift".into(), "ops".into()],
            token_user(),
            false,
        );
        assert_eq!(store.ensure_label(repo, "DRIFT"), "Drift");
        let issue = store.issue(repo, number).map(|i| i.labels.clone());
        assert_eq!(issue, Some(vec!["Drift".to_string(), "ops".to_string()]));
        assert_eq!(store.repos[repo].labels.len(), 2);
    }
}

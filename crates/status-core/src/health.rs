//! Whether statuses really arrive: the delivery log of each managed hook, judged per
//! pipeline, and the pipeline's incoming hooks that supply the commit hash. Pure
//! functions.
//!
//! A delivery whose status URL has no commit (a deploy started by hand, or by an event
//! the incoming hook's `commit_hash` variable does not read) is answered 404 whatever
//! the hooks: it is ignored. The pipeline is judged by its latest delivery that carried
//! a commit, across its three hooks: a hook whose latest such delivery failed is
//! *failing* only if no later delivery of the pipeline succeeded, else its failure is
//! *stale* (the credential works again).

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::hook::ObservedHook;
use crate::providers::Provider;

/// A delivery of an outgoing hook: the request Devopness sent and the answer.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Delivery {
    #[serde(default)]
    pub action_id: Option<u64>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub response_status_code: Option<u16>,
    #[serde(default)]
    pub created_at: Option<String>,
}

impl Delivery {
    /// The provider did not create the status: any answer but a 2xx (a 3xx redirect is
    /// not followed for a POST), or none.
    fn failed(&self) -> bool {
        self.response_status_code
            .is_none_or(|c| !(200..300).contains(&c))
    }
}

/// How many recent deliveries are read per hook (one page): enough that a few deploys
/// started by hand do not hide the latest one that carried a commit.
pub const RECENT: u32 = 20;

/// Where a pipeline's statuses go, as the advice names it.
#[derive(Clone, Copy)]
pub struct StatusTarget<'a> {
    pub provider: &'a dyn Provider,
    pub repository: &'a str,
}

impl StatusTarget<'_> {
    /// The commit a delivery's URL carries: `None` for a status URL without one;
    /// `Some(None)` when it cannot be told (no URL, or not the provider's status URL
    /// shape), which counts as carrying one.
    fn commit_of<'d>(&self, d: &'d Delivery) -> Option<Option<&'d str>> {
        let Some(url) = d.url.as_deref() else {
            return Some(None);
        };
        match self.provider.commit_in_url(url) {
            None => Some(None),
            Some(commit) if commit.is_empty() || commit.contains("{{") => None,
            Some(commit) => Some(Some(commit)),
        }
    }
}

/// The verdict on one hook's recent deliveries, within its pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryHealth {
    /// The provider's answer to the hook's latest delivery that carried a commit
    /// (`None`: no answer, or no such delivery among the recent ones).
    pub last_status: Option<u16>,
    /// How many recent deliveries were read.
    pub recent: usize,
    /// How many of them carried no commit (deploys started by hand) and were not judged.
    pub ignored: usize,
    /// How many of the judged ones failed (4xx/5xx, or no answer).
    pub failed: usize,
    /// Its latest judged delivery failed and no later delivery of the pipeline succeeded.
    pub failing: bool,
    /// Its latest judged delivery failed, but a later one of the pipeline succeeded.
    pub stale: bool,
    /// The likely cause and what to do, when failing.
    pub cause: Option<Cause>,
}

impl DeliveryHealth {
    /// How many recent deliveries carried a commit and were judged.
    pub fn judged(&self) -> usize {
        self.recent - self.ignored
    }
}

/// Why a hook's status requests fail, and what to do; none of it is fixed by writing
/// the hooks again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// 401 or 403: the token Devopness sends was refused.
    TokenRefused {
        status: u16,
        provider: &'static str,
        needs: &'static str,
    },
    /// 404, 422 or 400 to a status for a commit: the repository, the commit, or (422,
    /// 400) the body.
    CommitRejected {
        status: u16,
        provider: &'static str,
        repository: String,
        /// The commit the request named, when its URL shows it.
        commit: Option<String>,
    },
    /// No answer at all.
    NoAnswer {
        provider: &'static str,
    },
    /// 5xx.
    ProviderFailed {
        status: u16,
        provider: &'static str,
    },
    /// 3xx: the status API answered with a redirect, which creates no status.
    Redirected {
        status: u16,
        provider: &'static str,
    },
    Unexpected {
        status: u16,
        provider: &'static str,
    },
}

/// GitHub, GitLab, Bitbucket.
fn title(provider: &str) -> &str {
    match provider {
        "github" => "GitHub",
        "gitlab" => "GitLab",
        "bitbucket" => "Bitbucket",
        other => other,
    }
}

/// Said of every cause: no write to the hooks fixes it.
const OUTSIDE: &str = "The fix is outside this action: writing the hooks again changes nothing.";

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::TokenRefused {
                status,
                provider,
                needs,
            } => write!(
                f,
                "{} refused the token Devopness holds for the application's source provider ({status}): it has expired or been revoked, or lacks {needs}; reconnect the source provider in Devopness (or give its token that access), then deploy again. {OUTSIDE}",
                title(provider)
            ),
            Cause::CommitRejected {
                status,
                provider,
                repository,
                commit,
            } => {
                let commit = commit
                    .as_deref()
                    .map_or_else(|| "the deploy's commit".to_owned(), |c| format!("commit {c}"));
                write!(
                    f,
                    "{} answered {status} for {commit} in `{repository}`, where the statuses go: is `{repository}` the application's repository, and is that commit in it? If not, correct the application's repository in Devopness (or the `repository` input, which overrides it); a commit from another repository or a fork cannot get a status there. ",
                    title(provider)
                )?;
                f.write_str(match (*status, *provider) {
                    (404, _) => "A token without access to the repository is also answered 404. ",
                    (400, "gitlab") => "Else GitLab refused the state: it answers 400 \"Cannot transition status\" when another pipeline posts the same status name to this commit (say staging and production deploying it): give each environment its own context (`ci/devopness({environment})`), or check the description and context lengths. ",
                    _ => "Else the provider refused the body: check the description and context lengths. ",
                })?;
                f.write_str(OUTSIDE)
            }
            Cause::NoAnswer { provider } => write!(
                f,
                "no answer from {}: check `provider-api-url` and that Devopness can reach it.",
                title(provider)
            ),
            Cause::ProviderFailed { status, provider } => write!(
                f,
                "{} failed ({status}); usually passing: check again later. {OUTSIDE}",
                title(provider)
            ),
            Cause::Redirected { status, provider } => write!(
                f,
                "{} answered {status}, a redirect, which creates no status: check `provider-api-url` (https, and the API's own host); the hooks follow it once it is corrected.",
                title(provider)
            ),
            Cause::Unexpected { status, provider } => write!(
                f,
                "unexpected answer {status} from {}.",
                title(provider)
            ),
        }
    }
}

/// In the `hooks` output, the cause is its advice.
impl Serialize for Cause {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The likely cause of a failed delivery to `target`.
fn cause(target: StatusTarget<'_>, d: &Delivery, commit: Option<&str>) -> Cause {
    let provider = target.provider.name();
    match d.response_status_code.unwrap_or(0) {
        0 => Cause::NoAnswer { provider },
        status @ (401 | 403) => Cause::TokenRefused {
            status,
            provider,
            needs: target.provider.token_needs(),
        },
        status @ (400 | 404 | 422) => Cause::CommitRejected {
            status,
            provider,
            repository: target.repository.to_owned(),
            commit: commit.map(str::to_owned),
        },
        status @ 500..=599 => Cause::ProviderFailed { status, provider },
        status @ 300..=399 => Cause::Redirected { status, provider },
        status => Cause::Unexpected { status, provider },
    }
}

/// A delivery that carried a commit, with that commit when its URL shows it.
struct Judged<'d> {
    delivery: &'d Delivery,
    commit: Option<&'d str>,
}

/// Judges a pipeline's hooks by their recent deliveries (`logs`, one per hook, in any
/// order): one verdict per log, `None` for a hook never delivered.
pub fn assess_pipeline(
    target: StatusTarget<'_>,
    logs: &[&[Delivery]],
) -> Vec<Option<DeliveryHealth>> {
    let judged: Vec<Vec<Judged>> = logs
        .iter()
        .map(|log| {
            let mut judged: Vec<Judged> = log
                .iter()
                .filter_map(|d| {
                    target.commit_of(d).map(|commit| Judged {
                        delivery: d,
                        commit,
                    })
                })
                .collect();
            judged.sort_by(|a, b| b.delivery.created_at.cmp(&a.delivery.created_at));
            judged
        })
        .collect();
    let latest_success = judged
        .iter()
        .flatten()
        .filter(|j| !j.delivery.failed())
        .map(|j| &j.delivery.created_at)
        .max();
    logs.iter()
        .zip(&judged)
        .map(|(log, judged)| {
            if log.is_empty() {
                return None;
            }
            let latest = judged.first();
            let failed_latest = latest.filter(|j| j.delivery.failed());
            let stale = failed_latest
                .is_some_and(|j| latest_success.is_some_and(|s| *s > j.delivery.created_at));
            let failing = failed_latest.filter(|_| !stale);
            Some(DeliveryHealth {
                last_status: latest
                    .and_then(|j| j.delivery.response_status_code)
                    .filter(|c| *c != 0),
                recent: log.len(),
                ignored: log.len() - judged.len(),
                failed: judged.iter().filter(|j| j.delivery.failed()).count(),
                failing: failing.is_some(),
                stale,
                cause: failing.map(|j| cause(target, j.delivery, j.commit)),
            })
        })
        .collect()
}

/// The pipeline's incoming hooks (`type` `in`/`incoming`).
fn incoming(observed: &[ObservedHook]) -> impl Iterator<Item = &ObservedHook> {
    observed.iter().filter(|h| {
        matches!(
            h.kind.as_deref().map(str::to_ascii_lowercase).as_deref(),
            Some("in" | "incoming")
        )
    })
}

/// Where to read a `commit_hash` variable from, on `provider`: the push's commit and the
/// pull (merge) request's.
fn where_to_read_it(provider: &dyn Provider) -> String {
    let fields = provider.commit_fields();
    let push: Vec<String> = fields.push.iter().map(|f| format!("`{f}`")).collect();
    format!(
        "from {} for deploys on push, or from `{}` for {}s",
        push.join(" or "),
        fields.pull_request,
        fields.request
    )
}

/// A warning when no incoming hook defines a `commit_hash` variable: every status
/// request then goes to a URL without a SHA. It says where `provider`'s payloads carry
/// the commit, for pushes and for pull (merge) requests.
pub fn commit_hash_warning(observed: &[ObservedHook], provider: &dyn Provider) -> Option<String> {
    let defines = |h: &ObservedHook| {
        h.settings
            .as_ref()
            .and_then(|s| s.get("variables"))
            .and_then(Value::as_array)
            .is_some_and(|vars| {
                vars.iter()
                    .any(|v| v.get("name").and_then(Value::as_str) == Some("commit_hash"))
            })
    };
    let hooks: Vec<&ObservedHook> = incoming(observed).collect();
    if hooks.iter().any(|h| defines(h)) {
        return None;
    }
    let read = where_to_read_it(provider);
    Some(if hooks.is_empty() {
        format!("the pipeline has no incoming hook, so no deploy carries a commit hash and every status request goes to a URL without a SHA: add an incoming hook with a `commit_hash` variable, read {read}")
    } else {
        format!("none of the pipeline's incoming hooks defines a `commit_hash` variable, so every status request goes to a URL without a SHA: add one, read {read}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{ALL, BITBUCKET, GITHUB, GITLAB};
    use serde_json::json;

    const REPO: &str = "o/r";
    const TARGET: StatusTarget = StatusTarget {
        provider: GITHUB,
        repository: REPO,
    };

    /// A delivery at `at` answered `code`, of a deploy of `commit` ("": started by hand).
    fn d(code: Option<u16>, at: &str, commit: &str) -> Delivery {
        Delivery {
            url: Some(format!(
                "https://api.github.com/repos/{REPO}/statuses/{commit}"
            )),
            response_status_code: code,
            created_at: Some(at.into()),
            ..Delivery::default()
        }
    }

    fn one(log: &[Delivery]) -> Option<DeliveryHealth> {
        assess_pipeline(TARGET, &[log]).remove(0)
    }

    #[test]
    fn the_latest_delivery_decides() {
        let h = one(&[d(Some(201), "1", "a"), d(Some(401), "2", "b")]).expect("some");
        assert!(h.failing && !h.stale);
        assert_eq!(
            (h.last_status, h.failed, h.recent, h.ignored),
            (Some(401), 1, 2, 0)
        );
        assert!(h
            .cause
            .is_some_and(|c| c.to_string().contains("Commit statuses: write")));
        let ok = one(&[d(Some(404), "1", "a"), d(Some(201), "2", "b")]).expect("some");
        assert!(!ok.failing && ok.cause.is_none());
        assert_eq!(one(&[]), None);
        assert!(one(&[d(None, "1", "a")]).is_some_and(|h| h.failing));
    }

    #[test]
    fn deliveries_without_a_commit_are_ignored() {
        let h = one(&[
            d(Some(201), "1", "a"),
            d(Some(404), "2", ""),
            d(Some(404), "3", ""),
        ])
        .expect("some");
        assert!(!h.failing);
        assert_eq!(
            (h.last_status, h.ignored, h.failed, h.judged()),
            (Some(201), 2, 0, 1)
        );
        // Only deploys by hand: nothing judged, nothing failing.
        let by_hand = one(&[d(Some(404), "1", "")]).expect("some");
        assert_eq!(
            (by_hand.last_status, by_hand.ignored, by_hand.failing),
            (None, 1, false)
        );
        // No URL, or a URL of another shape: it cannot be told, so it is judged.
        let mut unknown = d(Some(404), "1", "");
        unknown.url = None;
        assert!(one(&[unknown.clone()]).is_some_and(|h| h.failing));
        unknown.url = Some("https://proxy.example/status".into());
        assert!(one(&[unknown]).is_some_and(|h| h.failing));
    }

    #[test]
    fn a_later_success_of_any_hook_of_the_pipeline_makes_a_failure_stale() {
        let started = [d(Some(401), "2", "a"), d(Some(201), "4", "c")];
        let failed = [d(Some(401), "3", "a")];
        let completed = [d(Some(201), "1", "z")];
        let verdicts = assess_pipeline(TARGET, &[&started, &failed, &completed, &[]]);
        let failed = verdicts[1].clone().expect("some");
        assert!(failed.stale && !failed.failing && failed.cause.is_none());
        assert_eq!(failed.last_status, Some(401));
        assert!(verdicts.iter().flatten().all(|h| !h.failing));
        assert_eq!(verdicts[3], None);
        // Without the later success, the failures are current; an earlier success is not.
        let verdicts = assess_pipeline(
            TARGET,
            &[&started[..1], &[d(Some(401), "3", "a")], &completed],
        );
        let failing: Vec<bool> = verdicts.iter().flatten().map(|h| h.failing).collect();
        assert_eq!(failing, vec![true, true, false]);
        // A later delivery without a commit does not make it stale.
        let verdicts = assess_pipeline(TARGET, &[&started[..1], &[d(Some(201), "9", "")]]);
        assert!(verdicts[0].as_ref().is_some_and(|h| h.failing));
        // Nor does a later redirect: a 3xx creates no status.
        let redirected = [d(Some(302), "9", "c")];
        let verdicts = assess_pipeline(TARGET, &[&started[..1], &redirected]);
        let flags: Vec<(bool, bool)> = verdicts
            .iter()
            .flatten()
            .map(|h| (h.failing, h.stale))
            .collect();
        assert_eq!(flags, [(true, false), (true, false)]);
        let cause = verdicts[1].as_ref().and_then(|h| h.cause.clone());
        assert!(
            cause.is_some_and(|c| c.to_string().contains("redirect")),
            "a 3xx names the redirect"
        );
    }

    #[test]
    fn causes_name_what_to_do_and_never_a_write_of_the_hooks() {
        let cause_of = |provider: &'static dyn Provider, code: u16| {
            cause(
                StatusTarget {
                    provider,
                    repository: REPO,
                },
                &d(Some(code), "1", "abc123"),
                Some("abc123"),
            )
            .to_string()
        };
        let refused = cause_of(GITHUB, 401);
        assert!(
            refused.contains("reconnect the source provider in Devopness")
                && refused.contains("outside this action"),
            "{refused}"
        );
        assert!(cause_of(GITLAB, 403).contains("Developer role"));
        assert!(cause_of(BITBUCKET, 403).contains("same credential"));
        for code in [404, 422] {
            let text = cause_of(GITHUB, code);
            assert!(
                text.contains("commit abc123 in `o/r`")
                    && text.contains("the application's repository"),
                "{text}"
            );
        }
        assert!(cause_of(GITHUB, 422).contains("description"));
        assert!(cause_of(GITHUB, 0).contains("provider-api-url"));
        assert!(cause_of(GITHUB, 503).contains("later"));
        // GitLab's 400 is most often two pipelines posting one status name.
        assert!(cause_of(GITLAB, 400).contains("ci/devopness({environment})"));
        assert!(!cause_of(GITHUB, 400).contains("ci/devopness({environment})"));
        for provider in ALL {
            for code in [0, 302, 400, 401, 403, 404, 409, 422, 500] {
                let text = cause_of(*provider, code).to_lowercase();
                assert!(!text.contains("apply"), "{code}: {text}");
            }
        }
        assert_eq!(
            serde_json::to_value(Cause::NoAnswer { provider: "gitlab" }).ok(),
            Some(json!(
                "no answer from GitLab: check `provider-api-url` and that Devopness can reach it."
            ))
        );
    }

    #[test]
    fn commit_hash_variable_is_looked_for_in_incoming_hooks() {
        let hook = |kind: &str, var: &str| -> ObservedHook {
            serde_json::from_value(
                json!({"id": "x", "type": kind, "settings": {"variables": [{"name": var}]}}),
            )
            .expect("hook")
        };
        assert!(commit_hash_warning(&[hook("in", "commit_hash")], GITHUB).is_none());
        assert!(commit_hash_warning(&[hook("in", "source_ref")], GITHUB)
            .is_some_and(|w| w.contains("none of")));
        assert!(commit_hash_warning(&[hook("out", "commit_hash")], GITHUB)
            .is_some_and(|w| w.contains("no incoming")));
    }

    #[test]
    fn the_hint_names_each_providers_push_and_request_commit() {
        let hint = |provider| commit_hash_warning(&[], provider).unwrap_or_default();
        let github = hint(GITHUB);
        assert!(
            github.contains("from `after` or `head_commit.id` for deploys on push, or from `pull_request.head.sha` for pull requests"),
            "{github}"
        );
        let gitlab = hint(GITLAB);
        assert!(
            gitlab.contains("`checkout_sha`")
                && gitlab.contains("`object_attributes.last_commit.id` for merge requests"),
            "{gitlab}"
        );
        let bitbucket = hint(BITBUCKET);
        assert!(
            bitbucket.contains("`push.changes[0].new.target.hash`")
                && bitbucket.contains("`pullrequest.source.commit.hash`"),
            "{bitbucket}"
        );
    }
}

//! Whether statuses really arrive: the delivery log of each managed hook, and the
//! pipeline's incoming hooks that supply the commit hash. Pure functions.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::hook::ObservedHook;

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

/// How many recent deliveries are read per hook.
pub const RECENT: u32 = 5;

/// The verdict on a hook's recent deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryHealth {
    /// The provider's answer to the latest delivery (`None`: no answer recorded).
    pub last_status: Option<u16>,
    /// How many recent deliveries were read.
    pub recent: usize,
    /// How many of them failed (4xx/5xx, or no answer).
    pub failed: usize,
    /// The latest delivery failed.
    pub failing: bool,
    /// The likely cause when failing.
    pub cause: Option<String>,
}

/// Judges a hook by its recent deliveries, newest first whatever order they came in.
/// `None` when the hook was never delivered (nothing to judge).
pub fn assess(deliveries: &[Delivery]) -> Option<DeliveryHealth> {
    let mut sorted: Vec<&Delivery> = deliveries.iter().collect();
    sorted.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    let latest = sorted.first()?;
    let failed_code = |d: &Delivery| d.response_status_code.is_none_or(|c| c == 0 || c >= 400);
    let failing = failed_code(latest);
    Some(DeliveryHealth {
        last_status: latest.response_status_code.filter(|c| *c != 0),
        recent: sorted.len(),
        failed: sorted.iter().filter(|d| failed_code(d)).count(),
        failing,
        cause: failing.then(|| cause(latest.response_status_code.unwrap_or(0)).to_owned()),
    })
}

/// The likely cause of a failed status request, and what to do.
pub fn cause(status: u16) -> &'static str {
    match status {
        401 | 403 => "the source provider token Devopness holds was refused: it lacks commit-status write access (GitHub: \"Commit statuses: write\" or repo:status) or has expired; reconnect the source provider in Devopness",
        404 => "the repository was not found, or the URL has no commit hash (a deploy started by hand, or an incoming hook without a commit_hash variable): check `repository` and the incoming hook",
        422 | 400 => "the provider rejected the status body: check the description and context lengths and the state",
        0 => "no answer from the provider: check `provider-api-url` and that Devopness can reach it",
        500..=599 => "the provider failed; usually passing, check again later",
        _ => "unexpected answer from the provider",
    }
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

/// A warning when no incoming hook defines a `commit_hash` variable: every status
/// request then goes to a URL without a SHA.
pub fn commit_hash_warning(observed: &[ObservedHook]) -> Option<String> {
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
    Some(if hooks.is_empty() {
        "the pipeline has no incoming hook, so no deploy carries a commit hash and every status request goes to a URL without a SHA: add an incoming hook with a `commit_hash` variable (e.g. from `pull_request.head.sha`)".to_owned()
    } else {
        "none of the pipeline's incoming hooks defines a `commit_hash` variable, so every status request goes to a URL without a SHA: add one (e.g. from `pull_request.head.sha`)".to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(code: Option<u16>, at: &str) -> Delivery {
        Delivery {
            response_status_code: code,
            created_at: Some(at.into()),
            ..Delivery::default()
        }
    }

    #[test]
    fn the_latest_delivery_decides() {
        let h = assess(&[d(Some(201), "2026-01-01"), d(Some(401), "2026-01-02")]).expect("some");
        assert!(h.failing);
        assert_eq!(h.last_status, Some(401));
        assert_eq!(h.failed, 1);
        assert!(h.cause.as_deref().is_some_and(|c| c.contains("statuses")));
        let ok = assess(&[d(Some(404), "2026-01-01"), d(Some(201), "2026-01-02")]).expect("some");
        assert!(!ok.failing && ok.cause.is_none());
        assert_eq!(assess(&[]), None);
        assert!(assess(&[d(None, "1")]).is_some_and(|h| h.failing));
    }

    #[test]
    fn causes_by_status() {
        assert!(cause(404).contains("commit hash"));
        assert!(cause(422).contains("body"));
        assert!(cause(403).contains("expired"));
    }

    #[test]
    fn commit_hash_variable_is_looked_for_in_incoming_hooks() {
        let hook = |kind: &str, var: &str| -> ObservedHook {
            serde_json::from_value(
                json!({"id": "x", "type": kind, "settings": {"variables": [{"name": var}]}}),
            )
            .expect("hook")
        };
        assert!(commit_hash_warning(&[hook("in", "commit_hash")]).is_none());
        assert!(
            commit_hash_warning(&[hook("in", "source_ref")]).is_some_and(|w| w.contains("none of"))
        );
        assert!(commit_hash_warning(&[hook("out", "commit_hash")])
            .is_some_and(|w| w.contains("no incoming")));
    }
}

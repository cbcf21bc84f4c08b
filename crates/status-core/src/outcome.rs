//! What a run found or did, per (pipeline, event) hook: the record the shell fills
//! in while it works and the report reads afterwards. Plain data, no I/O; both
//! `apply` (shell) and `report` (core) use it, so neither depends on the other.

use crate::discovery::EnvironmentFacts;
use crate::failure::Failure;
use crate::health::DeliveryHealth;
use crate::hook::{DesiredHook, Event};
use crate::plan::Difference;
use crate::targets::{Held, Owner, TargetError, TargetWarning};

/// What happened to (or was found for) one (pipeline, event) hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookResult {
    Created,
    Updated,
    Unchanged,
    Deleted,
    /// `remove`: there was nothing to delete.
    Absent,
    /// `check`: present and correct.
    Ok,
    Missing,
    Drifted,
    /// `check`: correct, but more than one hook has its identity.
    Duplicate,
    WouldCreate,
    WouldUpdate,
    WouldDelete,
    /// `check`: present and correct, but its latest delivery with a commit failed and
    /// no later delivery of its pipeline succeeded.
    Failing,
    Failed,
}

impl HookResult {
    pub fn as_str(self) -> &'static str {
        match self {
            HookResult::Created => "created",
            HookResult::Updated => "updated",
            HookResult::Unchanged => "unchanged",
            HookResult::Deleted => "deleted",
            HookResult::Absent => "absent",
            HookResult::Ok => "ok",
            HookResult::Missing => "missing",
            HookResult::Drifted => "drifted",
            HookResult::Duplicate => "duplicate",
            HookResult::WouldCreate => "would-create",
            HookResult::WouldUpdate => "would-update",
            HookResult::WouldDelete => "would-delete",
            HookResult::Failing => "failing",
            HookResult::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HookOutcome {
    pub event: Event,
    pub name: String,
    pub hook_id: Option<String>,
    pub result: HookResult,
    /// Why it failed, kept as a type until reported.
    pub error: Option<Failure>,
    /// What differs (check) or was repaired (apply).
    pub differences: Vec<Difference>,
    /// Other hooks with the same identity, left alone.
    pub duplicates: Vec<String>,
    /// Hooks deleted (or, in a dry run, that would be).
    pub deleted: Vec<String>,
    /// The body written or that would be (dry run), for the log.
    pub body: Option<serde_json::Value>,
    /// Recent deliveries (check mode).
    pub delivery: Option<DeliveryHealth>,
}

impl HookOutcome {
    pub fn new(desired: &DesiredHook, result: HookResult) -> HookOutcome {
        HookOutcome::of_event(desired.event, &desired.name, result)
    }

    /// An outcome with nothing recorded yet but the hook's event, name and result.
    pub fn of_event(event: Event, name: &str, result: HookResult) -> HookOutcome {
        HookOutcome {
            event,
            name: name.to_owned(),
            hook_id: None,
            result,
            error: None,
            differences: Vec::new(),
            duplicates: Vec::new(),
            deleted: Vec::new(),
            body: None,
            delivery: None,
        }
    }

    /// A create was sent and whether it happened is not known.
    pub fn outcome_unknown(&self) -> bool {
        self.error.as_ref().is_some_and(Failure::outcome_unknown)
    }

    pub fn fail(&mut self, error: Failure) {
        self.result = HookResult::Failed;
        self.error = Some(error);
    }

    /// Applies `redact` to every text of this hook a report shows that came from the
    /// server: its error, and its differences' values (a hook made by hand may hold a
    /// known secret anywhere).
    pub fn redact(&mut self, redact: &dyn Fn(&str) -> String) {
        self.error = self.error.as_ref().map(|e| e.map_text(redact));
        for d in &mut self.differences {
            d.observed = map_strings(&d.observed, redact);
            d.desired = map_strings(&d.desired, redact);
        }
    }

    /// Records what the delivery log says; a correct hook whose latest delivery with a
    /// commit failed, with none of its pipeline succeeding since, is `Failing`
    /// (statuses do not arrive: that is drift too, though no write fixes it).
    pub fn record_delivery(&mut self, delivery: Option<DeliveryHealth>) {
        if self.result == HookResult::Ok && delivery.as_ref().is_some_and(|d| d.failing) {
            self.result = HookResult::Failing;
        }
        self.delivery = delivery;
    }
}

/// `value` with `f` applied to every string in it (object keys kept).
fn map_strings(value: &serde_json::Value, f: &dyn Fn(&str) -> String) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(f(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| map_strings(v, f)).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), map_strings(v, f)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Where a pipeline's statuses go, under which context, and the application (and
/// environment) it deploys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Destination {
    /// `None` for a pipeline of `pipeline-ids` whose application was not read (its hooks
    /// already posted to the workflow's repository) or that belongs to none.
    pub owner: Option<Owner>,
    /// Empty when not known (the pipeline failed before it was).
    pub repository: String,
    /// The provider's name (`github`, `gitlab`, `bitbucket`); empty when not known.
    pub provider: &'static str,
    /// The status context its hooks post, placeholders filled in.
    pub context: String,
}

impl Destination {
    pub fn application_id(&self) -> Option<u64> {
        self.owner.as_ref().map(|o| o.application_id)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PipelineOutcome {
    pub pipeline_id: u64,
    pub destination: Destination,
    /// One per event; all `Failed` when the pipeline could not be read.
    pub hooks: Vec<HookOutcome>,
    /// A failure of the pipeline as a whole (its hooks could not be listed).
    pub error: Option<Failure>,
    /// Problems that do not stop the run (e.g. no `commit_hash` variable).
    pub warnings: Vec<String>,
}

impl PipelineOutcome {
    /// Whether the pipeline was handled without error (drift is not an error).
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.hooks.iter().all(|h| h.result != HookResult::Failed)
    }

    /// Every failure recorded: the pipeline's, then its hooks'.
    pub fn failures(&self) -> impl Iterator<Item = &Failure> {
        self.error
            .iter()
            .chain(self.hooks.iter().filter_map(|h| h.error.as_ref()))
    }
}

/// Why an application of `application-ids` got no hooks.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplicationError {
    /// It, or its pipeline list, could not be read.
    Read(Failure),
    /// It names no source provider or repository the hooks can post to.
    Target(TargetError),
}

impl std::fmt::Display for ApplicationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApplicationError::Read(e) => write!(f, "{e}"),
            ApplicationError::Target(e) => write!(f, "{e}"),
        }
    }
}

/// What a run found for one application of `application-ids`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationOutcome {
    pub application_id: u64,
    /// Its name, once read (empty when it has none).
    pub name: String,
    /// Its environment, once known (from its environment's list, or once read).
    pub environment: Option<EnvironmentFacts>,
    /// Where its pipelines' statuses go, once settled.
    pub destination: Option<Destination>,
    /// Its deploy pipelines, in its list's order.
    pub deploy_pipelines: Vec<u64>,
    pub error: Option<ApplicationError>,
    pub warnings: Vec<TargetWarning>,
    /// Pipelines of `pipeline-ids` left alone because this application failed.
    pub held: Vec<Held>,
}

impl ApplicationOutcome {
    /// Whether its pipelines could be found and given a target.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }

    /// `Application 12 (web)`, as titles name it.
    pub fn title(&self) -> String {
        if self.name.is_empty() {
            format!("Application {}", self.application_id)
        } else {
            format!("Application {} ({})", self.application_id, self.name)
        }
    }
}

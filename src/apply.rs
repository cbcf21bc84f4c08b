//! Carrying out plans against the Devopness API: pipelines concurrently (bounded),
//! and each pipeline's writes concurrently. One pipeline failing never stops the
//! others; every outcome is recorded for the report.

use futures_util::future::join_all;
use futures_util::stream::{self, StreamExt};
use serde::Serialize;

use crate::devopness::Client;
use crate::hook::{DesiredHook, Event};
use crate::plan::{plan, Decision, Difference, Identity, Step};

/// What happened to one (pipeline, event) hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HookResult {
    Created,
    Updated,
    Unchanged,
    Failed,
}

impl HookResult {
    pub fn as_str(self) -> &'static str {
        match self {
            HookResult::Created => "created",
            HookResult::Updated => "updated",
            HookResult::Unchanged => "unchanged",
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
    /// Why it failed, for the user.
    pub error: Option<String>,
    /// What an update repaired.
    pub differences: Vec<Difference>,
    /// Other hooks with the same identity, left alone.
    pub duplicates: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PipelineOutcome {
    pub pipeline_id: u64,
    /// One per event; all `Failed` when the pipeline could not be read.
    pub hooks: Vec<HookOutcome>,
    /// A failure of the pipeline as a whole (its hooks could not be listed).
    pub error: Option<String>,
}

impl PipelineOutcome {
    /// Whether the pipeline ended in the desired state.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.hooks.iter().all(|h| h.result != HookResult::Failed)
    }
}

/// Applies the desired hooks to every pipeline, at most `concurrency` at a time,
/// returning outcomes in the order of `pipeline_ids`.
pub async fn apply_all(
    client: &Client,
    pipeline_ids: &[u64],
    desired: &[DesiredHook],
    identity: Identity<'_>,
    concurrency: usize,
) -> Vec<PipelineOutcome> {
    stream::iter(pipeline_ids)
        .map(|id| apply_pipeline(client, *id, desired, identity))
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// One pipeline: list its hooks (one request when in sync), plan, then write.
pub async fn apply_pipeline(
    client: &Client,
    pipeline_id: u64,
    desired: &[DesiredHook],
    identity: Identity<'_>,
) -> PipelineOutcome {
    let observed = match client.list_hooks(pipeline_id).await {
        Ok(hooks) => hooks,
        Err(e) => {
            let error = format!("pipeline {pipeline_id}: could not list its hooks: {e}");
            return PipelineOutcome {
                pipeline_id,
                hooks: desired
                    .iter()
                    .map(|d| HookOutcome {
                        event: d.event,
                        name: d.name.clone(),
                        hook_id: None,
                        result: HookResult::Failed,
                        error: Some(error.clone()),
                        differences: Vec::new(),
                        duplicates: Vec::new(),
                    })
                    .collect(),
                error: Some(error),
            };
        }
    };
    let steps = plan(desired, &observed, identity);
    let hooks = join_all(steps.into_iter().map(|s| execute(client, pipeline_id, s))).await;
    PipelineOutcome {
        pipeline_id,
        hooks,
        error: None,
    }
}

async fn execute(client: &Client, pipeline_id: u64, step: Step) -> HookOutcome {
    let mut outcome = HookOutcome {
        event: step.desired.event,
        name: step.desired.name.clone(),
        hook_id: None,
        result: HookResult::Unchanged,
        error: None,
        differences: Vec::new(),
        duplicates: step.duplicates,
    };
    let event = step.desired.event.as_str();
    match step.decision {
        Decision::Keep { hook_id } => outcome.hook_id = Some(hook_id),
        Decision::Create => match client
            .create_hook(pipeline_id, &step.desired.request_body())
            .await
        {
            Ok(hook) => {
                outcome.hook_id = Some(hook.id);
                outcome.result = HookResult::Created;
            }
            Err(e) => {
                outcome.result = HookResult::Failed;
                outcome.error = Some(format!(
                    "pipeline {pipeline_id}: could not create the {event} hook: {e}"
                ));
            }
        },
        Decision::Update {
            hook_id,
            differences,
        } => {
            match client
                .update_hook(&hook_id, &step.desired.update_body(&hook_id))
                .await
            {
                Ok(()) => outcome.result = HookResult::Updated,
                Err(e) => {
                    outcome.result = HookResult::Failed;
                    outcome.error = Some(format!(
                        "pipeline {pipeline_id}: could not repair the {event} hook {hook_id}: {e}"
                    ));
                }
            }
            outcome.hook_id = Some(hook_id);
            outcome.differences = differences;
        }
    }
    outcome
}

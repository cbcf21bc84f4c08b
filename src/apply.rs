//! Carrying out a mode against the Devopness API: pipelines concurrently (bounded),
//! each pipeline's writes concurrently. One pipeline failing never stops the
//! others; every outcome is recorded for the report.
//!
//! Writes whose outcome is unknown (a timeout or 5xx after the request was sent)
//! are never blindly repeated: the pipeline is listed again and the plan redone.
//! After its own creates a run lists again, and where it finds exact copies of a
//! desired hook (a concurrent run made one too) keeps the oldest and deletes the
//! rest, so two runs at once never leave duplicates behind.

use futures_util::future::join_all;
use futures_util::stream::{self, StreamExt};

use crate::devopness::{ApiError, Client};
use crate::health;
use crate::hook::{DesiredHook, Event, ObservedHook};
use crate::inputs::{Mode, RunOptions};
use crate::outcome::{HookOutcome, HookResult, PipelineOutcome};
use crate::plan::{plan, plan_removal, Decision, Identity, Options, Step};

/// Everything one pipeline's run needs besides its id.
#[derive(Clone, Copy)]
pub struct Job<'a> {
    pub client: &'a Client,
    pub desired: &'a [DesiredHook],
    pub identity: Identity<'a>,
    pub options: RunOptions,
}

/// Runs the job on every pipeline, at most `concurrency` at a time, returning
/// outcomes in the order of `pipeline_ids`.
pub async fn run_all(
    job: Job<'_>,
    pipeline_ids: &[u64],
    concurrency: usize,
) -> Vec<PipelineOutcome> {
    stream::iter(pipeline_ids)
        .map(|id| run_pipeline(job, *id))
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// One pipeline: list its hooks (the only request when in sync), then the mode.
pub async fn run_pipeline(job: Job<'_>, pipeline_id: u64) -> PipelineOutcome {
    let observed = match job.client.list_hooks(pipeline_id).await {
        Ok(hooks) => hooks,
        Err(e) => {
            let error = format!("pipeline {pipeline_id}: could not list its hooks: {e}");
            let hooks = job
                .desired
                .iter()
                .map(|d| {
                    let mut o = HookOutcome::new(d, HookResult::Failed);
                    o.error = Some(error.clone());
                    o
                })
                .collect();
            return PipelineOutcome {
                pipeline_id,
                hooks,
                error: Some(error),
                warnings: Vec::new(),
            };
        }
    };
    let warnings = health::commit_hash_warning(&observed).into_iter().collect();
    let hooks = match (job.options.mode, job.options.dry_run) {
        (Mode::Check, _) => check(job, &observed).await,
        (Mode::Apply, true) => dry_apply(job, &observed),
        (Mode::Apply, false) => apply(job, pipeline_id, &observed).await,
        (Mode::Remove, dry_run) => remove(job, pipeline_id, &observed, dry_run).await,
    };
    PipelineOutcome {
        pipeline_id,
        hooks,
        error: None,
        warnings,
    }
}

fn plan_options(job: Job<'_>) -> Options {
    Options {
        prune_duplicates: job.options.prune_duplicates && job.options.mode == Mode::Apply,
    }
}

async fn apply(job: Job<'_>, pipeline_id: u64, observed: &[ObservedHook]) -> Vec<HookOutcome> {
    let steps = plan(job.desired, observed, job.identity, plan_options(job));
    let mut outcomes = join_all(steps.iter().map(|s| execute(job.client, pipeline_id, s))).await;
    let uncertain: Vec<Event> = outcomes
        .iter()
        .filter(|o| o.outcome_unknown)
        .map(|o| o.event)
        .collect();
    let created = outcomes.iter().any(|o| o.result == HookResult::Created);
    if created || !uncertain.is_empty() {
        verify(job, pipeline_id, &mut outcomes, &uncertain).await;
    }
    outcomes
}

/// Marks an error whose write may have happened.
const UNKNOWN: &str = "outcome unknown";

async fn execute(client: &Client, pipeline_id: u64, step: &Step) -> HookOutcome {
    let mut outcome = HookOutcome::new(&step.desired, HookResult::Unchanged);
    outcome.duplicates = step.duplicates.clone();
    let event = step.desired.event.as_str();
    match &step.decision {
        Decision::Keep { hook_id } => outcome.hook_id = Some(hook_id.clone()),
        Decision::Create => {
            let body = step.desired.request_body();
            match client.create_hook(pipeline_id, &body).await {
                Ok(hook) => {
                    outcome.hook_id = Some(hook.id);
                    outcome.result = HookResult::Created;
                }
                Err(e) if e.outcome_unknown() => {
                    outcome.outcome_unknown = true;
                    outcome.fail(format!(
                        "pipeline {pipeline_id}: creating the {event} hook: {UNKNOWN} ({e})"
                    ));
                }
                Err(e) => outcome.fail(format!(
                    "pipeline {pipeline_id}: could not create the {event} hook: {e}"
                )),
            }
            outcome.body = Some(body);
        }
        Decision::Update {
            hook_id,
            differences,
        } => {
            let body = step.desired.update_body(hook_id);
            match client.update_hook(hook_id, &body).await {
                Ok(()) => outcome.result = HookResult::Updated,
                Err(e) => outcome.fail(format!(
                    "pipeline {pipeline_id}: could not repair the {event} hook {hook_id}: {e}"
                )),
            }
            outcome.hook_id = Some(hook_id.clone());
            outcome.differences = differences.clone();
            outcome.body = Some(body);
        }
    }
    let deletions = join_all(step.delete.iter().map(|id| delete(client, pipeline_id, id))).await;
    for (id, result) in step.delete.iter().zip(deletions) {
        match result {
            Ok(()) => outcome.deleted.push(id.clone()),
            Err(e) => outcome.fail(e),
        }
    }
    outcome
}

/// Deletes a hook; a 404 means it is gone already (another run, or a retry that
/// landed). An unknown outcome is settled by reading the hook list once more.
async fn delete(client: &Client, pipeline_id: u64, hook_id: &str) -> Result<(), String> {
    let context = || format!("pipeline {pipeline_id}: could not delete hook {hook_id}");
    match client.delete_hook(hook_id).await {
        Ok(()) | Err(ApiError::NotFound(_)) => Ok(()),
        Err(e) if e.outcome_unknown() => {
            let still_there = client
                .list_hooks(pipeline_id)
                .await
                .map_err(|e| format!("{}: {UNKNOWN}, and the list failed too: {e}", context()))?
                .iter()
                .any(|h| h.id == hook_id);
            if !still_there {
                return Ok(());
            }
            match client.delete_hook(hook_id).await {
                Ok(()) | Err(ApiError::NotFound(_)) => Ok(()),
                Err(e) => Err(format!("{}: {e}", context())),
            }
        }
        Err(e) => Err(format!("{}: {e}", context())),
    }
}

/// The verifying list after creates: settles creates of unknown outcome (created
/// only if still missing) and removes exact copies left by a concurrent run.
async fn verify(job: Job<'_>, pipeline_id: u64, outcomes: &mut [HookOutcome], uncertain: &[Event]) {
    let observed = match job.client.list_hooks(pipeline_id).await {
        Ok(o) => o,
        Err(e) => {
            for o in outcomes.iter_mut().filter(|o| uncertain.contains(&o.event)) {
                o.error = Some(format!(
                    "pipeline {pipeline_id}: creating the {} hook: {UNKNOWN}, and listing again failed: {e}; run again",
                    o.event.as_str()
                ));
            }
            return;
        }
    };
    let steps = plan(job.desired, &observed, job.identity, plan_options(job));
    for step in &steps {
        let Some(outcome) = outcomes.iter_mut().find(|o| o.event == step.desired.event) else {
            continue;
        };
        let was_uncertain = uncertain.contains(&step.desired.event);
        match (&step.decision, was_uncertain) {
            // The create of unknown outcome did land.
            (Decision::Keep { hook_id }, true) => {
                outcome.result = HookResult::Created;
                outcome.error = None;
                outcome.outcome_unknown = false;
                outcome.hook_id = Some(hook_id.clone());
            }
            // It did not: now it is known to be missing, create it.
            (Decision::Create, true) => {
                *outcome = execute(job.client, pipeline_id, step).await;
                continue;
            }
            // A concurrent run's older copy is kept, ours is deleted below.
            (Decision::Keep { hook_id }, false) if outcome.result == HookResult::Created => {
                outcome.hook_id = Some(hook_id.clone());
            }
            _ => {}
        }
        let deletions = join_all(
            step.delete
                .iter()
                .map(|id| delete(job.client, pipeline_id, id)),
        )
        .await;
        for (id, result) in step.delete.iter().zip(deletions) {
            match result {
                Ok(()) => outcome.deleted.push(id.clone()),
                Err(e) => outcome.fail(e),
            }
        }
    }
}

fn dry_apply(job: Job<'_>, observed: &[ObservedHook]) -> Vec<HookOutcome> {
    plan(job.desired, observed, job.identity, plan_options(job))
        .into_iter()
        .map(|step| {
            let mut o = HookOutcome::new(&step.desired, HookResult::Unchanged);
            o.duplicates = step.duplicates;
            o.deleted = step.delete;
            match step.decision {
                Decision::Keep { hook_id } => {
                    o.hook_id = Some(hook_id);
                    if !o.deleted.is_empty() {
                        o.result = HookResult::WouldDelete;
                    }
                }
                Decision::Create => {
                    o.result = HookResult::WouldCreate;
                    o.body = Some(step.desired.request_body());
                }
                Decision::Update {
                    hook_id,
                    differences,
                } => {
                    o.result = HookResult::WouldUpdate;
                    o.body = Some(step.desired.update_body(&hook_id));
                    o.hook_id = Some(hook_id);
                    o.differences = differences;
                }
            }
            o
        })
        .collect()
}

async fn check(job: Job<'_>, observed: &[ObservedHook]) -> Vec<HookOutcome> {
    let steps = plan(job.desired, observed, job.identity, Options::default());
    join_all(steps.into_iter().map(|step| async move {
        let mut o = HookOutcome::new(&step.desired, HookResult::Ok);
        // Without pruning, exact copies land in `delete`: in check they are duplicates too.
        o.duplicates = step
            .delete
            .iter()
            .chain(&step.duplicates)
            .cloned()
            .collect();
        match step.decision {
            Decision::Create => o.result = HookResult::Missing,
            Decision::Update {
                hook_id,
                differences,
            } => {
                o.result = HookResult::Drifted;
                o.hook_id = Some(hook_id);
                o.differences = differences;
            }
            Decision::Keep { hook_id } => {
                if !o.duplicates.is_empty() {
                    o.result = HookResult::Duplicate;
                }
                o.hook_id = Some(hook_id);
            }
        }
        if let (true, Some(id)) = (job.options.check_deliveries, o.hook_id.clone()) {
            match job.client.recent_deliveries(&id, health::RECENT).await {
                Ok(deliveries) => o.record_delivery(health::assess(&deliveries)),
                Err(e) => o.fail(format!("could not read the delivery log of hook {id}: {e}")),
            }
        }
        o
    }))
    .await
}

async fn remove(
    job: Job<'_>,
    pipeline_id: u64,
    observed: &[ObservedHook],
    dry_run: bool,
) -> Vec<HookOutcome> {
    let events: Vec<Event> = job.desired.iter().map(|d| d.event).collect();
    let removal = plan_removal(&events, observed, job.identity);
    join_all(
        job.desired
            .iter()
            .zip(removal)
            .map(|(desired, (_, ids))| async move {
                let mut o = HookOutcome::new(desired, HookResult::Absent);
                o.hook_id = ids.first().cloned();
                if ids.is_empty() {
                    return o;
                }
                if dry_run {
                    o.result = HookResult::WouldDelete;
                    o.deleted = ids;
                    return o;
                }
                o.result = HookResult::Deleted;
                let results =
                    join_all(ids.iter().map(|id| delete(job.client, pipeline_id, id))).await;
                for (id, result) in ids.iter().zip(results) {
                    match result {
                        Ok(()) => o.deleted.push(id.clone()),
                        Err(e) => o.fail(e),
                    }
                }
                o
            }),
    )
    .await
}

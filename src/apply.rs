//! Carrying out a mode against the Devopness API: pipelines concurrently (bounded),
//! each pipeline's writes concurrently. One pipeline failing never stops the
//! others; every outcome is recorded for the report.
//!
//! Reads, updates and deletes are retried by the transport; a create whose outcome is
//! unknown (a timeout, 5xx or dropped connection after it was sent) is never blindly
//! sent again: the pipeline is listed again and only what is still missing is created,
//! for a few rounds within the deadline. After its own creates a run lists again, and
//! where it finds exact copies of a desired hook (a concurrent run made one too) keeps
//! the oldest and deletes the rest, so two runs at once never leave duplicates behind.

use futures_util::future::join_all;
use futures_util::stream::{self, StreamExt};

use crate::devopness::{ApiError, Client};
use crate::resolve::{Resolver, Unprepared};
use status_core::failure::Failure;
use status_core::health;
use status_core::hook::{DesiredHook, Event, ObservedHook};
use status_core::inputs::{Mode, RunOptions};
use status_core::outcome::{HookOutcome, HookResult, PipelineOutcome};
use status_core::plan::{plan, plan_removal, Decision, Identity, Options, Step};
use status_core::targets::{PipelineTarget, Target};

/// What every pipeline of the run shares.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    pub client: &'a Client,
    pub options: RunOptions,
    /// Which hooks each pipeline must have, and where its statuses go.
    pub resolver: &'a Resolver<'a>,
}

/// Everything one pipeline's mode needs besides its id.
#[derive(Clone, Copy)]
pub struct Job<'a> {
    pub client: &'a Client,
    /// The hooks of the pipeline's target (its repository on its provider).
    pub desired: &'a [DesiredHook],
    pub identity: Identity<'a>,
    pub options: RunOptions,
    /// Where the pipeline's statuses go.
    pub target: &'a Target,
}

/// Runs each pipeline, at most `concurrency` at a time, returning outcomes in the order
/// of `pipelines`.
pub async fn run_all(
    run: Run<'_>,
    pipelines: &[PipelineTarget],
    concurrency: usize,
) -> Vec<PipelineOutcome> {
    stream::iter(pipelines)
        .map(|pipeline| run_pipeline(run, pipeline))
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// One pipeline: list its hooks (the only request when in sync), settle which hooks it
/// must have, then the mode.
pub async fn run_pipeline(run: Run<'_>, pipeline: &PipelineTarget) -> PipelineOutcome {
    let pipeline_id = pipeline.pipeline_id;
    let prepared = match run.resolver.prepare(pipeline, run.options.mode).await {
        Ok(prepared) => prepared,
        Err(unprepared) => return failed(pipeline_id, unprepared),
    };
    let job = Job {
        client: run.client,
        desired: &prepared.spec.desired,
        identity: prepared.spec.identity(),
        options: run.options,
        target: &prepared.spec.target,
    };
    let observed = &prepared.observed;
    let mut warnings: Vec<String> = prepared.warnings.iter().map(ToString::to_string).collect();
    // Teardown: whether statuses would arrive does not matter any more.
    if job.options.mode != Mode::Remove {
        warnings.extend(health::commit_hash_warning(observed, job.target.provider));
    }
    let hooks = match (job.options.mode, job.options.dry_run) {
        (Mode::Check, _) => check(job, observed).await,
        (Mode::Apply, true) => dry_apply(job, observed),
        (Mode::Apply, false) => apply(job, pipeline_id, observed).await,
        (Mode::Remove, dry_run) => remove(job, pipeline_id, observed, dry_run).await,
    };
    PipelineOutcome {
        pipeline_id,
        destination: prepared.spec.destination.clone(),
        hooks,
        error: None,
        warnings,
    }
}

/// A pipeline that could not be handled: each of its hooks failed with its error.
fn failed(pipeline_id: u64, unprepared: Box<Unprepared>) -> PipelineOutcome {
    let Unprepared {
        error,
        destination,
        names,
        warnings,
    } = *unprepared;
    let hooks = names
        .iter()
        .map(|(event, name)| {
            let mut o = HookOutcome::of_event(*event, name, HookResult::Failed);
            o.error = Some(error.clone());
            o
        })
        .collect();
    PipelineOutcome {
        pipeline_id,
        destination,
        hooks,
        error: Some(error),
        warnings: warnings.iter().map(ToString::to_string).collect(),
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
    settle(job, pipeline_id, &mut outcomes).await;
    outcomes
}

/// Rounds of listing again after creates: each settles the creates of unknown outcome
/// (creating what is still missing, which may be unknown again) and checks the hooks
/// just created against a concurrent run's.
pub const SETTLE_ROUNDS: usize = 4;

/// Lists again while some create is unsettled: of unknown outcome, or just made (a
/// concurrent run may have made it too). At most [`SETTLE_ROUNDS`] lists; the
/// transport ends them at the deadline.
async fn settle(job: Job<'_>, pipeline_id: u64, outcomes: &mut [HookOutcome]) {
    let mut unsettled = outcomes
        .iter()
        .any(|o| o.result == HookResult::Created || o.outcome_unknown());
    for _ in 0..SETTLE_ROUNDS {
        if !unsettled {
            return;
        }
        let observed = match job.client.list_hooks(pipeline_id).await {
            Ok(observed) => observed,
            Err(e) => {
                for o in outcomes.iter_mut() {
                    if let Some(Failure::CreateUnknown { relist, .. }) = &mut o.error {
                        *relist = Some(e.clone());
                    }
                }
                return;
            }
        };
        unsettled = reconcile(job, pipeline_id, outcomes, &observed).await;
    }
}

/// What a verifying list says about one event, carried out.
struct Settled {
    index: usize,
    /// A create of unknown outcome that did land: the hook found.
    landed: Option<String>,
    /// The outcome of creating again what is known to be missing.
    created_again: Option<HookOutcome>,
    /// The hook kept when ours and a concurrent run's are exact copies.
    kept: Option<String>,
    deletions: Vec<(String, Result<(), Failure>)>,
}

/// Plans again from `observed` and settles each event; true when something was created
/// again or is still of unknown outcome (another round is needed).
async fn reconcile(
    job: Job<'_>,
    pipeline_id: u64,
    outcomes: &mut [HookOutcome],
    observed: &[ObservedHook],
) -> bool {
    let steps = plan(job.desired, observed, job.identity, plan_options(job));
    let work = steps.iter().filter_map(|step| {
        let index = outcomes
            .iter()
            .position(|o| o.event == step.desired.event)?;
        let unknown = outcomes[index].outcome_unknown();
        let created = outcomes[index].result == HookResult::Created;
        Some(settle_step(
            job.client,
            pipeline_id,
            step,
            index,
            unknown,
            created,
        ))
    });
    let settled = join_all(work).await;
    let mut again = false;
    for s in settled {
        let outcome = &mut outcomes[s.index];
        if let Some(hook_id) = s.landed {
            outcome.result = HookResult::Created;
            outcome.error = None;
            outcome.hook_id = Some(hook_id);
        }
        if let Some(created) = s.created_again {
            again |= created.result == HookResult::Created || created.outcome_unknown();
            *outcome = created;
        }
        if let Some(hook_id) = s.kept {
            outcome.hook_id = Some(hook_id);
        }
        for (id, result) in s.deletions {
            match result {
                Ok(()) => outcome.deleted.push(id),
                Err(e) => outcome.fail(e),
            }
        }
    }
    again
}

async fn settle_step(
    client: &Client,
    pipeline_id: u64,
    step: &Step,
    index: usize,
    unknown: bool,
    created: bool,
) -> Settled {
    let mut s = Settled {
        index,
        landed: None,
        created_again: None,
        kept: None,
        deletions: Vec::new(),
    };
    match (&step.decision, unknown) {
        (Decision::Keep { hook_id }, true) => s.landed = Some(hook_id.clone()),
        // It did not land: now it is known to be missing, create it.
        (Decision::Create, true) => {
            s.created_again = Some(execute(client, pipeline_id, step).await);
            return s;
        }
        // A concurrent run's older copy is kept, ours is deleted below.
        (Decision::Keep { hook_id }, false) if created => s.kept = Some(hook_id.clone()),
        _ => {}
    }
    let results = join_all(step.delete.iter().map(|id| delete(client, pipeline_id, id))).await;
    s.deletions = step.delete.iter().cloned().zip(results).collect();
    s
}

async fn execute(client: &Client, pipeline_id: u64, step: &Step) -> HookOutcome {
    let mut outcome = HookOutcome::new(&step.desired, HookResult::Unchanged);
    outcome.duplicates = step.duplicates.clone();
    let event = step.desired.event;
    match &step.decision {
        Decision::Keep { hook_id } => outcome.hook_id = Some(hook_id.clone()),
        Decision::Create => {
            let body = step.desired.request_body();
            match client.create_hook(pipeline_id, &body).await {
                Ok(hook) => {
                    outcome.hook_id = Some(hook.id);
                    outcome.result = HookResult::Created;
                }
                Err(cause) if cause.outcome_unknown() => outcome.fail(Failure::CreateUnknown {
                    pipeline_id,
                    event,
                    cause,
                    relist: None,
                }),
                Err(cause) => outcome.fail(Failure::Create {
                    pipeline_id,
                    event,
                    cause,
                }),
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
                Err(cause) => outcome.fail(Failure::Repair {
                    pipeline_id,
                    event,
                    hook_id: hook_id.clone(),
                    cause,
                }),
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
/// landed). An outcome still unknown after the transport's retries is settled by
/// reading the hook list once more.
async fn delete(client: &Client, pipeline_id: u64, hook_id: &str) -> Result<(), Failure> {
    let fail = |cause, relist| Failure::Delete {
        pipeline_id,
        hook_id: hook_id.to_owned(),
        cause,
        relist,
    };
    match client.delete_hook(hook_id).await {
        Ok(()) | Err(ApiError::NotFound(_)) => Ok(()),
        Err(e) if e.outcome_unknown() => {
            let listed = client
                .list_hooks(pipeline_id)
                .await
                .map_err(|e| fail(e, true))?;
            if !listed.iter().any(|h| h.id == hook_id) {
                return Ok(());
            }
            match client.delete_hook(hook_id).await {
                Ok(()) | Err(ApiError::NotFound(_)) => Ok(()),
                Err(e) => Err(fail(e, false)),
            }
        }
        Err(e) => Err(fail(e, false)),
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
    let mut outcomes: Vec<HookOutcome> = steps.into_iter().map(checked).collect();
    if job.options.check_deliveries {
        check_deliveries(job, &mut outcomes).await;
    }
    outcomes
}

/// What a check found for one step of the plan (deliveries aside).
fn checked(step: Step) -> HookOutcome {
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
    o
}

/// Reads each hook's recent deliveries, then judges them together: a pipeline is
/// judged by its latest delivery that carried a commit, whichever hook made it.
async fn check_deliveries(job: Job<'_>, outcomes: &mut [HookOutcome]) {
    let reads = join_all(outcomes.iter().map(|o| async move {
        match &o.hook_id {
            Some(id) => Some(job.client.recent_deliveries(id, health::RECENT).await),
            None => None,
        }
    }))
    .await;
    let mut logs: Vec<Vec<health::Delivery>> = Vec::with_capacity(reads.len());
    for (o, read) in outcomes.iter_mut().zip(reads) {
        match (read, o.hook_id.clone()) {
            (Some(Err(cause)), Some(hook_id)) => {
                o.fail(Failure::Deliveries { hook_id, cause });
                logs.push(Vec::new());
            }
            (read, _) => logs.push(read.and_then(Result::ok).unwrap_or_default()),
        }
    }
    let target = health::StatusTarget {
        provider: job.target.provider,
        repository: &job.target.repository,
    };
    let logs: Vec<&[health::Delivery]> = logs.iter().map(Vec::as_slice).collect();
    for (o, verdict) in outcomes
        .iter_mut()
        .zip(health::assess_pipeline(target, &logs))
    {
        if o.result != HookResult::Failed {
            o.record_delivery(verdict);
        }
    }
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

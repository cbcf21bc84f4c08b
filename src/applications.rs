//! The applications of `application-ids`, and those found in the projects and
//! environments of `project-ids` and `environment-ids`, read from Devopness: each
//! application (unless its environment's list said all a target needs) and its pipeline
//! list, both at once, then what `targets` decides from them: where its deploy pipelines'
//! statuses go, or why they cannot get hooks. One application failing never stops the
//! others.

use futures_util::future::join;
use futures_util::stream::{self, StreamExt};

use crate::devopness::{ApiError, Client};
use status_core::failure::Failure;
use status_core::outcome::{ApplicationError, ApplicationOutcome, Destination};
use status_core::targets::{
    self, ApplicationFacts, Explicit, FailedApplication, Held, ResolvedApplication, TargetWarning,
    Wanted,
};

/// What reading the applications gave: an outcome per application (in the order of
/// `application-ids`), the applications whose deploy pipelines get hooks, and what is
/// known of the pipelines of those that failed.
pub struct Applications {
    pub outcomes: Vec<ApplicationOutcome>,
    pub resolved: Vec<ResolvedApplication>,
    pub failed: Vec<FailedApplication>,
    /// Every application read, resolved or not.
    pub read: Vec<ApplicationFacts>,
}

impl Applications {
    /// Reports each held pipeline under the application that holds it.
    pub fn hold(&mut self, held: Vec<Held>) {
        for h in held {
            let owner = self
                .outcomes
                .iter_mut()
                .find(|a| a.application_id == h.application_id());
            if let Some(owner) = owner {
                owner.held.push(h);
            }
        }
    }
}

/// What became of one application.
enum Settled {
    /// Its deploy pipelines get hooks.
    Resolved(ResolvedApplication),
    /// It could not be handled: the pipelines of `pipeline-ids` in its list are held.
    Failed(FailedApplication),
    /// Found in a project or an environment, it gives no target: skipped with a warning,
    /// holding nothing (a pipeline of it named in `pipeline-ids` is handled as when
    /// named alone).
    Skipped,
}

/// Reads every application, at most `concurrency` at a time.
pub async fn read_all(
    client: &Client,
    wanted: &[Wanted],
    explicit: Explicit<'_>,
    concurrency: usize,
) -> Applications {
    let results: Vec<(ApplicationOutcome, Settled, Option<ApplicationFacts>)> =
        stream::iter(wanted)
            .map(|w| read_one(client, w, explicit))
            .buffered(concurrency.max(1))
            .collect()
            .await;
    let mut applications = Applications {
        outcomes: Vec::new(),
        resolved: Vec::new(),
        failed: Vec::new(),
        read: Vec::new(),
    };
    for (outcome, resolved, facts) in results {
        applications.outcomes.push(outcome);
        applications.read.extend(facts);
        match resolved {
            Settled::Resolved(resolved) => applications.resolved.push(resolved),
            Settled::Failed(failed) => applications.failed.push(failed),
            Settled::Skipped => {}
        }
    }
    applications
}

/// One application: `GET /applications/{id}` (unless what its environment's list said
/// is enough) and its pipeline list, then its target. When it fails, what is known of its
/// pipelines (their list, when it was read). And the application as read, if it was.
async fn read_one(
    client: &Client,
    wanted: &Wanted,
    explicit: Explicit<'_>,
) -> (ApplicationOutcome, Settled, Option<ApplicationFacts>) {
    let application_id = wanted.id;
    let mut outcome = ApplicationOutcome {
        application_id,
        name: String::new(),
        environment: wanted.environment.clone(),
        destination: None,
        deploy_pipelines: Vec::new(),
        error: None,
        warnings: Vec::new(),
        held: Vec::new(),
    };
    let facts = async {
        match &wanted.known {
            Some(known) => Ok(known.clone()),
            None => client.get_application(application_id).await,
        }
    };
    let (facts, pipelines) = join(facts, client.list_application_pipelines(application_id)).await;
    let facts = match facts {
        Ok(facts) => facts,
        Err(cause) => {
            let failure = Failure::Application {
                application_id,
                cause,
            };
            outcome.error = Some(ApplicationError::Read(failure));
            let (outcome, failed) = failed(outcome, pipelines.as_deref().ok());
            return (outcome, failed, None);
        }
    };
    let (outcome, result) = settle(outcome, &facts, pipelines, explicit, wanted.named);
    (outcome, result, Some(facts))
}

/// The application's target and deploy pipelines, from what was read of it.
fn settle(
    mut outcome: ApplicationOutcome,
    facts: &ApplicationFacts,
    pipelines: Result<Vec<targets::PipelineSummary>, ApiError>,
    explicit: Explicit<'_>,
    named: bool,
) -> (ApplicationOutcome, Settled) {
    let application_id = facts.id;
    outcome.name = facts.name.clone();
    if facts.environment.is_some() {
        outcome.environment = facts.environment.clone();
    }
    let pipelines = match pipelines {
        Ok(pipelines) => pipelines,
        Err(cause) => {
            let failure = Failure::ApplicationPipelines {
                application_id,
                cause,
            };
            outcome.error = Some(ApplicationError::Read(failure));
            return failed(outcome, None);
        }
    };
    let (target, warnings) = match targets::application_target(&explicit, facts) {
        Ok(found) => found,
        Err(e) => {
            // Found in a project or an environment, not named: skipped with a warning.
            if let Some(warning) = TargetWarning::skipped(&e).filter(|_| !named) {
                outcome.warnings.push(warning);
                return (outcome, Settled::Skipped);
            }
            outcome.error = Some(ApplicationError::Target(e));
            return failed(outcome, Some(&pipelines));
        }
    };
    outcome.warnings = warnings;
    outcome.deploy_pipelines = targets::deploy_pipelines(&pipelines);
    outcome
        .warnings
        .extend(targets::no_deploy_warning(facts, &outcome.deploy_pipelines));
    let owner = facts.owner();
    outcome.destination = Some(Destination {
        owner: Some(owner.clone()),
        repository: target.repository.clone(),
        provider: target.provider.name(),
        context: String::new(),
    });
    let resolved = ResolvedApplication {
        owner,
        target,
        deploy_pipelines: outcome.deploy_pipelines.clone(),
    };
    (outcome, Settled::Resolved(resolved))
}

/// An application that got no target, with what is known of its pipelines (their list,
/// when it was read).
fn failed(
    outcome: ApplicationOutcome,
    list: Option<&[targets::PipelineSummary]>,
) -> (ApplicationOutcome, Settled) {
    let failed = FailedApplication {
        application_id: outcome.application_id,
        pipelines: list.map(|l| l.iter().map(|p| p.id).collect()),
    };
    (outcome, Settled::Failed(failed))
}

//! The applications of `application-ids`, read from Devopness: each application and its
//! pipeline list (both at once), then what `targets` decides from them: where its deploy
//! pipelines' statuses go, or why they cannot get hooks. One application failing never
//! stops the others.

use futures_util::future::join;
use futures_util::stream::{self, StreamExt};

use crate::devopness::Client;
use crate::failure::Failure;
use crate::outcome::{ApplicationError, ApplicationOutcome, Destination};
use crate::targets::{self, Explicit, ResolvedApplication};

/// What reading the applications gave: an outcome per application (in the order of
/// `application-ids`), and the applications whose deploy pipelines get hooks.
pub struct Applications {
    pub outcomes: Vec<ApplicationOutcome>,
    pub resolved: Vec<ResolvedApplication>,
}

/// Reads every application, at most `concurrency` at a time.
pub async fn read_all(
    client: &Client,
    ids: &[u64],
    explicit: Explicit<'_>,
    concurrency: usize,
) -> Applications {
    let results: Vec<(ApplicationOutcome, Option<ResolvedApplication>)> = stream::iter(ids)
        .map(|id| read_one(client, *id, explicit))
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut applications = Applications {
        outcomes: Vec::new(),
        resolved: Vec::new(),
    };
    for (outcome, resolved) in results {
        applications.outcomes.push(outcome);
        applications.resolved.extend(resolved);
    }
    applications
}

/// One application: `GET /applications/{id}` and its pipeline list, then its target.
async fn read_one(
    client: &Client,
    application_id: u64,
    explicit: Explicit<'_>,
) -> (ApplicationOutcome, Option<ResolvedApplication>) {
    let mut outcome = ApplicationOutcome {
        application_id,
        name: String::new(),
        destination: None,
        deploy_pipelines: Vec::new(),
        error: None,
        warnings: Vec::new(),
    };
    let (facts, pipelines) = join(
        client.get_application(application_id),
        client.list_application_pipelines(application_id),
    )
    .await;
    let facts = match facts {
        Ok(facts) => facts,
        Err(cause) => {
            let failure = Failure::Application {
                application_id,
                cause,
            };
            outcome.error = Some(ApplicationError::Read(failure));
            return (outcome, None);
        }
    };
    outcome.name = facts.name.clone();
    let pipelines = match pipelines {
        Ok(pipelines) => pipelines,
        Err(cause) => {
            let failure = Failure::ApplicationPipelines {
                application_id,
                cause,
            };
            outcome.error = Some(ApplicationError::Read(failure));
            return (outcome, None);
        }
    };
    let (target, warnings) = match targets::application_target(&explicit, &facts) {
        Ok(found) => found,
        Err(e) => {
            outcome.error = Some(ApplicationError::Target(e));
            return (outcome, None);
        }
    };
    outcome.warnings = warnings;
    outcome.deploy_pipelines = targets::deploy_pipelines(&pipelines);
    outcome.warnings.extend(targets::no_deploy_warning(
        &facts,
        &outcome.deploy_pipelines,
    ));
    outcome.destination = Some(Destination {
        application_id: Some(application_id),
        repository: target.repository.clone(),
        provider: target.provider.name(),
    });
    let resolved = ResolvedApplication {
        application_id,
        target,
        deploy_pipelines: outcome.deploy_pipelines.clone(),
    };
    (outcome, Some(resolved))
}

//! The applications of `project-ids` and `environment-ids`, found through Devopness: each
//! project's live environments (`GET /projects/{id}/environments`; archived ones are not
//! deployed to), each environment named (`GET /environments/{id}`, for its name and
//! whether it is archived), then each environment's applications
//! (`GET /environments/{id}/applications`). An application whose listing carries its
//! credential needs no `GET /applications/{id}` later. A project or environment that
//! cannot be read is an error naming it; the rest is still done.

use futures_util::future::join;
use futures_util::stream::{self, StreamExt};

use crate::devopness::Client;
use status_core::discovery::{
    self, EnvironmentFacts, ListedApplication, Scope, ScopeError, ScopeOutcome, ScopeRead,
    ScopeWarning,
};
use status_core::targets::ApplicationFacts;
use status_core::targets::Wanted;

/// What the projects and environments of the inputs gave.
#[derive(Debug, Default)]
pub struct Found {
    /// One per project of `project-ids`, then one per environment visited.
    pub outcomes: Vec<ScopeOutcome>,
    /// Every application found, each once, in the order found.
    pub applications: Vec<Wanted>,
}

/// Finds the applications of every project and environment, at most `concurrency`
/// requests at a time per step.
pub async fn find(
    client: &Client,
    project_ids: &[u64],
    environment_ids: &[u64],
    concurrency: usize,
) -> Found {
    let concurrency = concurrency.max(1);
    let mut found = Found::default();
    let projects: Vec<(ScopeOutcome, Vec<EnvironmentFacts>)> = stream::iter(project_ids)
        .map(|id| project(client, *id))
        .buffered(concurrency)
        .collect()
        .await;
    let mut environments: Vec<Visit> = Vec::new();
    for ((outcome, live), project_id) in projects.into_iter().zip(project_ids) {
        found.outcomes.push(outcome);
        environments.extend(live.into_iter().map(|environment| Visit::Listed {
            project_id: *project_id,
            environment,
        }));
    }
    for id in environment_ids {
        let seen = environments.iter().any(|v| v.id() == *id);
        if !seen {
            environments.push(Visit::Named(*id));
        }
    }
    let visited: Vec<(ScopeOutcome, Vec<Wanted>)> = stream::iter(&environments)
        .map(|visit| environment(client, visit))
        .buffered(concurrency)
        .collect()
        .await;
    for (outcome, applications) in visited {
        found.outcomes.push(outcome);
        for a in applications {
            if !found.applications.iter().any(|w| w.id == a.id) {
                found.applications.push(a);
            }
        }
    }
    found
}

/// An environment to visit: one a project's list gave (its name known), or one of
/// `environment-ids` (read first).
enum Visit {
    Listed {
        project_id: u64,
        environment: EnvironmentFacts,
    },
    Named(u64),
}

impl Visit {
    fn id(&self) -> u64 {
        match self {
            Visit::Listed { environment, .. } => environment.id,
            Visit::Named(id) => *id,
        }
    }
}

/// A project's live environments, and what to report about it.
async fn project(client: &Client, project_id: u64) -> (ScopeOutcome, Vec<EnvironmentFacts>) {
    let mut outcome = ScopeOutcome {
        scope: Scope::Project(project_id),
        error: None,
        warnings: Vec::new(),
    };
    match client.list_project_environments(project_id).await {
        Ok(environments) => {
            let (live, archived) = discovery::live(environments);
            if live.is_empty() {
                outcome.warnings.push(ScopeWarning::NoLiveEnvironment {
                    project_id,
                    archived,
                });
            }
            (outcome, live)
        }
        Err(cause) => {
            outcome.error = Some(ScopeError {
                scope: Scope::Project(project_id),
                read: ScopeRead::Environments,
                cause,
            });
            (outcome, Vec::new())
        }
    }
}

/// An environment's applications (read, for one of `environment-ids`, with the
/// environment itself), and what to report about it. Both reads go at once: one round
/// trip for a live environment, the common case, at the cost of a list read that is not
/// used for an archived or unknown one.
async fn environment(client: &Client, visit: &Visit) -> (ScopeOutcome, Vec<Wanted>) {
    let id = visit.id();
    let (environment, listed) = match visit {
        Visit::Listed { environment, .. } => (
            Ok(environment.clone()),
            client.list_environment_applications(id).await,
        ),
        Visit::Named(_) => {
            join(
                client.get_environment(id),
                client.list_environment_applications(id),
            )
            .await
        }
    };
    let environment = match environment {
        Ok(environment) => environment,
        Err(cause) => {
            let error = ScopeError {
                scope: Scope::EnvironmentId(id),
                read: ScopeRead::Environment,
                cause,
            };
            return (outcome_of(Scope::EnvironmentId(id), error), Vec::new());
        }
    };
    let scope = match visit {
        Visit::Listed { project_id, .. } => Scope::ProjectEnvironment {
            project_id: *project_id,
            environment: environment.clone(),
        },
        Visit::Named(_) => Scope::Environment(environment.clone()),
    };
    if environment.archived {
        let mut outcome = outcome_of(scope, None);
        outcome
            .warnings
            .push(ScopeWarning::Archived { environment });
        return (outcome, Vec::new());
    }
    match listed {
        Ok(listed) => applications_of(scope, &environment, listed),
        Err(cause) => {
            let error = ScopeError {
                scope: scope.clone(),
                read: ScopeRead::Applications,
                cause,
            };
            (outcome_of(scope, error), Vec::new())
        }
    }
}

/// An environment's outcome with this error, if any, and no warning yet.
fn outcome_of(scope: Scope, error: impl Into<Option<ScopeError>>) -> ScopeOutcome {
    ScopeOutcome {
        scope,
        error: error.into(),
        warnings: Vec::new(),
    }
}

/// The applications an environment lists, each with what its listing says when that is
/// all a target needs.
fn applications_of(
    scope: Scope,
    environment: &EnvironmentFacts,
    listed: Vec<ListedApplication>,
) -> (ScopeOutcome, Vec<Wanted>) {
    let mut outcome = outcome_of(scope, None);
    if listed.is_empty() {
        outcome.warnings.push(ScopeWarning::NoApplication {
            environment: environment.clone(),
        });
    }
    let wanted = listed
        .iter()
        .map(|a| Wanted {
            id: a.id,
            named: false,
            known: (!a.needs_reading()).then(|| ApplicationFacts::listed(a, environment)),
            environment: Some(environment.clone()),
        })
        .collect();
    (outcome, wanted)
}

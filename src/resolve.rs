//! Which hooks one pipeline must have: where its statuses go and under which context,
//! reading what it belongs to from Devopness only when that is needed.
//!
//! An application's pipeline (found through `application-ids`) is known: its hooks are
//! made at once. A pipeline named in `pipeline-ids` posts to its own application's
//! repository (`GET /pipelines/{id}`, then `GET /applications/{id}`, each application
//! read once per run), but most post to the workflow's repository, so it is first
//! judged against that (the `standalone` target): when its hooks already match, it
//! costs its one list. Its application is read up front when the context names the
//! environment or application, or when no standalone target is known; otherwise only
//! when its hooks do not match (before a write, or to judge drift in `check`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::future::join;
use tokio::sync::OnceCell;

use crate::devopness::{ApiError, Client};
use status_core::contexts;
use status_core::failure::Failure;
use status_core::hook::{DesiredHook, Event, ObservedHook};
use status_core::inputs::Mode;
use status_core::outcome::Destination;
use status_core::plan::{self, Identity};
use status_core::providers::{self, StatusSettings};
use status_core::targets::{
    self, ApplicationFacts, OwnerNeed, OwnerRead, PipelineTarget, Target, TargetInputs,
    TargetWarning, Whose,
};

/// An application read once for every pipeline that needs it.
type Shared = Arc<OnceCell<Result<ApplicationFacts, ApiError>>>;

/// What every pipeline's hooks are made from, and the applications read so far.
pub struct Resolver<'a> {
    client: &'a Client,
    base: &'a StatusSettings,
    inputs: &'a TargetInputs,
    /// Where pipelines of `pipeline-ids` post unless their application says otherwise.
    standalone: Option<Target>,
    /// The input's rule for a context, applied again once a context is filled in.
    check_context: fn(&str) -> Result<(), String>,
    applications: Mutex<HashMap<u64, Shared>>,
}

/// What one pipeline's hooks must be.
#[derive(Debug, Clone)]
pub struct Spec {
    pub desired: Vec<DesiredHook>,
    pub target: Target,
    pub destination: Destination,
}

impl Spec {
    /// Which observed hooks are this pipeline's.
    pub fn identity(&self) -> Identity<'_> {
        Identity {
            field: self.target.provider.identity_field(),
            value: &self.destination.context,
        }
    }
}

/// A pipeline ready for its mode: its hooks as they are and as they must be.
#[derive(Debug)]
pub struct Prepared {
    pub spec: Spec,
    pub observed: Vec<ObservedHook>,
    /// What reading its application found (an input that contradicts it, ...).
    pub warnings: Vec<TargetWarning>,
}

/// A pipeline that cannot be handled: why, and what is known of it for the report.
#[derive(Debug)]
pub struct Unprepared {
    pub error: Failure,
    pub destination: Destination,
    /// The hooks' names, as far as they are known.
    pub names: Vec<(Event, String)>,
    pub warnings: Vec<TargetWarning>,
}

/// What a pipeline belongs to, and so where its statuses go.
struct Owned {
    whose: Whose,
    target: Target,
    warnings: Vec<TargetWarning>,
}

impl<'a> Resolver<'a> {
    /// `known`: the applications already read (those of `application-ids`).
    pub fn new(
        client: &'a Client,
        base: &'a StatusSettings,
        inputs: &'a TargetInputs,
        standalone: Option<Target>,
        check_context: fn(&str) -> Result<(), String>,
        known: &[ApplicationFacts],
    ) -> Resolver<'a> {
        let applications = known
            .iter()
            .map(|facts| {
                (
                    facts.id,
                    Arc::new(OnceCell::new_with(Some(Ok(facts.clone())))),
                )
            })
            .collect();
        Resolver {
            client,
            base,
            inputs,
            standalone,
            check_context,
            applications: Mutex::new(applications),
        }
    }

    /// Lists the pipeline's hooks and decides which hooks it must have, reading what it
    /// belongs to when needed (see the module's documentation).
    pub async fn prepare(
        &self,
        pipeline: &PipelineTarget,
        mode: Mode,
    ) -> Result<Prepared, Box<Unprepared>> {
        let id = pipeline.pipeline_id;
        let when = targets::owner_read(OwnerNeed {
            unread: pipeline.unread(),
            standalone: pipeline.target.is_some(),
            removing: mode == Mode::Remove,
            names_owner: contexts::uses_owner(&self.base.context)
                || contexts::uses_owner(&self.base.hook_name),
        });
        let up_front = when == OwnerRead::UpFront;
        let (owned, listed) = if up_front {
            let (owned, listed) = join(self.read_owner(id), self.client.list_hooks(id)).await;
            (owned.map_err(|e| self.unprepared(pipeline, e))?, listed)
        } else {
            (self.known(pipeline)?, self.client.list_hooks(id).await)
        };
        let observed = listed.map_err(|cause| {
            let error = Failure::List {
                pipeline_id: id,
                cause,
            };
            self.unprepared_at(&owned, error)
        })?;
        let spec = self.spec(id, &owned)?;
        // A pipeline of `pipeline-ids` whose hooks do not match the standalone target:
        // its own application decides.
        let judged = when == OwnerRead::IfOutOfSync;
        if judged && !plan::in_sync(&spec.desired, &observed, spec.identity()) {
            let owned = self
                .read_owner(id)
                .await
                .map_err(|e| self.unprepared(pipeline, e))?;
            let spec = self.spec(id, &owned)?;
            return Ok(Prepared {
                spec,
                observed,
                warnings: owned.warnings,
            });
        }
        Ok(Prepared {
            spec,
            observed,
            warnings: owned.warnings,
        })
    }

    /// What the run already knows of the pipeline (its target, tentative for one of
    /// `pipeline-ids`).
    fn known(&self, pipeline: &PipelineTarget) -> Result<Owned, Box<Unprepared>> {
        match &pipeline.target {
            Some(target) => Ok(Owned {
                whose: pipeline.whose.clone(),
                target: target.clone(),
                warnings: Vec::new(),
            }),
            None => Err(self.unprepared(
                pipeline,
                Failure::NoTarget(targets::PipelineTargetError::NoApplication {
                    pipeline_id: pipeline.pipeline_id,
                }),
            )),
        }
    }

    /// The pipeline's own target: `GET /pipelines/{id}`, then its application.
    async fn read_owner(&self, pipeline_id: u64) -> Result<Owned, Failure> {
        let facts = self
            .client
            .get_pipeline(pipeline_id)
            .await
            .map_err(|cause| Failure::Owner { pipeline_id, cause })?;
        let application = match facts.application_id() {
            Some(application_id) => {
                Some(self.application(application_id).await.map_err(|cause| {
                    Failure::OwnerApplication {
                        pipeline_id,
                        application_id,
                        cause,
                    }
                })?)
            }
            None => None,
        };
        let (target, warnings) = targets::pipeline_target(
            &self.inputs.explicit(),
            self.standalone.as_ref(),
            pipeline_id,
            application.as_ref(),
        )
        .map_err(Failure::NoTarget)?;
        let whose = application.map_or(Whose::NoApplication, |a| Whose::Application(a.owner()));
        Ok(Owned {
            whose,
            target,
            warnings,
        })
    }

    /// An application, read at most once per run however many pipelines need it.
    async fn application(&self, application_id: u64) -> Result<ApplicationFacts, ApiError> {
        let cell = {
            let mut known = self
                .applications
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            known.entry(application_id).or_default().clone()
        };
        cell.get_or_init(|| self.client.get_application(application_id))
            .await
            .clone()
    }

    /// The hooks the pipeline must have, given what it belongs to.
    fn spec(&self, pipeline_id: u64, owned: &Owned) -> Result<Spec, Box<Unprepared>> {
        let owner = owned.whose.owner();
        let (context, desired) = contexts::pipeline_hooks(
            self.base,
            self.inputs,
            &owned.target,
            owner,
            &self.check_context,
        )
        .map_err(|error| self.unprepared_at(owned, Failure::Context { pipeline_id, error }))?;
        Ok(Spec {
            desired,
            target: owned.target.clone(),
            destination: destination(owner, Some(&owned.target), context),
        })
    }

    /// A pipeline that failed before its target was known.
    fn unprepared(&self, pipeline: &PipelineTarget, error: Failure) -> Box<Unprepared> {
        let destination = destination(
            pipeline.whose.owner(),
            pipeline.target.as_ref().filter(|_| !pipeline.unread()),
            self.base.context.clone(),
        );
        Box::new(Unprepared {
            error,
            destination,
            names: self.names(),
            warnings: Vec::new(),
        })
    }

    /// A pipeline that failed once its target was known.
    fn unprepared_at(&self, owned: &Owned, error: Failure) -> Box<Unprepared> {
        let owner = owned.whose.owner();
        let context = contexts::fill(&self.base.context, owner, "context")
            .unwrap_or_else(|_| self.base.context.clone());
        Box::new(Unprepared {
            error,
            destination: destination(owner, Some(&owned.target), context),
            names: self.names(),
            warnings: owned.warnings.clone(),
        })
    }

    /// The hook names as the inputs give them (placeholders not filled in).
    fn names(&self) -> Vec<(Event, String)> {
        Event::ALL
            .into_iter()
            .map(|event| {
                let name = providers::hook_name(&self.base.hook_name, &self.base.context, event);
                (event, name)
            })
            .collect()
    }
}

fn destination(
    owner: Option<&targets::Owner>,
    target: Option<&Target>,
    context: String,
) -> Destination {
    Destination {
        owner: owner.cloned(),
        repository: target.map(|t| t.repository.clone()).unwrap_or_default(),
        provider: target.map_or("", |t| t.provider.name()),
        context,
    }
}

//! Where each pipeline's commit statuses go: its repository and its source provider.
//!
//! Pure decisions, no I/O. An application's deploy pipelines go to the `repository`/`provider`
//! inputs, else the application's own (its `repository` and `credential.provider.code`);
//! `GITHUB_REPOSITORY` never stands in for an application's. An input that contradicts the
//! application is used, with a warning naming both values. A pipeline named only in
//! `pipeline-ids` posts to its own application's repository too, once that is read
//! (`GET /pipelines/{id}`, then the application); the `standalone` target (the inputs,
//! else `GITHUB_REPOSITORY` on GitHub: `inputs::repository` decides it) is what it is
//! tried against first, so that hooks already posting there cost no extra request, and
//! where it goes when it belongs to no application. A pipeline named twice (in
//! `pipeline-ids` and as an application's deploy pipeline) is handled once, with its
//! application's target, and not at all when that application failed.

use std::fmt;

use crate::discovery::{EnvironmentFacts, ListedApplication};
use crate::providers::{self, Provider, StatusSettings};

/// The `operation` of the pipelines that get the hooks.
pub const DEPLOY_OPERATION: &str = "deploy";

/// What the inputs say about the target, before any application is read.
#[derive(Clone, Copy, Default)]
pub struct Explicit<'a> {
    /// The `repository` input, when given.
    pub repository: Option<&'a str>,
    /// The `provider` input, when given.
    pub provider: Option<&'static dyn Provider>,
}

/// The validated inputs about targets, owned by the run's configuration.
#[derive(Clone, Default)]
pub struct TargetInputs {
    /// The `repository` input, when given.
    pub repository: Option<String>,
    /// The `provider` input, when given.
    pub provider: Option<&'static dyn Provider>,
    /// Each provider's status API: `provider-api-url` when given, else the provider's
    /// default (`GITHUB_API_URL` for GitHub).
    pub api_urls: Vec<(&'static str, String)>,
}

impl TargetInputs {
    pub fn explicit(&self) -> Explicit<'_> {
        Explicit {
            repository: self.repository.as_deref(),
            provider: self.provider,
        }
    }

    /// Where `provider`'s statuses are posted.
    pub fn api_url(&self, provider: &dyn Provider) -> &str {
        self.api_urls
            .iter()
            .find(|(name, _)| *name == provider.name())
            .map_or("", |(_, url)| url.as_str())
    }
}

impl fmt::Debug for TargetInputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TargetInputs")
            .field("repository", &self.repository)
            .field("provider", &self.provider.map(|p| p.name()))
            .field("api_urls", &self.api_urls)
            .finish()
    }
}

/// The status settings of a target: `base` (what the inputs ask every status to look
/// like) with the target's repository and provider API, and `gitlab-ref` only where the
/// provider takes it.
pub fn settings_for(
    base: &StatusSettings,
    inputs: &TargetInputs,
    target: &Target,
) -> StatusSettings {
    StatusSettings {
        api_url: inputs.api_url(target.provider).to_owned(),
        repository: target.repository.clone(),
        gitlab_ref: base.gitlab_ref && target.provider.takes_source_ref(),
        ..base.clone()
    }
}

/// What Devopness says about an application (`GET /applications/{id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationFacts {
    pub id: u64,
    pub name: String,
    /// `repository` (`owner/name`), absent or empty when never set.
    pub repository: Option<String>,
    /// `credential.provider.code`, absent when the application has no credential.
    pub provider_code: Option<String>,
    /// Its `environment` (name, type, archived), when the answer had one.
    pub environment: Option<EnvironmentFacts>,
}

impl ApplicationFacts {
    /// `application 12 (my-app)`, how messages name it.
    pub fn label(&self) -> String {
        self.owner().label()
    }

    /// An application as an environment's list gives it, when the listing carries all a
    /// target needs (its credential: see [`ListedApplication::needs_reading`]).
    pub fn listed(listed: &ListedApplication, environment: &EnvironmentFacts) -> ApplicationFacts {
        ApplicationFacts {
            id: listed.id,
            name: listed.name.clone(),
            repository: listed.repository.clone(),
            provider_code: listed.provider_code.clone(),
            environment: Some(environment.clone()),
        }
    }

    /// The application as the pipelines it deploys name it.
    pub fn owner(&self) -> Owner {
        Owner {
            application_id: self.id,
            application: self.name.clone(),
            environment: self.environment.as_ref().map(|e| e.name.clone()),
        }
    }
}

/// The application a pipeline deploys, and its environment: what `{application}` and
/// `{environment}` fill in, and how reports name the pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Owner {
    pub application_id: u64,
    /// The application's name (empty when it has none).
    pub application: String,
    /// The environment's name, when known.
    pub environment: Option<String>,
}

impl Owner {
    /// `application 12 (my-app)`.
    pub fn label(&self) -> String {
        if self.application.is_empty() {
            format!("application {}", self.application_id)
        } else {
            format!("application {} ({})", self.application_id, self.application)
        }
    }
}

impl fmt::Display for Owner {
    /// `application 12 (my-app), environment production`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())?;
        match &self.environment {
            Some(environment) => write!(f, ", environment {environment}"),
            None => Ok(()),
        }
    }
}

/// One pipeline of an application's pipeline list (`PipelineRelation`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineSummary {
    pub id: u64,
    pub operation: String,
}

/// Where one pipeline's statuses go.
#[derive(Clone)]
pub struct Target {
    pub repository: String,
    pub provider: &'static dyn Provider,
}

impl PartialEq for Target {
    fn eq(&self, other: &Self) -> bool {
        self.repository == other.repository && self.provider.name() == other.provider.name()
    }
}

impl Eq for Target {}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.repository, self.provider.name())
    }
}

/// Why an application's pipelines cannot be given hooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// Its credential's provider is not a source provider we post statuses to.
    UnsupportedProvider { application: String, code: String },
    /// It has no credential, so no source provider (and no `provider` input says one).
    NoProvider { application: String },
    /// It has no repository (and no `repository` input says one).
    NoRepository { application: String },
    /// Its repository (or the `repository` input) is not one the provider accepts.
    BadRepository {
        application: String,
        repository: String,
        provider: &'static str,
        reason: String,
        /// Whether the repository came from the `repository` input.
        from_input: bool,
    },
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let supported = providers::names().join(", ");
        match self {
            TargetError::UnsupportedProvider { application, code } => write!(
                f,
                "{application}: its source provider is `{code}`, not one this action posts commit statuses to ({supported}); connect the application to a supported source provider in Devopness, or set the `provider` and `repository` inputs"
            ),
            TargetError::NoProvider { application } => write!(
                f,
                "{application}: it has no source provider credential in Devopness; connect one, or set the `provider` and `repository` inputs"
            ),
            TargetError::NoRepository { application } => write!(
                f,
                "{application}: it has no repository in Devopness; set its repository there, or set the `repository` input"
            ),
            TargetError::BadRepository {
                application,
                repository,
                provider,
                reason,
                from_input: false,
            } => write!(
                f,
                "{application}: its repository `{repository}` is not a {provider} repository ({reason}); set the `repository` input"
            ),
            TargetError::BadRepository {
                application,
                repository,
                provider,
                reason,
                from_input: true,
            } => write!(
                f,
                "{application}: the `repository` input `{repository}` is not a {provider} repository ({reason}); fix the `repository` input, or remove it to use the application's"
            ),
        }
    }
}

/// Problems that do not stop an application's pipelines from getting their hooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetWarning {
    /// An input names another value than the application: the input is used.
    Contradiction {
        application: String,
        input: &'static str,
        given: String,
        application_value: String,
    },
    /// The application has no pipeline whose operation is `deploy`.
    NoDeployPipeline { application: String },
    /// A pipeline of `pipeline-ids` whose application gives no target: its statuses go
    /// where they went before the application was read.
    FellBack {
        pipeline_id: u64,
        error: TargetError,
        target: Target,
    },
    /// An application found in a project or an environment (not named by the user) that
    /// gives no target: skipped, as an environment without applications is. Its fix is
    /// in Devopness; an input would redirect every application of the run.
    Skipped { error: TargetError },
}

impl TargetWarning {
    /// The warning for an application found (not named) that gives no target; `None`
    /// when the error is the user's own input's, which stays an error.
    pub fn skipped(error: &TargetError) -> Option<TargetWarning> {
        match error {
            TargetError::BadRepository {
                from_input: true, ..
            } => None,
            _ => Some(TargetWarning::Skipped {
                error: error.clone(),
            }),
        }
    }
}

/// What a [`TargetWarning::Skipped`] says: the problem and its fix in Devopness.
fn skipped(f: &mut fmt::Formatter<'_>, error: &TargetError) -> fmt::Result {
    let supported = providers::names().join(", ");
    match error {
        TargetError::UnsupportedProvider { application, code } => write!(
            f,
            "{application}: its source provider is `{code}`, not one this action posts commit statuses to ({supported}), so it is skipped; connect it to a supported source provider in Devopness"
        ),
        TargetError::NoProvider { application } => write!(
            f,
            "{application}: it has no source provider credential in Devopness, so it is skipped; connect one there"
        ),
        TargetError::NoRepository { application } => write!(
            f,
            "{application}: it has no repository in Devopness, so it is skipped; set its repository there"
        ),
        TargetError::BadRepository {
            application,
            repository,
            provider,
            reason,
            ..
        } => write!(
            f,
            "{application}: its repository `{repository}` is not a {provider} repository ({reason}), so it is skipped; correct it in Devopness"
        ),
    }
}

impl fmt::Display for TargetWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetWarning::Contradiction {
                application,
                input,
                given,
                application_value,
            } => write!(
                f,
                "{application}: the `{input}` input `{given}` differs from the application's `{application_value}`; using `{given}`, so its deploys' statuses go where the application does not deploy from. Remove the `{input}` input to use the application's"
            ),
            TargetWarning::NoDeployPipeline { application } => write!(
                f,
                "{application}: it has no pipeline whose operation is `deploy`, so there is nothing to do for it; add a deploy pipeline in Devopness (or, if you named it in `application-ids`, check the id)"
            ),
            TargetWarning::FellBack {
                pipeline_id,
                error,
                target,
            } => write!(
                f,
                "pipeline {pipeline_id} belongs to {error}. Its statuses go to `{}` on {} instead (the `repository` input, else the workflow's repository)",
                target.repository,
                target.provider.name()
            ),
            TargetWarning::Skipped { error } => skipped(f, error),
        }
    }
}

/// The provider a `credential.provider.code` names, if we post statuses to it.
pub fn source_provider(code: &str) -> Option<&'static dyn Provider> {
    providers::by_name(code.trim())
}

/// The target of an application's pipelines, and the warnings to show for it.
pub fn application_target(
    explicit: &Explicit<'_>,
    application: &ApplicationFacts,
) -> Result<(Target, Vec<TargetWarning>), TargetError> {
    let label = application.label();
    let code = application
        .provider_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let own_provider = code.and_then(source_provider);
    let provider = match (explicit.provider, own_provider, code) {
        (Some(p), _, _) | (None, Some(p), _) => p,
        (None, None, Some(code)) => {
            return Err(TargetError::UnsupportedProvider {
                application: label,
                code: code.to_string(),
            })
        }
        (None, None, None) => return Err(TargetError::NoProvider { application: label }),
    };
    let own_repository = application
        .repository
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let repository =
        explicit
            .repository
            .or(own_repository)
            .ok_or_else(|| TargetError::NoRepository {
                application: label.clone(),
            })?;
    provider
        .check_repository(repository)
        .map_err(|reason| TargetError::BadRepository {
            application: label.clone(),
            repository: repository.to_string(),
            provider: provider.name(),
            reason,
            from_input: explicit.repository.is_some(),
        })?;
    let mut warnings = Vec::new();
    if let (Some(given), Some(own)) = (explicit.repository, own_repository) {
        if !given.eq_ignore_ascii_case(own) {
            warnings.push(contradiction(&label, "repository", given, own));
        }
    }
    // A cloud provider's code says nothing about where the source lives: no contradiction.
    if let (Some(given), Some(own)) = (explicit.provider, own_provider) {
        if given.name() != own.name() {
            warnings.push(contradiction(&label, "provider", given.name(), own.name()));
        }
    }
    Ok((
        Target {
            repository: repository.to_owned(),
            provider,
        },
        warnings,
    ))
}

/// The target of a pipeline named in `pipeline-ids`, once what it belongs to is read:
/// its application's, as for `application-ids` (the inputs still win, with the same
/// warnings). When it belongs to no application, or its application gives no target, it
/// keeps `standalone` (the `repository` input, else the workflow's repository), with a
/// warning in the second case; without one, the application's error stands.
pub fn pipeline_target(
    explicit: &Explicit<'_>,
    standalone: Option<&Target>,
    pipeline_id: u64,
    application: Option<&ApplicationFacts>,
) -> Result<(Target, Vec<TargetWarning>), PipelineTargetError> {
    let Some(application) = application else {
        return standalone
            .map(|t| (t.clone(), Vec::new()))
            .ok_or(PipelineTargetError::NoApplication { pipeline_id });
    };
    match (application_target(explicit, application), standalone) {
        (Ok(found), _) => Ok(found),
        (Err(error), Some(target)) => {
            let warning = TargetWarning::FellBack {
                pipeline_id,
                error,
                target: target.clone(),
            };
            Ok((target.clone(), vec![warning]))
        }
        (Err(error), None) => Err(PipelineTargetError::Application { pipeline_id, error }),
    }
}

/// What decides when a pipeline's own application must be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnerNeed {
    /// Named in `pipeline-ids`, what it belongs to not read yet.
    pub unread: bool,
    /// A standalone target (the `repository` input, else the workflow's) is known.
    pub standalone: bool,
    /// `mode: remove`: its hooks are found by their own provider's status name, and
    /// deleting them is a write.
    pub removing: bool,
    /// `context` or `hook-name` names `{environment}` or `{application}`.
    pub names_owner: bool,
}

/// When a pipeline's own application is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerRead {
    /// Known already (an application's pipeline), or never needed.
    Never,
    /// Before its hooks are judged.
    UpFront,
    /// Only when its hooks do not match the standalone target: before a write, or to
    /// judge drift. Hooks already posting there cost their one list.
    IfOutOfSync,
}

/// When the pipeline's own application must be read.
pub fn owner_read(need: OwnerNeed) -> OwnerRead {
    match need {
        OwnerNeed { unread: false, .. } => OwnerRead::Never,
        OwnerNeed {
            standalone: false, ..
        }
        | OwnerNeed { removing: true, .. }
        | OwnerNeed {
            names_owner: true, ..
        } => OwnerRead::UpFront,
        _ => OwnerRead::IfOutOfSync,
    }
}

/// Why a pipeline of `pipeline-ids` has nowhere to post its statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineTargetError {
    /// It is no application's pipeline, and no `repository` input names one.
    NoApplication { pipeline_id: u64 },
    /// Its application gives no target, and no `repository` input names one.
    Application {
        pipeline_id: u64,
        error: TargetError,
    },
}

impl fmt::Display for PipelineTargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineTargetError::NoApplication { pipeline_id } => write!(
                f,
                "pipeline {pipeline_id}: it is not an application's pipeline, so Devopness does not say which repository it deploys; set the `repository` (and `provider`) input"
            ),
            PipelineTargetError::Application { pipeline_id, error } => {
                write!(f, "pipeline {pipeline_id} belongs to {error}")
            }
        }
    }
}

fn contradiction(application: &str, input: &'static str, given: &str, own: &str) -> TargetWarning {
    TargetWarning::Contradiction {
        application: application.to_string(),
        input,
        given: given.to_string(),
        application_value: own.to_string(),
    }
}

/// The ids of the deploy pipelines in an application's pipeline list, in list order, each
/// once.
pub fn deploy_pipelines(pipelines: &[PipelineSummary]) -> Vec<u64> {
    let mut ids: Vec<u64> = Vec::new();
    for p in pipelines {
        if p.operation.trim() == DEPLOY_OPERATION && !ids.contains(&p.id) {
            ids.push(p.id);
        }
    }
    ids
}

/// The warning for an application whose list has no deploy pipeline.
pub fn no_deploy_warning(application: &ApplicationFacts, deploys: &[u64]) -> Option<TargetWarning> {
    deploys.is_empty().then(|| TargetWarning::NoDeployPipeline {
        application: application.label(),
    })
}

/// Whose pipeline it is, as far as the run knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whose {
    /// An application's: found through it, or read for a pipeline of `pipeline-ids`.
    Application(Owner),
    /// Named in `pipeline-ids`, what it belongs to not read (yet).
    Unread,
    /// Named in `pipeline-ids`, read: it belongs to no application.
    NoApplication,
}

impl Whose {
    pub fn owner(&self) -> Option<&Owner> {
        match self {
            Whose::Application(owner) => Some(owner),
            Whose::Unread | Whose::NoApplication => None,
        }
    }
}

/// One pipeline to handle, and where its statuses go.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineTarget {
    pub pipeline_id: u64,
    pub whose: Whose,
    /// Where its statuses go. For a pipeline of `pipeline-ids` whose application is not
    /// read yet, where they go unless its application says otherwise (the `repository`
    /// input, else the workflow's repository; `None` when neither is known).
    pub target: Option<Target>,
}

impl PipelineTarget {
    /// Whether what it belongs to is still to be read.
    pub fn unread(&self) -> bool {
        self.whose == Whose::Unread
    }
}

/// An application whose target is known, with its deploy pipelines.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedApplication {
    pub owner: Owner,
    pub target: Target,
    pub deploy_pipelines: Vec<u64>,
}

/// An application that could not be read, or (named in `application-ids`) given a
/// target: what is known of its pipelines, which the pipelines of `pipeline-ids` in it
/// wait on. (One found in a project or an environment that gives no target is skipped,
/// and holds nothing.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedApplication {
    pub application_id: u64,
    /// Every pipeline of its list; `None` when the list itself could not be read.
    pub pipelines: Option<Vec<u64>>,
}

/// A pipeline of `pipeline-ids` left alone because an application failed: where its
/// statuses belong is not known, so nothing is written to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// It is in the pipeline list of the application, which could not be handled.
    Belongs {
        pipeline_id: u64,
        application_id: u64,
    },
    /// The application's pipeline list could not be read: it may be one of them.
    Unknown {
        pipeline_id: u64,
        application_id: u64,
    },
}

impl Held {
    /// The application it is reported under.
    pub fn application_id(&self) -> u64 {
        match self {
            Held::Belongs { application_id, .. } | Held::Unknown { application_id, .. } => {
                *application_id
            }
        }
    }
}

impl fmt::Display for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Held::Belongs { pipeline_id, application_id } => write!(
                f,
                "pipeline {pipeline_id} (in `pipeline-ids`) belongs to application {application_id}, which could not be handled; nothing written to it: fix what the application's error says, then run again"
            ),
            Held::Unknown { pipeline_id, application_id } => write!(
                f,
                "could not tell whether pipeline {pipeline_id} belongs to application {application_id}, which could not be read; nothing written to it: run again once application {application_id} can be read, or leave it out of `application-ids`"
            ),
        }
    }
}

/// An application to read: named in `application-ids`, or found in an environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub id: u64,
    /// Named in `application-ids` (not only found): then an application without a target
    /// is an error; one only found is skipped with a warning.
    pub named: bool,
    /// What its environment's list said, when that is all a target needs: then only its
    /// pipeline list is read.
    pub known: Option<ApplicationFacts>,
    /// The environment it was found in.
    pub environment: Option<EnvironmentFacts>,
}

/// Every application to read, each once: those of `application-ids` in their order, then
/// those `found` in projects and environments (what a listing told of an application
/// named in both saves its read).
pub fn wanted(application_ids: &[u64], found: Vec<Wanted>) -> Vec<Wanted> {
    let mut out: Vec<Wanted> = application_ids
        .iter()
        .map(|id| Wanted {
            id: *id,
            named: true,
            known: None,
            environment: None,
        })
        .collect();
    for f in found {
        match out.iter_mut().find(|w| w.id == f.id) {
            // Named and found: named, with what the listing said.
            Some(w) if w.known.is_none() => {
                w.known = f.known;
                w.environment = f.environment;
            }
            Some(_) => {}
            None => out.push(f),
        }
    }
    out
}

/// What [`merge`] decides: the pipelines to handle, and those of `pipeline-ids` held back.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub pipelines: Vec<PipelineTarget>,
    pub held: Vec<Held>,
}

/// Every pipeline to handle, each once: the applications' deploy pipelines (in the order of
/// `application-ids`, then of each list), then the `pipeline-ids` no application covered (in
/// their order), which go to their own application's repository once it is read, tried
/// first against `standalone` (see [`pipeline_target`]). A pipeline in both lists is its
/// application's; when that application failed, it is held, not handled as one of
/// `pipeline-ids` (its statuses belong elsewhere). When a failed application's list could not be read, any `pipeline-ids`
/// pipeline may be one of its own: all of them are held.
pub fn merge(
    applications: &[ResolvedApplication],
    failed: &[FailedApplication],
    pipeline_ids: &[u64],
    standalone: Option<&Target>,
) -> Merged {
    let mut merged = Merged {
        pipelines: Vec::new(),
        held: Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    for app in applications {
        for id in &app.deploy_pipelines {
            if seen.insert(*id) {
                merged.pipelines.push(PipelineTarget {
                    pipeline_id: *id,
                    whose: Whose::Application(app.owner.clone()),
                    target: Some(app.target.clone()),
                });
            }
        }
    }
    for id in pipeline_ids {
        if !seen.insert(*id) {
            continue;
        }
        let held = held_by(failed, *id);
        if held.is_empty() {
            merged.pipelines.push(PipelineTarget {
                pipeline_id: *id,
                whose: Whose::Unread,
                target: standalone.cloned(),
            });
        }
        merged.held.extend(held);
    }
    merged
}

/// Why the failed applications hold back `pipeline_id` (empty: none does).
fn held_by(failed: &[FailedApplication], pipeline_id: u64) -> Vec<Held> {
    let belongs = failed.iter().find(|a| {
        a.pipelines
            .as_ref()
            .is_some_and(|list| list.contains(&pipeline_id))
    });
    if let Some(a) = belongs {
        return vec![Held::Belongs {
            pipeline_id,
            application_id: a.application_id,
        }];
    }
    failed
        .iter()
        .filter(|a| a.pipelines.is_none())
        .map(|a| Held::Unknown {
            pipeline_id,
            application_id: a.application_id,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(name: &str) -> &'static dyn Provider {
        providers::by_name(name).unwrap_or_else(|| panic!("no provider {name}"))
    }

    fn app(id: u64, repository: Option<&str>, code: Option<&str>) -> ApplicationFacts {
        ApplicationFacts {
            id,
            name: format!("app-{id}"),
            repository: repository.map(str::to_string),
            provider_code: code.map(str::to_string),
            environment: None,
        }
    }

    fn resolved(id: u64, target: Target, deploy_pipelines: Vec<u64>) -> ResolvedApplication {
        ResolvedApplication {
            owner: app(id, None, None).owner(),
            target,
            deploy_pipelines,
        }
    }

    fn target(repository: &str, name: &str) -> Target {
        Target {
            repository: repository.to_owned(),
            provider: provider(name),
        }
    }

    #[test]
    fn settings_follow_the_target() {
        let inputs = TargetInputs {
            api_urls: vec![
                ("github", "https://ghe.example.com/api/v3".into()),
                ("gitlab", "https://gitlab.com/api/v4".into()),
            ],
            ..TargetInputs::default()
        };
        let base = StatusSettings {
            context: "ci/x".into(),
            gitlab_ref: true,
            ..StatusSettings::default()
        };
        let gitlab = settings_for(&base, &inputs, &target("g/p", "gitlab"));
        assert_eq!(
            (
                gitlab.repository.as_str(),
                gitlab.api_url.as_str(),
                gitlab.gitlab_ref
            ),
            ("g/p", "https://gitlab.com/api/v4", true)
        );
        assert_eq!(gitlab.context, "ci/x");
        let github = settings_for(&base, &inputs, &target("o/r", "github"));
        assert_eq!(
            (github.api_url.as_str(), github.gitlab_ref),
            ("https://ghe.example.com/api/v3", false)
        );
    }

    #[test]
    fn the_application_names_repository_and_provider() {
        for code in ["github", "gitlab", "bitbucket"] {
            let a = app(1, Some("team/web"), Some(code));
            let (t, warnings) = application_target(&Explicit::default(), &a).expect("target");
            assert_eq!(t, target("team/web", code));
            assert!(warnings.is_empty(), "{warnings:?}");
        }
        // GitLab's nested groups are a GitLab repository.
        let a = app(2, Some("group/sub/api"), Some("gitlab"));
        let (t, _) = application_target(&Explicit::default(), &a).expect("target");
        assert_eq!(t, target("group/sub/api", "gitlab"));
    }

    #[test]
    fn inputs_win_with_a_warning_naming_both_values() {
        let explicit = Explicit {
            repository: Some("other/repo"),
            provider: Some(provider("gitlab")),
        };
        let a = app(7, Some("team/web"), Some("github"));
        let (t, warnings) = application_target(&explicit, &a).expect("target");
        assert_eq!(t, target("other/repo", "gitlab"));
        let texts: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[0].contains("`other/repo`") && texts[0].contains("`team/web`"));
        assert!(texts[0].contains("application 7 (app-7)"));
        assert!(texts[1].contains("`gitlab`") && texts[1].contains("`github`"));
        // Agreeing inputs (the owner's case aside) warn about nothing.
        let explicit = Explicit {
            repository: Some("Team/Web"),
            provider: Some(provider("github")),
        };
        let (_, warnings) = application_target(&explicit, &a).expect("target");
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn inputs_complete_what_the_application_lacks() {
        let explicit = Explicit {
            repository: Some("team/web"),
            provider: Some(provider("bitbucket")),
        };
        for a in [app(1, None, None), app(1, None, Some("aws"))] {
            let (t, warnings) = application_target(&explicit, &a).expect("target");
            assert_eq!(t, target("team/web", "bitbucket"));
            assert!(warnings.is_empty(), "{warnings:?}");
        }
        // The input is checked against the provider the target ends up with.
        let gitlab_app = app(2, Some("group/api"), Some("gitlab"));
        let nested = Explicit {
            repository: Some("group/sub/api"),
            ..Explicit::default()
        };
        let (t, _) = application_target(&nested, &gitlab_app).expect("gitlab path");
        assert_eq!(t, target("group/sub/api", "gitlab"));
        let github_app = app(3, Some("o/r"), Some("github"));
        let text = application_target(&nested, &github_app)
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(
            text.starts_with("application 3 (app-3): the `repository` input `group/sub/api` is not a github repository"),
            "{text}"
        );
    }

    #[test]
    fn applications_that_cannot_be_targeted() {
        let none = Explicit::default();
        let err = |a: ApplicationFacts| {
            application_target(&none, &a)
                .map(|(t, _)| format!("{t:?}"))
                .map_err(|e| (e.clone(), e.to_string()))
        };
        let (e, text) = err(app(3, Some("o/r"), Some("aws"))).expect_err("aws");
        assert_eq!(
            e,
            TargetError::UnsupportedProvider {
                application: "application 3 (app-3)".into(),
                code: "aws".into()
            }
        );
        assert!(text.contains("`aws`") && text.contains("github, gitlab, bitbucket"));
        let (e, _) = err(app(3, Some("o/r"), None)).expect_err("no credential");
        assert!(matches!(e, TargetError::NoProvider { .. }));
        let (e, text) = err(app(3, Some("  "), Some("github"))).expect_err("blank");
        assert!(matches!(e, TargetError::NoRepository { .. }));
        assert!(text.starts_with("application 3 (app-3): it has no repository"));
        let (e, text) = err(app(3, Some("a/b/c"), Some("github"))).expect_err("nested");
        assert!(matches!(e, TargetError::BadRepository { .. }));
        assert!(
            text.contains("`a/b/c`") && text.contains("github"),
            "{text}"
        );
        // An application without a name is named by its id alone.
        let mut unnamed = app(4, None, Some("github"));
        unnamed.name.clear();
        let (_, text) = err(unnamed).expect_err("no repository");
        assert!(text.starts_with("application 4: "), "{text}");
    }

    #[test]
    fn deploy_pipelines_are_found_by_operation() {
        let list: Vec<PipelineSummary> =
            [(5, "deploy"), (6, "restart"), (7, "deploy"), (5, "deploy")]
                .into_iter()
                .map(|(id, operation)| PipelineSummary {
                    id,
                    operation: operation.into(),
                })
                .collect();
        assert_eq!(deploy_pipelines(&list), [5, 7]);
        let a = app(1, Some("o/r"), Some("github"));
        assert_eq!(no_deploy_warning(&a, &[5]), None);
        let warning = no_deploy_warning(&a, &deploy_pipelines(&list[1..2]));
        let text = warning.map(|w| w.to_string()).unwrap_or_default();
        assert!(
            text.starts_with(
                "application 1 (app-1): it has no pipeline whose operation is `deploy`"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_pipeline_named_twice_is_handled_once_as_its_applications() {
        let web = resolved(1, target("team/web", "github"), vec![10, 11]);
        let api = resolved(2, target("group/api", "gitlab"), vec![20, 10]);
        let standalone = target("octo/workflow", "github");
        let pipelines = merge(&[web, api], &[], &[11, 30, 30, 20, 31], Some(&standalone)).pipelines;
        let got: Vec<(u64, Option<u64>, bool, Option<&Target>)> = pipelines
            .iter()
            .map(|p| {
                let owner = p.whose.owner().map(|o| o.application_id);
                (p.pipeline_id, owner, p.unread(), p.target.as_ref())
            })
            .collect();
        let (web, api) = (target("team/web", "github"), target("group/api", "gitlab"));
        assert_eq!(
            got,
            [
                (10, Some(1), false, Some(&web)),
                (11, Some(1), false, Some(&web)),
                (20, Some(2), false, Some(&api)),
                (30, None, true, Some(&standalone)),
                (31, None, true, Some(&standalone)),
            ]
        );
        // Without a standalone target, the pipelines of `pipeline-ids` still come: their
        // applications say where they post.
        let unknown = merge(&[], &[], &[30], None).pipelines;
        assert_eq!(
            unknown,
            [PipelineTarget {
                pipeline_id: 30,
                whose: Whose::Unread,
                target: None
            }]
        );
    }

    #[test]
    fn a_pipeline_of_a_failed_application_is_held_not_sent_to_the_standalone_target() {
        let web = resolved(1, target("team/web", "github"), vec![10]);
        // Read, but without a target: its list is known.
        let broken = FailedApplication {
            application_id: 2,
            pipelines: Some(vec![20, 21]),
        };
        let standalone = target("octo/workflow", "github");
        let merged = merge(
            std::slice::from_ref(&web),
            std::slice::from_ref(&broken),
            &[10, 20, 30],
            Some(&standalone),
        );
        let handled: Vec<(u64, Option<u64>)> = merged
            .pipelines
            .iter()
            .map(|p| (p.pipeline_id, p.whose.owner().map(|o| o.application_id)))
            .collect();
        assert_eq!(handled, [(10, Some(1)), (30, None)]);
        assert_eq!(
            merged.held,
            [Held::Belongs {
                pipeline_id: 20,
                application_id: 2
            }]
        );

        // An application whose list could not be read may own any of them.
        let unread = FailedApplication {
            application_id: 3,
            pipelines: None,
        };
        let merged = merge(&[web], &[broken, unread], &[10, 20, 30], Some(&standalone));
        let handled: Vec<u64> = merged.pipelines.iter().map(|p| p.pipeline_id).collect();
        assert_eq!(handled, [10], "an application's own pipeline is still done");
        assert_eq!(
            merged.held,
            [
                Held::Belongs {
                    pipeline_id: 20,
                    application_id: 2
                },
                Held::Unknown {
                    pipeline_id: 30,
                    application_id: 3
                },
            ]
        );
        assert!(merged.held[1]
            .to_string()
            .starts_with("could not tell whether pipeline 30 belongs to application 3, which could not be read; nothing written to it"));
    }

    #[test]
    fn when_a_pipelines_application_is_read() {
        let need = |unread, standalone, removing, names_owner| {
            owner_read(OwnerNeed {
                unread,
                standalone,
                removing,
                names_owner,
            })
        };
        for (standalone, removing, names_owner) in [
            (true, false, false),
            (false, true, true),
            (false, false, false),
        ] {
            assert_eq!(
                need(false, standalone, removing, names_owner),
                OwnerRead::Never,
                "an application's pipeline is known"
            );
        }
        assert_eq!(need(true, true, false, false), OwnerRead::IfOutOfSync);
        assert_eq!(
            need(true, false, false, false),
            OwnerRead::UpFront,
            "no standalone"
        );
        assert_eq!(need(true, true, true, false), OwnerRead::UpFront, "remove");
        assert_eq!(
            need(true, true, false, true),
            OwnerRead::UpFront,
            "placeholders"
        );
    }

    #[test]
    fn a_pipeline_of_pipeline_ids_posts_where_its_application_says() {
        let standalone = target("octo/ops", "github");
        let none = Explicit::default();
        let api = app(6, Some("group/api"), Some("gitlab"));
        // Its application's, whatever the standalone target.
        let (t, warnings) =
            pipeline_target(&none, Some(&standalone), 60, Some(&api)).expect("target");
        assert_eq!((t, warnings.len()), (target("group/api", "gitlab"), 0));
        // The inputs still win, with a warning.
        let explicit = Explicit {
            repository: Some("group/other"),
            ..Explicit::default()
        };
        let (t, warnings) = pipeline_target(&explicit, None, 60, Some(&api)).expect("target");
        assert_eq!(t, target("group/other", "gitlab"));
        assert!(matches!(
            warnings[..],
            [TargetWarning::Contradiction { .. }]
        ));
        // No application: the standalone target, or an error naming the way out.
        assert_eq!(
            pipeline_target(&none, Some(&standalone), 60, None),
            Ok((standalone.clone(), Vec::new()))
        );
        let err = pipeline_target(&none, None, 60, None).expect_err("nowhere");
        assert_eq!(err, PipelineTargetError::NoApplication { pipeline_id: 60 });
        assert!(err.to_string().contains("set the `repository`"), "{err}");
        // An application that gives no target: the standalone target with a warning, or
        // its error.
        let cloud = app(7, Some("o/r"), Some("aws"));
        let (t, warnings) =
            pipeline_target(&none, Some(&standalone), 70, Some(&cloud)).expect("fallback");
        assert_eq!(t, standalone);
        let text = warnings
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(
            text.starts_with(
                "pipeline 70 belongs to application 7 (app-7): its source provider is `aws`"
            ) && text.contains("`octo/ops` on github"),
            "{text}"
        );
        let err = pipeline_target(&none, None, 70, Some(&cloud)).expect_err("nowhere");
        assert!(matches!(
            err,
            PipelineTargetError::Application {
                pipeline_id: 70,
                error: TargetError::UnsupportedProvider { .. }
            }
        ));
    }

    #[test]
    fn each_application_is_read_once_named_first_with_what_a_listing_said() {
        let environment = |id: u64, name: &str| EnvironmentFacts {
            id,
            name: name.into(),
            kind: crate::discovery::EnvironmentKind::Staging,
            archived: false,
        };
        let staging = environment(701, "staging");
        let found = |id: u64, known: bool| Wanted {
            id,
            named: false,
            known: known.then(|| ApplicationFacts {
                environment: Some(staging.clone()),
                ..app(id, Some("team/web"), Some("github"))
            }),
            environment: Some(staging.clone()),
        };
        let wanted = wanted(
            &[3, 1, 2],
            vec![
                found(4, true),
                found(1, true),
                found(2, false),
                found(5, false),
            ],
        );
        let ids: Vec<u64> = wanted.iter().map(|w| w.id).collect();
        assert_eq!(ids, [3, 1, 2, 4, 5], "named in their order, then found");
        let named: Vec<bool> = wanted.iter().map(|w| w.named).collect();
        assert_eq!(named, [true, true, true, false, false]);
        // Named only: read, no environment known yet.
        assert_eq!(
            (wanted[0].known.is_some(), wanted[0].environment.is_some()),
            (false, false)
        );
        // Named and found with all a target needs: stays named (an error if it gives no
        // target), and its read is saved.
        assert_eq!(wanted[1].known, found(1, true).known);
        assert_eq!(wanted[1].environment.as_ref(), Some(&staging));
        // Named and found without its credential: still read, in its environment.
        assert_eq!(
            (wanted[2].known.is_none(), wanted[2].environment.as_ref()),
            (true, Some(&staging))
        );
        assert_eq!(wanted[3], found(4, true));
        // Nothing named: what was found, as found.
        assert_eq!(super::wanted(&[], vec![found(4, true)]), [found(4, true)]);
    }
}

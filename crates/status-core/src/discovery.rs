//! What Devopness says about where deploy pipelines live: a project's environments
//! (`EnvironmentRelation`), an environment's applications (`ApplicationRelation`), and one
//! pipeline (`Pipeline`: the resource it runs for, its environment).
//!
//! Facts as read, without I/O and without decisions: the `devopness` client fills them in,
//! leniently (a field missing from an answer is taken as not set), and the run decides
//! what to do with them.

use std::fmt;

use crate::api_error::ApiError;

/// An environment's `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvironmentKind {
    Development,
    Staging,
    Production,
    /// A type this version does not know (or none: empty), as the API sent it.
    Other(String),
}

impl EnvironmentKind {
    /// The kind the API's `type` names.
    pub fn from_code(code: &str) -> EnvironmentKind {
        match code {
            "development" => EnvironmentKind::Development,
            "staging" => EnvironmentKind::Staging,
            "production" => EnvironmentKind::Production,
            other => EnvironmentKind::Other(other.to_owned()),
        }
    }

    /// `development`, `staging`, `production`, or the unknown type as sent.
    pub fn code(&self) -> &str {
        match self {
            EnvironmentKind::Development => "development",
            EnvironmentKind::Staging => "staging",
            EnvironmentKind::Production => "production",
            EnvironmentKind::Other(code) => code,
        }
    }
}

impl fmt::Display for EnvironmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An environment: an item of `GET /projects/{id}/environments`, an application's
/// `environment`, or `GET /environments/{id}` itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentFacts {
    pub id: u64,
    /// Its name (`My staging`), empty when the answer had none.
    pub name: String,
    pub kind: EnvironmentKind,
    /// `archived_at` is set (or, for one environment read by id, `is_archived`): nothing is
    /// deployed to it, and its applications are left out.
    pub archived: bool,
}

impl EnvironmentFacts {
    /// `environment 12 (staging)`, how messages name it.
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            format!("environment {}", self.id)
        } else {
            format!("environment {} ({})", self.id, self.name)
        }
    }
}

/// One item of `GET /environments/{id}/applications` (an `ApplicationRelation`).
///
/// An item that carries its `credential` says all a target needs (repository and source
/// provider); one without it (the field absent or null) does not say whether the
/// application has a credential at all, so the application must be read
/// (`GET /applications/{id}`): see [`ListedApplication::needs_reading`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedApplication {
    pub id: u64,
    /// Its name, empty when the answer had none.
    pub name: String,
    /// `repository` (`owner/name`), absent or empty when never set.
    pub repository: Option<String>,
    /// `environment_id`, when the item had one.
    pub environment_id: Option<u64>,
    /// Whether the item carried its `credential` (an object, not null).
    pub credential_listed: bool,
    /// `credential.provider.code`, when the credential was listed and named a provider.
    pub provider_code: Option<String>,
}

impl ListedApplication {
    /// Whether the item leaves the source provider unknown, so that the application must be
    /// read with `GET /applications/{id}`: its credential was not listed, or named no
    /// provider.
    pub fn needs_reading(&self) -> bool {
        !self.credential_listed || self.provider_code.is_none()
    }
}

/// The resource a pipeline runs for (`resource_type` and `resource_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineResource {
    /// `resource_type` `application`, with its id: the application whose repository and
    /// provider its statuses go to.
    Application(u64),
    /// Any other resource (`server`, ...), or an application without an id, as sent
    /// (`resource_type` empty when the answer had none).
    Other {
        resource_type: String,
        resource_id: Option<u64>,
    },
}

/// What `GET /pipelines/{id}` says about a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineFacts {
    pub id: u64,
    /// `operation` (`deploy`, `restart`, ...), empty when the answer had none.
    pub operation: String,
    pub resource: PipelineResource,
    /// `environment_id`, when the answer had one.
    pub environment_id: Option<u64>,
}

impl PipelineFacts {
    /// The application it runs for, when it runs for one.
    pub fn application_id(&self) -> Option<u64> {
        match self.resource {
            PipelineResource::Application(id) => Some(id),
            PipelineResource::Other { .. } => None,
        }
    }
}

impl PipelineResource {
    /// The resource `resource_type` and `resource_id` name.
    pub fn from_fields(resource_type: Option<&str>, resource_id: Option<u64>) -> PipelineResource {
        match (resource_type, resource_id) {
            (Some("application"), Some(id)) => PipelineResource::Application(id),
            (resource_type, resource_id) => PipelineResource::Other {
                resource_type: resource_type.unwrap_or_default().to_owned(),
                resource_id,
            },
        }
    }
}

/// A project or an environment the inputs name (`project-ids`, `environment-ids`), or an
/// environment a project's list gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Project(u64),
    /// An environment of `environment-ids`, read.
    Environment(EnvironmentFacts),
    /// An environment a project of `project-ids` listed.
    ProjectEnvironment {
        project_id: u64,
        environment: EnvironmentFacts,
    },
    /// An environment of `environment-ids` that could not be read: known by its id.
    EnvironmentId(u64),
}

impl fmt::Display for Scope {
    /// `project 7`, `environment 12 (staging)`, `environment 12 (staging) of project 7`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Project(id) => write!(f, "project {id}"),
            Scope::Environment(e) => f.write_str(&e.label()),
            Scope::ProjectEnvironment {
                project_id,
                environment,
            } => write!(f, "{} of project {project_id}", environment.label()),
            Scope::EnvironmentId(id) => write!(f, "environment {id}"),
        }
    }
}

/// What could not be read of a project or an environment: its applications are left out
/// of this run; the rest is still done.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeError {
    pub scope: Scope,
    /// The list or the record that could not be read.
    pub read: ScopeRead,
    pub cause: ApiError,
}

/// Which read of a project or an environment failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeRead {
    /// `GET /projects/{id}/environments`.
    Environments,
    /// `GET /environments/{id}`.
    Environment,
    /// `GET /environments/{id}/applications`.
    Applications,
}

impl ScopeError {
    /// The same error with its server text passed through `f`.
    pub fn map_text(&self, f: &dyn Fn(&str) -> String) -> ScopeError {
        ScopeError {
            cause: self.cause.map_text(f),
            ..self.clone()
        }
    }
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.read {
            ScopeRead::Environments => "could not list its environments",
            ScopeRead::Environment => "could not read it",
            ScopeRead::Applications => "could not list its applications",
        };
        write!(
            f,
            "{}: {what}, so its applications are left out of this run: ",
            self.scope
        )?;
        match (&self.cause, &self.scope) {
            // Listed by its project a moment before: gone since, or hidden from the token.
            (ApiError::NotFound(m), Scope::ProjectEnvironment { project_id, .. }) => write!(
                f,
                "not found (404: {m}), though project {project_id} listed it: it may have been deleted since, so run again; to leave it out, name the project's other environments in `environment-ids` instead of project {project_id} in `project-ids`"
            ),
            (ApiError::Forbidden(m), Scope::ProjectEnvironment { project_id, .. }) => write!(
                f,
                "the token lacks access (403: {m}): use a token of a user who can see it and manage its pipelines' hooks, or, to leave it out, name the project's other environments in `environment-ids` instead of project {project_id} in `project-ids`"
            ),
            (ApiError::NotFound(m), scope) => {
                let input = match scope {
                    Scope::Project(_) => "project-ids",
                    _ => "environment-ids",
                };
                write!(
                    f,
                    "not found (404: {m}): check the id in `{input}`, and that the token's user can see it"
                )
            }
            (ApiError::Forbidden(m), _) => write!(
                f,
                "the token lacks access (403: {m}): use a token of a user who can see it and manage its pipelines' hooks"
            ),
            (other, _) => write!(f, "{other}"),
        }
    }
}

/// Something about a project or an environment that does not stop the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeWarning {
    /// A project whose environments are all archived, or that has none.
    NoLiveEnvironment { project_id: u64, archived: usize },
    /// An environment without applications.
    NoApplication { environment: EnvironmentFacts },
    /// An environment of `environment-ids` that is archived: nothing is deployed to it.
    Archived { environment: EnvironmentFacts },
}

impl fmt::Display for ScopeWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeWarning::NoLiveEnvironment {
                project_id,
                archived: 0,
            } => write!(
                f,
                "project {project_id}: it has no live environment (archived ones are not deployed to), so there is nothing to do for it; check the id in `project-ids`"
            ),
            ScopeWarning::NoLiveEnvironment { project_id, archived } => write!(
                f,
                "project {project_id}: all its environments are archived ({archived}), so there is nothing to do for it; check the id in `project-ids`"
            ),
            ScopeWarning::NoApplication { environment } => write!(
                f,
                "{}: it has no application, so there is nothing to do for it",
                environment.label()
            ),
            ScopeWarning::Archived { environment } => write!(
                f,
                "{}: it is archived, so nothing is deployed to it and there is nothing to do for it; remove it from `environment-ids`",
                environment.label()
            ),
        }
    }
}

/// What a run found for one project or environment of the inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeOutcome {
    pub scope: Scope,
    pub error: Option<ScopeError>,
    pub warnings: Vec<ScopeWarning>,
}

/// The live environments of a project's list (the API lists the archived ones apart, but
/// one that carries `archived_at` anyway is skipped), and how many were archived.
pub fn live(environments: Vec<EnvironmentFacts>) -> (Vec<EnvironmentFacts>, usize) {
    let total = environments.len();
    let live: Vec<EnvironmentFacts> = environments.into_iter().filter(|e| !e.archived).collect();
    let archived = total - live.len();
    (live, archived)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_kinds_round_trip_and_keep_the_unknown() {
        for code in ["development", "staging", "production", "qa", ""] {
            assert_eq!(EnvironmentKind::from_code(code).code(), code);
        }
        assert_eq!(
            EnvironmentKind::from_code("staging"),
            EnvironmentKind::Staging
        );
        assert_eq!(
            EnvironmentKind::from_code("Staging"),
            EnvironmentKind::Other("Staging".into())
        );
    }

    #[test]
    fn labels_name_the_environment() {
        let mut e = EnvironmentFacts {
            id: 7,
            name: "My staging".into(),
            kind: EnvironmentKind::Staging,
            archived: false,
        };
        assert_eq!(e.label(), "environment 7 (My staging)");
        e.name.clear();
        assert_eq!(e.label(), "environment 7");
    }

    #[test]
    fn a_listed_application_needs_reading_without_a_provider() {
        let listed = ListedApplication {
            id: 1,
            name: "web".into(),
            repository: Some("o/r".into()),
            environment_id: Some(2),
            credential_listed: true,
            provider_code: Some("github".into()),
        };
        assert!(!listed.needs_reading());
        let no_provider = ListedApplication {
            provider_code: None,
            ..listed.clone()
        };
        assert!(no_provider.needs_reading());
        let not_listed = ListedApplication {
            credential_listed: false,
            provider_code: None,
            ..listed
        };
        assert!(not_listed.needs_reading());
    }

    #[test]
    fn only_an_application_with_an_id_is_one() {
        let resource = PipelineResource::from_fields(Some("application"), Some(9));
        assert_eq!(resource, PipelineResource::Application(9));
        let facts = |resource| PipelineFacts {
            id: 1,
            operation: "deploy".into(),
            resource,
            environment_id: None,
        };
        assert_eq!(facts(resource).application_id(), Some(9));
        for (kind, id) in [
            (Some("server"), Some(9)),
            (Some("application"), None),
            (None, Some(9)),
        ] {
            let resource = PipelineResource::from_fields(kind, id);
            assert_eq!(facts(resource.clone()).application_id(), None, "{kind:?}");
            assert_eq!(
                resource,
                PipelineResource::Other {
                    resource_type: kind.unwrap_or_default().into(),
                    resource_id: id
                }
            );
        }
    }

    #[test]
    fn a_scope_error_names_where_its_id_came_from() {
        let staging = EnvironmentFacts {
            id: 701,
            name: "staging".into(),
            kind: EnvironmentKind::Staging,
            archived: false,
        };
        let error = |scope: Scope, cause: ApiError| {
            ScopeError {
                scope,
                read: ScopeRead::Applications,
                cause,
            }
            .to_string()
        };
        let listed = Scope::ProjectEnvironment {
            project_id: 70,
            environment: staging.clone(),
        };
        for cause in [
            ApiError::NotFound("gone".into()),
            ApiError::Forbidden("no".into()),
        ] {
            let text = error(listed.clone(), cause);
            assert!(
                text.starts_with("environment 701 (staging) of project 70: could not list its applications, so its applications are left out of this run")
                    && text.contains("`environment-ids` instead of project 70 in `project-ids`"),
                "{text}"
            );
        }
        let named = error(
            Scope::Environment(staging),
            ApiError::NotFound("gone".into()),
        );
        assert!(
            named.starts_with("environment 701 (staging): ")
                && named.contains("check the id in `environment-ids`")
                && !named.contains("project-ids"),
            "{named}"
        );
        let project = error(Scope::Project(99), ApiError::NotFound("gone".into()));
        assert!(
            project.contains("check the id in `project-ids`"),
            "{project}"
        );
    }

    #[test]
    fn scope_warnings_say_nothing_of_adding_hooks() {
        let none = ScopeWarning::NoLiveEnvironment {
            project_id: 82,
            archived: 0,
        }
        .to_string();
        assert_eq!(none, "project 82: it has no live environment (archived ones are not deployed to), so there is nothing to do for it; check the id in `project-ids`");
        let all = ScopeWarning::NoLiveEnvironment {
            project_id: 82,
            archived: 2,
        }
        .to_string();
        assert!(all.starts_with("project 82: all its environments are archived (2), so there is nothing to do for it"), "{all}");
        let environment = EnvironmentFacts {
            id: 811,
            name: "dev".into(),
            kind: EnvironmentKind::Development,
            archived: true,
        };
        for w in [
            ScopeWarning::NoApplication {
                environment: environment.clone(),
            },
            ScopeWarning::Archived { environment },
        ] {
            let text = w.to_string();
            assert!(
                text.contains("nothing to do for it") && !text.contains("hooks"),
                "{text}"
            );
        }
    }
}

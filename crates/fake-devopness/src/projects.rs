//! Projects and their environments. Every application belongs to an environment, and every
//! environment to a project; `GET /applications/{id}` shows its environment (with the
//! project), and an application's pipelines (and their hooks) report its environment and
//! project; `GET /environments/{id}` shows one environment itself (archived or not, as
//! `is_archived`). The fake always holds a default project ([`crate::DEFAULT_PROJECT_ID`]) with one
//! `production` environment named `Production` ([`crate::DEFAULT_ENVIRONMENT_ID`]), where
//! applications added without an environment go.
//!
//! Access is checked top-down, as a team's is: a forbidden project forbids its environments
//! and their applications; a forbidden environment, its applications.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;

use crate::applications::SeededApplication;
use crate::documents::{application_relation, environment_json, environment_relation};
use crate::model::{Environment, EnvironmentType, NewApplication, NewEnvironment};
use crate::pagination::LinkMode;
use crate::reply::{denied, json, list_of, path_id};
use crate::server::App;
use crate::FakeDevopness;

impl FakeDevopness {
    /// Adds a project (or renames one), with no environment.
    pub fn add_project(&self, id: u64, name: &str) {
        self.app.lock().store.add_project(id, name);
    }

    /// Adds an environment to its project (replacing any environment with that id; its
    /// applications stay its own). An archived one gets its `archived_at`.
    ///
    /// # Panics
    /// When its project was never added.
    pub fn add_environment(&self, environment: NewEnvironment) {
        let mut state = self.app.lock();
        let project = environment.project_id;
        if !state.store.projects.contains_key(&project) {
            drop(state);
            panic!(
                "fake-devopness: add_environment {} to unknown project {project}; call add_project first",
                environment.id
            );
        }
        state.store.add_environment(environment);
    }

    /// Makes the project answer 403, and with it its environments and their applications.
    ///
    /// # Panics
    /// When the project was never added.
    pub fn forbid_project(&self, project_id: u64) {
        let mut state = self.app.lock();
        let Some(project) = state.store.projects.get_mut(&project_id) else {
            drop(state);
            panic!("fake-devopness: forbid_project: no project {project_id}");
        };
        project.forbidden = true;
    }

    /// Makes the environment answer 403, and with it its applications.
    ///
    /// # Panics
    /// When the environment was never added.
    pub fn forbid_environment(&self, environment_id: u64) {
        let mut state = self.app.lock();
        let Some(environment) = state.store.environments.get_mut(&environment_id) else {
            drop(state);
            panic!("fake-devopness: forbid_environment: no environment {environment_id}");
        };
        environment.forbidden = true;
    }
}

impl FakeDevopness {
    /// When true, `GET /projects/{id}/environments` lists the project's archived
    /// environments too (each with its `archived_at`), so a client must skip them itself;
    /// by default they are only at `/projects/{id}/environments/archived`.
    pub fn set_archived_in_live_list(&self, yes: bool) {
        self.app.lock().store.archived_in_live_list = yes;
    }

    /// Seeds project [`SEEDED_PROJECT_ID`] (`Seeded project`) as `shape` says: its
    /// environments `Production`, `Staging`, `Development` (then `Environment 4`, ..., their
    /// types in that order again), ids from 5001; in each, applications `app-1`, `app-2`,
    /// ... deploying `octo-org/app-1`, ... from GitHub (the same repositories in every
    /// environment, as staging and production commonly deploy one repository), each listed
    /// with its credential, ids from 50001; each with its deploy pipelines, ids from 500001.
    /// Call it once per fake.
    ///
    /// # Panics
    /// When `shape` is beyond [`ProjectShape::checked`]'s limits.
    pub fn seed_project(&self, shape: ProjectShape) -> SeededProject {
        if let Err(e) = shape.checked() {
            panic!("fake-devopness: seed_project {shape:?}: {e}");
        }
        self.add_project(SEEDED_PROJECT_ID, "Seeded project");
        let environments = (1..=u64::from(shape.environments))
            .map(|n| self.seed_environment(shape, n))
            .collect();
        SeededProject {
            id: SEEDED_PROJECT_ID,
            environments,
        }
    }

    /// The `n`th environment (from 1) of [`FakeDevopness::seed_project`], with its
    /// applications and their pipelines.
    fn seed_environment(&self, shape: ProjectShape, n: u64) -> SeededEnvironment {
        let (name, kind) = seeded_environment(n);
        let id = SEEDED_PROJECT_ID + n;
        self.add_environment(NewEnvironment::new(id, SEEDED_PROJECT_ID, &name, kind));
        let per_environment = u64::from(shape.applications);
        let per_application = u64::from(shape.deploy_pipelines);
        let applications = (1..=per_environment)
            .map(|a| {
                // Counted from 0 across the whole project.
                let index = (n - 1) * per_environment + (a - 1);
                let application = SEEDED_PROJECT_ID * 10 + 1 + index;
                let repository = format!("octo-org/app-{a}");
                self.add_application(
                    NewApplication::new(application, &repository, "github").in_environment(id),
                );
                let first = SEEDED_PROJECT_ID * 100 + 1 + index * per_application;
                let deploy_pipelines: Vec<u64> = (first..first + per_application).collect();
                for pipeline in &deploy_pipelines {
                    self.add_application_pipeline(application, *pipeline, "deploy");
                }
                SeededApplication {
                    id: application,
                    repository: Some(repository),
                    provider: "github".to_string(),
                    deploy_pipelines,
                    other_pipelines: Vec::new(),
                }
            })
            .collect();
        SeededEnvironment {
            id,
            name,
            kind,
            applications,
        }
    }
}

/// The project [`FakeDevopness::seed_project`] adds.
pub const SEEDED_PROJECT_ID: u64 = 5_000;

/// The name and type of a seeded project's `n`th environment (from 1).
fn seeded_environment(n: u64) -> (String, EnvironmentType) {
    const FIRST: [(&str, EnvironmentType); 3] = [
        ("Production", EnvironmentType::Production),
        ("Staging", EnvironmentType::Staging),
        ("Development", EnvironmentType::Development),
    ];
    let index = usize::try_from((n - 1) % 3).unwrap_or(0);
    let kind = FIRST[index].1;
    if n <= 3 {
        (FIRST[index].0.to_string(), kind)
    } else {
        (format!("Environment {n}"), kind)
    }
}

/// How big a project [`FakeDevopness::seed_project`] seeds: `ENVIRONMENTSxAPPLICATIONSx
/// DEPLOY_PIPELINES` (applications per environment, deploy pipelines per application), e.g.
/// `3x20x1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectShape {
    pub environments: u32,
    pub applications: u32,
    pub deploy_pipelines: u32,
}

impl ProjectShape {
    /// At most this many environments.
    pub const MAX_ENVIRONMENTS: u32 = 100;
    /// At most this many applications in all (their ids stay below the ids the fake
    /// reports for pipelines added without an application).
    pub const MAX_APPLICATIONS: u32 = 10_000;
    /// At most this many pipelines in all.
    pub const MAX_PIPELINES: u32 = 100_000;

    /// The shape, if within the limits above (from 1 environment).
    pub fn checked(self) -> Result<ProjectShape, String> {
        if self.environments == 0 || self.environments > ProjectShape::MAX_ENVIRONMENTS {
            return Err(format!(
                "from 1 to {} environments",
                ProjectShape::MAX_ENVIRONMENTS
            ));
        }
        let applications = u64::from(self.environments) * u64::from(self.applications);
        let pipelines = applications * u64::from(self.deploy_pipelines);
        if applications > u64::from(ProjectShape::MAX_APPLICATIONS)
            || pipelines > u64::from(ProjectShape::MAX_PIPELINES)
        {
            return Err(format!(
                "at most {} applications and {} pipelines in all",
                ProjectShape::MAX_APPLICATIONS,
                ProjectShape::MAX_PIPELINES
            ));
        }
        Ok(self)
    }
}

impl std::str::FromStr for ProjectShape {
    type Err = String;

    fn from_str(s: &str) -> Result<ProjectShape, String> {
        let numbers: Option<Vec<u32>> = s
            .split(['x', 'X'])
            .map(|part| part.trim().parse().ok())
            .collect();
        let Some(&[environments, applications, deploy_pipelines]) = numbers.as_deref() else {
            return Err(format!(
                "{s:?}: expected ENVIRONMENTSxAPPLICATIONSxDEPLOY_PIPELINES, e.g. 3x20x1"
            ));
        };
        ProjectShape {
            environments,
            applications,
            deploy_pipelines,
        }
        .checked()
        .map_err(|e| format!("{s:?}: {e}"))
    }
}

/// A project [`FakeDevopness::seed_project`] seeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededProject {
    pub id: u64,
    pub environments: Vec<SeededEnvironment>,
}

impl SeededProject {
    /// Every application, environment after environment.
    pub fn applications(&self) -> impl Iterator<Item = &SeededApplication> {
        self.environments.iter().flat_map(|e| e.applications.iter())
    }

    /// Every deploy pipeline, in the order of [`SeededProject::applications`].
    pub fn deploy_pipelines(&self) -> Vec<u64> {
        self.applications()
            .flat_map(|a| a.deploy_pipelines.iter().copied())
            .collect()
    }
}

/// One environment of a [`SeededProject`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededEnvironment {
    pub id: u64,
    pub name: String,
    pub kind: EnvironmentType,
    pub applications: Vec<SeededApplication>,
}

/// `GET /projects/{project_id}/environments`: the project's live environments (and its
/// archived ones too with [`FakeDevopness::set_archived_in_live_list`]).
pub(crate) async fn list_environments(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    Extension(mode): Extension<LinkMode>,
) -> Response {
    environments(&app, &id, query.as_deref(), mode, false)
}

/// `GET /projects/{project_id}/environments/archived`: the project's archived environments.
pub(crate) async fn list_archived_environments(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    Extension(mode): Extension<LinkMode>,
) -> Response {
    environments(&app, &id, query.as_deref(), mode, true)
}

fn environments(
    app: &App,
    id: &str,
    query: Option<&str>,
    mode: LinkMode,
    archived: bool,
) -> Response {
    let state = app.lock();
    let store = &state.store;
    let found = path_id(id).and_then(|id| store.project(id).map(|p| p.id));
    list_of(app, found, "Project", query, mode, |project_id| {
        let listed = |e: &&Environment| match (archived, e.archived_at.is_some()) {
            (true, is_archived) => is_archived,
            (false, is_archived) => !is_archived || store.archived_in_live_list,
        };
        let items = store
            .environments
            .values()
            .filter(|e| e.new.project_id == project_id)
            .filter(listed)
            .map(|e| environment_relation(store, e))
            .collect();
        let suffix = if archived { "/archived" } else { "" };
        (
            format!("/projects/{project_id}/environments{suffix}"),
            items,
        )
    })
}

/// `GET /environments/{environment_id}` (`getEnvironment`): the `Environment`, live or
/// archived; 404 for an unknown (or non-numeric) id, 403 when it or its project is forbidden.
pub(crate) async fn get_environment(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Response {
    let state = app.lock();
    let store = &state.store;
    match path_id(&id).and_then(|id| store.environment(id)) {
        Ok(e) => json(StatusCode::OK, &environment_json(store, e)),
        Err(d) => denied(d, "Environment"),
    }
}

/// `GET /environments/{environment_id}/applications`: `ApplicationRelation`s, by id.
pub(crate) async fn list_applications(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    Extension(mode): Extension<LinkMode>,
) -> Response {
    let state = app.lock();
    let store = &state.store;
    let found = path_id(&id).and_then(|id| store.environment(id).map(|e| e.new.id));
    list_of(
        &app,
        found,
        "Environment",
        query.as_deref(),
        mode,
        |environment_id| {
            let items = store
                .applications_in(environment_id)
                .map(|a| application_relation(store, a))
                .collect();
            (
                format!("/environments/{environment_id}/applications"),
                items,
            )
        },
    )
}

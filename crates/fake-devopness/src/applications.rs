//! Applications and their pipelines: `GET /applications/{application_id}` (an `Application`)
//! and `GET /pipelines/application/{application_id}` (`listPipelinesByResourceType`: a
//! `PipelineList`, paginated with a `Link` header like every list).
//!
//! An application names its repository (`owner/name`) and, through its credential, the source
//! provider (`credential.provider.code`). Pipelines added to an application report it as their
//! `resource_id`, and so do the hooks created on them.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;

use crate::documents::{application_json, pipeline_relation};
use crate::model::{Application, NewApplication, Pipeline, Store};
use crate::pagination::LinkMode;
use crate::reply::{denied, json, list_of, path_id};
use crate::server::App;
use crate::FakeDevopness;

/// One application [`FakeDevopness::seed_applications`] added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededApplication {
    pub id: u64,
    pub repository: Option<String>,
    pub provider: String,
    /// Its pipelines whose `operation` is `deploy`.
    pub deploy_pipelines: Vec<u64>,
    /// Its other pipelines (`restart`, `stop`, ...).
    pub other_pipelines: Vec<u64>,
}

impl FakeDevopness {
    /// Adds an application (replacing any with that id; its pipelines stay its own) to its
    /// environment ([`crate::DEFAULT_ENVIRONMENT_ID`] unless
    /// [`NewApplication::in_environment`] says another).
    ///
    /// # Panics
    /// When its environment was never added.
    pub fn add_application(&self, application: NewApplication) {
        let mut state = self.app.lock();
        let environment = application.environment_id;
        if !state.store.environments.contains_key(&environment) {
            drop(state);
            panic!(
                "fake-devopness: add_application {} to unknown environment {environment}; call add_environment first",
                application.id
            );
        }
        let created_at = state.store.now();
        state.store.applications.insert(
            application.id,
            Application {
                new: application,
                forbidden: false,
                created_at,
            },
        );
    }

    /// Adds a pipeline running `operation` (`"deploy"`, `"restart"`, ...) to the application,
    /// replacing any pipeline with that id.
    ///
    /// # Panics
    /// When the application was never added.
    pub fn add_application_pipeline(&self, application_id: u64, pipeline_id: u64, operation: &str) {
        let mut state = self.app.lock();
        assert!(
            state.store.applications.contains_key(&application_id),
            "fake-devopness: add_application_pipeline to unknown application {application_id}; call add_application first"
        );
        state
            .store
            .add_pipeline_of(pipeline_id, operation, Some(application_id));
    }

    /// Makes the application answer 403, on `GET /applications/{id}` and on its pipeline list.
    ///
    /// # Panics
    /// When the application was never added.
    pub fn forbid_application(&self, application_id: u64) {
        let mut state = self.app.lock();
        let Some(application) = state.store.applications.get_mut(&application_id) else {
            drop(state);
            panic!("fake-devopness: forbid_application: no application {application_id}");
        };
        application.forbidden = true;
    }

    /// The ids of the application's pipelines, as its pipeline list orders them.
    pub fn application_pipelines(&self, application_id: u64) -> Vec<u64> {
        let state = self.app.lock();
        pipelines_of(&state.store, application_id)
            .into_iter()
            .map(|p| p.id)
            .collect()
    }

    /// Seeds one application per kind of source, with deploy and other pipelines:
    ///
    /// | application | provider | repository | deploy pipelines | others |
    /// | --- | --- | --- | --- | --- |
    /// | 101 | github | `octo-org/web-app` | 1011, 1012 | 1013 (restart) |
    /// | 102 | gitlab | `gitlab-group/api` | 1021 | 1022 (stop) |
    /// | 103 | bitbucket | `bb-team/worker` | 1031 | |
    /// | 104 | aws (not a source provider) | `octo-org/infra` | 1041 | |
    /// | 105 | github | `octo-org/docs` | none | 1051 (restart) |
    pub fn seed_applications(&self) -> Vec<SeededApplication> {
        SEEDS
            .iter()
            .map(|seed| {
                let id = seed.id;
                self.add_application(NewApplication::new(id, seed.repository, seed.provider));
                for pipeline in seed.deploys {
                    self.add_application_pipeline(id, *pipeline, "deploy");
                }
                for (pipeline, operation) in seed.others {
                    self.add_application_pipeline(id, *pipeline, operation);
                }
                SeededApplication {
                    id,
                    repository: Some(seed.repository.to_string()),
                    provider: seed.provider.to_string(),
                    deploy_pipelines: seed.deploys.to_vec(),
                    other_pipelines: seed.others.iter().map(|(p, _)| *p).collect(),
                }
            })
            .collect()
    }
}

/// An application [`FakeDevopness::seed_applications`] adds.
struct Seed {
    id: u64,
    provider: &'static str,
    repository: &'static str,
    deploys: &'static [u64],
    others: &'static [(u64, &'static str)],
}

const SEEDS: &[Seed] = &[
    Seed {
        id: 101,
        provider: "github",
        repository: "octo-org/web-app",
        deploys: &[1011, 1012],
        others: &[(1013, "restart")],
    },
    Seed {
        id: 102,
        provider: "gitlab",
        repository: "gitlab-group/api",
        deploys: &[1021],
        others: &[(1022, "stop")],
    },
    Seed {
        id: 103,
        provider: "bitbucket",
        repository: "bb-team/worker",
        deploys: &[1031],
        others: &[],
    },
    Seed {
        id: 104,
        provider: "aws",
        repository: "octo-org/infra",
        deploys: &[1041],
        others: &[],
    },
    Seed {
        id: 105,
        provider: "github",
        repository: "octo-org/docs",
        deploys: &[],
        others: &[(1051, "restart")],
    },
];

fn pipelines_of(store: &Store, application_id: u64) -> Vec<&Pipeline> {
    store
        .pipelines
        .values()
        .filter(|p| p.application_id == Some(application_id))
        .collect()
}

/// `GET /applications/{application_id}`.
pub(crate) async fn get_application(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Response {
    let state = app.lock();
    match path_id(&id).and_then(|id| state.store.application(id)) {
        Ok(a) => json(StatusCode::OK, &application_json(&state.store, a)),
        Err(d) => denied(d, "Application"),
    }
}

/// `GET /pipelines/application/{application_id}`.
pub(crate) async fn list_pipelines(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    Extension(mode): Extension<LinkMode>,
) -> Response {
    let state = app.lock();
    let found = path_id(&id).and_then(|id| state.store.application(id).map(|a| a.new.id));
    list_of(
        &app,
        found,
        "Application",
        query.as_deref(),
        mode,
        |application_id| {
            let items = pipelines_of(&state.store, application_id)
                .into_iter()
                .map(|p| pipeline_relation(&state.store, p))
                .collect();
            (format!("/pipelines/application/{application_id}"), items)
        },
    )
}

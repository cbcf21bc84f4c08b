//! Projects and their environments. Every application belongs to an environment, and every
//! environment to a project; `GET /applications/{id}` shows its environment (with the
//! project), and an application's pipelines (and their hooks) report its environment and
//! project. The fake always holds a default project ([`crate::DEFAULT_PROJECT_ID`]) with one
//! `production` environment named `Production` ([`crate::DEFAULT_ENVIRONMENT_ID`]), where
//! applications added without an environment go.
//!
//! Access is checked top-down, as a team's is: a forbidden project forbids its environments
//! and their applications; a forbidden environment, its applications.

use crate::model::NewEnvironment;
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

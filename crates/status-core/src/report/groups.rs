//! How the report orders a run: by environment, then application, then pipeline; the
//! pipelines no application of the run covers last. The Markdown report and the log both
//! follow it. Pure.

use crate::discovery::EnvironmentFacts;
use crate::outcome::{ApplicationOutcome, PipelineOutcome};

/// The applications of one environment (or of none known), with their pipelines.
#[derive(Debug)]
pub struct EnvironmentGroup<'a> {
    /// `None` for applications whose environment is not known.
    pub environment: Option<&'a EnvironmentFacts>,
    pub applications: Vec<ApplicationGroup<'a>>,
}

/// One application and its pipelines.
#[derive(Debug)]
pub struct ApplicationGroup<'a> {
    pub application: &'a ApplicationOutcome,
    pub pipelines: Vec<&'a PipelineOutcome>,
}

/// The run, grouped.
#[derive(Debug)]
pub struct Groups<'a> {
    /// In the order their first application was named or found.
    pub environments: Vec<EnvironmentGroup<'a>>,
    /// The pipelines of `pipeline-ids` no application of the run covers, in run order.
    pub rest: Vec<&'a PipelineOutcome>,
}

impl Groups<'_> {
    /// Whether any environment is known (then the report names environments).
    pub fn by_environment(&self) -> bool {
        self.environments.iter().any(|g| g.environment.is_some())
    }

    /// Every pipeline, in the report's order.
    pub fn pipelines(&self) -> impl Iterator<Item = &PipelineOutcome> {
        self.environments
            .iter()
            .flat_map(|e| &e.applications)
            .flat_map(|a| a.pipelines.iter().copied())
            .chain(self.rest.iter().copied())
    }
}

/// Groups the applications by environment, each with its pipelines.
pub fn group<'a>(
    pipelines: &'a [PipelineOutcome],
    applications: &'a [ApplicationOutcome],
) -> Groups<'a> {
    let mut environments: Vec<EnvironmentGroup<'a>> = Vec::new();
    for a in applications {
        let id = a.environment.as_ref().map(|e| e.id);
        let own = pipelines
            .iter()
            .filter(|p| p.destination.application_id() == Some(a.application_id))
            .collect();
        let entry = ApplicationGroup {
            application: a,
            pipelines: own,
        };
        match environments
            .iter_mut()
            .find(|g| g.environment.map(|e| e.id) == id)
        {
            Some(g) => g.applications.push(entry),
            None => environments.push(EnvironmentGroup {
                environment: a.environment.as_ref(),
                applications: vec![entry],
            }),
        }
    }
    let covered = |p: &&PipelineOutcome| {
        let id = p.destination.application_id();
        applications.iter().any(|a| Some(a.application_id) == id)
    };
    let rest = pipelines.iter().filter(|p| !covered(p)).collect();
    Groups { environments, rest }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::EnvironmentKind;
    use crate::outcome::Destination;
    use crate::targets::Owner;

    fn environment(id: u64, name: &str) -> EnvironmentFacts {
        EnvironmentFacts {
            id,
            name: name.into(),
            kind: EnvironmentKind::Production,
            archived: false,
        }
    }

    fn application(id: u64, environment: Option<EnvironmentFacts>) -> ApplicationOutcome {
        ApplicationOutcome {
            application_id: id,
            name: format!("app-{id}"),
            environment,
            destination: None,
            deploy_pipelines: Vec::new(),
            error: None,
            warnings: Vec::new(),
            held: Vec::new(),
        }
    }

    fn pipeline(id: u64, application: Option<u64>) -> PipelineOutcome {
        PipelineOutcome {
            pipeline_id: id,
            destination: Destination {
                owner: application.map(|application_id| Owner {
                    application_id,
                    ..Owner::default()
                }),
                ..Destination::default()
            },
            hooks: Vec::new(),
            error: None,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn environments_then_applications_then_the_rest() {
        let (staging, production) = (environment(1, "staging"), environment(2, "production"));
        let applications = [
            application(10, Some(production.clone())),
            application(20, Some(staging.clone())),
            application(30, Some(production.clone())),
        ];
        let pipelines = [
            pipeline(100, Some(10)),
            pipeline(200, Some(20)),
            pipeline(300, Some(30)),
            pipeline(7, None),
            pipeline(8, Some(90_008)),
            pipeline(101, Some(10)),
        ];
        let groups = group(&pipelines, &applications);
        assert!(groups.by_environment());
        type Shape = Vec<(String, Vec<(u64, Vec<u64>)>)>;
        let shape: Shape = groups
            .environments
            .iter()
            .map(|g| {
                let apps = g
                    .applications
                    .iter()
                    .map(|a| {
                        let ids = a.pipelines.iter().map(|p| p.pipeline_id).collect();
                        (a.application.application_id, ids)
                    })
                    .collect();
                (
                    g.environment.map(|e| e.name.clone()).unwrap_or_default(),
                    apps,
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (
                    "production".to_owned(),
                    vec![(10, vec![100, 101]), (30, vec![300])]
                ),
                ("staging".to_owned(), vec![(20, vec![200])]),
            ]
        );
        let rest: Vec<u64> = groups.rest.iter().map(|p| p.pipeline_id).collect();
        assert_eq!(
            rest,
            [7, 8],
            "pipelines of no application of the run, in order"
        );
        let order: Vec<u64> = groups.pipelines().map(|p| p.pipeline_id).collect();
        assert_eq!(order, [100, 101, 300, 200, 7, 8]);
        // Without environments, one group of applications.
        let plain = [application(10, None)];
        let groups = group(&pipelines, &plain);
        assert!(!groups.by_environment());
        assert_eq!(groups.environments.len(), 1);
    }
}

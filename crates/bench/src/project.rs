//! The project case (`project-ids`): the fake seeds a project of `--project` shape
//! (environments x applications per environment x deploy pipelines per application,
//! 3x20x1 by default, every application listed with its credential), and the binary is
//! given only its id and a context per environment.
//!
//! 1. From nothing, then in sync, without a rate limit: wall time, requests split by
//!    endpoint family, and the bound the README gives for a run in sync,
//!    1 + E + A + P (+ one per application listed without its credential, + pages).
//! 2. With `--long`: the same project, bootstrapped without a limit, in sync under
//!    Laravel's default limit (`--check-rate-limit`, 60 per minute), with the default
//!    inputs besides the project and the context: the pacing goals of the paced cases.
//!
//! The context is `ci/devopness({environment})` (unless `--input context=...`), as the
//! README's project example has it: the seeded project deploys the same repositories to
//! all its environments, so with the default context the environments' statuses would
//! overwrite each other, and the run would warn about it once per repository.

use devopness_status_hooks::devopness::PER_PAGE;
use fake_devopness::{FakeDevopness, ProjectShape, RateLimit, RecordedRequest, SeededProject};

use crate::args::Input;
use crate::child::Exit;
use crate::limited::{self, Paced};
use crate::measure::{Bench, Case, Launched, Row, TOKEN};

/// The context of the project runs, unless `--input context=...` says otherwise.
pub const CONTEXT: &str = "ci/devopness({environment})";

/// The context of the project runs: the last `--input context=...`, else [`CONTEXT`].
pub fn context_of(overrides: &[Input]) -> String {
    overrides
        .iter()
        .rev()
        .find(|i| i.name == "context")
        .map_or(CONTEXT.to_string(), |i| i.value.clone())
}

/// `3x20x1`, as `--project` takes it.
pub fn label(shape: ProjectShape) -> String {
    format!(
        "{}x{}x{}",
        shape.environments, shape.applications, shape.deploy_pipelines
    )
}

/// What a request is, by endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `GET /projects/{id}/environments`
    EnvironmentList,
    /// `GET /environments/{id}/applications`
    ApplicationList,
    /// `GET /applications/{id}`
    ApplicationRead,
    /// `GET /pipelines/application/{id}`
    PipelineList,
    /// `GET /pipelines/{id}/hooks`
    HookList,
    /// POST, PUT, PATCH, DELETE
    Write,
    /// Anything else.
    Other,
}

impl Family {
    /// The family of `method path` (the path without its query).
    pub fn of(method: &str, path: &str) -> Family {
        if matches!(method, "POST" | "PUT" | "PATCH" | "DELETE") {
            return Family::Write;
        }
        if method != "GET" {
            return Family::Other;
        }
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match parts.as_slice() {
            ["projects", _, "environments"] => Family::EnvironmentList,
            ["environments", _, "applications"] => Family::ApplicationList,
            ["applications", _] => Family::ApplicationRead,
            ["pipelines", "application", _] => Family::PipelineList,
            ["pipelines", _, "hooks"] => Family::HookList,
            _ => Family::Other,
        }
    }
}

/// A run's requests by family; those answered 429 apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Split {
    pub environment_lists: usize,
    pub application_lists: usize,
    pub application_reads: usize,
    pub pipeline_lists: usize,
    pub hook_lists: usize,
    pub writes: usize,
    pub other: usize,
    /// Of the lists, requests for a page after the first.
    pub pages: usize,
    /// Answered 429 (not in the counts above).
    pub refused: usize,
}

impl Split {
    pub fn of(requests: &[RecordedRequest]) -> Split {
        let mut s = Split::default();
        for r in requests {
            if r.status == 429 {
                s.refused += 1;
                continue;
            }
            let slot = match Family::of(&r.method, r.route()) {
                Family::EnvironmentList => &mut s.environment_lists,
                Family::ApplicationList => &mut s.application_lists,
                Family::ApplicationRead => &mut s.application_reads,
                Family::PipelineList => &mut s.pipeline_lists,
                Family::HookList => &mut s.hook_lists,
                Family::Write => &mut s.writes,
                Family::Other => &mut s.other,
            };
            *slot += 1;
            let later_page = r
                .query_pairs()
                .iter()
                .any(|(k, v)| k == "page" && v.parse::<u64>().is_ok_and(|p| p > 1));
            s.pages += usize::from(later_page && r.method == "GET");
        }
        s
    }

    /// The requests answered (not 429).
    pub fn answered(&self) -> usize {
        self.environment_lists
            + self.application_lists
            + self.application_reads
            + self.pipeline_lists
            + self.hook_lists
            + self.writes
            + self.other
    }
}

/// The README's bound on a run in sync: 1 + E + A + P, plus one read per application
/// listed without its credential, plus a request per extra page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub environments: usize,
    pub applications: usize,
    pub pipelines: usize,
    pub unlisted: usize,
    pub pages: usize,
}

impl Bound {
    /// The bound of a project of `shape` whose applications are all listed with their
    /// credentials but `unlisted`, with lists of at most `per_page` items a page; a
    /// pipeline in sync has three hooks (one page).
    pub fn of(shape: ProjectShape, unlisted: usize, per_page: usize) -> Bound {
        let e = shape.environments as usize;
        let per_environment = shape.applications as usize;
        let per_application = shape.deploy_pipelines as usize;
        let extra = |items: usize| items.max(1).div_ceil(per_page.max(1)) - 1;
        Bound {
            environments: e,
            applications: e * per_environment,
            pipelines: e * per_environment * per_application,
            unlisted,
            pages: extra(e)
                + e * extra(per_environment)
                + e * per_environment * extra(per_application),
        }
    }

    pub fn total(&self) -> usize {
        1 + self.environments + self.applications + self.pipelines + self.unlisted + self.pages
    }

    /// `1 + 3 + 60 + 60 = 124 (+ 0 unlisted credentials, + 0 pages)`.
    pub fn formula(&self) -> String {
        format!(
            "1 + {} + {} + {} = {} (+ {} unlisted credentials, + {} pages)",
            self.environments,
            self.applications,
            self.pipelines,
            1 + self.environments + self.applications + self.pipelines,
            self.unlisted,
            self.pages
        )
    }
}

/// One project run and what the fake holds after it.
pub struct Measured {
    pub row: Row,
    pub split: Split,
    /// Deploy pipelines with exactly their three hooks.
    pub in_sync: usize,
    pub duplicated: usize,
}

/// The project from nothing, then in sync.
pub struct ProjectRuns {
    pub shape: ProjectShape,
    pub context: String,
    pub bound: Bound,
    pub new: Measured,
    pub in_sync: Measured,
}

/// The project in sync under a rate limit.
pub struct ProjectLimited {
    pub shape: ProjectShape,
    pub context: String,
    pub bound: Bound,
    pub paced: Paced,
    pub split: Split,
}

/// A fresh fake holding the seeded project; the inputs naming it.
fn seeded(bench: &Bench, shape: ProjectShape) -> (FakeDevopness, SeededProject, Vec<u64>) {
    let fake = FakeDevopness::start(TOKEN);
    fake.set_latency(bench.latency);
    let project = fake.seed_project(shape);
    let pipelines = project.deploy_pipelines();
    (fake, project, pipelines)
}

fn inputs(project: &SeededProject, context: &str) -> [(&'static str, String); 2] {
    [
        ("project-ids", project.id.to_string()),
        ("context", context.to_string()),
    ]
}

fn bound(shape: ProjectShape) -> Bound {
    // Every application of a seeded project is listed with its credential.
    Bound::of(shape, 0, PER_PAGE as usize)
}

/// The project from nothing, then again in sync.
pub fn run(bench: &mut Bench, shape: ProjectShape, context: &str) -> Result<ProjectRuns, String> {
    let (fake, project, pipelines) = seeded(bench, shape);
    let inputs = inputs(&project, context);
    let mut measured = Vec::new();
    for case in [Case::ProjectNew, Case::ProjectInSync] {
        let launched = bench.launch(&fake, "", pipelines.len(), case, None, &inputs)?;
        bench.check_plain(&fake, &launched);
        measured.push(measure(&fake, launched, &pipelines));
    }
    let (Some(in_sync), Some(new)) = (measured.pop(), measured.pop()) else {
        return Err("the project runs did not both run".into());
    };
    Ok(ProjectRuns {
        shape,
        context: context.to_string(),
        bound: bound(shape),
        new,
        in_sync,
    })
}

fn measure(fake: &FakeDevopness, launched: Launched, pipelines: &[u64]) -> Measured {
    let (in_sync, duplicated) = limited::tally(fake, pipelines);
    Measured {
        split: Split::of(&fake.requests()),
        row: launched.row,
        in_sync,
        duplicated,
    }
}

/// The project, bootstrapped without a limit, then in sync under `limit`.
pub fn limited(
    bench: &mut Bench,
    shape: ProjectShape,
    context: &str,
    limit: RateLimit,
) -> Result<ProjectLimited, String> {
    let (fake, project, pipelines) = seeded(bench, shape);
    let inputs = inputs(&project, context);
    let n = pipelines.len();
    let setup = bench.launch(&fake, "", n, Case::ProjectNew, None, &inputs)?;
    bench.expect_exit(&setup, Exit::Code(0));
    fake.set_rate_limit(Some(limit));
    let launched = bench.launch(&fake, "", n, Case::ProjectInSync, None, &inputs)?;
    bench.expect_exit(&launched, Exit::Code(0));
    let split = Split::of(&fake.requests());
    let paced = limited::paced(&fake, &[], launched, limit, bench.latency, &pipelines);
    Ok(ProjectLimited {
        shape,
        context: context.to_string(),
        bound: bound(shape),
        paced,
        split,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, path: &str, query: &str, status: u16) -> RecordedRequest {
        RecordedRequest {
            method: method.into(),
            path: path.into(),
            query: Some(query.into()).filter(|q: &String| !q.is_empty()),
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    #[test]
    fn a_label_is_what_project_takes() {
        let shape: ProjectShape = "3x20x1".parse().expect("a shape");
        assert_eq!(label(shape), "3x20x1");
    }

    #[test]
    fn the_context_is_one_per_environment_unless_an_input_says_otherwise() {
        let input = |name: &str, value: &str| Input {
            name: name.into(),
            value: value.into(),
        };
        assert_eq!(context_of(&[]), "ci/devopness({environment})");
        assert_eq!(context_of(&[input("timeout-seconds", "600")]), CONTEXT);
        let both = [input("context", "ci/a"), input("context", "ci/b")];
        assert_eq!(context_of(&both), "ci/b");
    }

    #[test]
    fn each_endpoint_has_its_family() {
        for (method, path, family) in [
            (
                "GET",
                "/projects/5000/environments",
                Family::EnvironmentList,
            ),
            (
                "GET",
                "/environments/5001/applications",
                Family::ApplicationList,
            ),
            ("GET", "/applications/50001", Family::ApplicationRead),
            ("GET", "/pipelines/application/50001", Family::PipelineList),
            ("GET", "/pipelines/500001/hooks", Family::HookList),
            ("POST", "/pipelines/500001/hooks/outgoing", Family::Write),
            ("PUT", "/hooks/outgoing/abc", Family::Write),
            ("DELETE", "/hooks/outgoing/abc", Family::Write),
            ("GET", "/environments/5001", Family::Other),
            ("GET", "/projects/5000/environments/archived", Family::Other),
            ("GET", "/pipelines/500001", Family::Other),
            ("HEAD", "/pipelines/500001/hooks", Family::Other),
        ] {
            assert_eq!(Family::of(method, path), family, "{method} {path}");
        }
    }

    #[test]
    fn a_split_counts_answers_by_family_pages_and_429s_apart() {
        let requests = [
            request(
                "GET",
                "/projects/5000/environments",
                "page=1&per_page=100",
                200,
            ),
            request("GET", "/environments/5001/applications", "page=1", 429),
            request("GET", "/environments/5001/applications", "page=1", 200),
            request("GET", "/environments/5001/applications", "page=2", 200),
            request("GET", "/pipelines/application/50001", "", 200),
            request("GET", "/pipelines/500001/hooks", "page=1&per_page=100", 200),
            request("POST", "/pipelines/500001/hooks/outgoing", "", 200),
        ];
        let split = Split::of(&requests);
        assert_eq!(
            split,
            Split {
                environment_lists: 1,
                application_lists: 2,
                pipeline_lists: 1,
                hook_lists: 1,
                writes: 1,
                pages: 1,
                refused: 1,
                ..Split::default()
            }
        );
        assert_eq!(split.answered(), 6);
    }

    #[test]
    fn the_bound_is_one_plus_environments_applications_pipelines_and_their_pages() {
        let shape = |e, a, d| ProjectShape {
            environments: e,
            applications: a,
            deploy_pipelines: d,
        };
        let b = Bound::of(shape(3, 20, 1), 0, 100);
        assert_eq!((b.environments, b.applications, b.pipelines), (3, 60, 60));
        assert_eq!((b.pages, b.total()), (0, 124));
        assert_eq!(
            b.formula(),
            "1 + 3 + 60 + 60 = 124 (+ 0 unlisted credentials, + 0 pages)"
        );
        // 150 applications per environment take two pages each; 250 environments three.
        let b = Bound::of(shape(2, 150, 1), 1, 100);
        assert_eq!((b.pages, b.total()), (2, 1 + 2 + 300 + 300 + 1 + 2));
        assert_eq!(Bound::of(shape(250, 1, 1), 0, 100).pages, 2);
        // An application with 101 deploy pipelines: two pages of its pipeline list.
        assert_eq!(Bound::of(shape(1, 2, 101), 0, 100).pages, 2);
        // No application: one (empty) page.
        assert_eq!(Bound::of(shape(1, 0, 1), 0, 100).total(), 2);
    }
}

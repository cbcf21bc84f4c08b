//! The client's discovery reads against the fake API: one pipeline (the application it runs
//! for, its environment), an application with its environment, a project's environments,
//! one environment and an environment's applications, each list followed across pages; 404, 403 and 401 as the
//! typed `ApiError`; and every request they send held to Devopness's description.

use std::time::{Duration, Instant};

use devopness_status_hooks::devopness::{ApiError, Client};
use devopness_status_hooks::discovery::{
    EnvironmentFacts, EnvironmentKind, ListedApplication, PipelineFacts, PipelineResource,
};
use devopness_status_hooks::transport::Transport;
use fake_devopness::{
    EnvironmentType, FakeDevopness, NewApplication, NewEnvironment, DEFAULT_ENVIRONMENT_ID,
};
use openapi_contract::devopness;

const TOKEN: &str = "dvp_discovery_token";

/// Runs `read` with a client of the fake, on a runtime of its own.
fn with_client<T>(fake: &FakeDevopness, token: &str, read: impl AsyncFnOnce(Client) -> T) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let http = devopness_status_hooks::http::client(&[]).expect("an HTTP client");
    let transport = Transport::new(http, Instant::now() + Duration::from_secs(60), 8);
    let client = Client::new(transport, &fake.base_url(), token).expect("a client");
    runtime.block_on(read(client))
}

/// The requests the fake received (path and query), in order.
fn requested(fake: &FakeDevopness) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| {
            let query = r
                .query
                .as_deref()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            format!("{}{query}", r.path)
        })
        .collect()
}

/// Every request sent, and every answer, fit Devopness's description.
fn assert_contract(fake: &FakeDevopness) {
    if let Err(problems) = devopness().check_exchanges(&fake.exchanges(), true) {
        panic!("a request or answer departs from Devopness's openapi.json:\n{problems}");
    }
}

/// Project 30 (`Shop`): `staging` (31) with application 300 (GitHub, deploy pipeline 3000),
/// 301 (GitLab, listed without its credential) and 302 (no credential at all); an archived
/// `legacy` (32).
fn shop() -> FakeDevopness {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_project(30, "Shop");
    fake.add_environment(NewEnvironment::new(
        31,
        30,
        "staging",
        EnvironmentType::Staging,
    ));
    fake.add_environment(
        NewEnvironment::new(32, 30, "legacy", EnvironmentType::Development).archived(),
    );
    fake.add_application(NewApplication::new(300, "shop/web", "github").in_environment(31));
    fake.add_application(
        NewApplication::new(301, "shop/api", "gitlab")
            .in_environment(31)
            .listed_without_credential(),
    );
    fake.add_application(
        NewApplication::new(302, "shop/jobs", "github")
            .in_environment(31)
            .without_credential(),
    );
    fake.add_application_pipeline(300, 3000, "deploy");
    fake
}

fn staging() -> EnvironmentFacts {
    EnvironmentFacts {
        id: 31,
        name: "staging".into(),
        kind: EnvironmentKind::Staging,
        archived: false,
    }
}

#[test]
fn a_pipeline_names_its_application_and_environment() {
    let fake = shop();
    fake.add_pipeline_with_operation(7, "restart");
    let (of_application, standalone) = with_client(&fake, TOKEN, async |client| {
        (
            client.get_pipeline(3000).await,
            client.get_pipeline(7).await,
        )
    });
    assert_eq!(
        of_application.expect("pipeline 3000"),
        PipelineFacts {
            id: 3000,
            operation: "deploy".into(),
            resource: PipelineResource::Application(300),
            environment_id: Some(31),
        }
    );
    // A pipeline added without an application: the fake names one it does not hold.
    let standalone = standalone.expect("pipeline 7");
    assert_eq!(standalone.operation, "restart");
    assert_eq!(standalone.application_id(), Some(90_007));
    assert_eq!(standalone.environment_id, Some(DEFAULT_ENVIRONMENT_ID));
    assert_eq!(requested(&fake), ["/pipelines/3000", "/pipelines/7"]);
    assert_contract(&fake);
}

#[test]
fn an_application_comes_with_its_environment() {
    let fake = shop();
    fake.add_application(NewApplication::new(310, "shop/old", "bitbucket").in_environment(32));
    fake.add_application(NewApplication::new(5, "o/r", "github"));
    let read = with_client(&fake, TOKEN, async |client| {
        let mut out = Vec::new();
        for id in [300, 310, 5] {
            out.push(client.get_application(id).await);
        }
        out
    });
    let read: Vec<_> = read
        .into_iter()
        .map(|r| r.expect("an application"))
        .collect();
    assert_eq!(read[0].environment, Some(staging()));
    assert_eq!(read[0].repository.as_deref(), Some("shop/web"));
    assert_eq!(read[0].provider_code.as_deref(), Some("github"));
    assert_eq!(
        read[1].environment,
        Some(EnvironmentFacts {
            id: 32,
            name: "legacy".into(),
            kind: EnvironmentKind::Development,
            archived: true,
        })
    );
    assert_eq!(
        read[2].environment,
        Some(EnvironmentFacts {
            id: DEFAULT_ENVIRONMENT_ID,
            name: "Production".into(),
            kind: EnvironmentKind::Production,
            archived: false,
        })
    );
    assert_contract(&fake);
}

#[test]
fn one_environment_says_its_name_and_whether_it_is_archived() {
    let fake = shop();
    fake.add_project(40, "Secret");
    fake.add_environment(NewEnvironment::new(
        41,
        40,
        "prod",
        EnvironmentType::Production,
    ));
    fake.add_environment(NewEnvironment::new(33, 30, "qa", EnvironmentType::Staging));
    fake.forbid_project(40);
    fake.forbid_environment(33);
    let read = with_client(&fake, TOKEN, async |client| {
        let mut out = Vec::new();
        for id in [31, 32, DEFAULT_ENVIRONMENT_ID, 99, 41, 33] {
            out.push(client.get_environment(id).await);
        }
        out
    });
    let [staging_read, legacy, default, unknown, in_forbidden_project, forbidden] =
        <[_; 6]>::try_from(read).expect("six answers");
    assert_eq!(staging_read.expect("environment 31"), staging());
    assert_eq!(
        legacy.expect("environment 32"),
        EnvironmentFacts {
            id: 32,
            name: "legacy".into(),
            kind: EnvironmentKind::Development,
            archived: true,
        }
    );
    assert_eq!(
        default.expect("the default environment"),
        EnvironmentFacts {
            id: DEFAULT_ENVIRONMENT_ID,
            name: "Production".into(),
            kind: EnvironmentKind::Production,
            archived: false,
        }
    );
    assert!(
        matches!(&unknown, Err(ApiError::NotFound(m)) if m == "Environment not found."),
        "{unknown:?}"
    );
    for e in [in_forbidden_project, forbidden] {
        assert!(
            matches!(&e, Err(ApiError::Forbidden(m)) if m == "This action is unauthorized."),
            "{e:?}"
        );
    }
    // One request each: neither 404 nor 403 is retried.
    let paths: Vec<String> = [31, 32, DEFAULT_ENVIRONMENT_ID, 99, 41, 33]
        .iter()
        .map(|id| format!("/environments/{id}"))
        .collect();
    assert_eq!(requested(&fake), paths);
    assert_contract(&fake);

    let unauthenticated = with_client(&fake, "wrong-token", async |client| {
        client.get_environment(31).await
    });
    assert!(
        matches!(unauthenticated, Err(ApiError::Unauthorized)),
        "{unauthenticated:?}"
    );
}

#[test]
fn a_projects_environments_are_read_across_pages() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_project(1, "Big");
    let kinds = [
        EnvironmentType::Production,
        EnvironmentType::Staging,
        EnvironmentType::Development,
    ];
    for id in 1..=230 {
        let kind = kinds[usize::try_from(id % 3).unwrap_or(0)];
        let environment = NewEnvironment::new(id, 1, &format!("env {id}"), kind);
        fake.add_environment(if id % 10 == 0 {
            environment.archived()
        } else {
            environment
        });
    }
    let live = with_client(&fake, TOKEN, async |client| {
        client.list_project_environments(1).await
    })
    .expect("the environments");
    let want: Vec<u64> = (1..=230).filter(|id| id % 10 != 0).collect();
    assert_eq!(live.iter().map(|e| e.id).collect::<Vec<_>>(), want);
    assert!(live.iter().all(|e| !e.archived));
    assert_eq!(live[0].name, "env 1");
    assert_eq!(live[0].kind, EnvironmentKind::Staging);
    assert_eq!(live[1].kind, EnvironmentKind::Development);
    assert_eq!(live[2].kind, EnvironmentKind::Production);
    let pages: Vec<String> = (1..=3)
        .map(|n| format!("/projects/1/environments?page={n}&per_page=100"))
        .collect();
    assert_eq!(requested(&fake), pages);
    assert_contract(&fake);

    // Where the live list carries archived environments too, each says so.
    fake.set_archived_in_live_list(true);
    let all = with_client(&fake, TOKEN, async |client| {
        client.list_project_environments(1).await
    })
    .expect("the environments");
    assert_eq!(all.len(), 230);
    let archived: Vec<u64> = all.iter().filter(|e| e.archived).map(|e| e.id).collect();
    assert_eq!(archived, (1..=23).map(|n| n * 10).collect::<Vec<u64>>());
}

#[test]
fn an_environments_applications_are_read_across_pages() {
    let fake = shop();
    for id in 1..=200 {
        let app = NewApplication::new(1000 + id, &format!("o/app-{id}"), "bitbucket");
        fake.add_application(app.in_environment(31));
    }
    let listed = with_client(&fake, TOKEN, async |client| {
        client.list_environment_applications(31).await
    })
    .expect("the applications");
    assert_eq!(listed.len(), 203);
    assert_eq!(
        listed[..3],
        [
            ListedApplication {
                id: 300,
                name: "web".into(),
                repository: Some("shop/web".into()),
                environment_id: Some(31),
                credential_listed: true,
                provider_code: Some("github".into()),
            },
            ListedApplication {
                id: 301,
                name: "api".into(),
                repository: Some("shop/api".into()),
                environment_id: Some(31),
                credential_listed: false,
                provider_code: None,
            },
            ListedApplication {
                id: 302,
                name: "jobs".into(),
                repository: Some("shop/jobs".into()),
                environment_id: Some(31),
                credential_listed: false,
                provider_code: None,
            },
        ]
    );
    let needing: Vec<u64> = listed
        .iter()
        .filter(|a| a.needs_reading())
        .map(|a| a.id)
        .collect();
    assert_eq!(needing, [301, 302]);
    assert_eq!(listed[202].id, 1200);
    assert_eq!(listed[202].provider_code.as_deref(), Some("bitbucket"));
    let pages: Vec<String> = (1..=3)
        .map(|n| format!("/environments/31/applications?page={n}&per_page=100"))
        .collect();
    assert_eq!(requested(&fake), pages);
    assert_contract(&fake);
}

#[test]
fn a_seeded_project_is_discovered_in_one_request_per_environment_and_one_more() {
    let fake = FakeDevopness::start(TOKEN);
    let project = fake.seed_project("3x20x1".parse().expect("a shape"));
    let (environments, applications) = with_client(&fake, TOKEN, async |client| {
        let environments = client
            .list_project_environments(project.id)
            .await
            .expect("the environments");
        let mut applications = Vec::new();
        for e in &environments {
            let listed = client
                .list_environment_applications(e.id)
                .await
                .expect("the applications");
            applications.extend(listed);
        }
        (environments, applications)
    });
    let names: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["Production", "Staging", "Development"]);
    assert_eq!(applications.len(), 60);
    assert!(applications.iter().all(|a| !a.needs_reading()));
    let seeded: Vec<u64> = project.applications().map(|a| a.id).collect();
    let read: Vec<u64> = applications.iter().map(|a| a.id).collect();
    assert_eq!(read, seeded);
    assert_eq!(fake.requests().len(), 4);
    assert_contract(&fake);
}

#[test]
fn unknown_forbidden_and_unauthenticated_are_typed_errors() {
    let fake = shop();
    fake.add_project(40, "Secret");
    fake.add_environment(NewEnvironment::new(
        41,
        40,
        "prod",
        EnvironmentType::Production,
    ));
    fake.add_application(NewApplication::new(400, "s/web", "github").in_environment(41));
    fake.forbid_project(40);
    fake.forbid_pipeline(3001);
    let errors = with_client(&fake, TOKEN, async |client| {
        vec![
            client.list_project_environments(99).await.err(),
            client.list_environment_applications(99).await.err(),
            client.get_pipeline(99).await.err(),
            client.list_project_environments(40).await.err(),
            client.list_environment_applications(41).await.err(),
            client.get_pipeline(3001).await.err(),
            client.get_application(400).await.err(),
        ]
    });
    let found = |e: &Option<ApiError>| match e {
        Some(ApiError::NotFound(m)) => format!("404 {m}"),
        Some(ApiError::Forbidden(m)) => format!("403 {m}"),
        other => format!("{other:?}"),
    };
    let found: Vec<String> = errors.iter().map(found).collect();
    assert_eq!(
        found,
        [
            "404 Project not found.",
            "404 Environment not found.",
            "404 Pipeline not found.",
            "403 This action is unauthorized.",
            "403 This action is unauthorized.",
            "403 This action is unauthorized.",
            "403 This action is unauthorized.",
        ]
    );
    // Neither is retried: one request each.
    assert_eq!(fake.requests().len(), 7);
    assert_contract(&fake);

    let errors = with_client(&fake, "wrong-token", async |client| {
        vec![
            client.list_project_environments(30).await.err(),
            client.list_environment_applications(31).await.err(),
            client.get_pipeline(3000).await.err(),
        ]
    });
    for e in errors {
        assert!(matches!(e, Some(ApiError::Unauthorized)), "{e:?}");
    }
}

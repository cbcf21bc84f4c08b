//! The fake Devopness's projects and environments fit Devopness's published description:
//! `listProjectEnvironments` and `listProjectArchivedEnvironments` (also with archived
//! environments in the live list), `listEnvironmentApplications` (items with and without
//! their credential), each paginated with a `Link`; `getEnvironment` (live, archived, the
//! default one); `getApplication` with its environment (live, archived, the default one);
//! `getPipeline` of an application's pipeline in that
//! environment; and their errors (401, 403, 404, 422). The requests are valid ones, so they
//! are checked too.

use fake_devopness::{
    EnvironmentType, FakeDevopness, NewApplication, NewEnvironment, DEFAULT_ENVIRONMENT_ID,
};
use fake_http::testing::{send_at, Reply};
use openapi_contract::devopness;

const TOKEN: &str = "dvp_contract";

fn get(fake: &FakeDevopness, path: &str) -> Reply {
    let auth = format!("Bearer {TOKEN}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
    ];
    send_at(fake.addr(), "GET", path, &headers, None)
}

fn assert_contract(fake: &FakeDevopness, requests: bool) -> usize {
    match devopness().check_exchanges(&fake.exchanges(), requests) {
        Ok(checked) => checked,
        Err(problems) => panic!("the fake Devopness departs from its openapi.json:\n{problems}"),
    }
}

/// Project 30 with `staging` (31, applications 300 and 301) and an archived `legacy` (32,
/// application 302), and application 303 in the default environment.
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
    fake.add_application(NewApplication::new(302, "shop/old", "bitbucket").in_environment(32));
    fake.add_application(NewApplication::new(303, "o/r", "github").without_credential());
    fake.add_application_pipeline(300, 3000, "deploy");
    fake.add_application_pipeline(302, 3020, "deploy");
    fake.add_application_pipeline(303, 3030, "restart");
    fake
}

#[test]
fn applications_with_their_environment_and_pipelines_fit_the_spec() {
    let fake = shop();
    let mut statuses = Vec::new();
    for id in 300..=303 {
        let reply = get(&fake, &format!("/applications/{id}"));
        assert!(reply.json()["environment"]["name"].is_string(), "{id}");
        statuses.push(reply.status);
    }
    for id in [3000, 3020, 3030] {
        let reply = get(&fake, &format!("/pipelines/{id}"));
        assert!(reply.json()["environment_id"].is_u64(), "{id}");
        statuses.push(reply.status);
    }
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(assert_contract(&fake, true), statuses.len());
}

#[test]
fn one_environment_fits_the_spec() {
    let fake = shop();
    let replies: Vec<Reply> = [31, 32, DEFAULT_ENVIRONMENT_ID]
        .iter()
        .map(|id| get(&fake, &format!("/environments/{id}")))
        .collect();
    assert_eq!(assert_contract(&fake, true), 3);
    let seen: Vec<(u16, serde_json::Value)> = replies
        .iter()
        .map(|r| (r.status, r.json()["is_archived"].clone()))
        .collect();
    assert_eq!(
        seen,
        [(200, false.into()), (200, true.into()), (200, false.into())]
    );
}

#[test]
fn one_environments_errors_fit_the_spec() {
    let fake = shop();
    fake.add_project(40, "Secret");
    fake.add_environment(NewEnvironment::new(
        41,
        40,
        "prod",
        EnvironmentType::Production,
    ));
    fake.forbid_project(40);
    fake.forbid_environment(31);
    let statuses: Vec<u16> = ["/environments/99", "/environments/41", "/environments/31"]
        .iter()
        .map(|path| get(&fake, path).status)
        .collect();
    assert_eq!(statuses, [404, 403, 403]);
    assert_eq!(assert_contract(&fake, true), 3);

    // A bad token: only the response is checked.
    fake.clear_requests();
    send_at(
        fake.addr(),
        "GET",
        "/environments/32",
        &[
            ("Authorization", "Bearer wrong"),
            ("Accept", "application/json"),
        ],
        None,
    );
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401]);
    match devopness().check_exchanges(&fake.exchanges(), false) {
        Ok(checked) => assert_eq!(checked, 1),
        Err(problems) => panic!("the fake Devopness departs from its openapi.json:\n{problems}"),
    }
}

#[test]
fn environment_and_application_lists_fit_the_spec() {
    let fake = shop();
    fake.add_application(NewApplication::new(304, "shop/jobs", "aws").in_environment(31));
    let mut statuses = Vec::new();
    for path in [
        "/projects/30/environments",
        "/projects/30/environments/archived",
        "/projects/4201/environments",
        "/projects/4201/environments/archived",
        "/environments/31/applications",
        "/environments/32/applications",
        "/environments/8402/applications",
    ] {
        let reply = get(&fake, path);
        assert!(reply.header("link").is_some(), "{path}");
        // Only the default project has no archived environment.
        assert_eq!(
            reply.body == "[]",
            path == "/projects/4201/environments/archived",
            "{path}"
        );
        statuses.push(reply.status);
    }
    // Three applications of environment 31, one a page.
    for page in 1..=3 {
        let reply = get(
            &fake,
            &format!("/environments/31/applications?page={page}&per_page=1"),
        );
        assert!(reply.header("link").is_some());
        statuses.push(reply.status);
    }
    // Past the last page: an empty list.
    statuses.push(get(&fake, "/projects/30/environments?page=5&per_page=100").status);
    fake.set_archived_in_live_list(true);
    let reply = get(&fake, "/projects/30/environments");
    assert_eq!(reply.json().as_array().map(Vec::len), Some(2));
    statuses.push(reply.status);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(assert_contract(&fake, true), statuses.len());
}

#[test]
fn a_seeded_project_fits_the_spec() {
    let fake = FakeDevopness::start(TOKEN);
    let project = fake.seed_project("3x20x1".parse().expect("a shape"));
    let mut statuses = vec![get(&fake, &format!("/projects/{}/environments", project.id)).status];
    for environment in &project.environments {
        let path = format!(
            "/environments/{}/applications?page=1&per_page=100",
            environment.id
        );
        statuses.push(get(&fake, &path).status);
    }
    let application = &project.environments[1].applications[0];
    statuses.push(get(&fake, &format!("/applications/{}", application.id)).status);
    statuses.push(
        get(
            &fake,
            &format!("/pipelines/{}", application.deploy_pipelines[0]),
        )
        .status,
    );
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(assert_contract(&fake, true), 6);
}

#[test]
fn environment_and_application_list_errors_fit_the_spec() {
    let fake = shop();
    fake.add_project(40, "Secret");
    fake.add_environment(NewEnvironment::new(
        41,
        40,
        "prod",
        EnvironmentType::Production,
    ));
    fake.forbid_project(40);
    fake.forbid_environment(31);
    let statuses: Vec<u16> = [
        "/projects/99/environments",
        "/projects/99/environments/archived",
        "/environments/99/applications",
        "/projects/40/environments",
        "/projects/40/environments/archived",
        "/environments/41/applications",
        "/environments/31/applications",
        "/applications/300",
    ]
    .iter()
    .map(|path| get(&fake, path).status)
    .collect();
    assert_eq!(statuses, [404, 404, 404, 403, 403, 403, 403, 403]);
    assert_eq!(assert_contract(&fake, true), 8);

    // Errors the requests cause on purpose: only the responses are checked.
    fake.clear_requests();
    get(&fake, "/projects/30/environments?per_page=101");
    get(&fake, "/environments/32/applications?page=0");
    for path in [
        "/projects/30/environments/archived",
        "/environments/32/applications",
    ] {
        send_at(
            fake.addr(),
            "GET",
            path,
            &[
                ("Authorization", "Bearer wrong"),
                ("Accept", "application/json"),
            ],
            None,
        );
    }
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [422, 422, 401, 401]);
    match devopness().check_exchanges(&fake.exchanges(), false) {
        Ok(checked) => assert_eq!(checked, 4),
        Err(problems) => panic!("the fake Devopness departs from its openapi.json:\n{problems}"),
    }
}

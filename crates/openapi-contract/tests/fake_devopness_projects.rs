//! The fake Devopness's projects and environments fit Devopness's published description:
//! `getApplication` with its environment (live, archived, the default one) and
//! `getPipeline` of an application's pipeline in that environment. The requests are valid
//! ones, so they are checked too.

use fake_devopness::{EnvironmentType, FakeDevopness, NewApplication, NewEnvironment};
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

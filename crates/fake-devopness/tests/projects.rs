//! Projects and environments: every application belongs to an environment of a project,
//! which `GET /applications/{id}` shows by name, and its pipelines and their hooks carry
//! that environment's and project's ids; access is checked project, then environment, then
//! application. (The shapes against the published description: crates/openapi-contract.)

mod common;

use common::{call, get, hook_body, TOKEN};
use fake_devopness::{
    EnvironmentType, FakeDevopness, NewApplication, NewEnvironment, DEFAULT_ENVIRONMENT_ID,
    DEFAULT_PROJECT_ID,
};
use serde_json::json;

/// Project 30 (`Shop`) with `staging` (31) and an archived `legacy` (32); application 300 in
/// staging with a deploy pipeline 3000 and a restart pipeline 3001.
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
    fake.add_application_pipeline(300, 3000, "deploy");
    fake.add_application_pipeline(300, 3001, "restart");
    fake
}

#[test]
fn an_application_shows_its_environment_and_project() {
    let fake = shop();
    let app = get(&fake, "/applications/300").json();
    assert_eq!(app["environment_id"], 31);
    assert_eq!(app["project_id"], 30);
    let environment = &app["environment"];
    assert_eq!(environment["id"], 31);
    assert_eq!(environment["name"], "staging");
    assert_eq!(environment["type"], "staging");
    assert_eq!(environment["type_human_readable"], "Staging");
    assert_eq!(environment["archived_at"], json!(null));
    assert_eq!(environment["project"]["id"], 30);
    assert_eq!(environment["project"]["name"], "Shop");

    fake.add_application(NewApplication::new(301, "shop/old", "gitlab").in_environment(32));
    let old = get(&fake, "/applications/301").json();
    assert_eq!(old["environment"]["name"], "legacy");
    assert_eq!(old["environment"]["type"], "development");
    let archived_at = old["environment"]["archived_at"].as_str().unwrap_or("");
    let created_at = old["environment"]["created_at"].as_str().unwrap_or("");
    assert!(
        archived_at > created_at,
        "archived {archived_at:?} after created {created_at:?}"
    );
}

#[test]
fn without_an_environment_an_application_is_in_the_default_one() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(5, "o/r", "github"));
    fake.add_application_pipeline(5, 50, "deploy");
    fake.add_pipeline(60);
    let app = get(&fake, "/applications/5").json();
    assert_eq!(app["environment_id"], DEFAULT_ENVIRONMENT_ID);
    assert_eq!(app["project_id"], DEFAULT_PROJECT_ID);
    assert_eq!(app["environment"]["name"], "Production");
    assert_eq!(app["environment"]["type"], "production");
    assert_eq!(app["environment"]["project"]["id"], DEFAULT_PROJECT_ID);
    for pipeline in [50, 60] {
        let p = get(&fake, &format!("/pipelines/{pipeline}")).json();
        assert_eq!(p["environment_id"], DEFAULT_ENVIRONMENT_ID, "{pipeline}");
        assert_eq!(p["project_id"], DEFAULT_PROJECT_ID, "{pipeline}");
    }
}

#[test]
fn pipelines_and_hooks_carry_their_applications_environment() {
    let fake = shop();
    let p = get(&fake, "/pipelines/3000").json();
    assert_eq!(p["resource_type"], "application");
    assert_eq!(p["resource_id"], 300);
    assert_eq!(p["environment_id"], 31);
    assert_eq!(p["project_id"], 30);
    assert_eq!(p["operation"], "deploy");
    let listed = get(&fake, "/pipelines/application/300").json();
    for item in listed.as_array().into_iter().flatten() {
        assert_eq!(item["environment_id"], 31, "{item}");
        assert_eq!(item["project_id"], 30, "{item}");
    }
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    let created = call(
        &fake,
        "POST",
        "/pipelines/3000/hooks/outgoing",
        Some(&hook_body("a", "action.started")),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["environment_id"], 31);
    assert_eq!(created.json()["project_id"], 30);
    let hooks = get(&fake, "/pipelines/3000/hooks").json();
    assert_eq!(hooks[0]["environment_id"], 31);
}

#[test]
fn a_forbidden_project_or_environment_forbids_its_applications() {
    let fake = shop();
    fake.add_environment(NewEnvironment::new(
        33,
        30,
        "production",
        EnvironmentType::Production,
    ));
    fake.add_application(NewApplication::new(302, "shop/api", "github").in_environment(33));
    fake.forbid_environment(33);
    for path in ["/applications/302", "/pipelines/application/302"] {
        let reply = get(&fake, path);
        assert_eq!(reply.status, 403, "{path}");
        assert_eq!(
            reply.json(),
            json!({ "message": "This action is unauthorized." })
        );
    }
    assert_eq!(get(&fake, "/applications/300").status, 200);
    fake.forbid_project(30);
    assert_eq!(get(&fake, "/applications/300").status, 403);
    // The unknown stays unknown.
    assert_eq!(get(&fake, "/applications/399").status, 404);
}

#[test]
#[should_panic(expected = "unknown environment 77")]
fn an_application_needs_its_environment_added_first() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(1, "o/r", "github").in_environment(77));
}

#[test]
#[should_panic(expected = "unknown project 70")]
fn an_environment_needs_its_project_added_first() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_environment(NewEnvironment::new(71, 70, "qa", EnvironmentType::Staging));
}

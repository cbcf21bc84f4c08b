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

fn ids(reply: &common::Reply) -> Vec<u64> {
    reply
        .json()
        .as_array()
        .map(|a| a.iter().filter_map(|item| item["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[test]
fn a_project_lists_its_live_environments_and_its_archived_ones_apart() {
    let fake = shop();
    let live = get(&fake, "/projects/30/environments");
    assert_eq!(live.status, 200, "{}", live.body);
    assert_eq!(ids(&live), [31]);
    let staging = &live.json()[0];
    assert_eq!(staging["name"], "staging");
    assert_eq!(staging["type"], "staging");
    assert_eq!(staging["type_human_readable"], "Staging");
    assert_eq!(staging["archived_at"], json!(null));
    assert_eq!(staging["project"]["id"], 30);
    assert_eq!(staging["project"]["name"], "Shop");
    let archived = get(&fake, "/projects/30/environments/archived");
    assert_eq!(archived.status, 200, "{}", archived.body);
    assert_eq!(ids(&archived), [32]);
    assert!(archived.json()[0]["archived_at"].is_string());
    let url = |suffix: &str| {
        format!(
            "{}/projects/30/environments{suffix}?page=1&per_page=15",
            fake.base_url()
        )
    };
    assert_eq!(
        common::links(&archived),
        [
            ("last".to_string(), url("/archived")),
            ("first".to_string(), url("/archived"))
        ]
    );
    // The default project holds the default environment.
    let default = get(
        &fake,
        &format!("/projects/{DEFAULT_PROJECT_ID}/environments"),
    );
    assert_eq!(ids(&default), [DEFAULT_ENVIRONMENT_ID]);
    assert_eq!(default.json()[0]["name"], "Production");
    // A project without archived environments lists none.
    assert_eq!(
        get(
            &fake,
            &format!("/projects/{DEFAULT_PROJECT_ID}/environments/archived")
        )
        .body,
        "[]"
    );
}

#[test]
fn the_live_list_may_carry_archived_environments_too() {
    let fake = shop();
    fake.set_archived_in_live_list(true);
    let live = get(&fake, "/projects/30/environments");
    assert_eq!(ids(&live), [31, 32]);
    assert_eq!(live.json()[0]["archived_at"], json!(null));
    assert!(live.json()[1]["archived_at"].is_string());
    assert_eq!(ids(&get(&fake, "/projects/30/environments/archived")), [32]);
}

#[test]
fn an_environment_shows_itself_live_or_archived() {
    let fake = shop();
    fake.add_application(NewApplication::new(301, "shop/api", "gitlab").in_environment(31));
    let reply = get(&fake, "/environments/31");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let staging = reply.json();
    assert_eq!(staging["id"], 31);
    assert_eq!(staging["name"], "staging");
    assert_eq!(staging["type"], "staging");
    assert_eq!(staging["type_human_readable"], "Staging");
    assert_eq!(staging["description"], json!(null));
    assert_eq!(staging["is_archived"], json!(false));
    assert_eq!(staging["teams"], json!([]));
    assert!(staging["current_user_permissions"].is_array(), "{staging}");
    assert_eq!(staging["created_by_user"]["id"], 1);
    assert_eq!(staging["created_at"], staging["updated_at"]);
    let summary = &staging["resource_summary"][0];
    assert_eq!(summary["resource_type"], "application");
    assert_eq!(summary["summary"]["count"], 2);
    // The `Environment`, not its relation: no `archived_at`, no `project`.
    for field in ["archived_at", "project", "project_id"] {
        assert!(staging.get(field).is_none(), "{field} in {staging}");
    }

    let legacy = get(&fake, "/environments/32").json();
    assert_eq!(legacy["name"], "legacy");
    assert_eq!(legacy["type"], "development");
    assert_eq!(legacy["is_archived"], json!(true));
    assert_eq!(legacy["resource_summary"][0]["summary"]["count"], 0);
    // Archived a moment after it was created, as its relation says.
    let relation = get(&fake, "/projects/30/environments/archived").json();
    assert_eq!(legacy["updated_at"], relation[0]["archived_at"]);
    assert!(legacy["updated_at"].as_str() > legacy["created_at"].as_str());

    let default = get(&fake, &format!("/environments/{DEFAULT_ENVIRONMENT_ID}")).json();
    assert_eq!(default["name"], "Production");
    assert_eq!(default["type"], "production");
    assert_eq!(default["is_archived"], json!(false));
}

#[test]
fn one_environment_answers_unknown_forbidden_and_unauthenticated_as_laravel_does() {
    let fake = shop();
    fake.add_project(40, "Secret");
    fake.add_environment(NewEnvironment::new(
        41,
        40,
        "prod",
        EnvironmentType::Production,
    ));
    fake.add_environment(NewEnvironment::new(34, 30, "qa", EnvironmentType::Staging));
    fake.forbid_project(40);
    fake.forbid_environment(34);
    let cases: [(&str, u16, &str); 5] = [
        ("/environments/99", 404, "Environment not found."),
        ("/environments/abc", 404, "Environment not found."),
        ("/environments/-31", 404, "Environment not found."),
        ("/environments/41", 403, "This action is unauthorized."),
        ("/environments/34", 403, "This action is unauthorized."),
    ];
    for (path, status, message) in cases {
        let reply = get(&fake, path);
        assert_eq!(
            (reply.status, reply.json()),
            (status, json!({ "message": message })),
            "{path}"
        );
    }
    // Its siblings stay readable.
    assert_eq!(get(&fake, "/environments/31").status, 200);
    let reply = fake_http::testing::raw_at(
        fake.addr(),
        "GET",
        "/environments/31",
        &[("Authorization", "Bearer nope")],
        None,
    )
    .expect("reply");
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json(), json!({ "message": "Unauthenticated." }));
}

#[test]
fn an_environment_lists_its_applications_with_or_without_their_credential() {
    let fake = shop();
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
    let reply = get(&fake, "/environments/31/applications");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(ids(&reply), [300, 301, 302]);
    let items = reply.json();
    let web = &items[0];
    assert_eq!(web["name"], "web");
    assert_eq!(web["repository"], "shop/web");
    assert_eq!(web["repository_owner"], "shop");
    assert_eq!(web["repository_name"], "web");
    assert_eq!(web["environment_id"], 31);
    assert_eq!(web["project_id"], 30);
    assert_eq!(web["credential"]["provider"]["code"], "github");
    // A relation, not the whole `Application`.
    for field in ["environment", "servers", "created_by_user", "daemons"] {
        assert!(web.get(field).is_none(), "{field} in {web}");
    }
    // Listed without its credential, or without one at all: no `credential` field.
    for item in [&items[1], &items[2]] {
        assert!(item.get("credential").is_none(), "{item}");
    }
    // The application itself still has it.
    let api = get(&fake, "/applications/301").json();
    assert_eq!(api["credential"]["provider"]["code"], "gitlab");
    // An archived environment's applications are still listed.
    fake.add_application(NewApplication::new(310, "shop/old", "github").in_environment(32));
    assert_eq!(ids(&get(&fake, "/environments/32/applications")), [310]);
    assert_eq!(get(&fake, "/environments/8402/applications").body, "[]");
}

#[test]
fn both_lists_paginate_like_laravel() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_project(1, "Big");
    for id in 1..=230 {
        let kind = EnvironmentType::Staging;
        let environment = NewEnvironment::new(id, 1, &format!("env {id}"), kind);
        fake.add_environment(if id % 10 == 0 {
            environment.archived()
        } else {
            environment
        });
    }
    for id in 1..=205 {
        let app = NewApplication::new(1000 + id, &format!("o/app-{id}"), "github");
        fake.add_application(app.in_environment(7));
    }
    let base = fake.base_url();
    // 207 live environments, 23 archived.
    let live: Vec<u64> = (1..=230).filter(|id| id % 10 != 0).collect();
    let url = |page: u32| format!("{base}/projects/1/environments?page={page}&per_page=100");
    let first = get(&fake, "/projects/1/environments?per_page=100");
    assert_eq!(ids(&first), live[..100]);
    assert_eq!(
        common::links(&first),
        [
            ("next".to_string(), url(2)),
            ("last".to_string(), url(3)),
            ("first".to_string(), url(1)),
        ]
    );
    let third = get(&fake, "/projects/1/environments?page=3&per_page=100");
    assert_eq!(ids(&third), live[200..]);
    let rels: Vec<String> = common::links(&third).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rels, ["last", "first", "prev"]);
    let archived = get(
        &fake,
        "/projects/1/environments/archived?page=2&per_page=20",
    );
    assert_eq!(ids(&archived), [210, 220, 230]);
    assert_eq!(
        get(&fake, "/projects/1/environments")
            .json()
            .as_array()
            .map(Vec::len),
        Some(15)
    );

    let url = |page: u32| format!("{base}/environments/7/applications?page={page}&per_page=100");
    let second = get(&fake, "/environments/7/applications?page=2&per_page=100");
    assert_eq!(ids(&second), (1101..=1200).collect::<Vec<u64>>());
    assert_eq!(
        common::links(&second),
        [
            ("next".to_string(), url(3)),
            ("last".to_string(), url(3)),
            ("first".to_string(), url(1)),
            ("prev".to_string(), url(1)),
        ]
    );
    for path in [
        "/projects/1/environments?per_page=101",
        "/projects/1/environments/archived?page=0",
        "/environments/7/applications?per_page=0",
    ] {
        let bad = get(&fake, path);
        assert_eq!(bad.status, 422, "{path}");
        assert!(bad.json()["errors"].is_object(), "{path}");
    }
}

#[test]
fn the_lists_answer_unknown_forbidden_and_unauthenticated_as_laravel_does() {
    let fake = shop();
    fake.add_project(40, "Secret");
    fake.add_environment(NewEnvironment::new(
        41,
        40,
        "prod",
        EnvironmentType::Production,
    ));
    fake.add_environment(NewEnvironment::new(34, 30, "qa", EnvironmentType::Staging));
    fake.forbid_project(40);
    fake.forbid_environment(34);
    let cases: [(&str, u16, &str); 10] = [
        ("/projects/99/environments", 404, "Project not found."),
        ("/projects/abc/environments", 404, "Project not found."),
        (
            "/projects/99/environments/archived",
            404,
            "Project not found.",
        ),
        (
            "/environments/99/applications",
            404,
            "Environment not found.",
        ),
        (
            "/environments/abc/applications",
            404,
            "Environment not found.",
        ),
        (
            "/projects/40/environments",
            403,
            "This action is unauthorized.",
        ),
        (
            "/projects/40/environments/archived",
            403,
            "This action is unauthorized.",
        ),
        (
            "/environments/41/applications",
            403,
            "This action is unauthorized.",
        ),
        (
            "/environments/34/applications",
            403,
            "This action is unauthorized.",
        ),
        // Forbidden before the page is validated.
        (
            "/environments/34/applications?per_page=500",
            403,
            "This action is unauthorized.",
        ),
    ];
    for (path, status, message) in cases {
        let reply = get(&fake, path);
        assert_eq!(
            (reply.status, reply.json()),
            (status, json!({ "message": message })),
            "{path}"
        );
    }
    // The forbidden environment is still listed in its project.
    assert_eq!(ids(&get(&fake, "/projects/30/environments")), [31, 34]);
    for path in ["/projects/30/environments", "/environments/31/applications"] {
        let reply = fake_http::testing::raw_at(
            fake.addr(),
            "GET",
            path,
            &[("Authorization", "Bearer nope")],
            None,
        )
        .expect("reply");
        assert_eq!(reply.status, 401, "{path}");
        assert_eq!(reply.json(), json!({ "message": "Unauthenticated." }));
    }
    assert_eq!(
        call(&fake, "POST", "/projects/30/environments/archived", None).status,
        405
    );
}

#[test]
fn seeds_a_project_of_environments_applications_and_deploy_pipelines() {
    let fake = FakeDevopness::start(TOKEN);
    let shape = "3x20x2".parse().expect("a shape");
    let project = fake.seed_project(shape);
    let environments = get(&fake, &format!("/projects/{}/environments", project.id));
    let listed: Vec<(u64, String, String)> = environments
        .json()
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (
                e["id"].as_u64().unwrap_or_default(),
                text("name"),
                text("type"),
            )
        })
        .collect();
    let expected: Vec<(u64, String, String)> = project
        .environments
        .iter()
        .map(|e| (e.id, e.name.clone(), e.kind.code().to_string()))
        .collect();
    assert_eq!(listed, expected);
    let names: Vec<&str> = expected.iter().map(|(_, n, _)| n.as_str()).collect();
    assert_eq!(names, ["Production", "Staging", "Development"]);
    for environment in &project.environments {
        let path = format!("/environments/{}/applications?per_page=100", environment.id);
        let reply = get(&fake, &path);
        let want: Vec<u64> = environment.applications.iter().map(|a| a.id).collect();
        assert_eq!(ids(&reply), want);
        assert_eq!(want.len(), 20);
        for (item, seeded) in reply
            .json()
            .as_array()
            .into_iter()
            .flatten()
            .zip(&environment.applications)
        {
            assert_eq!(item["credential"]["provider"]["code"], "github");
            assert_eq!(
                Some(item["repository"].as_str().unwrap_or_default()),
                seeded.repository.as_deref()
            );
            let pipelines = get(&fake, &format!("/pipelines/application/{}", seeded.id));
            assert_eq!(ids(&pipelines), seeded.deploy_pipelines);
            assert_eq!(seeded.deploy_pipelines.len(), 2);
        }
    }
    // Every deploy pipeline once, each in its application's environment.
    let pipelines = project.deploy_pipelines();
    let mut unique = pipelines.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!((pipelines.len(), unique.len()), (120, 120));
    let last = project.environments[2].applications[19].deploy_pipelines[1];
    let p = get(&fake, &format!("/pipelines/{last}")).json();
    assert_eq!(p["environment_id"], project.environments[2].id);
    assert_eq!(p["project_id"], project.id);
    assert_eq!(
        p["resource_id"],
        project.environments[2].applications[19].id
    );
    // The same repositories in every environment.
    let repositories = |e: usize| -> Vec<Option<String>> {
        project.environments[e]
            .applications
            .iter()
            .map(|a| a.repository.clone())
            .collect()
    };
    assert_eq!(repositories(0), repositories(2));
}

#[test]
fn binary_seeds_a_project() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-devopness"))
        .args([
            "--port",
            "0",
            "--token",
            "bin-token",
            "--seed-project",
            "3x20x1",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(5)
        .map_while(Result::ok)
        .collect();
    let addr: Option<std::net::SocketAddr> = lines
        .first()
        .and_then(|l| l.strip_prefix("listening on http://"))
        .and_then(|a| a.parse().ok());
    let reply = addr.and_then(|addr| {
        fake_http::testing::raw_at(
            addr,
            "GET",
            "/environments/5003/applications?per_page=100",
            &[("Authorization", "Bearer bin-token")],
            None,
        )
        .ok()
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(addr.is_some(), "{lines:?}");
    assert_eq!(
        lines[1..],
        [
            "project 5000: 3 environments, 60 applications, 60 deploy pipelines",
            "environment 5001 (production Production): applications 50001-50020, deploy pipelines 500001-500020",
            "environment 5002 (staging Staging): applications 50021-50040, deploy pipelines 500021-500040",
            "environment 5003 (development Development): applications 50041-50060, deploy pipelines 500041-500060",
        ]
    );
    let reply = reply.expect("reply");
    assert_eq!(reply.status, 200);
    assert_eq!(ids(&reply), (50041..=50060).collect::<Vec<u64>>());
}

//! Applications: `GET /applications/{id}` and `GET /pipelines/application/{id}`
//! (`listPipelinesByResourceType`) have the spec's shapes (every field its schemas list as
//! required, with the JSON type they give), status codes and pagination.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use common::{call, get, hook_body, links, Reply, TOKEN};
use fake_devopness::{FakeDevopness, NewApplication};
use fake_http::testing::raw_at;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Kind {
    Int,
    Str,
    /// A string or null (`nullable: true` in the spec).
    StrOrNull,
    Bool,
    Array,
    Object,
    ObjectOrNull,
}

fn has_kind(value: &Value, kind: Kind) -> bool {
    match kind {
        Kind::Int => value.is_u64(),
        Kind::Str => value.is_string(),
        Kind::StrOrNull => value.is_string() || value.is_null(),
        Kind::Bool => value.is_boolean(),
        Kind::Array => value.is_array(),
        Kind::Object => value.is_object(),
        Kind::ObjectOrNull => value.is_object() || value.is_null(),
    }
}

/// `Application.required` in openapi.json (`install_dependencies_command` and `build_command`
/// are nullable there).
const APPLICATION: &[(&str, Kind)] = &[
    ("id", Kind::Int),
    ("project_id", Kind::Int),
    ("environment_id", Kind::Int),
    ("created_by", Kind::Int),
    ("name", Kind::Str),
    ("repository", Kind::Str),
    ("repository_name", Kind::Str),
    ("repository_owner", Kind::Str),
    ("default_branch", Kind::Str),
    ("programming_language", Kind::Str),
    ("programming_language_human_readable", Kind::Str),
    ("engine_version", Kind::Str),
    ("framework", Kind::Str),
    ("framework_human_readable", Kind::Str),
    ("root_directory", Kind::Str),
    ("deployments_keep", Kind::Int),
    ("install_dependencies_command", Kind::StrOrNull),
    ("build_command", Kind::StrOrNull),
    ("created_by_user", Kind::Object),
    ("last_deployments", Kind::Object),
    ("environment", Kind::Object),
    ("servers", Kind::Array),
    // `CredentialRelation` is `nullable`.
    ("credential", Kind::ObjectOrNull),
    ("services", Kind::Array),
    ("cronjobs", Kind::Array),
    ("virtual_hosts", Kind::Array),
    ("daemons", Kind::Array),
    ("created_at", Kind::Str),
    ("updated_at", Kind::Str),
];

/// `CredentialRelation.required`.
const CREDENTIAL: &[(&str, Kind)] = &[
    ("id", Kind::Int),
    ("name", Kind::Str),
    ("provider", Kind::Object),
    ("provider_type", Kind::Str),
    ("provider_type_human_readable", Kind::Str),
    ("provider_auth_type", Kind::Str),
    ("provider_auth_type_human_readable", Kind::Str),
    ("active", Kind::Bool),
    ("created_by_user", Kind::Object),
];

/// `ProviderRelation.required`.
const PROVIDER: &[(&str, Kind)] = &[
    ("active", Kind::Bool),
    ("code_human_readable", Kind::Str),
    ("code", Kind::Str),
    ("type", Kind::Str),
];

/// `EnvironmentRelation.required`.
const ENVIRONMENT: &[(&str, Kind)] = &[
    ("id", Kind::Int),
    ("type", Kind::Str),
    ("type_human_readable", Kind::Str),
    ("name", Kind::Str),
    ("description", Kind::StrOrNull),
    ("created_at", Kind::Str),
    ("updated_at", Kind::Str),
    ("archived_at", Kind::StrOrNull),
    ("project", Kind::Object),
];

/// `ProjectRelation.required`.
const PROJECT: &[(&str, Kind)] = &[
    ("id", Kind::Int),
    ("user_id", Kind::Int),
    ("name", Kind::Str),
    ("logo_url", Kind::StrOrNull),
    ("os_users", Kind::Array),
    ("organization", Kind::Object),
    ("created_by_user", Kind::Object),
    ("created_at", Kind::Str),
    ("updated_at", Kind::Str),
];

/// `UserRelation.required`.
const USER: &[(&str, Kind)] = &[
    ("id", Kind::Int),
    ("email", Kind::Str),
    ("name", Kind::Str),
    ("url_slug", Kind::Str),
];

/// `PipelineRelation.required`.
const PIPELINE_RELATION: &[(&str, Kind)] = &[
    ("id", Kind::Int),
    ("name", Kind::Str),
    ("environment_id", Kind::Int),
    ("project_id", Kind::Int),
    ("organization_id", Kind::Int),
    ("resource_type", Kind::Str),
    ("resource_type_human_readable", Kind::Str),
    ("resource_id", Kind::Int),
    ("operation", Kind::Str),
    ("operation_human_readable", Kind::Str),
    ("max_parallel_actions", Kind::Int),
    ("trigger_when", Kind::Object),
    ("created_by_user", Kind::Object),
    ("created_at", Kind::Str),
    ("updated_at", Kind::Str),
];

/// `ProviderCode`'s enum.
const PROVIDER_CODES: &[&str] = &[
    "aws",
    "azure",
    "bitbucket",
    "digitalocean",
    "gcp",
    "github",
    "gitlab",
    "hetzner",
];

fn assert_shape(what: &str, value: &Value, fields: &[(&str, Kind)]) {
    for (field, kind) in fields {
        let got = value.get(*field);
        assert!(
            got.is_some_and(|v| has_kind(v, *kind)),
            "{what}.{field}: expected {kind:?}, got {got:?}"
        );
    }
}

fn assert_application_shape(app: &Value) {
    assert_shape("Application", app, APPLICATION);
    if app["credential"].is_null() {
        // `CredentialRelation` is nullable.
        return;
    }
    assert_shape("Application.created_by_user", &app["created_by_user"], USER);
    assert_shape("Application.credential", &app["credential"], CREDENTIAL);
    assert_shape(
        "Application.credential.provider",
        &app["credential"]["provider"],
        PROVIDER,
    );
    assert_shape("Application.environment", &app["environment"], ENVIRONMENT);
    assert_shape(
        "Application.environment.project",
        &app["environment"]["project"],
        PROJECT,
    );
    let code = app["credential"]["provider"]["code"].as_str().unwrap_or("");
    assert!(PROVIDER_CODES.contains(&code), "ProviderCode {code}");
    for kind in [
        &app["credential"]["provider_type"],
        &app["credential"]["provider"]["type"],
    ] {
        let kind = kind.as_str().unwrap_or("");
        assert!(
            ["cloud_provider", "source_provider"].contains(&kind),
            "ProviderType {kind}"
        );
    }
}

fn ids(reply: &Reply) -> Vec<u64> {
    reply
        .json()
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[test]
fn applications_on_each_provider() {
    let fake = FakeDevopness::start(TOKEN);
    let seeded = fake.seed_applications();
    let providers: Vec<&str> = seeded.iter().map(|a| a.provider.as_str()).collect();
    for p in ["github", "gitlab", "bitbucket", "aws"] {
        assert!(providers.contains(&p), "{p} seeded");
    }
    for a in &seeded {
        let reply = get(&fake, &format!("/applications/{}", a.id));
        assert_eq!(reply.status, 200, "{}", reply.body);
        let app = reply.json();
        assert_application_shape(&app);
        assert_eq!(app["id"], a.id);
        assert_eq!(app["credential"]["provider"]["code"], a.provider.as_str());
        let repository = a.repository.as_deref().unwrap_or_default();
        assert_eq!(app["repository"], repository);
        let (owner, name) = repository.split_once('/').unwrap_or_default();
        assert_eq!(app["repository_owner"], owner);
        assert_eq!(app["repository_name"], name);
        assert_eq!(app["default_branch"], "main");
        let expected_type = if a.provider == "aws" {
            "cloud_provider"
        } else {
            "source_provider"
        };
        assert_eq!(app["credential"]["provider"]["type"], expected_type);
        assert_eq!(app["credential"]["provider_type"], expected_type);
    }
}

#[test]
fn an_application_without_repository_or_credential() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(5, "o/r", "github").without_repository());
    let app = get(&fake, "/applications/5").json();
    assert_application_shape(&app);
    for field in ["repository", "repository_owner", "repository_name"] {
        assert_eq!(app[field], "", "{field}");
    }
    assert_eq!(app["name"], "r");
    fake.add_application(NewApplication::new(6, "o/s", "github").without_credential());
    let app = get(&fake, "/applications/6").json();
    assert_eq!(app["credential"], Value::Null);
    assert_eq!(app["repository"], "o/s");
}

#[test]
fn lists_an_applications_pipelines() {
    let fake = FakeDevopness::start(TOKEN);
    let seeded = fake.seed_applications();
    fake.add_pipeline(1);
    for a in &seeded {
        let reply = get(&fake, &format!("/pipelines/application/{}", a.id));
        assert_eq!(reply.status, 200, "{}", reply.body);
        let items = reply.json();
        let items = items.as_array().cloned().unwrap_or_default();
        let mut expected: Vec<u64> = a
            .deploy_pipelines
            .iter()
            .chain(&a.other_pipelines)
            .copied()
            .collect();
        expected.sort_unstable();
        assert_eq!(ids(&reply), expected, "application {}", a.id);
        for p in &items {
            assert_shape("PipelineRelation", p, PIPELINE_RELATION);
            assert_eq!(p["resource_type"], "application");
            assert_eq!(p["resource_id"], a.id);
            let id = p["id"].as_u64().unwrap_or_default();
            assert_eq!(
                p["operation"] == "deploy",
                a.deploy_pipelines.contains(&id),
                "pipeline {id}: {}",
                p["operation"]
            );
        }
        let first = format!(
            "{}/pipelines/application/{}?page=1&per_page=15",
            fake.base_url(),
            a.id
        );
        assert_eq!(
            links(&reply),
            vec![
                ("last".to_string(), first.clone()),
                ("first".to_string(), first)
            ]
        );
    }
    // A pipeline's own document names its application too.
    let deploy = seeded[0].deploy_pipelines[0];
    assert_eq!(
        get(&fake, &format!("/pipelines/{deploy}")).json()["resource_id"],
        seeded[0].id
    );
    // One added without an application keeps its own.
    assert_eq!(get(&fake, "/pipelines/1").json()["resource_id"], 90_001);
}

#[test]
fn hooks_name_the_application_of_their_pipeline() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(77, "o/r", "gitlab"));
    fake.add_application_pipeline(77, 700, "deploy");
    let reply = call(
        &fake,
        "POST",
        "/pipelines/700/hooks/outgoing",
        Some(&hook_body("a", "action.started")),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["resource_id"], 77);
    assert_eq!(reply.json()["resource_type"], "application");
    let listed = get(&fake, "/pipelines/700/hooks").json();
    assert_eq!(listed[0]["resource_id"], 77);
}

#[test]
fn paginates_the_pipeline_list_like_laravel() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(9, "o/r", "github"));
    for id in 1..=230 {
        let operation = if id % 2 == 0 { "deploy" } else { "restart" };
        fake.add_application_pipeline(9, id, operation);
    }
    let base = fake.base_url();
    let url = |page: u32| format!("{base}/pipelines/application/9?page={page}&per_page=100");
    let first = get(&fake, "/pipelines/application/9?per_page=100");
    assert_eq!(ids(&first), (1..=100).collect::<Vec<u64>>());
    assert_eq!(
        links(&first),
        vec![
            ("next".to_string(), url(2)),
            ("last".to_string(), url(3)),
            ("first".to_string(), url(1)),
        ]
    );
    let third = get(&fake, "/pipelines/application/9?page=3&per_page=100");
    assert_eq!(ids(&third), (201..=230).collect::<Vec<u64>>());
    let rels: Vec<String> = links(&third).into_iter().map(|(rel, _)| rel).collect();
    assert_eq!(rels, ["last", "first", "prev"]);
    assert_eq!(
        get(&fake, "/pipelines/application/9")
            .json()
            .as_array()
            .map(Vec::len),
        Some(15)
    );
    let bad = get(&fake, "/pipelines/application/9?per_page=101");
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.json()["errors"]["per_page"][0],
        "The per page field must not be greater than 100."
    );
}

#[test]
fn unknown_forbidden_and_unauthenticated() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(1, "o/r", "github"));
    fake.add_application_pipeline(1, 10, "deploy");
    fake.add_application(NewApplication::new(2, "o/s", "github"));
    fake.forbid_application(2);
    for path in [
        "/applications/3",
        "/applications/abc",
        "/pipelines/application/3",
        "/pipelines/application/abc",
    ] {
        let reply = get(&fake, path);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(
            reply.json(),
            json!({ "message": "Application not found." }),
            "{path}"
        );
    }
    for path in ["/applications/2", "/pipelines/application/2"] {
        let reply = get(&fake, path);
        assert_eq!(reply.status, 403, "{path}");
        assert_eq!(
            reply.json(),
            json!({ "message": "This action is unauthorized." })
        );
    }
    for path in ["/applications/1", "/pipelines/application/1"] {
        let reply = raw_at(
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
    // Read-only endpoints.
    assert_eq!(
        call(&fake, "DELETE", "/pipelines/application/1", None).status,
        405
    );
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [404, 404, 404, 404, 403, 403, 401, 401, 405]);
}

#[test]
fn binary_seeds_applications() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-devopness"))
        .args(["--port", "0", "--token", "bin-token", "--seed-applications"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let addr: Option<SocketAddr> = first
        .strip_prefix("listening on http://")
        .and_then(|a| a.parse().ok());
    let second = lines.next().and_then(Result::ok).unwrap_or_default();
    let reply = addr.and_then(|addr| {
        raw_at(
            addr,
            "GET",
            "/pipelines/application/101",
            &[("Authorization", "Bearer bin-token")],
            None,
        )
        .ok()
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(addr.is_some(), "first line {first:?}");
    assert!(
        second.starts_with("application 101 (github octo-org/web-app)"),
        "{second:?}"
    );
    let reply = reply.expect("reply");
    assert_eq!(reply.status, 200);
    assert_eq!(ids(&reply), [1011, 1012, 1013]);
}

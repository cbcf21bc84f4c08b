//! The stored records as the API renders them: `Pipeline` and `PipelineRelation`,
//! `Application` and `ApplicationRelation` (with a `CredentialRelation` or `Credential`),
//! `EnvironmentRelation` with its `ProjectRelation`, and the `Environment` itself. Each carries every field its schema in
//! Devopness's description requires, and only fields the schema declares.

use serde_json::{json, Value};

use crate::model::{
    user, Application, Environment, NewApplication, Pipeline, Project, Store, DEFAULT_PROJECT_ID,
    ORGANIZATION_ID,
};

/// The `Pipeline` (`GET /pipelines/{id}`): of an application (`resource_type` and
/// `resource_id`), in that application's environment and project.
pub(crate) fn pipeline_json(store: &Store, p: &Pipeline) -> Value {
    let (operation_human, name) = match p.operation.as_str() {
        "deploy" => ("Deploy".to_string(), "Deploy".to_string()),
        other => (other.to_string(), other.to_string()),
    };
    let place = store.place_of(p);
    json!({
        "id": p.id,
        "name": name,
        "environment_id": place.environment_id,
        "project_id": place.project_id,
        "organization_id": ORGANIZATION_ID,
        "resource_type": p.resource_type(),
        "resource_type_human_readable": human(p.resource_type()),
        "resource_id": p.resource_id(),
        "operation": p.operation,
        "operation_human_readable": operation_human,
        "max_parallel_actions": 1,
        "trigger_when": { "conditions": [] },
        "steps": [],
        "created_by_user": user(),
        "created_at": p.created_at,
        "updated_at": p.created_at,
    })
}

/// `Application`, `Server`: how the API shows a `resource_type`.
fn human(resource_type: &str) -> String {
    let mut chars = resource_type.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A `PipelineRelation`: the `Pipeline` less its `steps`.
pub(crate) fn pipeline_relation(store: &Store, p: &Pipeline) -> Value {
    let mut value = pipeline_json(store, p);
    if let Some(o) = value.as_object_mut() {
        o.remove("steps");
    }
    value
}

/// The `Application` (`GET /applications/{id}`), with its environment and credential.
pub(crate) fn application_json(store: &Store, a: &Application) -> Value {
    let mut value = application_fields(store, a);
    let credential = if a.new.provider.is_empty() {
        Value::Null
    } else {
        credential_json(&a.new, &a.created_at)
    };
    let environment = store
        .environments
        .get(&a.new.environment_id)
        .map_or(Value::Null, |e| environment_relation(store, e));
    let more = json!({
        "created_by_user": user(),
        "environment": environment,
        "servers": [],
        "credential": credential,
        "services": [],
        "cronjobs": [],
        "virtual_hosts": [],
        "daemons": [],
    });
    if let (Some(o), Value::Object(more)) = (value.as_object_mut(), more) {
        o.extend(more);
    }
    value
}

/// An `ApplicationRelation`, an item of `GET /environments/{id}/applications`: the
/// application's own fields, and its `credential` (a `Credential`) when it has one and is
/// listed with it (else no `credential` field at all: the description's `Credential` is not
/// nullable).
pub(crate) fn application_relation(store: &Store, a: &Application) -> Value {
    let mut value = application_fields(store, a);
    if a.new.credential_listed && !a.new.provider.is_empty() {
        if let Some(o) = value.as_object_mut() {
            o.insert("credential".into(), credential_json(&a.new, &a.created_at));
        }
    }
    value
}

/// The fields `Application` and `ApplicationRelation` share.
fn application_fields(store: &Store, a: &Application) -> Value {
    let new = &a.new;
    let repository = new.repository.as_deref().unwrap_or_default();
    let (owner, name) = repository.split_once('/').unwrap_or_default();
    let project_id = store
        .environments
        .get(&new.environment_id)
        .map_or(DEFAULT_PROJECT_ID, |e| e.new.project_id);
    json!({
        "id": new.id,
        "project_id": project_id,
        "environment_id": new.environment_id,
        "created_by": 1,
        "name": new.name,
        "repository": repository,
        "repository_owner": owner,
        "repository_name": name,
        "default_branch": new.default_branch,
        "programming_language": "nodejs",
        "programming_language_human_readable": "Node.js",
        "engine_version": "20",
        "framework": "express",
        "framework_human_readable": "Express",
        "root_directory": "/",
        "deployments_keep": 5,
        "install_dependencies_command": "npm ci",
        "build_command": "npm run build",
        "last_deployments": { "latest": null, "live": null },
        "created_at": a.created_at,
        "updated_at": a.created_at,
    })
}

/// A credential whose `provider` is the application's source provider: it fits both
/// `CredentialRelation` (in an `Application`) and `Credential` (in an `ApplicationRelation`).
fn credential_json(new: &NewApplication, created_at: &str) -> Value {
    let source = matches!(new.provider.as_str(), "github" | "gitlab" | "bitbucket");
    let (kind, kind_human) = if source {
        ("source_provider", "Source Provider")
    } else {
        ("cloud_provider", "Cloud Provider")
    };
    let code_human = match new.provider.as_str() {
        "github" => "GitHub",
        "gitlab" => "GitLab",
        "bitbucket" => "Bitbucket",
        "aws" => "Amazon Web Services",
        other => other,
    };
    json!({
        "id": 7_000 + new.id,
        "name": format!("{code_human} credential"),
        "provider": {
            "active": true,
            "code": new.provider,
            "code_human_readable": code_human,
            "type": kind,
            "type_human_readable": kind_human,
        },
        "provider_type": kind,
        "provider_type_human_readable": kind_human,
        "provider_auth_type": if source { "oauth" } else { "api_credentials" },
        "provider_auth_type_human_readable": if source { "OAuth" } else { "API Credentials" },
        "active": true,
        "created_by_user": user(),
        "created_at": created_at,
        "updated_at": created_at,
    })
}

/// An `EnvironmentRelation` (also the shape of an `ArchivedEnvironmentRelation`), with its
/// `ProjectRelation`.
pub(crate) fn environment_relation(store: &Store, e: &Environment) -> Value {
    let project = store
        .projects
        .get(&e.new.project_id)
        .map_or(Value::Null, project_relation);
    json!({
        "id": e.new.id,
        "type": e.new.kind.code(),
        "type_human_readable": e.new.kind.human(),
        "name": e.new.name,
        "description": null,
        "created_at": e.created_at,
        "updated_at": e.archived_at.as_deref().unwrap_or(&e.created_at),
        "archived_at": e.archived_at,
        "project": project,
    })
}

/// The `Environment` (`GET /environments/{id}`): unlike its relation, it says `is_archived`
/// (not `archived_at`) and names no project, and it carries the caller's permissions in it,
/// its teams (none in the fake) and a count of its applications.
pub(crate) fn environment_json(store: &Store, e: &Environment) -> Value {
    let applications = store.applications_in(e.new.id).count();
    json!({
        "id": e.new.id,
        "type": e.new.kind.code(),
        "type_human_readable": e.new.kind.human(),
        "name": e.new.name,
        "description": null,
        "is_archived": e.archived_at.is_some(),
        "resource_summary": [{
            "resource_type": "application",
            "resource_type_plural": "applications",
            "resource_type_human_readable": "Application",
            "resource_type_human_readable_plural": "Applications",
            "summary": { "count": applications },
        }],
        "teams": [],
        "current_user_permissions": [
            "environment:read",
            "application:read",
            "pipeline:read",
            "hook:read",
            "hook:create",
            "hook:update",
            "hook:delete",
        ],
        "created_by_user": user(),
        "created_at": e.created_at,
        "updated_at": e.archived_at.as_deref().unwrap_or(&e.created_at),
    })
}

/// A `ProjectRelation`.
fn project_relation(p: &Project) -> Value {
    json!({
        "id": p.id,
        "user_id": 1,
        "name": p.name,
        "logo_url": null,
        "os_users": [{ "name": "devopness" }],
        "organization": {
            "id": ORGANIZATION_ID,
            "name": "Fake organization",
            "url_slug": "fake-organization",
            "created_at": p.created_at,
            "updated_at": p.created_at,
        },
        "created_by_user": user(),
        "created_at": p.created_at,
        "updated_at": p.created_at,
    })
}

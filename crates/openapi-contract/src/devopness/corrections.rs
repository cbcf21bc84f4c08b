//! Where Devopness's published description is wrong, corrected as it is loaded (the file is
//! never edited): each correction below says what the API does instead, as
//! `docs/devopness-api.md` ("Where the published description is wrong") records it.
//! A correction whose target is gone fails the load, so a new description that fixed (or
//! moved) it is noticed and the correction reviewed, instead of silently applying to nothing.

use serde_json::{json, Map, Value};

/// The schemas an outgoing hook's `settings` appears in.
const WITH_SETTINGS: [&str; 4] = ["Hook", "HookRelation", "HookPipelineCreate", "HookUpdate"];

/// One correction: changes the description, or says why it no longer applies.
type Correction = fn(&mut Value) -> Result<(), String>;

/// Applies every correction to the description `spec`.
pub fn correct(spec: &mut Value) -> Result<(), String> {
    let corrections: [(&str, Correction); 6] = [
        ("settings: oneOf read as anyOf", settings_any_of),
        (
            "trigger_when.conditions: oneOf read as anyOf",
            conditions_any_of,
        ),
        (
            "HookVariable.default_value: nullable without type",
            default_value_nullable,
        ),
        (
            "create and update take target_url and action_type",
            target_url_and_action_type,
        ),
        (
            "Hook: secret and creator fields optional",
            hook_secret_optional,
        ),
        (
            "delivery log items are HookRequestRelation",
            deliveries_are_hook_requests,
        ),
    ];
    for (name, correction) in corrections {
        correction(spec).map_err(|e| {
            format!("the correction \"{name}\" no longer applies ({e}): review it against docs/devopness-api.md")
        })?;
    }
    Ok(())
}

/// The object at `pointer`, which must exist.
fn at<'a>(spec: &'a mut Value, pointer: &str) -> Result<&'a mut Map<String, Value>, String> {
    spec.pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("{pointer} is not in the description"))
}

fn schema<'a>(spec: &'a mut Value, name: &str) -> Result<&'a mut Map<String, Value>, String> {
    at(spec, &format!("/components/schemas/{name}"))
}

/// Renames the schema's `oneOf` to `anyOf`.
fn one_of_as_any_of(schema: &mut Map<String, Value>, pointer: &str) -> Result<(), String> {
    let branches = schema
        .remove("oneOf")
        .ok_or_else(|| format!("{pointer} has no oneOf"))?;
    schema.insert("anyOf".into(), branches);
    Ok(())
}

/// `settings` is `oneOf [HookIncomingSettings, HookOutgoingSettings]`, two objects with no
/// required field: read as published (open), every body fits both, so `oneOf` refuses every
/// body (closed, as the checker reads data, `{}` still fits both). Read as `anyOf`.
fn settings_any_of(spec: &mut Value) -> Result<(), String> {
    for name in WITH_SETTINGS {
        let pointer = format!("/components/schemas/{name}/properties/settings");
        one_of_as_any_of(at(spec, &pointer)?, &pointer)?;
    }
    Ok(())
}

/// `trigger_when.conditions` items are `oneOf` two condition shapes, and, read as published
/// (open), a condition with a `type` fits both. Read as `anyOf`.
fn conditions_any_of(spec: &mut Value) -> Result<(), String> {
    let pointer = "/components/schemas/HookTriggerWhen/properties/conditions/items";
    one_of_as_any_of(at(spec, pointer)?, pointer)
}

/// `HookVariable.default_value` (and its list's items) is `nullable` with a `oneOf` and no
/// `type`; some validators refuse to compile that, and `nullable` means nothing
/// without a `type`. Read as what it says: any of the branches, or null.
fn default_value_nullable(spec: &mut Value) -> Result<(), String> {
    let pointer = "/components/schemas/HookVariable/properties/default_value";
    let value = at(spec, pointer)?;
    nullable_any_of(value, pointer)?;
    let list = value
        .get_mut("anyOf")
        .and_then(Value::as_array_mut)
        .and_then(|branches| branches.iter_mut().find(|b| b["type"] == "array"))
        .and_then(|b| b.get_mut("items"))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("{pointer} has no list branch with items"))?;
    nullable_any_of(list, &format!("{pointer} list items"))
}

fn nullable_any_of(schema: &mut Map<String, Value>, pointer: &str) -> Result<(), String> {
    if schema.remove("nullable") != Some(Value::Bool(true)) || schema.contains_key("type") {
        return Err(format!("{pointer} is no longer nullable without a type"));
    }
    one_of_as_any_of(schema, pointer)?;
    if let Some(Value::Array(branches)) = schema.get_mut("anyOf") {
        branches.push(json!({ "type": "null" }));
    }
    Ok(())
}

/// `HookPipelineCreate` and `HookUpdate` omit `target_url` and `action_type`, which the API
/// takes: every Devopness doc example sends both, older SDK models had both as required, and
/// the response models carry both. Required on create, as those models had them.
fn target_url_and_action_type(spec: &mut Value) -> Result<(), String> {
    for name in ["HookPipelineCreate", "HookUpdate"] {
        let model = schema(spec, name)?;
        let properties = model
            .get_mut("properties")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("{name} has no properties"))?;
        if properties.contains_key("target_url") || properties.contains_key("action_type") {
            return Err(format!("{name} declares them now"));
        }
        properties.insert("target_url".into(), json!({ "type": "string" }));
        properties.insert(
            "action_type".into(),
            json!({ "$ref": "#/components/schemas/ActionType" }),
        );
        if name == "HookPipelineCreate" {
            let required = model
                .get_mut("required")
                .and_then(Value::as_array_mut)
                .ok_or_else(|| format!("{name} requires nothing"))?;
            required.extend([json!("target_url"), json!("action_type")]);
        }
    }
    Ok(())
}

/// `Hook` requires `secret`, `secret_algorithm`, `secret_header_name` and `created_by_user`,
/// yet `secret` is returned only once, when the hook is created, and the client is to parse
/// the rest leniently: none of the four is required.
fn hook_secret_optional(spec: &mut Value) -> Result<(), String> {
    const OPTIONAL: [&str; 4] = [
        "secret",
        "secret_algorithm",
        "secret_header_name",
        "created_by_user",
    ];
    let required = schema(spec, "Hook")?
        .get_mut("required")
        .and_then(Value::as_array_mut)
        .ok_or("Hook requires nothing")?;
    let before = required.len();
    required.retain(|r| !r.as_str().is_some_and(|r| OPTIONAL.contains(&r)));
    if before - required.len() == OPTIONAL.len() {
        Ok(())
    } else {
        Err("Hook no longer requires all four".into())
    }
}

/// A hook's delivery log (`listHookRequestsByHookType`) is documented as a `RequestList` of
/// `RequestRelation`, which has neither the `url` nor the target's `response_status_code`;
/// the API answers a list of `HookRequestRelation`, which has both.
fn deliveries_are_hook_requests(spec: &mut Value) -> Result<(), String> {
    let pointer = "/paths/~1hooks~1{hook_type}~1{hook_id}~1requests/get/responses/200/content/application~1json";
    let media = at(spec, pointer)?;
    if media.get("schema") != Some(&json!({ "$ref": "#/components/schemas/RequestList" })) {
        return Err("its 200 is no longer a RequestList".into());
    }
    media.insert(
        "schema".into(),
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/HookRequestRelation" } }),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correction_that_finds_nothing_to_correct_fails_the_load() {
        let mut empty = json!({ "components": { "schemas": {} }, "paths": {} });
        let error = correct(&mut empty).err().unwrap_or_default();
        assert!(
            error.starts_with("the correction \"settings: oneOf read as anyOf\" no longer applies"),
            "{error}"
        );
        let mut fixed = json!({ "components": { "schemas": { "Hook": {
            "required": ["id", "secret"],
        } } } });
        let error = hook_secret_optional(&mut fixed).err().unwrap_or_default();
        assert_eq!(error, "Hook no longer requires all four");
    }

    #[test]
    fn nullable_without_type_becomes_any_of_or_null() {
        let mut schema =
            json!({ "oneOf": [{ "type": "string" }], "nullable": true, "description": "d" });
        let map = schema.as_object_mut().expect("an object");
        assert_eq!(nullable_any_of(map, "x"), Ok(()));
        assert_eq!(
            schema,
            json!({ "anyOf": [{ "type": "string" }, { "type": "null" }], "description": "d" })
        );
        let mut typed = json!({ "type": "string", "nullable": true, "oneOf": [] });
        let map = typed.as_object_mut().expect("an object");
        assert!(nullable_any_of(map, "x").is_err());
    }
}

//! OpenAPI 3.0 schema objects as JSON Schema (draft 4, which OpenAPI 3.0's schemas extend),
//! and a schema bundled with the components it references, ready for a validator.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

const COMPONENT: &str = "#/components/schemas/";

/// The schema as draft 4 reads it. The one OpenAPI keyword draft 4 lacks is `nullable`:
/// `nullable: true` adds `null` to `type` (and to `enum`), or, on a schema without a single
/// `type` (`allOf`, `$ref`, ...), allows `null` beside it.
pub fn to_json_schema(schema: &Value) -> Value {
    each_schema(schema, false, &|mut fields, _| {
        if fields.remove("nullable") == Some(Value::Bool(true)) {
            nullable(fields)
        } else {
            Value::Object(fields)
        }
    })
}

/// Every object (at any depth) may hold only the fields its schema declares: what the
/// action sends and the data the fake answers must not carry a field GitHub does not
/// document (GitHub ignores an unknown field we send; a field only the fake sends could be
/// relied on and then be missing from GitHub's answers).
///
/// The branches written inside an `allOf` stay open, since each would refuse the others'
/// fields (draft 4 has no `unevaluatedProperties`); a component they reference is closed,
/// so `issues/update`'s answer may not carry its `suggestions` (the fake sends none).
pub fn closed(schema: &Value) -> Value {
    each_schema(schema, false, &|mut fields, all_of_branch| {
        if !all_of_branch
            && fields.contains_key("properties")
            && !fields.contains_key("additionalProperties")
        {
            fields.insert("additionalProperties".to_string(), Value::Bool(false));
        }
        Value::Object(fields)
    })
}

/// Rewrites every schema within `schema` with `f`, innermost first; `f` also learns whether
/// the schema is a branch of an `allOf`. Only schema positions are rewritten: property
/// names, `enum`, `default` and `example` values stay as they are.
fn each_schema(
    schema: &Value,
    all_of_branch: bool,
    f: &dyn Fn(Map<String, Value>, bool) -> Value,
) -> Value {
    let Value::Object(fields) = schema else {
        return schema.clone();
    };
    let list = |value: &Value, branch: bool| match value {
        Value::Array(items) => {
            Value::Array(items.iter().map(|s| each_schema(s, branch, f)).collect())
        }
        other => each_schema(other, branch, f),
    };
    let out = fields
        .iter()
        .map(|(key, value)| {
            let value = match key.as_str() {
                "properties" | "patternProperties" | "definitions" => match value {
                    Value::Object(map) => Value::Object(
                        map.iter()
                            .map(|(name, s)| (name.clone(), each_schema(s, false, f)))
                            .collect(),
                    ),
                    other => other.clone(),
                },
                "allOf" => list(value, true),
                "items" | "additionalProperties" | "not" | "anyOf" | "oneOf" => list(value, false),
                _ => value.clone(),
            };
            (key.clone(), value)
        })
        .collect();
    f(out, all_of_branch)
}

fn nullable(mut schema: Map<String, Value>) -> Value {
    let Some(Value::String(kind)) = schema.get("type").cloned() else {
        return json!({ "anyOf": [schema, { "type": "null" }] });
    };
    schema.insert("type".to_string(), json!([kind, "null"]));
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    Value::Object(schema)
}

/// `schema` with the component schemas it references (directly or through others), as one
/// document whose `$ref`s (`#/components/schemas/NAME`) resolve within it.
pub fn bundle(schema: &Value, components: &Map<String, Value>, close: bool) -> Value {
    let mut names = BTreeSet::new();
    let mut todo = vec![schema];
    while let Some(next) = todo.pop() {
        let mut found = Vec::new();
        references(next, &mut found);
        for name in found {
            if let Some(component) = components.get(&name) {
                if names.insert(name) {
                    todo.push(component);
                }
            }
        }
    }
    let picked: Map<String, Value> = names
        .into_iter()
        .filter_map(|name| {
            let component = components.get(&name)?;
            Some((
                name,
                if close {
                    closed(component)
                } else {
                    component.clone()
                },
            ))
        })
        .collect();
    let schema = if close {
        closed(schema)
    } else {
        schema.clone()
    };
    json!({
        "components": { "schemas": picked },
        "allOf": [schema],
    })
}

/// The component names `value` references.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            if let Some(name) = fields
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(COMPONENT))
            {
                found.push(name.to_string());
            }
            fields.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_adds_null() {
        let schema = json!({
            "type": "object",
            "properties": {
                "nullable": { "type": "string", "nullable": true },
                "reason": { "type": "string", "enum": ["a"], "nullable": true },
                "user": { "allOf": [{ "$ref": "#/components/schemas/u" }], "nullable": true },
                "plain": { "type": "integer", "example": { "nullable": true } },
            },
        });
        assert_eq!(
            to_json_schema(&schema),
            json!({
                "type": "object",
                "properties": {
                    "nullable": { "type": ["string", "null"] },
                    "reason": { "type": ["string", "null"], "enum": ["a", null] },
                    "user": { "anyOf": [
                        { "allOf": [{ "$ref": "#/components/schemas/u" }] },
                        { "type": "null" },
                    ] },
                    "plain": { "type": "integer", "example": { "nullable": true } },
                },
            })
        );
    }

    #[test]
    fn bundles_what_is_referenced() {
        let components = json!({
            "a": { "$ref": "#/components/schemas/b" },
            "b": { "type": "object", "properties": { "self": { "$ref": "#/components/schemas/b" } } },
            "c": { "type": "string" },
        });
        let components = components.as_object().cloned().unwrap_or_default();
        let bundled = bundle(
            &json!({ "$ref": "#/components/schemas/a" }),
            &components,
            true,
        );
        let names: Vec<&String> = bundled["components"]["schemas"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn closes_objects() {
        let open = json!({
            "type": "object",
            "properties": {
                "properties": { "type": "object", "properties": { "a": {} } },
                "list": { "items": { "properties": {} } },
            },
        });
        assert_eq!(
            closed(&open),
            json!({
                "type": "object",
                "properties": {
                    "properties": {
                        "type": "object",
                        "properties": { "a": {} },
                        "additionalProperties": false,
                    },
                    "list": { "items": { "properties": {}, "additionalProperties": false } },
                },
                "additionalProperties": false,
            })
        );
        let explicit = json!({ "properties": {}, "additionalProperties": true });
        assert_eq!(closed(&explicit)["additionalProperties"], true);
        let composed = json!({ "allOf": [{ "properties": { "a": {} } }, { "$ref": "#/x" }] });
        assert_eq!(closed(&composed), composed);
    }
}

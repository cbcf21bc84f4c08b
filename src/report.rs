//! What the run reports: the step outputs and the Markdown step summary, both
//! built from the pipelines' outcomes. Pure functions; writing is in `actions_io`.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::apply::{HookResult, PipelineOutcome};

/// Counts of hook results across all pipelines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
}

pub fn counts(outcomes: &[PipelineOutcome]) -> Counts {
    let mut c = Counts::default();
    for hook in outcomes.iter().flat_map(|p| &p.hooks) {
        match hook.result {
            HookResult::Created => c.created += 1,
            HookResult::Updated => c.updated += 1,
            HookResult::Unchanged => c.unchanged += 1,
            HookResult::Failed => c.failed += 1,
        }
    }
    c
}

/// The `hooks` output: one object per (pipeline, event).
pub fn hooks_json(outcomes: &[PipelineOutcome]) -> Value {
    Value::Array(
        outcomes
            .iter()
            .flat_map(|p| {
                p.hooks.iter().map(move |h| {
                    let mut o = json!({
                        "pipeline_id": p.pipeline_id,
                        "event": h.event.as_str(),
                        "hook_id": h.hook_id,
                        "name": h.name,
                        "result": h.result.as_str(),
                    });
                    if let Some(e) = &h.error {
                        o["error"] = json!(e);
                    }
                    o
                })
            })
            .collect(),
    )
}

/// The step outputs, in the order action.yml declares them.
pub fn outputs(outcomes: &[PipelineOutcome]) -> Vec<(&'static str, String)> {
    let c = counts(outcomes);
    vec![
        ("created", c.created.to_string()),
        ("updated", c.updated.to_string()),
        ("unchanged", c.unchanged.to_string()),
        ("changed", (c.created + c.updated > 0).to_string()),
        ("hooks", hooks_json(outcomes).to_string()),
    ]
}

/// Text safe inside a Markdown table cell.
pub fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push('\''),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The step summary: a headline, one table row per (pipeline, event), then the errors.
pub fn summary(outcomes: &[PipelineOutcome], repository: &str, context: &str) -> String {
    let c = counts(outcomes);
    let failed_pipelines = outcomes.iter().filter(|p| !p.ok()).count();
    let mut md = String::new();
    let _ = writeln!(md, "## Devopness status hooks\n");
    let _ = writeln!(
        md,
        "Commit statuses for `{}` under context `{}` on {} pipeline(s): **{} created, {} updated, {} unchanged{}**.\n",
        md_cell(repository),
        md_cell(context),
        outcomes.len(),
        c.created,
        c.updated,
        c.unchanged,
        if c.failed > 0 {
            format!(", {} failed", c.failed)
        } else {
            String::new()
        }
    );
    md.push_str("| Pipeline | Event | Hook | Name | Result |\n|---|---|---|---|---|\n");
    for p in outcomes {
        for h in &p.hooks {
            let mut result = h.result.as_str().to_owned();
            if !h.differences.is_empty() {
                let fields: Vec<_> = h.differences.iter().map(|d| d.field.as_str()).collect();
                let _ = write!(result, " ({})", fields.join(", "));
            }
            if !h.duplicates.is_empty() {
                let _ = write!(result, "; {} duplicate(s) left alone", h.duplicates.len());
            }
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                p.pipeline_id,
                h.event.as_str(),
                md_cell(h.hook_id.as_deref().unwrap_or("-")),
                md_cell(&h.name),
                md_cell(&result),
            );
        }
    }
    if failed_pipelines > 0 {
        let _ = writeln!(
            md,
            "\n### {failed_pipelines} pipeline(s) not in the desired state\n"
        );
        for p in outcomes.iter().filter(|p| !p.ok()) {
            let mut errors: Vec<&str> = p.error.iter().map(String::as_str).collect();
            for h in &p.hooks {
                if let Some(e) = &h.error {
                    if !errors.contains(&e.as_str()) {
                        errors.push(e);
                    }
                }
            }
            for e in errors {
                let _ = writeln!(md, "- {}", md_cell(e));
            }
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::HookOutcome;
    use crate::hook::Event;

    fn outcome(id: u64, results: [HookResult; 3]) -> PipelineOutcome {
        PipelineOutcome {
            pipeline_id: id,
            hooks: Event::ALL
                .into_iter()
                .zip(results)
                .map(|(event, result)| HookOutcome {
                    event,
                    name: format!("n|{}", event.word()),
                    hook_id: Some(format!("h-{id}-{}", event.word())),
                    result,
                    error: (result == HookResult::Failed).then(|| "boom".to_owned()),
                    differences: Vec::new(),
                    duplicates: Vec::new(),
                })
                .collect(),
            error: None,
        }
    }

    #[test]
    fn outputs_count_every_hook() {
        use HookResult::*;
        let o = [
            outcome(1, [Created, Created, Updated]),
            outcome(2, [Unchanged, Unchanged, Failed]),
        ];
        let out = outputs(&o);
        let get = |k: &str| out.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
        assert_eq!(get("created").as_deref(), Some("2"));
        assert_eq!(get("updated").as_deref(), Some("1"));
        assert_eq!(get("unchanged").as_deref(), Some("2"));
        assert_eq!(get("changed").as_deref(), Some("true"));
        let hooks: Value =
            serde_json::from_str(&get("hooks").unwrap_or_default()).unwrap_or_default();
        assert_eq!(hooks.as_array().map(Vec::len), Some(6));
        assert_eq!(hooks[5]["result"], "failed");
        assert_eq!(hooks[5]["error"], "boom");
        assert_eq!(hooks[0]["event"], "action.started");
    }

    #[test]
    fn summary_escapes_cells_and_lists_failures() {
        use HookResult::*;
        let md = summary(&[outcome(7, [Unchanged, Unchanged, Failed])], "o/r", "ci/x");
        assert!(
            md.contains("| 7 | action.started | h-7-started | n\\|started | unchanged |"),
            "{md}"
        );
        assert!(md.contains("1 pipeline(s) not in the desired state"));
        assert!(md.contains("- boom"));
    }
}

//! What the run reports: the step outputs and the Markdown report (the step
//! summary, and the body of the drift issue), built from the pipelines' outcomes.
//! Pure functions; writing is in `actions_io`, the issue in `github`.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::apply::{HookOutcome, HookResult, PipelineOutcome};
use crate::failure::Failure;
use crate::inputs::{Mode, RunOptions};

/// Counts across all pipelines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub deleted: usize,
    pub missing: usize,
    pub drifted: usize,
    /// Extra hooks sharing a managed hook's identity.
    pub duplicates: usize,
    /// Managed hooks whose latest delivery failed.
    pub unhealthy: usize,
    pub failed: usize,
}

pub fn counts(outcomes: &[PipelineOutcome], options: &RunOptions) -> Counts {
    let mut c = Counts::default();
    for hook in outcomes.iter().flat_map(|p| &p.hooks) {
        match hook.result {
            HookResult::Created => c.created += 1,
            HookResult::Updated => c.updated += 1,
            HookResult::Unchanged => c.unchanged += 1,
            HookResult::Missing => c.missing += 1,
            HookResult::Drifted => c.drifted += 1,
            HookResult::Failed => c.failed += 1,
            _ => {}
        }
        if !options.dry_run {
            c.deleted += hook.deleted.len();
        }
        c.duplicates += hook.duplicates.len();
        if hook.delivery.as_ref().is_some_and(|d| d.failing) {
            c.unhealthy += 1;
        }
    }
    c
}

/// Whether a check found anything out of line (unhealthy deliveries count unless
/// `check-deliveries: false`, in which case none were read).
pub fn drift(c: &Counts, options: &RunOptions) -> bool {
    options.mode == Mode::Check && c.missing + c.drifted + c.duplicates + c.unhealthy > 0
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
                    if !h.differences.is_empty() {
                        o["differences"] =
                            json!(h.differences.iter().map(|d| &d.field).collect::<Vec<_>>());
                    }
                    if !h.duplicates.is_empty() {
                        o["duplicates"] = json!(h.duplicates);
                    }
                    if !h.deleted.is_empty() {
                        o["deleted"] = json!(h.deleted);
                    }
                    if let Some(d) = &h.delivery {
                        o["delivery"] = json!(d);
                    }
                    if let Some(e) = &h.error {
                        o["error"] = json!(e.to_string());
                    }
                    o
                })
            })
            .collect(),
    )
}

/// The step outputs, in the order action.yml declares them.
pub fn outputs(outcomes: &[PipelineOutcome], options: &RunOptions) -> Vec<(&'static str, String)> {
    let c = counts(outcomes, options);
    vec![
        ("created", c.created.to_string()),
        ("updated", c.updated.to_string()),
        ("unchanged", c.unchanged.to_string()),
        ("deleted", c.deleted.to_string()),
        (
            "changed",
            (c.created + c.updated + c.deleted > 0).to_string(),
        ),
        ("drift", drift(&c, options).to_string()),
        ("drifted", c.drifted.to_string()),
        ("missing", c.missing.to_string()),
        ("duplicates", c.duplicates.to_string()),
        ("unhealthy", c.unhealthy.to_string()),
        ("hooks", hooks_json(outcomes).to_string()),
    ]
}

/// Text safe inside Markdown (tables included).
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

/// A value shown readably and briefly; header values are never shown (secrets).
pub fn shown(field: &str, value: &Value) -> String {
    if field.starts_with("header.") {
        return if value.is_null() { "(absent)" } else { "(set)" }.to_owned();
    }
    let text = match value {
        Value::Null => "(absent)".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 120 {
        format!("{}...", text.chars().take(117).collect::<String>())
    } else {
        text
    }
}

/// What the user should do about one hook, in a few words.
fn advice(h: &HookOutcome, options: &RunOptions) -> String {
    if let Some(d) = h.delivery.as_ref().filter(|d| d.failing) {
        return d.cause.clone().unwrap_or_default();
    }
    match h.result {
        HookResult::Missing => "run `mode: apply` to create it".into(),
        HookResult::Drifted => "run `mode: apply` to repair it".into(),
        HookResult::Duplicate => {
            "run `mode: apply` with `prune-duplicates: true` to delete the extra hooks".into()
        }
        HookResult::Failed => h
            .error
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        _ if !h.duplicates.is_empty() && !options.prune_duplicates => {
            "extra hooks with the same status left alone: `prune-duplicates: true` deletes them"
                .into()
        }
        _ => String::new(),
    }
}

fn headline(c: &Counts, options: &RunOptions, pipelines: usize) -> String {
    match options.mode {
        Mode::Check if c.failed > 0 => format!(
            "**Check incomplete**: {} hook(s) could not be checked (see the errors below){}.",
            c.failed,
            if drift(c, options) { "; drift was found in the rest" } else { "" }
        ),
        Mode::Check if drift(c, options) => format!(
            "**Drift found** on {pipelines} pipeline(s): {} missing, {} drifted, {} duplicate(s), {} failing delivery(ies).",
            c.missing, c.drifted, c.duplicates, c.unhealthy
        ),
        Mode::Check => format!("**In sync**: {pipelines} pipeline(s), every status hook present and correct."),
        Mode::Remove if options.dry_run => format!("Dry run on {pipelines} pipeline(s): nothing was deleted."),
        Mode::Remove => format!("{} hook(s) deleted on {pipelines} pipeline(s).", c.deleted),
        Mode::Apply if options.dry_run => format!("Dry run on {pipelines} pipeline(s): nothing was written."),
        Mode::Apply => format!(
            "{pipelines} pipeline(s): **{} created, {} updated, {} unchanged{}**.",
            c.created,
            c.updated,
            c.unchanged,
            if c.deleted > 0 { format!(", {} duplicate(s) deleted", c.deleted) } else { String::new() }
        ),
    }
}

/// The Markdown report: a headline, then one table per pipeline with what was
/// found or done, each difference (old and new value, header values elided),
/// warnings and errors.
pub fn summary(
    outcomes: &[PipelineOutcome],
    options: &RunOptions,
    repository: &str,
    context: &str,
) -> String {
    let c = counts(outcomes, options);
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Devopness status hooks: {}{}\n",
        options.mode.name(),
        if options.dry_run { " (dry run)" } else { "" }
    );
    let _ = writeln!(
        md,
        "Commit statuses for `{}` under context `{}`. {}\n",
        md_cell(repository),
        md_cell(context),
        headline(&c, options, outcomes.len())
    );
    for p in outcomes {
        let _ = writeln!(md, "### Pipeline {}\n", p.pipeline_id);
        for w in &p.warnings {
            let _ = writeln!(md, "> **Warning**: {}\n", md_cell(w));
        }
        if let Some(e) = &p.error {
            let _ = writeln!(md, "**Error**: {}\n", md_cell(&e.to_string()));
            continue;
        }
        md.push_str(
            "| Event | Hook | Result | Last delivery | What to do |\n|---|---|---|---|---|\n",
        );
        for h in &p.hooks {
            let delivery = match &h.delivery {
                Some(d) => format!(
                    "{}{}",
                    d.last_status
                        .map_or("no answer".to_owned(), |s| s.to_string()),
                    if d.failed > 0 {
                        format!(" ({} of last {} failed)", d.failed, d.recent)
                    } else {
                        String::new()
                    }
                ),
                None if options.mode == Mode::Check
                    && options.check_deliveries
                    && h.hook_id.is_some() =>
                {
                    "none yet".into()
                }
                None => "-".into(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                h.event.as_str(),
                md_cell(h.hook_id.as_deref().unwrap_or("-")),
                h.result.as_str(),
                md_cell(&delivery),
                md_cell(&advice(h, options)),
            );
        }
        let mut details = String::new();
        for h in &p.hooks {
            for d in &h.differences {
                let _ = writeln!(
                    details,
                    "- {} `{}`: {} &rarr; {}",
                    h.event.as_str(),
                    md_cell(&d.field),
                    md_cell(&shown(&d.field, &d.observed)),
                    md_cell(&shown(&d.field, &d.desired)),
                );
            }
            if !h.duplicates.is_empty() {
                let _ = writeln!(
                    details,
                    "- {} duplicates: {}",
                    h.event.as_str(),
                    md_cell(&h.duplicates.join(", "))
                );
            }
            if !h.deleted.is_empty() {
                let verb = if options.dry_run {
                    "would delete"
                } else {
                    "deleted"
                };
                let _ = writeln!(
                    details,
                    "- {} {verb}: {}",
                    h.event.as_str(),
                    md_cell(&h.deleted.join(", "))
                );
            }
        }
        if !details.is_empty() {
            let _ = writeln!(md, "\n{details}");
        } else {
            md.push('\n');
        }
    }
    let errors: Vec<&Failure> = outcomes
        .iter()
        .flat_map(|p| p.hooks.iter().filter_map(|h| h.error.as_ref()))
        .collect();
    if c.failed > 0 {
        let _ = writeln!(md, "### Errors\n");
        let mut seen = Vec::new();
        for e in errors {
            if !seen.contains(&e) {
                let _ = writeln!(md, "- {}", md_cell(&e.to_string()));
                seen.push(e);
            }
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::DeliveryHealth;
    use crate::hook::Event;
    use crate::plan::Difference;

    fn options(mode: Mode) -> RunOptions {
        RunOptions {
            mode,
            dry_run: false,
            prune_duplicates: false,
            fail_on_drift: true,
            check_deliveries: true,
        }
    }

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
                    error: (result == HookResult::Failed).then(|| Failure::List {
                        pipeline_id: id,
                        cause: crate::api_error::ApiError::BadResponse("boom".into()),
                    }),
                    differences: Vec::new(),
                    duplicates: Vec::new(),
                    deleted: Vec::new(),
                    body: None,
                    delivery: None,
                })
                .collect(),
            error: None,
            warnings: Vec::new(),
        }
    }

    fn get(out: &[(&str, String)], k: &str) -> String {
        out.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    #[test]
    fn outputs_count_every_hook() {
        use HookResult::*;
        let o = [
            outcome(1, [Created, Created, Updated]),
            outcome(2, [Unchanged, Unchanged, Failed]),
        ];
        let out = outputs(&o, &options(Mode::Apply));
        assert_eq!(get(&out, "created"), "2");
        assert_eq!(get(&out, "updated"), "1");
        assert_eq!(get(&out, "unchanged"), "2");
        assert_eq!(get(&out, "changed"), "true");
        assert_eq!(get(&out, "drift"), "false");
        let hooks: Value = serde_json::from_str(&get(&out, "hooks")).unwrap_or_default();
        assert_eq!(hooks.as_array().map(Vec::len), Some(6));
        assert_eq!(hooks[5]["result"], "failed");
        assert!(
            hooks[5]["error"]
                .as_str()
                .is_some_and(|e| e
                    .ends_with("could not list its hooks: unexpected answer from the API: boom")),
            "{hooks}"
        );
        assert_eq!(hooks[0]["event"], "action.started");
    }

    #[test]
    fn check_counts_drift_and_unhealthy_deliveries() {
        use HookResult::*;
        let mut o = outcome(1, [Missing, Drifted, Ok]);
        o.hooks[2].delivery = Some(DeliveryHealth {
            last_status: Some(401),
            recent: 3,
            failed: 3,
            failing: true,
            cause: Some("token refused".into()),
        });
        let out = outputs(&[o.clone()], &options(Mode::Check));
        assert_eq!(get(&out, "drift"), "true");
        assert_eq!(
            (
                get(&out, "missing"),
                get(&out, "drifted"),
                get(&out, "unhealthy")
            ),
            ("1".into(), "1".into(), "1".into())
        );
        let md = summary(&[o], &options(Mode::Check), "o/r", "ci/x");
        assert!(md.contains("| action.completed | h-1-completed | ok | 401 (3 of last 3 failed) | token refused |"), "{md}");
        assert!(md.contains("**Drift found**"));
    }

    #[test]
    fn differences_are_shown_with_header_values_elided() {
        use HookResult::*;
        let mut o = outcome(7, [Drifted, Ok, Ok]);
        o.hooks[0].differences = vec![
            Difference {
                field: "body.description".into(),
                observed: json!("old"),
                desired: json!("new"),
            },
            Difference {
                field: "header.x-secret".into(),
                observed: json!("s3cr3t"),
                desired: json!("n3w"),
            },
        ];
        let md = summary(&[o], &options(Mode::Check), "o/r", "ci/x");
        assert!(
            md.contains("- action.started `body.description`: old &rarr; new"),
            "{md}"
        );
        assert!(md.contains("`header.x-secret`: (set) &rarr; (set)"));
        assert!(!md.contains("s3cr3t"));
    }

    #[test]
    fn summary_escapes_cells_and_lists_failures() {
        use HookResult::*;
        let md = summary(
            &[outcome(7, [Unchanged, Unchanged, Failed])],
            &options(Mode::Apply),
            "o/r",
            "ci/x",
        );
        assert!(md.contains("### Pipeline 7"), "{md}");
        assert!(
            md.contains("| action.started | h-7-started | unchanged | - |  |"),
            "{md}"
        );
        assert!(md.contains("### Errors"));
        assert!(
            md.lines()
                .any(|l| l.starts_with("- pipeline ") && l.ends_with("from the API: boom")),
            "{md}"
        );
    }
}

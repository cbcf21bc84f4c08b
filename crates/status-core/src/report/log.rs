//! The log of a run, as lines to print: a group per pipeline with what was found or
//! done (the request bodies in a dry run, `extra-headers` values elided), then a
//! warning per problem and an error per failure. Printing them, escaped and with
//! secrets masked, is `actions_io::Log`'s job.

use serde_json::Value;

use super::{last_status, shown, HooksOutput, HOOKS_OUTPUT_LIMIT};
use crate::contexts::SharedContext;
use crate::discovery::ScopeOutcome;
use crate::hook::Header;
use crate::inputs::{InputError, Mode, RunOptions};
use crate::outcome::{ApplicationOutcome, HookOutcome, HookResult, PipelineOutcome};

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Group(String),
    EndGroup,
    Info(String),
    Warning {
        title: Option<String>,
        message: String,
    },
    Error {
        title: Option<String>,
        message: String,
    },
    Notice(String),
}

/// The log of a run. `extra_headers` are the `extra-headers` (their values are
/// secrets); `hooks` is the `hooks` output as written.
pub fn lines<'a>(
    outcomes: impl IntoIterator<Item = &'a PipelineOutcome>,
    options: &RunOptions,
    extra_headers: &[Header],
    hooks: &HooksOutput,
) -> Vec<Line> {
    let mut out = Vec::new();
    for p in outcomes {
        let title = format!("Pipeline {}", p.pipeline_id);
        out.push(Line::Group(pipeline_title(p)));
        for h in &p.hooks {
            hook_lines(&mut out, h, options, extra_headers);
        }
        out.push(Line::EndGroup);
        let warn = |message: String| Line::Warning {
            title: Some(title.clone()),
            message,
        };
        out.extend(p.warnings.iter().cloned().map(warn));
        out.extend(p.hooks.iter().flat_map(problems).map(warn));
        out.extend(super::ignored_note(p).map(|note| Line::Notice(format!("{title}: {note}"))));
        out.extend(errors(p).into_iter().map(|message| Line::Error {
            title: Some(title.clone()),
            message,
        }));
    }
    if hooks.left_out > 0 {
        out.push(Line::Warning {
            title: None,
            message: format!(
                "the `hooks` output lists the first {} of {} hooks: {} left out to stay under {} KiB (the runner refuses outputs over 1 MB); the other outputs, this log and the step summary are complete",
                hooks.kept,
                hooks.kept + hooks.left_out,
                hooks.left_out,
                HOOKS_OUTPUT_LIMIT / 1024
            ),
        });
    }
    if options.mode != Mode::Check && options.dry_run {
        out.push(Line::Notice(
            "dry run: nothing was written to Devopness".into(),
        ));
    }
    out
}

/// `Pipeline 12`, and what it deploys when known: `Pipeline 12 (application 3 (web),
/// environment staging)`.
fn pipeline_title(p: &PipelineOutcome) -> String {
    match &p.destination.owner {
        Some(owner) if owner.environment.is_some() => {
            format!("Pipeline {} ({owner})", p.pipeline_id)
        }
        _ => format!("Pipeline {}", p.pipeline_id),
    }
}

/// What the projects and environments of `project-ids` and `environment-ids` gave: a
/// warning per problem, an error for one that could not be read.
pub fn scope_lines(scopes: &[ScopeOutcome]) -> Vec<Line> {
    let mut out = Vec::new();
    for scope in scopes {
        let title = Some(capitalized(&scope.scope.to_string()));
        out.extend(scope.warnings.iter().map(|w| Line::Warning {
            title: title.clone(),
            message: w.to_string(),
        }));
        out.extend(scope.error.iter().map(|e| Line::Error {
            title: title.clone(),
            message: e.to_string(),
        }));
    }
    out
}

/// `Project 7`, for a title.
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What the applications gave, by environment: where each one's statuses go and which
/// deploy pipelines it has, a warning per problem, an error when it got no hooks.
pub fn application_lines(applications: &[ApplicationOutcome]) -> Vec<Line> {
    let mut out = Vec::new();
    let groups = super::groups::group(&[], applications);
    for a in groups
        .environments
        .iter()
        .flat_map(|g| &g.applications)
        .map(|a| a.application)
    {
        let title = match &a.environment {
            Some(e) => format!("{}, {}", a.title(), e.label()),
            None => a.title(),
        };
        if let Some(d) = &a.destination {
            let pipelines: Vec<String> = a.deploy_pipelines.iter().map(u64::to_string).collect();
            out.push(Line::Info(format!(
                "{title}: statuses to {} on {}; deploy pipelines: {}",
                d.repository,
                d.provider,
                if pipelines.is_empty() {
                    "none".to_owned()
                } else {
                    pipelines.join(", ")
                }
            )));
        }
        out.extend(a.warnings.iter().map(|w| Line::Warning {
            title: Some(title.clone()),
            message: w.to_string(),
        }));
        out.extend(a.error.iter().map(|e| Line::Error {
            title: Some(title.clone()),
            message: e.to_string(),
        }));
        out.extend(a.held.iter().map(|h| Line::Error {
            title: Some(title.clone()),
            message: h.to_string(),
        }));
    }
    out
}

/// A warning for each group of pipelines that post the same status to one repository.
pub fn shared_lines(shared: &[SharedContext]) -> Vec<Line> {
    shared
        .iter()
        .map(|s| Line::Warning {
            title: Some("Shared status context".into()),
            message: s.to_string(),
        })
        .collect()
}

/// A warning when the `pipelines` output had to be cut to fit.
pub fn pipelines_cut(pipelines: &HooksOutput) -> Option<Line> {
    (pipelines.left_out > 0).then(|| Line::Warning {
        title: None,
        message: format!(
            "the `pipelines` output lists the first {} of {} pipelines, to stay within the runner's output limit; the log and the step summary are complete",
            pipelines.kept,
            pipelines.kept + pipelines.left_out
        ),
    })
}

/// What was found or done for one hook, inside the pipeline's group.
fn hook_lines(out: &mut Vec<Line>, h: &HookOutcome, options: &RunOptions, extra: &[Header]) {
    let id = h.hook_id.as_deref().unwrap_or("-");
    out.push(Line::Info(format!(
        "{}: {} (hook {id}, {})",
        h.event.as_str(),
        h.result.as_str(),
        h.name
    )));
    for d in &h.differences {
        out.push(Line::Info(format!(
            "  {}: {} -> {}",
            d.field,
            shown(&d.field, &d.observed),
            shown(&d.field, &d.desired)
        )));
    }
    if let Some(body) = h.body.as_ref().filter(|_| options.dry_run) {
        let text = serde_json::to_string_pretty(&printable_body(body, extra)).unwrap_or_default();
        let kind = if h.result == HookResult::WouldCreate {
            "create"
        } else {
            "update"
        };
        out.push(Line::Info(format!("  request body ({kind}):")));
        out.extend(text.lines().map(|l| Line::Info(format!("    {l}"))));
    }
    if !h.deleted.is_empty() {
        let verb = if options.dry_run {
            "would delete"
        } else {
            "deleted"
        };
        out.push(Line::Info(format!("  {verb}: {}", h.deleted.join(", "))));
    }
}

/// The warnings about one hook: missing, drifted, duplicated, failing delivery.
fn problems(h: &HookOutcome) -> Vec<String> {
    let event = h.event.as_str();
    let mut out = Vec::new();
    match h.result {
        HookResult::Missing => out.push(format!("the {event} hook is missing")),
        HookResult::Drifted => {
            let fields: Vec<String> = h.differences.iter().map(|d| d.field.to_string()).collect();
            out.push(format!(
                "the {event} hook has drifted: {}",
                fields.join(", ")
            ));
        }
        _ => {}
    }
    if !h.duplicates.is_empty() {
        out.push(format!(
            "{} more hook(s) post the same status on {event}: {}. Left alone; prune-duplicates (true) deletes them.",
            h.duplicates.len(),
            h.duplicates.join(", ")
        ));
    }
    if let Some(d) = h.delivery.as_ref().filter(|d| d.failing) {
        out.push(format!(
            "the {event} hook's latest delivery with a commit failed ({}), and none of the pipeline's succeeded since: {}",
            last_status(d),
            d.cause.as_ref().map(ToString::to_string).unwrap_or_default()
        ));
    }
    out
}

/// The pipeline's error, then each distinct hook error.
fn errors(p: &PipelineOutcome) -> Vec<String> {
    let mut errors: Vec<String> = Vec::new();
    for e in p.failures().map(ToString::to_string) {
        if !errors.contains(&e) {
            errors.push(e);
        }
    }
    errors
}

/// The body as the log may show it: `extra-headers` values (secrets) elided.
pub fn printable_body(body: &Value, extra_headers: &[Header]) -> Value {
    let mut body = body.clone();
    if let Some(headers) = body
        .pointer_mut("/settings/request_headers")
        .and_then(Value::as_array_mut)
    {
        for header in headers {
            let name = header.get("name").and_then(Value::as_str).unwrap_or("");
            if extra_headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case(name))
            {
                header["value"] = Value::String("***".into());
            }
        }
    }
    body
}

/// The log of a run refused for its inputs: one error per problem, then what to do.
pub fn input_errors(errors: &[InputError]) -> Vec<Line> {
    let mut out: Vec<Line> = errors
        .iter()
        .map(|e| Line::Error {
            title: Some(format!("Invalid input: {}", e.input.name())),
            message: e.to_string(),
        })
        .collect();
    out.push(Line::Error {
        title: None,
        message: format!(
            "{} input problem(s); nothing was sent to Devopness. Fix the inputs above and run again.",
            errors.len()
        ),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_error::ApiError;
    use crate::failure::Failure;
    use crate::outcome::{ApplicationError, Destination};
    use crate::targets::{Held, TargetWarning};

    #[test]
    fn each_application_says_where_its_statuses_go_and_what_went_wrong() {
        let found = ApplicationOutcome {
            application_id: 4,
            name: "docs".into(),
            environment: None,
            destination: Some(Destination {
                owner: None,
                repository: "o/docs".into(),
                provider: "github",
                context: String::new(),
            }),
            deploy_pipelines: Vec::new(),
            error: None,
            warnings: vec![TargetWarning::NoDeployPipeline {
                application: "application 4 (docs)".into(),
            }],
            held: Vec::new(),
        };
        let missing = ApplicationOutcome {
            application_id: 9,
            name: String::new(),
            environment: None,
            destination: None,
            deploy_pipelines: Vec::new(),
            error: Some(ApplicationError::Read(Failure::Application {
                application_id: 9,
                cause: ApiError::NotFound("Application not found.".into()),
            })),
            warnings: Vec::new(),
            held: vec![Held::Unknown {
                pipeline_id: 7,
                application_id: 9,
            }],
        };
        let lines = application_lines(&[found, missing]);
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert_eq!(
            lines[0],
            Line::Info(
                "Application 4 (docs): statuses to o/docs on github; deploy pipelines: none".into()
            )
        );
        assert!(
            matches!(&lines[1], Line::Warning { title: Some(t), message }
            if t == "Application 4 (docs)" && message.contains("no pipeline whose operation is `deploy`"))
        );
        assert!(matches!(&lines[2], Line::Error { title: Some(t), message }
            if t == "Application 9" && message.starts_with("application 9: could not read it: not found (404")));
        assert!(matches!(&lines[3], Line::Error { title: Some(t), message }
            if t == "Application 9" && message.starts_with("could not tell whether pipeline 7 belongs to application 9")));
    }
}

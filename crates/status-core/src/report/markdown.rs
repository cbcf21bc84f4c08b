//! The Markdown report: a headline, one table per pipeline with what was found or
//! done, each difference (old and new value, header values elided), warnings and
//! errors. It is the step summary, and the body of the drift issue.

use std::fmt::Write as _;

use super::{
    counts, delivery_text, drift, groups, ignored_note, pipelines_with_drift, shown, Counts,
    HooksOutput, Outcomes,
};
use crate::inputs::{InputError, Mode, RunOptions};
use crate::outcome::{Destination, HookOutcome, HookResult, PipelineOutcome};

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

/// What the user should do about one hook, in a few words: about the hook itself, then
/// about its failing deliveries (which no write fixes).
fn advice(h: &HookOutcome, options: &RunOptions) -> String {
    let hook = hook_advice(h, options);
    match (failing_cause(h), hook.is_empty()) {
        (None, _) => hook,
        (Some(cause), true) => cause,
        (Some(cause), false) => format!("{hook}; its deliveries fail too: {cause}"),
    }
}

/// The cause of a hook's failing deliveries, in words.
fn failing_cause(h: &HookOutcome) -> Option<String> {
    let d = h.delivery.as_ref().filter(|d| d.failing)?;
    Some(
        d.cause
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    )
}

fn hook_advice(h: &HookOutcome, options: &RunOptions) -> String {
    match h.result {
        HookResult::Missing => "run in apply mode to create it".into(),
        HookResult::Drifted => "run in apply mode to repair it".into(),
        HookResult::Duplicate => {
            "run in apply mode with prune-duplicates (true) to delete the extra hooks".into()
        }
        HookResult::Failed => h
            .error
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        _ if !h.duplicates.is_empty() && !options.prune_duplicates => {
            "extra hooks with the same status left alone: prune-duplicates (true) deletes them"
                .into()
        }
        _ => String::new(),
    }
}

/// Where a headline is shown: in the Markdown report, before the errors it points to,
/// or as the plain report's last line, after them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Markdown,
    Plain,
}

impl Form {
    fn strong(self, text: &str) -> String {
        match self {
            Form::Markdown => format!("**{text}**"),
            Form::Plain => text.to_owned(),
        }
    }

    fn errors(self) -> &'static str {
        match self {
            Form::Markdown => "see the errors below",
            Form::Plain => "see the errors above",
        }
    }
}

fn headline(c: &Counts, options: &RunOptions, run: Outcomes<'_>, form: Form) -> String {
    let outcomes = run.pipelines;
    let pipelines = outcomes.len();
    let unread = unread(run);
    match options.mode {
        Mode::Check if c.failed > 0 || !unread.is_empty() => format!(
            "{}: {} could not be checked ({}){}.",
            form.strong("Check incomplete"),
            if unread.is_empty() {
                format!("{} hook(s)", c.failed)
            } else if c.failed > 0 {
                format!("{} hook(s) and {unread}", c.failed)
            } else {
                unread
            },
            form.errors(),
            if drift(c, options) { "; drift was found in the rest" } else { "" }
        ),
        Mode::Check if drift(c, options) => format!(
            "{} on {} of {pipelines} pipeline(s): {} missing, {} drifted, {} duplicate(s), {} failing delivery(ies).",
            form.strong("Drift found"),
            pipelines_with_drift(outcomes), c.missing, c.drifted, c.duplicates, c.unhealthy
        ),
        Mode::Check => format!("{}: {pipelines} pipeline(s), every status hook present and correct.", form.strong("In sync")),
        Mode::Remove if options.dry_run => format!("Dry run on {pipelines} pipeline(s): nothing was deleted."),
        Mode::Remove => format!("{} hook(s) deleted on {pipelines} pipeline(s).", c.deleted),
        Mode::Apply if options.dry_run => format!("Dry run on {pipelines} pipeline(s): nothing was written."),
        Mode::Apply => format!(
            "{pipelines} pipeline(s): {}.",
            form.strong(&format!(
                "{} created, {} updated, {} unchanged{}",
                c.created,
                c.updated,
                c.unchanged,
                if c.deleted > 0 { format!(", {} duplicate(s) deleted", c.deleted) } else { String::new() }
            ))
        ),
    }
}

/// What a check could not read besides hooks: `2 application(s)`, `1 project or
/// environment`; empty when everything was read.
fn unread(run: Outcomes<'_>) -> String {
    let applications = run.applications.iter().filter(|a| !a.ok()).count();
    let scopes = run.scopes.iter().filter(|s| s.error.is_some()).count();
    let mut parts = Vec::new();
    if scopes > 0 {
        parts.push(format!("{scopes} project(s) or environment(s)"));
    }
    if applications > 0 {
        parts.push(format!("{applications} application(s)"));
    }
    parts.join(" and ")
}

/// The headline without Markdown, for the plain report's last line, which comes after
/// the errors it points to.
pub fn plain_headline(run: Outcomes<'_>, options: &RunOptions) -> String {
    headline(&counts(run.pipelines, options), options, run, Form::Plain)
}

/// The Markdown report. `hooks` is the `hooks` output as written, so the report can
/// say when it was cut. With applications, the pipelines are grouped by environment,
/// then application (each with its repository and provider), then those of
/// `pipeline-ids` no application of the run covers.
pub fn summary(
    run: Outcomes<'_>,
    options: &RunOptions,
    context: &str,
    hooks: &HooksOutput,
) -> String {
    summary_of(run, run, options, context, hooks)
}

/// The report of `shown`, a part of the run `whole` (or all of it): the headline counts
/// the whole run, the sections are those of `shown`.
fn summary_of(
    whole: Outcomes<'_>,
    shown: Outcomes<'_>,
    options: &RunOptions,
    context: &str,
    hooks: &HooksOutput,
) -> String {
    let c = counts(whole.pipelines, options);
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Devopness status hooks: {}{}\n",
        options.mode.name(),
        if options.dry_run { " (dry run)" } else { "" }
    );
    let one_repository = single_destination(whole.pipelines);
    let whose = match (whole.applications.is_empty(), one_repository) {
        (true, Some(d)) if !d.repository.is_empty() => format!("for `{}` ", md_cell(&d.repository)),
        _ => String::new(),
    };
    let _ = writeln!(
        md,
        "Commit statuses {whose}under context `{}`. {}\n",
        md_cell(context),
        headline(&c, options, whole, Form::Markdown)
    );
    notes(&mut md, shown, hooks);
    if shown.applications.is_empty() {
        for p in shown.pipelines {
            let heading = heading(p, one_repository.is_none(), context);
            pipeline_section(&mut md, p, options, &format!("### {heading}"));
        }
    } else {
        grouped(&mut md, shown, options, context);
    }
    if c.failed > 0 {
        errors_section(&mut md, shown.pipelines);
    }
    md
}

/// The drift issue's report: the whole report when it fits in `limit` characters; else
/// the report of the pipelines with drift or errors alone (with the applications they
/// belong to, and those with problems of their own), saying what was left out, so a
/// large project's drift is not cut off by the pipelines in sync.
pub fn issue_report(
    run: Outcomes<'_>,
    options: &RunOptions,
    context: &str,
    hooks: &HooksOutput,
    limit: usize,
) -> String {
    let whole = summary(run, options, context, hooks);
    if whole.chars().count() <= limit {
        return whole;
    }
    let shown: Vec<PipelineOutcome> = run
        .pipelines
        .iter()
        .filter(|p| !p.ok() || p.hooks.iter().any(super::hook_drifted))
        .cloned()
        .collect();
    let applications: Vec<_> = run
        .applications
        .iter()
        .filter(|a| {
            !a.ok()
                || !a.warnings.is_empty()
                || !a.held.is_empty()
                || shown
                    .iter()
                    .any(|p| p.destination.application_id() == Some(a.application_id))
        })
        .cloned()
        .collect();
    let part = Outcomes {
        pipelines: &shown,
        applications: &applications,
        ..run
    };
    format!(
        "> **Note**: the whole report does not fit an issue: this lists the {} pipeline(s) with drift or errors of the {} checked. The step summary of the run has them all.\n\n{}",
        shown.len(),
        run.pipelines.len(),
        summary_of(run, part, options, context, hooks)
    )
}

/// What the reader should know before the pipelines: statuses shared between pipelines,
/// projects and environments that could not be read or gave nothing, applications that
/// failed, a `hooks` output that was cut.
fn notes(md: &mut String, run: Outcomes<'_>, hooks: &HooksOutput) {
    for s in run.shared {
        let _ = writeln!(md, "> **Warning**: {}\n", md_cell(&s.to_string()));
    }
    for scope in run.scopes {
        for w in &scope.warnings {
            let _ = writeln!(md, "> **Warning**: {}\n", md_cell(&w.to_string()));
        }
        if let Some(e) = &scope.error {
            let _ = writeln!(md, "**Error**: {}\n", md_cell(&e.to_string()));
        }
    }
    let failed = run.applications.iter().filter(|a| !a.ok()).count();
    if failed > 0 {
        let _ = writeln!(
            md,
            "**{failed} of {} application(s) could not be handled**: see below.\n",
            run.applications.len()
        );
    }
    if hooks.left_out > 0 {
        let _ = writeln!(
            md,
            "> **Note**: the `hooks` output lists the first {} of {} hooks: it was cut to stay within the runner's output limit ({} entries left out). The counts and this report are complete.\n",
            hooks.kept,
            hooks.kept + hooks.left_out,
            hooks.left_out
        );
    }
}

/// Each environment with its applications, each application with its pipelines, then the
/// pipelines of no application of the run.
fn grouped(md: &mut String, run: Outcomes<'_>, options: &RunOptions, context: &str) {
    let groups = groups::group(run.pipelines, run.applications);
    for g in &groups.environments {
        // Named environments one level up; applications of no known environment as before.
        let level = match g.environment {
            Some(e) => {
                let _ = writeln!(md, "### Environment {}\n", md_cell(&environment_name(e)));
                "####"
            }
            None => "###",
        };
        for a in &g.applications {
            application_section(md, a, options, context, level);
        }
    }
    if !groups.rest.is_empty() {
        let _ = writeln!(md, "### Pipelines of `pipeline-ids`\n");
        for p in &groups.rest {
            let heading = heading(p, true, context);
            pipeline_section(md, p, options, &format!("#### {heading}"));
        }
    }
}

/// `staging` (its name), or `12` when it has none.
fn environment_name(e: &crate::discovery::EnvironmentFacts) -> String {
    if e.name.is_empty() {
        e.id.to_string()
    } else {
        e.name.clone()
    }
}

/// One application under a heading of `level`: where its statuses go, its warnings and
/// errors, then its pipelines one level down.
fn application_section(
    md: &mut String,
    a: &groups::ApplicationGroup<'_>,
    options: &RunOptions,
    context: &str,
    level: &str,
) {
    let app = a.application;
    let _ = writeln!(
        md,
        "{level} {}{}\n",
        md_cell(&app.title()),
        app.destination
            .as_ref()
            .map(|d| destination(d) + &filled_context(d, context))
            .unwrap_or_default()
    );
    for w in &app.warnings {
        let _ = writeln!(md, "> **Warning**: {}\n", md_cell(&w.to_string()));
    }
    if let Some(e) = &app.error {
        let _ = writeln!(md, "**Error**: {}\n", md_cell(&e.to_string()));
    }
    for h in &app.held {
        let _ = writeln!(md, "**Error**: {}\n", md_cell(&h.to_string()));
    }
    for p in &a.pipelines {
        let heading = format!("{level}# {}", heading(p, false, context));
        pipeline_section(md, p, options, &heading);
    }
}

/// The one place every pipeline posts to, if there is one.
fn single_destination(outcomes: &[PipelineOutcome]) -> Option<&Destination> {
    let first = &outcomes.first()?.destination;
    let same = |d: &Destination| {
        d.repository.eq_ignore_ascii_case(&first.repository) && d.provider == first.provider
    };
    outcomes
        .iter()
        .all(|p| same(&p.destination))
        .then_some(first)
}

/// `Pipeline 12`, and with `with_destination` where it posts and what it deploys:
/// `Pipeline 12: statuses to `o/r` on github, application 3 (web), environment staging`.
fn heading(p: &PipelineOutcome, with_destination: bool, context: &str) -> String {
    let d = &p.destination;
    if d.repository.is_empty() {
        return format!("Pipeline {}", p.pipeline_id);
    }
    if !with_destination {
        return format!("Pipeline {}{}", p.pipeline_id, filled_context(d, context));
    }
    let owner = d
        .owner
        .as_ref()
        .map(|o| format!(", {}", md_cell(&o.to_string())))
        .unwrap_or_default();
    format!(
        "Pipeline {}{}{}{owner}",
        p.pipeline_id,
        destination(d),
        filled_context(d, context)
    )
}

/// `: statuses to `o/r` on github`.
fn destination(d: &Destination) -> String {
    format!(
        ": statuses to `{}` on {}",
        md_cell(&d.repository),
        md_cell(d.provider)
    )
}

/// ` under `ci/devopness(staging)``: a context filled in for this pipeline or
/// application (empty when it is the run's `context` as given).
fn filled_context(d: &Destination, template: &str) -> String {
    if d.context.is_empty() || d.context == template {
        String::new()
    } else {
        format!(" under `{}`", md_cell(&d.context))
    }
}

/// One pipeline, under `heading`: its warnings and notes, then its error or its table
/// and the details.
fn pipeline_section(md: &mut String, p: &PipelineOutcome, options: &RunOptions, heading: &str) {
    let _ = writeln!(md, "{heading}\n");
    for w in &p.warnings {
        let _ = writeln!(md, "> **Warning**: {}\n", md_cell(w));
    }
    if let Some(note) = ignored_note(p) {
        let _ = writeln!(md, "> **Note**: {}\n", md_cell(&note));
    }
    if let Some(e) = &p.error {
        let _ = writeln!(md, "**Error**: {}\n", md_cell(&e.to_string()));
        return;
    }
    md.push_str("| Event | Hook | Result | Last delivery | What to do |\n|---|---|---|---|---|\n");
    for h in &p.hooks {
        let delivery = delivery_text(h).unwrap_or_else(|| {
            let read = options.mode == Mode::Check && options.check_deliveries;
            if read && h.hook_id.is_some() {
                "none yet"
            } else {
                "-"
            }
            .to_owned()
        });
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
    let details: String = p.hooks.iter().map(|h| details(h, options)).collect();
    if !details.is_empty() {
        let _ = writeln!(md, "\n{details}");
    } else {
        md.push('\n');
    }
}

/// A hook's differences (header values elided), duplicates and deletions.
fn details(h: &HookOutcome, options: &RunOptions) -> String {
    let mut out = String::new();
    let event = h.event.as_str();
    for d in &h.differences {
        let _ = writeln!(
            out,
            "- {event} `{}`: {} &rarr; {}",
            md_cell(&d.field.to_string()),
            md_cell(&shown(&d.field, &d.observed)),
            md_cell(&shown(&d.field, &d.desired)),
        );
    }
    if !h.duplicates.is_empty() {
        let _ = writeln!(
            out,
            "- {event} duplicates: {}",
            md_cell(&h.duplicates.join(", "))
        );
    }
    if !h.deleted.is_empty() {
        let verb = if options.dry_run {
            "would delete"
        } else {
            "deleted"
        };
        let _ = writeln!(out, "- {event} {verb}: {}", md_cell(&h.deleted.join(", ")));
    }
    out
}

/// Every distinct error, once.
fn errors_section(md: &mut String, outcomes: &[PipelineOutcome]) {
    let _ = writeln!(md, "### Errors\n");
    let mut seen = Vec::new();
    for e in outcomes
        .iter()
        .flat_map(|p| p.hooks.iter().filter_map(|h| h.error.as_ref()))
    {
        if !seen.contains(&e) {
            let _ = writeln!(md, "- {}", md_cell(&e.to_string()));
            seen.push(e);
        }
    }
}

/// The report of a run refused for its inputs.
pub fn input_errors(errors: &[InputError]) -> String {
    let mut md =
        String::from("## Devopness status hooks\n\nNothing was done: the inputs are invalid.\n\n");
    for e in errors {
        let _ = writeln!(md, "- {}", md_cell(&e.to_string()));
    }
    md
}

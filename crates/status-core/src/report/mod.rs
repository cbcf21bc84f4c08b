//! What the run reports, built from the pipelines' outcomes: the counts, the step
//! outputs (the `hooks` output cut to fit the runner's limit), the Markdown report
//! ([`markdown`]: the step summary and the drift issue's body) and the log lines
//! ([`log`]). Pure functions; writing is in `actions_io`, the issue in `github`.

pub mod groups;
pub mod log;
pub mod markdown;

use serde_json::{json, Value};

use crate::contexts::SharedContext;
use crate::discovery::ScopeOutcome;
use crate::inputs::{Mode, RunOptions};
use crate::outcome::{ApplicationOutcome, HookOutcome, HookResult, PipelineOutcome};
use crate::plan::Field;

pub use markdown::{md_cell, summary};

/// What one run found, as the report reads it.
#[derive(Debug, Clone, Copy)]
pub struct Outcomes<'a> {
    /// Per pipeline, in the order they were handled.
    pub pipelines: &'a [PipelineOutcome],
    /// Per application, named or found.
    pub applications: &'a [ApplicationOutcome],
    /// Per project and environment of `project-ids` and `environment-ids`.
    pub scopes: &'a [ScopeOutcome],
    /// The pipelines that would post one status to one repository.
    pub shared: &'a [SharedContext],
}

impl Outcomes<'_> {
    /// Whether everything could be read and done (drift is not an error).
    pub fn all_ok(&self) -> bool {
        self.pipelines.iter().all(PipelineOutcome::ok)
            && self.applications.iter().all(ApplicationOutcome::ok)
            && self.scopes.iter().all(|s| s.error.is_none())
    }
}

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
        if delivery_failing(hook) {
            c.unhealthy += 1;
        }
    }
    c
}

fn delivery_failing(hook: &HookOutcome) -> bool {
    hook.delivery.as_ref().is_some_and(|d| d.failing)
}

/// Whether a check found anything out of line (unhealthy deliveries count unless
/// `check-deliveries: false`, in which case none were read).
pub fn drift(c: &Counts, options: &RunOptions) -> bool {
    options.mode == Mode::Check && c.missing + c.drifted + c.duplicates + c.unhealthy > 0
}

/// Whether this hook counts towards drift: missing, drifted, with duplicates, or
/// failing delivery (the same things [`drift`] counts).
pub fn hook_drifted(hook: &HookOutcome) -> bool {
    matches!(hook.result, HookResult::Missing | HookResult::Drifted)
        || !hook.duplicates.is_empty()
        || delivery_failing(hook)
}

/// How many pipelines have drift (check mode).
pub fn pipelines_with_drift(outcomes: &[PipelineOutcome]) -> usize {
    outcomes
        .iter()
        .filter(|p| p.hooks.iter().any(hook_drifted))
        .count()
}

/// The runner refuses outputs over 1 MB per job; the `hooks` output stays well
/// below, whatever the number of pipelines and the length of their errors.
pub const HOOKS_OUTPUT_LIMIT: usize = 256 * 1024;

/// The `pipelines` output's limit: with `hooks` at its own, well within the runner's.
pub const PIPELINES_OUTPUT_LIMIT: usize = 128 * 1024;

/// A JSON array output (`hooks`, `pipelines`), cut by whole entries from the end to fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HooksOutput {
    pub json: String,
    /// Entries in `json`.
    pub kept: usize,
    /// Entries cut off at the end (0: all there).
    pub left_out: usize,
}

/// One object per (pipeline, event), in order, as many as fit in `limit` bytes.
pub fn hooks_output(outcomes: &[PipelineOutcome], limit: usize) -> HooksOutput {
    let entries: Vec<String> = outcomes
        .iter()
        .flat_map(|p| {
            p.hooks
                .iter()
                .map(|h| hook_entry(p.pipeline_id, h).to_string())
        })
        .collect();
    cut(&entries, limit)
}

/// The `pipelines` output: one object per pipeline handled (`pipeline_id`,
/// `application_id`, `application` and `environment` (names, or null when not known),
/// `repository`, `provider`, `context`), as many as fit in `limit` bytes.
pub fn pipelines_output(outcomes: &[PipelineOutcome], limit: usize) -> HooksOutput {
    let entries: Vec<String> = outcomes
        .iter()
        .map(|p| {
            let d = &p.destination;
            let owner = d.owner.as_ref();
            json!({
                "pipeline_id": p.pipeline_id,
                "application_id": d.application_id(),
                "application": owner.map(|o| o.application.as_str()),
                "environment": owner.and_then(|o| o.environment.as_deref()),
                "repository": d.repository,
                "provider": d.provider,
                "context": d.context,
            })
            .to_string()
        })
        .collect();
    cut(&entries, limit)
}

/// A JSON array of as many of `entries` (each a JSON value) as fit in `limit` bytes.
fn cut(entries: &[String], limit: usize) -> HooksOutput {
    let mut json = String::from("[");
    let mut kept = 0;
    for entry in entries {
        // The entry, a separator before it, and the closing bracket must fit.
        if json.len() + entry.len() + 2 > limit {
            break;
        }
        if kept > 0 {
            json.push(',');
        }
        json.push_str(entry);
        kept += 1;
    }
    json.push(']');
    HooksOutput {
        json,
        kept,
        left_out: entries.len() - kept,
    }
}

fn hook_entry(pipeline_id: u64, h: &HookOutcome) -> Value {
    let mut o = json!({
        "pipeline_id": pipeline_id,
        "event": h.event.as_str(),
        "hook_id": h.hook_id,
        "name": h.name,
        "result": h.result.as_str(),
    });
    if !h.differences.is_empty() {
        let fields: Vec<String> = h.differences.iter().map(|d| d.field.to_string()).collect();
        o["differences"] = json!(fields);
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
}

/// The step outputs, in the order action.yml declares them.
pub fn outputs(
    outcomes: &[PipelineOutcome],
    options: &RunOptions,
    hooks: &HooksOutput,
    pipelines: &HooksOutput,
) -> Vec<(&'static str, String)> {
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
        ("hooks", hooks.json.clone()),
        ("pipelines", pipelines.json.clone()),
    ]
}

/// How much of a value a report shows: a status URL (API base, repository, and the
/// 61-character commit template) must fit, query included.
const SHOWN_LIMIT: usize = 200;

/// A value shown readably and briefly; header values are never shown (secrets), and
/// the values of differences come redacted (`plan::redact`).
pub fn shown(field: &Field, value: &Value) -> String {
    if field.is_secret() {
        return if value.is_null() { "(absent)" } else { "(set)" }.to_owned();
    }
    let text = match value {
        Value::Null => "(absent)".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > SHOWN_LIMIT {
        format!(
            "{}...",
            text.chars().take(SHOWN_LIMIT - 3).collect::<String>()
        )
    } else {
        text
    }
}

/// What the delivery column says: the last answer to a delivery with a commit, how
/// many recent ones failed, whether the failure is stale, and how many were ignored.
pub fn delivery_text(h: &HookOutcome) -> Option<String> {
    let d = h.delivery.as_ref()?;
    let judged = d.judged();
    let mut text = if judged == 0 {
        "none with a commit".to_owned()
    } else {
        last_status(d)
    };
    if d.failed > 0 {
        text.push_str(&format!(" ({} of last {judged} failed)", d.failed));
    }
    if d.stale {
        text.push_str(", stale: the pipeline delivered since");
    }
    if d.ignored > 0 {
        text.push_str(&format!("; {} without a commit ignored", d.ignored));
    }
    Some(text)
}

/// The note when deliveries without a commit were ignored in a pipeline (never a
/// warning: they say nothing about the hooks).
pub fn ignored_note(p: &PipelineOutcome) -> Option<String> {
    let ignored: usize = p
        .hooks
        .iter()
        .filter_map(|h| h.delivery.as_ref())
        .map(|d| d.ignored)
        .sum();
    (ignored > 0).then(|| {
        format!(
            "{ignored} {} without a commit hash ignored: a deploy started by hand (or by an event the incoming hook's `commit_hash` variable does not read) sends its status to a URL without a SHA, and the provider's 404 says nothing about the hooks. Each hook is judged by its latest delivery that carried a commit.",
            if ignored == 1 { "delivery" } else { "deliveries" }
        )
    })
}

/// The provider's last answer to a hook's request, in words.
pub fn last_status(d: &crate::health::DeliveryHealth) -> String {
    d.last_status
        .map_or("no answer".to_owned(), |s| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_error::ApiError;
    use crate::failure::Failure;
    use crate::health::{Cause, DeliveryHealth};
    use crate::hook::Event;
    use crate::outcome::{ApplicationOutcome, Destination};
    use crate::plan::{Difference, Field};
    use crate::targets::Owner;

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
            destination: Destination {
                owner: None,
                repository: "o/r".into(),
                provider: "github",
                context: "ci/x".into(),
            },
            hooks: Event::ALL
                .into_iter()
                .zip(results)
                .map(|(event, result)| {
                    let mut h =
                        HookOutcome::of_event(event, &format!("n|{}", event.word()), result);
                    h.hook_id = Some(format!("h-{id}-{}", event.word()));
                    h.error = (result == HookResult::Failed).then(|| Failure::List {
                        pipeline_id: id,
                        cause: ApiError::BadResponse("boom".into()),
                    });
                    h
                })
                .collect(),
            error: None,
            warnings: Vec::new(),
        }
    }

    fn outputs_of(o: &[PipelineOutcome], options: &RunOptions) -> Vec<(&'static str, String)> {
        outputs(
            o,
            options,
            &hooks_output(o, HOOKS_OUTPUT_LIMIT),
            &pipelines_output(o, PIPELINES_OUTPUT_LIMIT),
        )
    }

    /// The outcomes of a run of pipelines only.
    fn run_of<'a>(
        pipelines: &'a [PipelineOutcome],
        applications: &'a [ApplicationOutcome],
    ) -> Outcomes<'a> {
        Outcomes {
            pipelines,
            applications,
            scopes: &[],
            shared: &[],
        }
    }

    fn summary_of(o: &[PipelineOutcome], options: &RunOptions) -> String {
        summary(
            run_of(o, &[]),
            options,
            "ci/x",
            &hooks_output(o, HOOKS_OUTPUT_LIMIT),
        )
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
        let out = outputs_of(&o, &options(Mode::Apply));
        assert_eq!(get(&out, "created"), "2");
        assert_eq!(get(&out, "updated"), "1");
        assert_eq!(get(&out, "unchanged"), "2");
        assert_eq!(get(&out, "changed"), "true");
        assert_eq!(get(&out, "drift"), "false");
        let hooks: Value = serde_json::from_str(&get(&out, "hooks")).unwrap_or_default();
        assert_eq!(hooks.as_array().map(Vec::len), Some(6));
        assert_eq!(hooks[5]["result"], "failed");
        assert_eq!(
            hooks[5]["error"],
            "pipeline 2: could not list its hooks: unexpected answer from the API: boom"
        );
        assert_eq!(hooks[0]["event"], "action.started");
    }

    #[test]
    fn the_hooks_output_is_cut_by_whole_entries_and_stays_json() {
        use HookResult::*;
        let o = [
            outcome(1, [Created, Created, Updated]),
            outcome(2, [Unchanged, Unchanged, Failed]),
        ];
        let whole = hooks_output(&o, HOOKS_OUTPUT_LIMIT);
        assert_eq!((whole.kept, whole.left_out), (6, 0));
        let all: Value = serde_json::from_str(&whole.json).unwrap_or_default();
        assert_eq!(all.as_array().map(Vec::len), Some(6));
        // Exactly the size of the whole array still fits; one byte less drops one.
        let fit = hooks_output(&o, whole.json.len());
        assert_eq!(fit, whole);
        let cut = hooks_output(&o, whole.json.len() - 1);
        assert_eq!((cut.kept, cut.left_out), (5, 1));
        let five: Value = serde_json::from_str(&cut.json).unwrap_or_default();
        assert_eq!(five.as_array().map(Vec::len), Some(5));
        assert_eq!(five[4], all[4]);
        assert_eq!(hooks_output(&o, 2).json, "[]");
        // The summary says it was cut; the counts stay exact.
        let md = summary(run_of(&o, &[]), &options(Mode::Apply), "ci/x", &cut);
        assert!(md.contains("lists the first 5 of 6 hooks"), "{md}");
        assert!(md.contains("**2 created, 1 updated, 2 unchanged**"), "{md}");
    }

    #[test]
    fn check_counts_drift_and_unhealthy_deliveries() {
        use HookResult::*;
        let mut o = outcome(1, [Missing, Drifted, Ok]);
        o.hooks[2].record_delivery(Some(DeliveryHealth {
            last_status: Some(401),
            recent: 4,
            ignored: 1,
            failed: 3,
            failing: true,
            stale: false,
            cause: Some(Cause::NoAnswer { provider: "github" }),
        }));
        let out = outputs_of(&[o.clone()], &options(Mode::Check));
        assert_eq!(get(&out, "drift"), "true");
        assert_eq!(
            (
                get(&out, "missing"),
                get(&out, "drifted"),
                get(&out, "unhealthy")
            ),
            ("1".into(), "1".into(), "1".into())
        );
        let hooks: Value = serde_json::from_str(&get(&out, "hooks")).unwrap_or_default();
        assert_eq!(hooks[2]["result"], "failing");
        let md = summary_of(&[o], &options(Mode::Check));
        assert!(md.contains("| action.completed | h-1-completed | failing | 401 (3 of last 3 failed); 1 without a commit ignored | no answer from GitHub: check 'provider-api-url' and that Devopness can reach it. |"), "{md}");
        assert!(
            md.contains("> **Note**: 1 delivery without a commit hash ignored"),
            "{md}"
        );
        assert!(md.contains("**Drift found**"));
    }

    #[test]
    fn differences_are_shown_with_header_values_elided() {
        use HookResult::*;
        let mut o = outcome(7, [Drifted, Ok, Ok]);
        o.hooks[0].differences = vec![
            Difference {
                field: Field::BodyField("description".into()),
                observed: json!("old"),
                desired: json!("new"),
            },
            Difference {
                field: Field::Header("x-secret".into()),
                observed: json!("s3cr3t"),
                desired: json!("n3w"),
            },
        ];
        let md = summary_of(&[o], &options(Mode::Check));
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
        let md = summary_of(
            &[outcome(7, [Unchanged, Unchanged, Failed])],
            &options(Mode::Apply),
        );
        assert!(md.contains("### Pipeline 7"), "{md}");
        assert!(
            md.contains("| action.started | h-7-started | unchanged | - |  |"),
            "{md}"
        );
        assert!(md.contains("### Errors"));
        assert!(
            md.contains(
                "- pipeline 7: could not list its hooks: unexpected answer from the API: boom"
            ),
            "{md}"
        );
    }

    fn of_application(
        mut o: PipelineOutcome,
        application_id: Option<u64>,
        repository: &str,
    ) -> PipelineOutcome {
        o.destination = Destination {
            owner: application_id.map(|application_id| Owner {
                application_id,
                application: format!("app-{application_id}"),
                environment: Some("production".into()),
            }),
            repository: repository.into(),
            provider: "github",
            context: "ci/x".into(),
        };
        o
    }

    #[test]
    fn the_pipelines_output_names_each_pipelines_application_and_target() {
        use HookResult::*;
        let o = [
            of_application(outcome(1, [Created; 3]), Some(10), "team/web"),
            of_application(outcome(2, [Created; 3]), None, "octo/app"),
        ];
        let out = outputs_of(&o, &options(Mode::Apply));
        let pipelines: Value = serde_json::from_str(&get(&out, "pipelines")).unwrap_or_default();
        assert_eq!(
            pipelines,
            json!([
                {
                    "pipeline_id": 1, "application_id": 10, "application": "app-10",
                    "environment": "production", "repository": "team/web", "provider": "github",
                    "context": "ci/x"
                },
                {
                    "pipeline_id": 2, "application_id": null, "application": null,
                    "environment": null, "repository": "octo/app", "provider": "github",
                    "context": "ci/x"
                },
            ])
        );
        let one = pipelines_output(&o, pipelines.to_string().len() - 1);
        assert_eq!((one.kept, one.left_out), (1, 1));
    }

    #[test]
    fn the_summary_groups_pipelines_by_application() {
        use crate::outcome::ApplicationError;
        use crate::targets::{Held, TargetError, TargetWarning};
        use HookResult::*;
        let o = [
            of_application(outcome(1, [Created; 3]), Some(10), "team/web"),
            of_application(outcome(2, [Created; 3]), None, "octo/app"),
            of_application(outcome(3, [Unchanged; 3]), Some(10), "team/web"),
        ];
        let web = ApplicationOutcome {
            application_id: 10,
            name: "web".into(),
            environment: None,
            destination: Some(o[0].destination.clone()),
            deploy_pipelines: vec![1, 3],
            error: None,
            warnings: vec![TargetWarning::Contradiction {
                application: "application 10 (web)".into(),
                input: "repository",
                given: "team/web".into(),
                application_value: "team/old".into(),
            }],
            held: Vec::new(),
        };
        let broken = ApplicationOutcome {
            application_id: 11,
            name: String::new(),
            environment: None,
            destination: None,
            deploy_pipelines: Vec::new(),
            error: Some(ApplicationError::Target(TargetError::NoRepository {
                application: "application 11".into(),
            })),
            warnings: Vec::new(),
            held: vec![Held::Belongs {
                pipeline_id: 5,
                application_id: 11,
            }],
        };
        let applications = [web, broken];
        let md = summary(
            run_of(&o, &applications),
            &options(Mode::Apply),
            "ci/x",
            &hooks_output(&o, HOOKS_OUTPUT_LIMIT),
        );
        let at = |needle: &str| {
            md.find(needle)
                .unwrap_or_else(|| panic!("no {needle:?} in:\n{md}"))
        };
        assert!(md.contains("Commit statuses under context `ci/x`."), "{md}");
        assert!(
            md.contains("**1 of 2 application(s) could not be handled**"),
            "{md}"
        );
        let web_at = at("### Application 10 (web): statuses to `team/web` on github");
        assert!(at("> **Warning**: application 10 (web): the 'repository' input") > web_at);
        assert!(web_at < at("#### Pipeline 1") && at("#### Pipeline 1") < at("#### Pipeline 3"));
        let broken_at = at("### Application 11\n");
        assert!(at("#### Pipeline 3") < broken_at);
        let broken_error = at("**Error**: application 11: it has no repository");
        assert!(broken_error > broken_at);
        assert!(
            at("**Error**: pipeline 5 (in 'pipeline-ids') belongs to application 11")
                > broken_error
        );
        let rest = at("### Pipelines of `pipeline-ids`\n");
        assert!(broken_at < rest && rest < at("#### Pipeline 2: statuses to `octo/app` on github"));
        // Without applications, the report is as before.
        let plain = summary_of(&o[1..2], &options(Mode::Apply));
        assert!(
            plain.contains("Commit statuses for `octo/app`") && plain.contains("### Pipeline 2\n"),
            "{plain}"
        );
    }

    #[test]
    fn an_issue_too_long_for_the_whole_report_lists_the_drift() {
        use HookResult::*;
        let mut o: Vec<PipelineOutcome> = (1..=60).map(|id| outcome(id, [Ok; 3])).collect();
        o.push(outcome(61, [Ok, Missing, Ok]));
        let options = options(Mode::Check);
        let hooks = hooks_output(&o, HOOKS_OUTPUT_LIMIT);
        let whole = markdown::issue_report(run_of(&o, &[]), &options, "ci/x", &hooks, usize::MAX);
        assert!(whole.contains("### Pipeline 1\n") && whole.contains("### Pipeline 61\n"));
        let limit = whole.chars().count() / 4;
        let part = markdown::issue_report(run_of(&o, &[]), &options, "ci/x", &hooks, limit);
        assert!(part.chars().count() < limit, "{part}");
        assert!(
            part.contains("### Pipeline 61"),
            "the drift is kept: {part}"
        );
        assert!(
            !part.contains("### Pipeline 1\n"),
            "in sync is left out: {part}"
        );
        assert!(
            part.contains("on 1 of 61 pipeline(s)"),
            "the headline counts the whole run: {part}"
        );
        assert!(
            part.starts_with("> **Note**: the whole report does not fit an issue: this lists the 1 pipeline(s) with drift or errors of the 61 checked"),
            "{part}"
        );
    }
}

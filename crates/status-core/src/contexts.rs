//! The status context of each pipeline, and the check that no two pipelines of a run
//! share one. Pure functions, no I/O.
//!
//! `context` (and through `{context}`, or directly, `hook-name`) may name the pipeline's
//! environment and application: `ci/devopness({environment})` gives `staging` and
//! `production` deploys of one repository their own status. Each pipeline's context is
//! filled in from Devopness and checked then, as the input is (one line, no `{{ }}`, at
//! most [`CONTEXT_LIMIT`] characters; its hook names at most
//! [`providers::HOOK_NAME_LIMIT`]).
//!
//! Two pipelines that post the same context to the same repository overwrite each
//! other's status on GitHub and Bitbucket, and GitLab refuses the second `running` of
//! the same name on a commit: [`shared_contexts`] finds them, for a warning.

use std::fmt;

use crate::hook::{DesiredHook, Event};
use crate::providers::{self, StatusSettings};
use crate::targets::{self, Owner, Target, TargetInputs};

/// The longest status context that every provider accepts (Bitbucket's key limit).
pub const CONTEXT_LIMIT: usize = 40;
/// Filled in with the name of the pipeline's environment.
pub const ENVIRONMENT: &str = "{environment}";
/// Filled in with the name of the pipeline's application.
pub const APPLICATION: &str = "{application}";
/// What the shared-context warning suggests.
pub const SUGGESTED: &str = "ci/devopness({environment})";

/// The placeholders a context may hold.
pub const PLACEHOLDERS: [&str; 2] = [ENVIRONMENT, APPLICATION];

/// Whether `template` names the environment or the application: then every pipeline's
/// application must be read before its hooks can be judged.
pub fn uses_owner(template: &str) -> bool {
    PLACEHOLDERS.iter().any(|p| template.contains(p))
}

/// `template` with the placeholders of `allowed` taken out, to look for others.
pub fn without(template: &str, allowed: &[&str]) -> String {
    allowed
        .iter()
        .fold(template.to_owned(), |t, p| t.replace(p, ""))
}

/// A pipeline's context cannot be filled in, or breaks a rule once it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextError {
    /// It names what the pipeline does not have: no application (`application: None`),
    /// or an application without an environment.
    Unknown {
        input: &'static str,
        placeholder: &'static str,
        application: Option<u64>,
    },
    /// Filled in, it breaks a rule of the input.
    Invalid {
        input: &'static str,
        filled: String,
        reason: String,
    },
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextError::Unknown {
                input,
                placeholder,
                application: None,
            } => write!(
                f,
                "the `{input}` input uses `{placeholder}`, but the pipeline belongs to no application in Devopness, so there is nothing to fill in; give it a `{input}` without placeholders (in a step of its own)"
            ),
            ContextError::Unknown {
                input,
                placeholder,
                application: Some(id),
            } => write!(
                f,
                "the `{input}` input uses `{placeholder}`, but Devopness gave no environment for application {id}; check the application in Devopness, or give it a `{input}` without placeholders (in a step of its own)"
            ),
            ContextError::Invalid {
                input,
                filled,
                reason,
            } => write!(
                f,
                "the `{input}` input, filled in for this pipeline, is `{filled}`: {reason}; shorten the input or rename the environment or application in Devopness"
            ),
        }
    }
}

/// `template` with the pipeline's names filled in; `input` names the input for errors.
pub fn fill(
    template: &str,
    owner: Option<&Owner>,
    input: &'static str,
) -> Result<String, ContextError> {
    let mut filled = template.to_owned();
    let unknown = |placeholder| ContextError::Unknown {
        input,
        placeholder,
        application: owner.map(|o| o.application_id),
    };
    if filled.contains(APPLICATION) {
        let owner = owner.ok_or_else(|| unknown(APPLICATION))?;
        filled = filled.replace(APPLICATION, &owner.application);
    }
    if filled.contains(ENVIRONMENT) {
        let environment = owner
            .and_then(|o| o.environment.as_deref())
            .ok_or_else(|| unknown(ENVIRONMENT))?;
        filled = filled.replace(ENVIRONMENT, environment);
    }
    Ok(filled)
}

/// One pipeline's status settings: `base` with its context and hook-name template filled
/// in and checked (`check_context` is the input's own rule: one line, no templates,
/// within [`CONTEXT_LIMIT`]).
pub fn settings_for_pipeline(
    base: &StatusSettings,
    owner: Option<&Owner>,
    check_context: &dyn Fn(&str) -> Result<(), String>,
) -> Result<StatusSettings, ContextError> {
    let context = fill(&base.context, owner, "context")?;
    check_context(&context).map_err(|reason| ContextError::Invalid {
        input: "context",
        filled: context.clone(),
        reason,
    })?;
    let hook_name = fill(&base.hook_name, owner, "hook-name")?;
    for event in Event::ALL {
        let name = providers::hook_name(&hook_name, &context, event);
        if name.chars().count() > providers::HOOK_NAME_LIMIT {
            return Err(ContextError::Invalid {
                input: "hook-name",
                filled: name,
                reason: format!(
                    "over Devopness's {} characters for a hook name",
                    providers::HOOK_NAME_LIMIT
                ),
            });
        }
    }
    Ok(StatusSettings {
        context,
        hook_name,
        ..base.clone()
    })
}

/// The hooks one pipeline should have: posting to `target` (the provider API of
/// `inputs`), under its own context; with that context.
pub fn pipeline_hooks(
    base: &StatusSettings,
    inputs: &TargetInputs,
    target: &Target,
    owner: Option<&Owner>,
    check_context: &dyn Fn(&str) -> Result<(), String>,
) -> Result<(String, Vec<DesiredHook>), ContextError> {
    let filled = settings_for_pipeline(base, owner, check_context)?;
    let settings = targets::settings_for(&filled, inputs, target);
    let desired = providers::desired_hooks(target.provider, &settings);
    Ok((settings.context, desired))
}

/// Where one pipeline's statuses go, under which context: what [`shared_contexts`]
/// compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub pipeline_id: u64,
    pub owner: Option<Owner>,
    pub repository: String,
    pub provider: &'static str,
    pub context: String,
}

/// What makes two postings the same status: repository, provider, context.
type StatusKey = (String, &'static str, String);

impl Posting {
    /// Providers compare repositories and GitHub contexts without case.
    fn key(&self) -> StatusKey {
        (
            self.repository.to_lowercase(),
            self.provider,
            self.context.to_lowercase(),
        )
    }
}

impl fmt::Display for Posting {
    /// `pipeline 12 (application 3 (web), environment staging)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.owner {
            Some(owner) => write!(f, "pipeline {} ({owner})", self.pipeline_id),
            None => write!(f, "pipeline {}", self.pipeline_id),
        }
    }
}

/// Pipelines of one run that post the same context to the same repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedContext {
    /// Two or more, in the run's order.
    pub pipelines: Vec<Posting>,
}

/// How many pipelines a warning names before it counts the rest.
const NAMED: usize = 5;

impl fmt::Display for SharedContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(first) = self.pipelines.first() else {
            return Ok(());
        };
        let named: Vec<String> = self
            .pipelines
            .iter()
            .take(NAMED)
            .map(ToString::to_string)
            .collect();
        let more = self.pipelines.len().saturating_sub(NAMED);
        write!(
            f,
            "{}{} all post the status `{}` to `{}` on {}: each deploy overwrites the status the other left on the commit (GitLab refuses the second with 400 \"Cannot transition status\"). ",
            named.join(" and "),
            if more > 0 { format!(" and {more} more") } else { String::new() },
            first.context,
            first.repository,
            first.provider,
        )?;
        f.write_str(&self.advice())
    }
}

impl SharedContext {
    /// What to change: a placeholder that tells these pipelines apart, if one does.
    fn advice(&self) -> String {
        let distinct = |name: fn(&Owner) -> Option<&str>| {
            let names: Vec<Option<&str>> = self
                .pipelines
                .iter()
                .map(|p| p.owner.as_ref().and_then(name))
                .collect();
            names.iter().all(Option::is_some)
                && names
                    .iter()
                    .enumerate()
                    .all(|(i, n)| !names[..i].contains(n))
        };
        let by_environment = distinct(|o| o.environment.as_deref());
        let by_application = distinct(|o| Some(o.application.as_str()).filter(|a| !a.is_empty()));
        if by_application && !by_environment {
            "Give each application its own context, e.g. `context: ci/devopness({application})`"
                .into()
        } else if by_environment || self.pipelines.iter().any(|p| p.owner.is_none()) {
            format!("Give each environment its own context, e.g. `context: {SUGGESTED}`")
        } else {
            "They deploy the same application to the same environment: run them with different `context` inputs".into()
        }
    }
}

/// Every group of two or more pipelines that post the same context to the same
/// repository on the same provider, in the order of their first pipeline.
pub fn shared_contexts(postings: &[Posting]) -> Vec<SharedContext> {
    let mut groups: Vec<(StatusKey, Vec<Posting>)> = Vec::new();
    for p in postings {
        let key = p.key();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => group.push(p.clone()),
            None => groups.push((key, vec![p.clone()])),
        }
    }
    groups
        .into_iter()
        .filter(|(_, group)| group.len() > 1)
        .map(|(_, pipelines)| SharedContext { pipelines })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(id: u64, application: &str, environment: Option<&str>) -> Owner {
        Owner {
            application_id: id,
            application: application.into(),
            environment: environment.map(str::to_owned),
        }
    }

    fn check(context: &str) -> Result<(), String> {
        if context.chars().count() > CONTEXT_LIMIT {
            Err(format!("at most {CONTEXT_LIMIT} characters"))
        } else {
            Ok(())
        }
    }

    #[test]
    fn placeholders_are_filled_from_the_pipelines_owner() {
        let web = owner(3, "web", Some("staging"));
        assert_eq!(
            fill("ci/devopness({environment})", Some(&web), "context"),
            Ok("ci/devopness(staging)".into())
        );
        assert_eq!(
            fill("deploy/{application}/{environment}", Some(&web), "context"),
            Ok("deploy/web/staging".into())
        );
        assert_eq!(
            fill("ci/devopness(build)", None, "context"),
            Ok("ci/devopness(build)".into())
        );
        assert!(uses_owner("x/{application}") && !uses_owner("ci/devopness(build)"));
    }

    #[test]
    fn a_placeholder_the_pipeline_cannot_fill_is_an_error_naming_it() {
        let err = fill("ci/{environment}", None, "context").expect_err("no owner");
        assert_eq!(
            err,
            ContextError::Unknown {
                input: "context",
                placeholder: ENVIRONMENT,
                application: None,
            }
        );
        assert!(
            err.to_string().contains("belongs to no application"),
            "{err}"
        );
        let no_environment = owner(3, "web", None);
        let err = fill("ci/{environment}", Some(&no_environment), "context").expect_err("none");
        assert!(
            err.to_string()
                .contains("Devopness gave no environment for application 3"),
            "{err}"
        );
        assert!(fill("ci/{application}", Some(&no_environment), "context").is_ok());
    }

    #[test]
    fn limits_apply_after_filling_in() {
        let base = StatusSettings {
            context: "ci/devopness({environment})".into(),
            hook_name: "{context}: {event}".into(),
            ..StatusSettings::default()
        };
        let short = owner(1, "web", Some("production"));
        let s = settings_for_pipeline(&base, Some(&short), &check).expect("fits");
        assert_eq!(s.context, "ci/devopness(production)");
        let long = owner(1, "web", Some("production-eu-west-1-blue-green"));
        let err = settings_for_pipeline(&base, Some(&long), &check).expect_err("too long");
        assert!(
            matches!(&err, ContextError::Invalid { input: "context", filled, .. } if filled == "ci/devopness(production-eu-west-1-blue-green)"),
            "{err:?}"
        );
        // The context fits, a hook name made from it does not.
        let named = StatusSettings {
            hook_name: "{context} deploy of {application}: {event}".into(),
            ..base
        };
        let app = owner(1, "a-very-long-application-name-indeed", Some("prod"));
        let err = settings_for_pipeline(&named, Some(&app), &check).expect_err("name");
        assert!(
            matches!(
                &err,
                ContextError::Invalid {
                    input: "hook-name",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    fn posting(pipeline_id: u64, owner: Option<Owner>, repository: &str, context: &str) -> Posting {
        Posting {
            pipeline_id,
            owner,
            repository: repository.into(),
            provider: "github",
            context: context.into(),
        }
    }

    #[test]
    fn two_environments_of_one_repository_under_one_context_are_found() {
        let staging = posting(
            101,
            Some(owner(1, "web", Some("staging"))),
            "octo/web",
            "ci/devopness(build)",
        );
        let production = posting(
            102,
            Some(owner(2, "web-prod", Some("production"))),
            "Octo/Web",
            "ci/devopness(build)",
        );
        let other = posting(103, None, "octo/api", "ci/devopness(build)");
        let shared = shared_contexts(&[staging.clone(), other, production.clone()]);
        assert_eq!(
            shared,
            [SharedContext {
                pipelines: vec![staging.clone(), production.clone()]
            }]
        );
        let text = shared[0].to_string();
        assert!(text.starts_with("pipeline 101 (application 1 (web), environment staging) and pipeline 102 (application 2 (web-prod), environment production) all post the status `ci/devopness(build)` to `octo/web` on github"), "{text}");
        assert!(
            text.ends_with("e.g. `context: ci/devopness({environment})`"),
            "{text}"
        );

        // With a context per environment, nothing is shared.
        let own = |p: &Posting, env: &str| Posting {
            context: format!("ci/devopness({env})"),
            ..p.clone()
        };
        assert!(
            shared_contexts(&[own(&staging, "staging"), own(&production, "production")]).is_empty()
        );
    }

    #[test]
    fn the_advice_names_what_tells_the_pipelines_apart() {
        let same_env = [
            posting(1, Some(owner(1, "web", Some("prod"))), "o/r", "c"),
            posting(2, Some(owner(2, "worker", Some("prod"))), "o/r", "c"),
        ];
        let text = shared_contexts(&same_env)[0].to_string();
        assert!(
            text.ends_with("`context: ci/devopness({application})`"),
            "{text}"
        );
        let same_app = [
            posting(1, Some(owner(1, "web", Some("prod"))), "o/r", "c"),
            posting(2, Some(owner(1, "web", Some("prod"))), "o/r", "c"),
        ];
        let text = shared_contexts(&same_app)[0].to_string();
        assert!(
            text.contains("same application to the same environment"),
            "{text}"
        );
        let unread = [posting(1, None, "o/r", "c"), posting(2, None, "o/r", "c")];
        let text = shared_contexts(&unread)[0].to_string();
        assert!(
            text.starts_with("pipeline 1 and pipeline 2 all post"),
            "{text}"
        );
        assert!(text.contains("ci/devopness({environment})"), "{text}");
    }
}

//! What a run could not do for a pipeline or one of its hooks, kept as a type (the
//! operation, the pipeline, the [`ApiError`] behind it) until it is reported. Pure data
//! and its message; `apply` produces it, the log and the report print it.

use std::fmt;

use crate::api_error::{ApiError, TransportError};
use crate::contexts::ContextError;
use crate::hook::Event;
use crate::targets::PipelineTargetError;

/// A failure of one operation on a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The pipeline's hooks could not be listed: nothing was done to it.
    List { pipeline_id: u64, cause: ApiError },
    /// A create that certainly did not happen.
    Create {
        pipeline_id: u64,
        event: Event,
        cause: ApiError,
    },
    /// A create that was sent and may have happened; `relist` when listing again to
    /// find out failed too. Never sent again blindly: the next run creates it only if
    /// it is still missing.
    CreateUnknown {
        pipeline_id: u64,
        event: Event,
        cause: ApiError,
        relist: Option<ApiError>,
    },
    Repair {
        pipeline_id: u64,
        event: Event,
        hook_id: String,
        cause: ApiError,
    },
    /// `relist`: the delete's outcome was unknown and listing again to find out failed.
    Delete {
        pipeline_id: u64,
        hook_id: String,
        cause: ApiError,
        relist: bool,
    },
    /// `check`: the hook's delivery log could not be read.
    Deliveries { hook_id: String, cause: ApiError },
    /// `application-ids`: the application (`GET /applications/{id}`) could not be read.
    Application {
        application_id: u64,
        cause: ApiError,
    },
    /// `application-ids`: the application's pipeline list could not be read.
    ApplicationPipelines {
        application_id: u64,
        cause: ApiError,
    },
    /// `pipeline-ids`: what the pipeline belongs to (`GET /pipelines/{id}`) could not
    /// be read, so where its statuses go is not known: nothing was written to it.
    Owner { pipeline_id: u64, cause: ApiError },
    /// `pipeline-ids`: the pipeline's application could not be read: nothing was
    /// written to it.
    OwnerApplication {
        pipeline_id: u64,
        application_id: u64,
        cause: ApiError,
    },
    /// `pipeline-ids`: neither the inputs nor the pipeline's application say where its
    /// statuses go.
    NoTarget(PipelineTargetError),
    /// Its context (or hook names), filled in with its environment and application,
    /// breaks a rule: nothing was written to it.
    Context {
        pipeline_id: u64,
        error: ContextError,
    },
}

impl Failure {
    /// The API error at the root of it (the relist's, when that is what failed last);
    /// `None` when no request failed.
    pub fn cause(&self) -> Option<&ApiError> {
        match self {
            Failure::CreateUnknown {
                relist: Some(e), ..
            } => Some(e),
            Failure::List { cause, .. }
            | Failure::Create { cause, .. }
            | Failure::CreateUnknown { cause, .. }
            | Failure::Repair { cause, .. }
            | Failure::Delete { cause, .. }
            | Failure::Deliveries { cause, .. }
            | Failure::Application { cause, .. }
            | Failure::ApplicationPipelines { cause, .. }
            | Failure::Owner { cause, .. }
            | Failure::OwnerApplication { cause, .. } => Some(cause),
            Failure::NoTarget(_) | Failure::Context { .. } => None,
        }
    }

    /// Whether a write may have happened without the run knowing.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Failure::CreateUnknown { .. })
    }

    /// Never sent because the run ran out of time (its deadline, or a rate limit that
    /// reopens after it): a rerun continues.
    pub fn out_of_time(&self) -> bool {
        self.cause().is_some_and(ApiError::out_of_time)
    }

    /// The same failure with its free text (server messages) passed through `f`.
    pub fn map_text(&self, f: &dyn Fn(&str) -> String) -> Failure {
        let mut out = self.clone();
        match &mut out {
            Failure::List { cause, .. }
            | Failure::Create { cause, .. }
            | Failure::Repair { cause, .. }
            | Failure::Delete { cause, .. }
            | Failure::Deliveries { cause, .. }
            | Failure::Application { cause, .. }
            | Failure::ApplicationPipelines { cause, .. }
            | Failure::Owner { cause, .. }
            | Failure::OwnerApplication { cause, .. } => *cause = cause.map_text(f),
            Failure::CreateUnknown { cause, relist, .. } => {
                *cause = cause.map_text(f);
                *relist = relist.as_ref().map(|e| e.map_text(f));
            }
            Failure::NoTarget(_) | Failure::Context { .. } => {}
        }
        out
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::List { pipeline_id, cause } => {
                write!(f, "pipeline {pipeline_id}: could not list its hooks: {cause}")
            }
            Failure::Create {
                pipeline_id,
                event,
                cause,
            } => write!(
                f,
                "pipeline {pipeline_id}: could not create the {} hook: {cause}",
                event.as_str()
            ),
            Failure::CreateUnknown {
                pipeline_id,
                event,
                cause,
                relist: None,
            } => write!(
                f,
                "pipeline {pipeline_id}: creating the {} hook: outcome unknown ({cause}); run again: it is created only if still missing",
                event.as_str()
            ),
            Failure::CreateUnknown {
                pipeline_id,
                event,
                relist: Some(relist),
                ..
            } => write!(
                f,
                "pipeline {pipeline_id}: creating the {} hook: outcome unknown, and listing again failed: {relist}; run again",
                event.as_str()
            ),
            Failure::Repair {
                pipeline_id,
                event,
                hook_id,
                cause,
            } => write!(
                f,
                "pipeline {pipeline_id}: could not repair the {} hook {hook_id}: {cause}",
                event.as_str()
            ),
            Failure::Delete {
                pipeline_id,
                hook_id,
                cause,
                relist,
            } => {
                write!(f, "pipeline {pipeline_id}: could not delete hook {hook_id}: ")?;
                if *relist {
                    write!(f, "outcome unknown, and the list failed too: ")?;
                }
                write!(f, "{cause}")
            }
            Failure::Deliveries { hook_id, cause } => {
                write!(f, "could not read the delivery log of hook {hook_id}: {cause}")
            }
            _ => self.fmt_whose(f),
        }
    }
}

impl Failure {
    /// The failures to find a pipeline's application, or where its statuses go.
    fn fmt_whose(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Application {
                application_id,
                cause,
            } => {
                write!(f, "application {application_id}: could not read it: ")?;
                application_cause(f, cause)
            }
            Failure::ApplicationPipelines {
                application_id,
                cause,
            } => {
                write!(
                    f,
                    "application {application_id}: could not list its pipelines: "
                )?;
                application_cause(f, cause)
            }
            Failure::Owner { pipeline_id, cause } => write!(
                f,
                "pipeline {pipeline_id}: could not read which application it belongs to, so where its statuses go is not known; nothing written to it: {cause}"
            ),
            Failure::OwnerApplication {
                pipeline_id,
                application_id,
                cause,
            } => {
                write!(
                    f,
                    "pipeline {pipeline_id}: could not read its application {application_id}, so where its statuses go is not known; nothing written to it: "
                )?;
                application_cause(f, cause)
            }
            Failure::NoTarget(e) => write!(f, "{e}"),
            Failure::Context { pipeline_id, error } => {
                write!(f, "pipeline {pipeline_id}: {error}; nothing written to it")
            }
            Failure::List { .. }
            | Failure::Create { .. }
            | Failure::CreateUnknown { .. }
            | Failure::Repair { .. }
            | Failure::Delete { .. }
            | Failure::Deliveries { .. } => Ok(()),
        }
    }
}

impl std::error::Error for Failure {}

/// What an application's 404 and 403 mean (the API's own messages say pipeline).
fn application_cause(f: &mut fmt::Formatter<'_>, cause: &ApiError) -> fmt::Result {
    match cause {
        ApiError::NotFound(m) => write!(
            f,
            "not found (404: {m}): check the application id in `application-ids`, and that the token's user can see it"
        ),
        ApiError::Forbidden(m) => write!(
            f,
            "the token lacks access (403: {m}): use a token of a user who can see this application and manage its pipelines' hooks"
        ),
        other => write!(f, "{other}"),
    }
}

/// When some of `failures` are requests never sent for lack of time (the deadline, or a
/// rate limit reopening after it), the run's own message: `done` of `total` pipelines
/// are done, why the rest are not, and that a rerun continues.
pub fn stopped_early<'a>(
    failures: impl IntoIterator<Item = &'a Failure>,
    done: usize,
    total: usize,
) -> Option<String> {
    let out_of_time: Vec<&Failure> = failures.into_iter().filter(|f| f.out_of_time()).collect();
    if out_of_time.is_empty() {
        return None;
    }
    let rate_limited = out_of_time.iter().find_map(|f| match f.cause() {
        Some(ApiError::Transport(TransportError::RateLimited { wait })) => Some(*wait),
        _ => None,
    });
    let why = match rate_limited {
        Some(wait) => format!(
            "the API's rate limit holds every request for {} s more, past timeout-seconds",
            wait.as_secs_f64().ceil()
        ),
        None => "the run's timeout-seconds ran out".to_owned(),
    };
    Some(format!(
        "{done} of {total} pipeline(s) done: {why}. Run again to continue (or raise timeout-seconds): the pipelines done cost one request each, and nothing is created twice"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn application_failures_say_what_to_check() {
        let missing = Failure::Application {
            application_id: 99,
            cause: ApiError::NotFound("Application not found.".into()),
        };
        assert_eq!(
            missing.to_string(),
            "application 99: could not read it: not found (404: Application not found.): check the application id in `application-ids`, and that the token's user can see it"
        );
        let list = Failure::ApplicationPipelines {
            application_id: 5,
            cause: ApiError::Status {
                code: 503,
                message: String::new(),
            },
        };
        assert_eq!(
            list.to_string(),
            "application 5: could not list its pipelines: the API answered 503: a server-side problem; run again later"
        );
    }

    #[test]
    fn messages_name_the_pipeline_the_operation_and_the_cause() {
        let unknown = Failure::CreateUnknown {
            pipeline_id: 7,
            event: Event::Failed,
            cause: ApiError::Status {
                code: 500,
                message: "Server Error".into(),
            },
            relist: None,
        };
        let text = unknown.to_string();
        assert!(
            text.starts_with("pipeline 7: creating the action.failed hook: outcome unknown ("),
            "{text}"
        );
        assert!(unknown.outcome_unknown() && !unknown.out_of_time());
        let relisted = Failure::CreateUnknown {
            pipeline_id: 7,
            event: Event::Failed,
            cause: ApiError::Transport(TransportError::Connection("reset".into())),
            relist: Some(ApiError::Transport(TransportError::Deadline)),
        };
        assert!(relisted
            .to_string()
            .contains("listing again failed: not sent"));
        assert!(relisted.out_of_time());
    }

    #[test]
    fn a_run_out_of_time_says_how_far_it_got_and_why() {
        let list = |cause| Failure::List {
            pipeline_id: 3,
            cause,
        };
        let forbidden = list(ApiError::Forbidden("no".into()));
        assert_eq!(stopped_early([&forbidden], 1, 2), None);
        let limited = list(ApiError::Transport(TransportError::RateLimited {
            wait: Duration::from_millis(29_200),
        }));
        let note = stopped_early([&forbidden, &limited], 7, 50).expect("a note");
        assert!(
            note.starts_with(
                "7 of 50 pipeline(s) done: the API's rate limit holds every request for 30 s more"
            ),
            "{note}"
        );
        assert!(note.contains("Run again to continue"), "{note}");
        let late = list(ApiError::Transport(TransportError::Deadline));
        let note = stopped_early([&late], 0, 1).expect("a note");
        assert!(note.contains("the run's timeout-seconds ran out"), "{note}");
    }

    #[test]
    fn redaction_reaches_the_server_text() {
        let f = Failure::List {
            pipeline_id: 1,
            cause: ApiError::Forbidden("token abc123 refused".into()),
        };
        let redacted = f.map_text(&|s: &str| s.replace("abc123", "***"));
        assert!(!redacted.to_string().contains("abc123"));
        assert!(matches!(redacted, Failure::List { pipeline_id: 1, .. }));
    }
}

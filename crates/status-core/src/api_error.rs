//! What went wrong talking to an API, as types: [`TransportError`] (no usable answer:
//! not sent, no connection, refused certificate, timeout) and [`ApiError`] (what the
//! Devopness API answered, or the transport failure behind it). Pure data with the
//! messages a user can act on; the transport and the endpoints produce them, the report
//! prints them. Nothing here does I/O.

use std::fmt;
use std::time::Duration;

/// Largest response body read; anything bigger is an error, not an allocation.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// Why a request got no usable answer.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportError {
    /// Not sent: the run's `timeout-seconds` had run out.
    Deadline,
    /// Not sent: the API's rate limit holds every request for `wait` (429,
    /// `Retry-After`, `X-RateLimit-Reset`), past the run's `timeout-seconds`.
    RateLimited { wait: Duration },
    /// Not sent: no connection could be made.
    Connect(String),
    /// Not sent: the server's certificate was refused; retrying cannot help. The TLS
    /// library's reason, as it words it (e.g. `invalid peer certificate: UnknownIssuer`).
    Tls(String),
    /// Sent, but no answer came in time: it may have been carried out.
    Timeout(String),
    /// Sent, but the connection failed before the answer: it may have been carried out.
    Connection(String),
    /// An answer whose body is over [`MAX_BODY`].
    BodyTooLarge,
    /// The request could not be built (a URL the client refuses).
    Request(String),
}

impl TransportError {
    /// Whether the request may have reached the server (a write may have happened).
    pub fn maybe_sent(&self) -> bool {
        matches!(
            self,
            TransportError::Timeout(_) | TransportError::Connection(_)
        )
    }

    /// Whether it was never sent because the run ran out of time (its deadline, or a
    /// rate limit that reopens after it): a rerun continues where this one stopped.
    pub fn out_of_time(&self) -> bool {
        matches!(
            self,
            TransportError::Deadline | TransportError::RateLimited { .. }
        )
    }

    /// The same error with its free text passed through `f` (secret redaction).
    pub fn map_text(&self, f: &dyn Fn(&str) -> String) -> TransportError {
        match self {
            TransportError::Connect(m) => TransportError::Connect(f(m)),
            TransportError::Timeout(m) => TransportError::Timeout(f(m)),
            TransportError::Connection(m) => TransportError::Connection(f(m)),
            TransportError::Request(m) => TransportError::Request(f(m)),
            other => other.clone(),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Deadline => write!(f, "not sent: the run's timeout-seconds ran out"),
            TransportError::RateLimited { wait } => write!(
                f,
                "not sent: the API's rate limit (429) holds requests for {} s more, past the run's timeout-seconds",
                wait.as_secs_f64().ceil()
            ),
            TransportError::Connect(m) => write!(f, "could not connect: {m}"),
            TransportError::Tls(e) => write!(
                f,
                "the server's TLS certificate is not trusted ({e}): for a private or corporate CA, give its PEM in `ca-certificate` or point SSL_CERT_FILE at it"
            ),
            TransportError::Timeout(m) => write!(
                f,
                "timed out (a request may take 30 s, the whole run `timeout-seconds`): {m}"
            ),
            TransportError::Connection(m) => write!(f, "connection failed: {m}"),
            TransportError::BodyTooLarge => write!(
                f,
                "a response body over {} MiB",
                MAX_BODY / (1024 * 1024)
            ),
            TransportError::Request(m) => write!(f, "the request could not be made: {m}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// Why a Devopness API request failed, in terms of what the user can do about it.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 401: the token was rejected.
    Unauthorized,
    /// 403: the token lacks access to this resource.
    Forbidden(String),
    /// 404: unknown id, or not visible to this token.
    NotFound(String),
    /// 422: the API's field errors.
    Validation {
        message: String,
        fields: Vec<(String, Vec<String>)>,
    },
    /// Any other HTTP status (429 and 5xx once retries are spent).
    Status { code: u16, message: String },
    /// No usable answer.
    Transport(TransportError),
    /// A response that is not what the API documents.
    BadResponse(String),
}

impl ApiError {
    /// Whether a write that failed this way may still have been carried out.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::Transport(e) => e.maybe_sent(),
            ApiError::Status { code, .. } => *code >= 500,
            _ => false,
        }
    }

    /// Never sent because the run ran out of time (see [`TransportError::out_of_time`]).
    pub fn out_of_time(&self) -> bool {
        matches!(self, ApiError::Transport(e) if e.out_of_time())
    }

    /// The same error with its free text (server messages) passed through `f`.
    pub fn map_text(&self, f: &dyn Fn(&str) -> String) -> ApiError {
        match self {
            ApiError::Unauthorized => ApiError::Unauthorized,
            ApiError::Forbidden(m) => ApiError::Forbidden(f(m)),
            ApiError::NotFound(m) => ApiError::NotFound(f(m)),
            ApiError::Validation { message, fields } => ApiError::Validation {
                message: f(message),
                fields: fields
                    .iter()
                    .map(|(k, v)| (f(k), v.iter().map(|e| f(e)).collect()))
                    .collect(),
            },
            ApiError::Status { code, message } => ApiError::Status {
                code: *code,
                message: f(message),
            },
            ApiError::Transport(e) => ApiError::Transport(e.map_text(f)),
            ApiError::BadResponse(m) => ApiError::BadResponse(f(m)),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unauthorized => write!(
                f,
                "the Devopness API rejected the token (401): check that the `api-token` secret holds a valid, unexpired Devopness API token"
            ),
            ApiError::Forbidden(m) => write!(
                f,
                "the token lacks access (403: {m}): use a token of a user who can manage this pipeline's hooks"
            ),
            ApiError::NotFound(m) => write!(
                f,
                "not found (404: {m}): check the pipeline id, and that the token's user can see it"
            ),
            ApiError::Validation { message, fields } => {
                write!(f, "the API refused the request (422: {message})")?;
                for (field, errors) in fields {
                    write!(f, "; {field}: {}", errors.join(" "))?;
                }
                Ok(())
            }
            ApiError::Status { code, message } => {
                write!(f, "the API answered {code}")?;
                if !message.is_empty() {
                    write!(f, " ({message})")?;
                }
                if *code == 429 {
                    write!(f, ": the API's rate limit; run again later")?;
                } else if *code >= 500 {
                    write!(f, ": a server-side problem; run again later")?;
                }
                Ok(())
            }
            ApiError::Transport(e) => match e {
                TransportError::Deadline | TransportError::RateLimited { .. } => {
                    write!(f, "{e}; run again later")
                }
                TransportError::Tls(_) => write!(f, "{e}"),
                TransportError::BodyTooLarge => write!(
                    f,
                    "unexpected answer from the API: {e}; is api-url the Devopness API?"
                ),
                _ => write!(f, "no answer from the API ({e})"),
            },
            ApiError::BadResponse(m) => write!(f, "unexpected answer from the API: {m}"),
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_error_after_sending_leaves_a_write_unknown() {
        let t = |e| ApiError::Transport(e);
        assert!(t(TransportError::Timeout("x".into())).outcome_unknown());
        assert!(t(TransportError::Connection("reset".into())).outcome_unknown());
        assert!(!t(TransportError::Connect("refused".into())).outcome_unknown());
        assert!(!t(TransportError::Deadline).outcome_unknown());
        assert!(!t(TransportError::RateLimited {
            wait: Duration::from_secs(30)
        })
        .outcome_unknown());
        let status = |code| ApiError::Status {
            code,
            message: String::new(),
        };
        assert!(status(500).outcome_unknown());
        assert!(!status(429).outcome_unknown());
        assert!(!ApiError::Forbidden("no".into()).outcome_unknown());
    }

    #[test]
    fn out_of_time_is_only_what_was_never_sent_for_lack_of_time() {
        assert!(ApiError::Transport(TransportError::Deadline).out_of_time());
        assert!(ApiError::Transport(TransportError::RateLimited {
            wait: Duration::from_secs(3)
        })
        .out_of_time());
        assert!(!ApiError::Transport(TransportError::Timeout("t".into())).out_of_time());
        assert!(!ApiError::Unauthorized.out_of_time());
    }

    #[test]
    fn a_refused_certificate_names_the_reason_and_the_fix() {
        let e = ApiError::Transport(TransportError::Tls(
            "invalid peer certificate: UnknownIssuer".to_owned(),
        ));
        let text = e.to_string();
        assert!(
            text.contains("invalid peer certificate: UnknownIssuer"),
            "{text}"
        );
        assert!(text.contains("ca-certificate") && text.contains("SSL_CERT_FILE"));
    }

    #[test]
    fn map_text_reaches_every_server_message() {
        let e = ApiError::Validation {
            message: "secret here".into(),
            fields: vec![("name".into(), vec!["secret again".into()])],
        };
        let redacted = e.map_text(&|s: &str| s.replace("secret", "***"));
        assert!(!redacted.to_string().contains("secret"), "{redacted}");
    }
}

//! The retry policy, as pure functions: which answers are sent again, after how long,
//! and what the rate-limit headers say. No I/O; the transport applies them.
//!
//! - Never carried out (no connection, or 429): sent again, whatever the method.
//! - 500, 502, 503, 504, a timeout or a dropped connection after sending: sent again
//!   only when the method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS). A POST so
//!   answered may have been carried out; the caller settles it (lists again) instead.
//! - Anything else is the answer.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// Attempts per request, the first included, for faults other than 429.
pub const MAX_ATTEMPTS: u32 = 6;
/// How many 429s one request waits out before its 429 is the answer.
pub const MAX_RATE_LIMITED: u32 = 12;
/// First backoff; doubles per attempt, with jitter, up to [`MAX_BACKOFF`].
pub const BASE_BACKOFF: Duration = Duration::from_millis(250);
pub const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// The longest wait a `Retry-After` or `X-RateLimit-Reset` may impose.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Added to a wait until `X-RateLimit-Reset`, so a request never arrives just before
/// the window ends (clocks are read twice, in whole seconds on the server).
pub const RESET_MARGIN: Duration = Duration::from_millis(50);
/// How far apart `X-RateLimit-Reset` and `Retry-After` may say the same end is before
/// the clocks are taken to disagree (then `Retry-After` is used).
pub const SKEW: Duration = Duration::from_secs(2);
/// Added to every announced wait: `X-RateLimit-Reset` and `Retry-After` are whole
/// seconds rounded down, so a window announced to reset at second R really ends before
/// R + 1 s, and `Retry-After: 0` means "within the next second", not "now" (Laravel:
/// `docs/rate-limits.md`).
pub const ROUNDING: Duration = Duration::from_secs(1);

/// What one attempt came to, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// An answer with this status; `rate_limited` when it refuses for the rate limit
    /// (429, or 403 with `X-RateLimit-Remaining: 0` as GitHub does).
    Answered {
        status: StatusCode,
        rate_limited: bool,
    },
    /// No connection was made: nothing was sent.
    NotSent,
    /// Sent, then no answer (timeout, dropped connection).
    Lost,
    /// Retrying cannot help (a refused certificate, a body too large, no time left).
    Fatal,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The attempt's result is the answer.
    Done,
    /// Send again after this wait (and after the rate-limit gate opens).
    Retry(Duration),
}

/// Counts of the attempts of one request so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tries {
    pub faults: u32,
    pub rate_limited: u32,
}

/// Idempotent by HTTP semantics (RFC 9110 9.2.2): sending it twice does what once does.
pub fn idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// The decision after `attempt`; `tries` counts it. `retry_after` is the answer's own
/// `Retry-After`, honoured (within [`MAX_RETRY_AFTER`]) when longer than the backoff.
pub fn next(
    idempotent: bool,
    attempt: Attempt,
    tries: &mut Tries,
    retry_after: Option<Duration>,
) -> Next {
    match attempt {
        Attempt::Answered {
            rate_limited: true, ..
        } => {
            tries.rate_limited += 1;
            if tries.rate_limited < MAX_RATE_LIMITED {
                // The rate-limit gate holds the request until the window reopens.
                Next::Retry(Duration::ZERO)
            } else {
                Next::Done
            }
        }
        Attempt::Answered { status, .. } if transient(status) && idempotent => {
            fault(tries, retry_after)
        }
        Attempt::NotSent => fault(tries, None),
        Attempt::Lost if idempotent => fault(tries, None),
        _ => Next::Done,
    }
}

fn fault(tries: &mut Tries, retry_after: Option<Duration>) -> Next {
    tries.faults += 1;
    if tries.faults >= MAX_ATTEMPTS {
        return Next::Done;
    }
    let wait =
        backoff(tries.faults).max(retry_after.unwrap_or(Duration::ZERO).min(MAX_RETRY_AFTER));
    Next::Retry(wait)
}

/// A server-side fault that a second try may not meet.
pub fn transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

/// Exponential backoff with jitter: a random wait in the upper half of 250 ms, 500 ms,
/// 1 s, 2 s, 2 s, ... for the faults 1, 2, 3, ...
pub fn backoff(fault: u32) -> Duration {
    let ceiling = BASE_BACKOFF
        .saturating_mul(1 << fault.saturating_sub(1).min(6))
        .min(MAX_BACKOFF);
    let random = {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(fault);
        h.finish()
    };
    let millis = ceiling.as_millis() as u64;
    Duration::from_millis(millis / 2 + random % (millis / 2 + 1))
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What an answer says about the rate limit (Laravel's throttle, GitHub's API).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateHeaders {
    /// `X-RateLimit-Limit`: requests per window.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: requests left in this window.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`, as the wait from `now` until the window reopens.
    pub reset: Option<Duration>,
    /// `Retry-After`, as a wait.
    pub retry_after: Option<Duration>,
}

impl RateHeaders {
    pub fn parse(headers: &HeaderMap, now: SystemTime) -> RateHeaders {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let number = |name: &str| text(name).and_then(|v| v.trim().parse::<u64>().ok());
        RateHeaders {
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
            // A time past what `SystemTime` can hold says nothing usable: no reset.
            reset: number("x-ratelimit-reset")
                .and_then(|at| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(at)))
                .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO)),
            retry_after: headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, now)),
        }
    }

    /// Whether an answer with `status` refuses for the rate limit: a 429, or GitHub's 403
    /// that says when to come back (its primary limit: `Remaining: 0` with the reset it
    /// sends on every answer; its secondary limit: `Retry-After`). Laravel counts a request
    /// before it is handled, so a plain 403 that was the window's last request also says
    /// `Remaining: 0`, without a reset: that is a refusal of the request, not of the rate.
    pub fn refuses(&self, status: StatusCode) -> bool {
        let says_when =
            (self.remaining == Some(0) && self.reset.is_some()) || self.retry_after.is_some();
        status == StatusCode::TOO_MANY_REQUESTS || (status == StatusCode::FORBIDDEN && says_when)
    }

    /// Whether an answer with `status` speaks for the API's rate limiter. A server error
    /// without its headers does not: a page from what stands in front of it (a proxy's
    /// 502 or 504, a maintenance-mode 503) says nothing of the window, so it is paced as
    /// a request that got no answer (a probe's place is taken by the next request).
    pub fn speaks_for_the_limiter(&self, status: StatusCode) -> bool {
        !(status.is_server_error() && self.remaining.is_none())
    }

    /// `X-RateLimit-Reset` as a wait, when `Retry-After` is there too and agrees with it
    /// (Laravel's refusal, and the two clocks agree). They differ by up to a second and a
    /// round trip when they do: `Retry-After` counts from the whole second the server
    /// answered in, the reset from when the answer is read here.
    pub fn agreed_reset(&self) -> Option<Duration> {
        let (reset, after) = (self.reset?, self.retry_after?);
        (reset.abs_diff(after) <= SKEW).then_some(reset)
    }

    /// How long every request must wait after a refusal for the window to have really
    /// ended: until `X-RateLimit-Reset` plus the second it was rounded down by (and a
    /// margin), unless it disagrees with `Retry-After` by more than [`SKEW`] (the clocks
    /// disagree), then `Retry-After` plus a second; `None` when the answer says neither.
    /// Never zero: `Retry-After: 0` holds a second.
    pub fn hold(&self) -> Option<Duration> {
        let wait = match (self.agreed_reset(), self.reset, self.retry_after) {
            (Some(reset), _, _) | (None, Some(reset), None) => {
                reset.saturating_add(ROUNDING + RESET_MARGIN)
            }
            (None, _, Some(after)) => after.saturating_add(ROUNDING),
            (None, None, None) => return None,
        };
        Some(wait.min(MAX_RETRY_AFTER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn answered(code: u16) -> Attempt {
        Attempt::Answered {
            status: StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT),
            rate_limited: code == 429,
        }
    }

    fn decide(idempotent: bool, attempt: Attempt) -> Next {
        next(idempotent, attempt, &mut Tries::default(), None)
    }

    #[test]
    fn idempotent_methods_are_retried_on_500_and_gateway_errors() {
        for code in [500, 502, 503, 504] {
            assert!(
                matches!(decide(true, answered(code)), Next::Retry(_)),
                "{code}"
            );
            assert_eq!(decide(false, answered(code)), Next::Done, "POST {code}");
        }
        for code in [200, 201, 204, 400, 401, 403, 404, 422, 501] {
            assert_eq!(decide(true, answered(code)), Next::Done, "{code}");
        }
    }

    #[test]
    fn what_was_never_carried_out_is_sent_again_whatever_the_method() {
        assert!(matches!(decide(false, Attempt::NotSent), Next::Retry(_)));
        assert_eq!(decide(false, answered(429)), Next::Retry(Duration::ZERO));
        assert!(matches!(decide(true, Attempt::Lost), Next::Retry(_)));
        assert_eq!(decide(false, Attempt::Lost), Next::Done);
        assert_eq!(decide(true, Attempt::Fatal), Next::Done);
    }

    #[test]
    fn retries_are_bounded() {
        let mut tries = Tries::default();
        let faults = (0..20)
            .take_while(|_| next(true, answered(503), &mut tries, None) != Next::Done)
            .count();
        assert_eq!(faults as u32, MAX_ATTEMPTS - 1);
        let mut tries = Tries::default();
        let limited = (0..50)
            .take_while(|_| next(true, answered(429), &mut tries, None) != Next::Done)
            .count();
        assert_eq!(limited as u32, MAX_RATE_LIMITED - 1);
    }

    #[test]
    fn a_longer_retry_after_on_a_fault_is_honoured() {
        let wait = next(
            true,
            answered(503),
            &mut Tries::default(),
            Some(Duration::from_secs(5)),
        );
        assert_eq!(wait, Next::Retry(Duration::from_secs(5)));
    }

    #[test]
    fn backoff_grows_with_jitter_up_to_a_ceiling() {
        for fault in 1..=8u32 {
            let ceiling = (BASE_BACKOFF * (1 << (fault - 1).min(6))).min(MAX_BACKOFF);
            let b = backoff(fault);
            assert!(b >= ceiling / 2 && b <= ceiling, "{fault}: {b:?}");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    #[test]
    fn laravel_throttle_headers() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let ok = RateHeaders::parse(
            &headers(&[("x-ratelimit-limit", "60"), ("x-ratelimit-remaining", "0")]),
            now,
        );
        assert_eq!((ok.limit, ok.remaining), (Some(60), Some(0)));
        assert!(!ok.refuses(StatusCode::OK));
        assert_eq!(ok.hold(), None);
        let refused = RateHeaders::parse(
            &headers(&[
                ("x-ratelimit-limit", "60"),
                ("x-ratelimit-remaining", "0"),
                ("retry-after", "4"),
                ("x-ratelimit-reset", "1004"),
            ]),
            now + Duration::from_millis(300),
        );
        assert!(refused.refuses(StatusCode::TOO_MANY_REQUESTS));
        // Until the reset, to the millisecond, plus the second it was rounded down by:
        // the window opened somewhere in second 944 and ends before 1005.
        assert_eq!(
            refused.hold(),
            Some(Duration::from_millis(4_700) + RESET_MARGIN)
        );
    }

    #[test]
    fn retry_after_0_while_the_window_is_closed_holds_a_second() {
        // Laravel's last fraction of a second: the reset is this very second.
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_004_300);
        let refused = RateHeaders::parse(
            &headers(&[
                ("x-ratelimit-limit", "60"),
                ("x-ratelimit-remaining", "0"),
                ("retry-after", "0"),
                ("x-ratelimit-reset", "1004"),
            ]),
            now,
        );
        assert_eq!(refused.reset, Some(Duration::ZERO));
        assert_eq!(refused.hold(), Some(ROUNDING + RESET_MARGIN));
        // Retry-After alone, 0: a second too.
        let bare = RateHeaders::parse(&headers(&[("retry-after", "0")]), now);
        assert_eq!(bare.hold(), Some(ROUNDING));
    }

    #[test]
    fn a_reset_far_from_retry_after_is_clock_skew() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let skewed = RateHeaders::parse(
            &headers(&[("retry-after", "4"), ("x-ratelimit-reset", "1090")]),
            now,
        );
        assert_eq!(skewed.hold(), Some(Duration::from_secs(5)));
        let github = RateHeaders::parse(
            &headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1010"),
            ]),
            now,
        );
        assert!(github.refuses(StatusCode::FORBIDDEN));
        assert_eq!(github.hold(), Some(Duration::from_secs(11) + RESET_MARGIN));
        assert!(!RateHeaders::default().refuses(StatusCode::FORBIDDEN));
    }

    #[test]
    fn a_server_error_without_rate_headers_does_not_speak_for_the_limiter() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let none = RateHeaders::parse(&HeaderMap::new(), now);
        assert!(!none.speaks_for_the_limiter(StatusCode::BAD_GATEWAY));
        assert!(!none.speaks_for_the_limiter(StatusCode::SERVICE_UNAVAILABLE));
        // A route without the throttle, or an API without a limit: it does.
        assert!(none.speaks_for_the_limiter(StatusCode::NOT_FOUND));
        assert!(none.speaks_for_the_limiter(StatusCode::OK));
        let laravel = RateHeaders::parse(
            &headers(&[("x-ratelimit-limit", "60"), ("x-ratelimit-remaining", "3")]),
            now,
        );
        assert!(laravel.speaks_for_the_limiter(StatusCode::INTERNAL_SERVER_ERROR));
    }

    #[test]
    fn a_forbidden_request_that_spent_a_laravel_window_is_not_a_rate_limit_refusal() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        // Laravel counted it before the controller said 403: `Remaining: 0`, no reset.
        let laravel = RateHeaders::parse(
            &headers(&[("x-ratelimit-limit", "60"), ("x-ratelimit-remaining", "0")]),
            now,
        );
        assert!(!laravel.refuses(StatusCode::FORBIDDEN));
        // GitHub's secondary limit says when to come back with `Retry-After` alone.
        let secondary = RateHeaders::parse(&headers(&[("retry-after", "60")]), now);
        assert!(secondary.refuses(StatusCode::FORBIDDEN));
    }

    #[test]
    fn an_absurd_reset_does_not_panic_and_holds_at_most_the_cap() {
        let now = SystemTime::now();
        // Past any time SystemTime can hold: as if the header were not there.
        let beyond = RateHeaders::parse(
            &headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &u64::MAX.to_string()),
            ]),
            now,
        );
        assert_eq!(beyond.reset, None);
        assert_eq!(beyond.remaining, Some(0));
        // Representable, but centuries away: waited for at most MAX_RETRY_AFTER.
        let far = RateHeaders::parse(
            &headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &i64::MAX.to_string()),
            ]),
            now,
        );
        assert!(far.reset.is_some_and(|r| r > MAX_RETRY_AFTER), "{far:?}");
        assert_eq!(far.hold(), Some(MAX_RETRY_AFTER));
        let with_retry_after = RateHeaders {
            retry_after: far.reset,
            ..far
        };
        assert_eq!(with_retry_after.hold(), Some(MAX_RETRY_AFTER));
    }
}

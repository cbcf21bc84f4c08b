//! An optional fixed-window rate limiter, as Laravel's `throttle` middleware does it (see
//! `docs/rate-limits.md`): the window starts at the first request counted and ends
//! `window` later, at a whole second (Laravel keeps the end as a Unix timestamp in
//! seconds); every answer carries `X-RateLimit-Limit` and `X-RateLimit-Remaining`; past
//! the limit the answer is 429 `{"message":"Too Many Attempts."}` with `Retry-After`
//! (whole seconds until the end) and `X-RateLimit-Reset` (the end, Unix seconds), and the
//! refused request is not counted.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

/// `max` requests per `window` (whole seconds, at least one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u32,
    pub window: Duration,
}

impl RateLimit {
    /// `max` requests per `window_secs` seconds.
    pub fn per_seconds(max: u32, window_secs: u64) -> RateLimit {
        RateLimit {
            max,
            window: Duration::from_secs(window_secs.max(1)),
        }
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.max, self.window.as_secs())
    }
}

/// `20/5s`, `60/1m`: requests per whole seconds or minutes.
impl FromStr for RateLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<RateLimit, String> {
        let bad =
            || format!("expected REQUESTS/SECONDSs or REQUESTS/MINUTESm (e.g. 20/5s), got {s:?}");
        let (max, window) = s.trim().split_once('/').ok_or_else(bad)?;
        let max: u32 = max.trim().parse().map_err(|_| bad())?;
        let window = window.trim();
        let (number, unit) = window.split_at(window.len().saturating_sub(1));
        let number: u64 = number.parse().map_err(|_| bad())?;
        let secs = match unit {
            "s" => number,
            "m" => number.saturating_mul(60),
            _ => return Err(bad()),
        };
        if max == 0 || secs == 0 {
            return Err(bad());
        }
        Ok(RateLimit::per_seconds(max, secs))
    }
}

/// What the limiter says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Counted; the headers every answer carries.
    Allowed { limit: u32, remaining: u32 },
    /// Refused with 429 and these headers.
    Refused {
        limit: u32,
        retry_after_secs: u64,
        reset_unix: u64,
    },
}

/// One window the limiter opened: `[start, end)` in Unix seconds, and what it counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// When its first request came (to the millisecond, as Unix time).
    pub opened_at: SystemTime,
    /// Its end, Unix seconds.
    pub end_unix: u64,
    pub counted: u32,
    pub refused: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    limit: RateLimit,
    windows: Vec<Window>,
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Limiter {
        Limiter {
            limit,
            windows: Vec::new(),
        }
    }

    pub fn windows(&self) -> Vec<Window> {
        self.windows.clone()
    }

    pub fn hit(&mut self, now: SystemTime) -> Verdict {
        let since_epoch = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        let whole = since_epoch.as_secs();
        let max = self.limit.max;
        let open = self
            .windows
            .last()
            .is_some_and(|w| since_epoch < Duration::from_secs(w.end_unix));
        if !open {
            self.windows.push(Window {
                opened_at: now,
                end_unix: whole + self.limit.window.as_secs(),
                counted: 0,
                refused: 0,
            });
        }
        let Some(window) = self.windows.last_mut() else {
            return Verdict::Allowed {
                limit: max,
                remaining: max,
            };
        };
        if window.counted >= max {
            window.refused += 1;
            return Verdict::Refused {
                limit: max,
                retry_after_secs: window.end_unix.saturating_sub(whole),
                reset_unix: window.end_unix,
            };
        }
        window.counted += 1;
        Verdict::Allowed {
            limit: max,
            remaining: max - window.counted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_requests_per_seconds_or_minutes() {
        assert_eq!("20/5s".parse(), Ok(RateLimit::per_seconds(20, 5)));
        assert_eq!(" 60 / 1m ".parse(), Ok(RateLimit::per_seconds(60, 60)));
        for bad in ["20", "20/5", "x/5s", "0/5s", "20/0s", "20/5h", "/5s"] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
        }
        assert_eq!(RateLimit::per_seconds(20, 5).to_string(), "20/5s");
    }

    #[test]
    fn a_fixed_window_from_the_first_request_ending_on_a_whole_second() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_millis(1_000_300);
        let mut l = Limiter::new(RateLimit::per_seconds(2, 5));
        assert_eq!(
            l.hit(t0),
            Verdict::Allowed {
                limit: 2,
                remaining: 1
            }
        );
        assert_eq!(
            l.hit(t0),
            Verdict::Allowed {
                limit: 2,
                remaining: 0
            }
        );
        let later = t0 + Duration::from_millis(1_500);
        assert_eq!(
            l.hit(later),
            Verdict::Refused {
                limit: 2,
                retry_after_secs: 4,
                reset_unix: 1_005,
            }
        );
        // The refusal was not counted; at the end a new window opens.
        let end = SystemTime::UNIX_EPOCH + Duration::from_secs(1_005);
        assert_eq!(
            l.hit(end),
            Verdict::Allowed {
                limit: 2,
                remaining: 1
            }
        );
        let windows = l.windows();
        assert_eq!(windows.len(), 2);
        assert_eq!((windows[0].counted, windows[0].refused), (2, 1));
        assert_eq!(windows[1].end_unix, 1_010);
    }
}

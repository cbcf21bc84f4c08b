//! An optional fixed-window rate limiter, as Laravel's `throttle` middleware keeps it
//! (described in `docs/rate-limits.md`):
//!
//! - The window opens at the first request counted, to the millisecond, and ends exactly
//!   `window` later (the store's keys expire then), not on a whole second.
//! - What it announces is rounded down to the second: its end as Unix seconds (the
//!   `:timer` key, `floor(opened + window)`), sent as `X-RateLimit-Reset` on a 429, and
//!   `Retry-After` = `max(0, end - now)` in whole seconds. So the window really ends up
//!   to one second after the announced reset, and `Retry-After` is 0 while it is still
//!   closed in its last fraction of a second.
//! - Every answer carries `X-RateLimit-Limit` and `X-RateLimit-Remaining`, the latter read
//!   when the answer is made (after the endpoint ran), as the middleware does: requests
//!   counted meanwhile lower it, and a window that ended meanwhile reads as the full limit.
//! - Past the limit the answer is 429 `{"message":"Too Many Attempts."}`, and the refused
//!   request is not counted.
//!
//! The clock is the caller's: [`Limiter::hit`] and [`Limiter::remaining`] take `now`.

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
    /// Counted; `remaining` as it stood right after (the answer reads it again later:
    /// [`Limiter::remaining`]).
    Allowed { limit: u32, remaining: u32 },
    /// Refused with 429 and these headers.
    Refused {
        limit: u32,
        retry_after_secs: u64,
        reset_unix: u64,
    },
}

/// One window the limiter opened, and what it counted and refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// When its first request came, to the sub-second.
    pub opened_at: SystemTime,
    /// When it really ends: `opened_at` + the window, to the sub-second.
    pub ends_at: SystemTime,
    /// The end it announces (`X-RateLimit-Reset`): `ends_at` rounded down to the second,
    /// as Unix seconds.
    pub reset_unix: u64,
    pub counted: u32,
    pub refused: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    limit: RateLimit,
    windows: Vec<Window>,
}

/// Whole Unix seconds at `t`, rounded down.
fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
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

    /// The window open at `now`, if any.
    fn open_at(&mut self, now: SystemTime) -> Option<&mut Window> {
        self.windows.last_mut().filter(|w| now < w.ends_at)
    }

    /// A request arrives at `now`: counted, or refused when the open window is spent.
    pub fn hit(&mut self, now: SystemTime) -> Verdict {
        let max = self.limit.max;
        if self.open_at(now).is_none() {
            let ends_at = now + self.limit.window;
            self.windows.push(Window {
                opened_at: now,
                ends_at,
                reset_unix: unix_secs(ends_at),
                counted: 0,
                refused: 0,
            });
        }
        let Some(window) = self.open_at(now) else {
            return Verdict::Allowed {
                limit: max,
                remaining: max,
            };
        };
        if window.counted >= max {
            window.refused += 1;
            return Verdict::Refused {
                limit: max,
                retry_after_secs: window.reset_unix.saturating_sub(unix_secs(now)),
                reset_unix: window.reset_unix,
            };
        }
        window.counted += 1;
        Verdict::Allowed {
            limit: max,
            remaining: max - window.counted,
        }
    }

    /// `X-RateLimit-Remaining` for an answer made at `now`: what the open window has
    /// left, or the whole limit when none is open (its counter has expired).
    pub fn remaining(&self, now: SystemTime) -> u32 {
        self.windows
            .last()
            .filter(|w| now < w.ends_at)
            .map_or(self.limit.max, |w| self.limit.max.saturating_sub(w.counted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_ms(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
    }

    fn allowed(remaining: u32) -> Verdict {
        Verdict::Allowed {
            limit: 2,
            remaining,
        }
    }

    fn refused(retry_after_secs: u64, reset_unix: u64) -> Verdict {
        Verdict::Refused {
            limit: 2,
            retry_after_secs,
            reset_unix,
        }
    }

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
    fn the_window_ends_to_the_millisecond_after_the_reset_it_announces() {
        // First hit at 1000.700 s: the window ends at 1005.700, announced as 1005.
        let mut l = Limiter::new(RateLimit::per_seconds(2, 5));
        assert_eq!(l.hit(at_ms(1_000_700)), allowed(1));
        assert_eq!(l.hit(at_ms(1_001_000)), allowed(0));
        assert_eq!(l.hit(at_ms(1_002_200)), refused(3, 1_005));
        // At the announced reset, and just before the real end: still closed, and
        // Retry-After says 0.
        assert_eq!(l.hit(at_ms(1_005_000)), refused(0, 1_005));
        assert_eq!(l.hit(at_ms(1_005_699)), refused(0, 1_005));
        // At the real end a new window opens, from that hit.
        assert_eq!(l.hit(at_ms(1_005_700)), allowed(1));
        let windows = l.windows();
        assert_eq!(windows.len(), 2);
        assert_eq!(windows[0].opened_at, at_ms(1_000_700));
        assert_eq!(windows[0].ends_at, at_ms(1_005_700));
        assert_eq!(windows[0].reset_unix, 1_005);
        assert_eq!((windows[0].counted, windows[0].refused), (2, 3));
        assert_eq!(windows[1].ends_at, at_ms(1_010_700));
        assert_eq!(windows[1].reset_unix, 1_010);
    }

    #[test]
    fn a_window_opened_on_a_whole_second_ends_on_it() {
        let mut l = Limiter::new(RateLimit::per_seconds(1, 60));
        assert_eq!(
            l.hit(at_ms(2_000_000)),
            Verdict::Allowed {
                limit: 1,
                remaining: 0
            }
        );
        assert_eq!(
            l.hit(at_ms(2_059_999)),
            Verdict::Refused {
                limit: 1,
                retry_after_secs: 1,
                reset_unix: 2_060
            }
        );
        assert!(matches!(l.hit(at_ms(2_060_000)), Verdict::Allowed { .. }));
    }

    #[test]
    fn a_refusal_is_not_counted_and_does_not_move_the_end() {
        let mut l = Limiter::new(RateLimit::per_seconds(2, 5));
        l.hit(at_ms(1_000_300));
        l.hit(at_ms(1_000_300));
        for ms in [1_001_000, 1_003_000, 1_005_200] {
            assert!(matches!(
                l.hit(at_ms(ms)),
                Verdict::Refused {
                    reset_unix: 1_005,
                    ..
                }
            ));
        }
        assert_eq!(l.windows()[0].counted, 2);
        assert_eq!(l.hit(at_ms(1_005_300)), allowed(1));
    }

    #[test]
    fn remaining_is_read_when_the_answer_is_made() {
        let mut l = Limiter::new(RateLimit::per_seconds(3, 5));
        assert_eq!(l.remaining(at_ms(1_000_000)), 3);
        l.hit(at_ms(1_000_500));
        l.hit(at_ms(1_000_600));
        // The first request's answer, made after the second was counted.
        assert_eq!(l.remaining(at_ms(1_000_650)), 1);
        // An answer made once the window ended: its counter is gone.
        assert_eq!(l.remaining(at_ms(1_005_500)), 3);
    }
}

//! When a request to one API may be sent: the rate limit the API announces, and how many
//! requests may be in flight. Pure state changed by the gate ([`super::gate`]) as
//! requests leave and answers come back; tested here without I/O. How Laravel's limiter
//! behaves, and why this paces as it does: `docs/rate-limits.md`.
//!
//! - **One request alone** (a probe), the others held until it is accepted: at the start
//!   (the first answer says whether there is a rate limit, `X-RateLimit-Limit`/
//!   `-Remaining`, before a burst could run into it), after every hold, and when the
//!   window is spent. Refused, it holds every request again, and then another goes alone.
//!   So a window that is still closed refuses one request, not a burst.
//! - **Window budget**: with `X-RateLimit-Remaining`, no more requests leave than the
//!   window has left, counting every request in flight as not yet counted by the server.
//!   The budget only goes down with each request sent and each answer (answers may come
//!   back in another order than the server counted them, and Laravel reads `Remaining`
//!   when it answers); it is set afresh only by the answer to a probe, which went alone.
//!   At 0, once every request in flight is answered, a probe goes to learn when the
//!   window reopens (Laravel sends `X-RateLimit-Reset` only on its 429): at most one 429
//!   per window.
//! - **Holds**: a refusal holds every request until the window has really ended. Its
//!   headers say when to the second ([`RateHeaders::hold`]: the announced reset plus the
//!   second it was rounded down by; never trusting `Retry-After: 0`), or nothing
//!   ([`DEFAULT_HOLD`]). When a probe of ours opened the window (its answer said one
//!   short of the limit), the window lasts a whole number of seconds from that moment,
//!   which places its end within the announced second ([`end_from_opening`]): the hold
//!   ends then, not up to a second later. An answer with `Remaining: 0` and a reset
//!   (GitHub sends one on every answer) holds until then without a refusal.
//! - **Adaptive concurrency** (AIMD): a 429 to any request but a probe halves the
//!   requests allowed in flight; every `limit` answers that are not refusals raise it by
//!   one, up to the maximum.

use std::time::{Duration, Instant};

use super::policy::{RateHeaders, MAX_RETRY_AFTER, RESET_MARGIN, ROUNDING};

const SECOND: Duration = Duration::from_secs(1);

/// How long a refusal that names no wait holds every request.
pub const DEFAULT_HOLD: Duration = Duration::from_secs(1);

/// A request allowed to leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    /// Order of leaving, from 1.
    pub seq: u64,
    /// Sent alone, the others held until it is accepted: its 429 is expected.
    pub probe: bool,
    /// When it left.
    pub sent: Instant,
}

/// Whether a request may leave now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Send(Ticket),
    /// Not before this instant (the rate limit holds every request).
    Until(Instant),
    /// Not before some request in flight is answered.
    Wait,
}

/// Additive increase, multiplicative decrease of the requests allowed in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aimd {
    limit: usize,
    max: usize,
    successes: usize,
}

impl Aimd {
    pub fn new(max: usize) -> Aimd {
        let max = max.max(1);
        Aimd {
            limit: max,
            max,
            successes: 0,
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    pub fn decrease(&mut self) {
        self.limit = (self.limit / 2).max(1);
        self.successes = 0;
    }

    pub fn increase(&mut self) {
        self.successes += 1;
        if self.successes >= self.limit {
            self.successes = 0;
            self.limit = (self.limit + 1).min(self.max);
        }
    }
}

/// The pacing of the requests to one API (one origin).
#[derive(Debug, Clone)]
pub struct Pacing {
    /// Requests that may still leave in this window; `None`: the API announces no limit.
    budget: Option<u64>,
    /// No request leaves before this.
    hold_until: Option<Instant>,
    /// The next request goes alone, and the others wait until it is accepted.
    probing: bool,
    /// When the probe that opened the current window left and was answered.
    opened: Option<(Instant, Instant)>,
    /// The lowest `Remaining` answered in the current window.
    low: Option<u64>,
    /// Some answer announced a limit (`X-RateLimit-Remaining`): an answer without one
    /// came from something in front of the limiter, and says nothing of the window.
    limited: bool,
    probe_out: bool,
    in_flight: usize,
    sent: u64,
    concurrency: Aimd,
}

impl Pacing {
    /// At most `max_in_flight` requests in flight (fewer after 429s).
    pub fn new(max_in_flight: usize) -> Pacing {
        Pacing {
            budget: None,
            hold_until: None,
            probing: true,
            opened: None,
            low: None,
            limited: false,
            probe_out: false,
            in_flight: 0,
            sent: 0,
            concurrency: Aimd::new(max_in_flight),
        }
    }

    /// The requests allowed in flight now.
    pub fn concurrency(&self) -> usize {
        self.concurrency.limit()
    }

    /// Whether a request may leave at `now`; when it may, it is counted as in flight.
    pub fn admit(&mut self, now: Instant) -> Admission {
        if let Some(until) = self.hold_until {
            if now < until {
                return Admission::Until(until);
            }
            self.hold_until = None;
        }
        if self.in_flight >= self.concurrency.limit() {
            return Admission::Wait;
        }
        // A probe goes alone: in flight with others, it could take the place one of them
        // was counted on, and the others could run into a window still closed.
        let probe = self.probing || self.budget == Some(0);
        if probe {
            if self.probe_out || self.in_flight > 0 {
                return Admission::Wait;
            }
            self.probe_out = true;
        } else if let Some(n) = self.budget {
            self.budget = Some(n - 1);
        }
        self.in_flight += 1;
        self.sent += 1;
        Admission::Send(Ticket {
            seq: self.sent,
            probe,
            sent: now,
        })
    }

    /// The request of `ticket` got an answer, a refusal for the rate limit or not.
    pub fn answered(&mut self, ticket: Ticket, now: Instant, refused: bool, headers: &RateHeaders) {
        self.release(ticket);
        self.limited |= headers.remaining.is_some();
        if refused {
            let until = self
                .window_end(now, headers)
                .unwrap_or_else(|| now + headers.hold().unwrap_or(DEFAULT_HOLD));
            // Used once: a probe refused after it means another window, or another client.
            self.opened = None;
            self.hold(until);
            if !ticket.probe {
                self.concurrency.decrease();
            }
            return;
        }
        self.concurrency.increase();
        let estimate = headers
            .remaining
            .map(|r| r.saturating_sub(self.in_flight as u64));
        if ticket.probe {
            // Accepted alone: the window is open, and its answer says what it has left.
            // Answered without saying (a proxy's 502, Laravel's maintenance 503) where a
            // limit was announced before: the next request goes alone again, rather than
            // a whole burst into a window of unknown size.
            if estimate.is_some() || !self.limited {
                self.probing = false;
                self.budget = estimate;
            }
        } else if let Some(estimate) = estimate {
            self.budget = Some(self.budget.map_or(estimate, |b| b.min(estimate)));
        }
        if let Some(remaining) = headers.remaining {
            self.track_window(ticket, now, remaining, headers.limit);
        }
        // The API says when the window reopens on every answer (GitHub): no probe needed
        // to learn it. Waited for at most MAX_RETRY_AFTER, as a refusal's hold is.
        if let (Some(0), Some(reset)) = (headers.remaining, headers.reset) {
            self.hold(now + reset.min(MAX_RETRY_AFTER) + ROUNDING + RESET_MARGIN);
        }
    }

    /// Which probe opened the current window, if one did: a probe answered one short of
    /// the limit opened it; more left than an answer said before means a window opened
    /// unseen.
    fn track_window(&mut self, ticket: Ticket, now: Instant, remaining: u64, limit: Option<u64>) {
        let opened_by_probe = ticket.probe && limit == Some(remaining + 1);
        let rolled_over = self.low.is_some_and(|low| remaining > low);
        if opened_by_probe {
            self.opened = Some((ticket.sent, now));
        } else if rolled_over {
            self.opened = None;
        }
        self.low = match self.low {
            Some(low) if !opened_by_probe && !rolled_over => Some(low.min(remaining)),
            _ => Some(remaining),
        };
    }

    /// When the window a refusal announced really ends (and a margin), from when the
    /// probe that opened it left and was answered; `None` when that is not known.
    fn window_end(&self, now: Instant, headers: &RateHeaders) -> Option<Instant> {
        let (sent, answered) = self.opened?;
        let reset_at = now + headers.agreed_reset()?.min(MAX_RETRY_AFTER);
        end_from_opening(reset_at, sent, answered).map(|end| end + RESET_MARGIN)
    }

    /// Holds every request until `until` (or later, if already held longer); then one
    /// goes alone.
    fn hold(&mut self, until: Instant) {
        self.hold_until = Some(self.hold_until.map_or(until, |h| h.max(until)));
        self.budget = Some(0);
        self.probing = true;
    }

    /// The request of `ticket` got no answer (not sent, dropped, timed out).
    pub fn unanswered(&mut self, ticket: Ticket) {
        self.release(ticket);
    }

    fn release(&mut self, ticket: Ticket) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if ticket.probe {
            self.probe_out = false;
        }
    }
}

/// When a window that opened between `sent` and `answered` (a request's leaving and
/// its answer) really ends, given the reset it announced (`reset_at`, its end rounded
/// down to the second): its length is a whole number of seconds, so it ends at the
/// instant of the announced second that falls as far into it as `answered` fell into
/// its own, or up to `answered - sent` earlier. `None` when that is ambiguous (the
/// round trip straddles a second) or makes no sense (a window shorter than a second).
pub fn end_from_opening(reset_at: Instant, sent: Instant, answered: Instant) -> Option<Instant> {
    let since = reset_at.checked_duration_since(answered)?;
    let into = Duration::from_nanos(u64::from(since.subsec_nanos()));
    let to_end = if into.is_zero() { into } else { SECOND - into };
    let end = reset_at + to_end;
    let round_trip = answered.saturating_duration_since(sent);
    (to_end >= round_trip && end >= answered + SECOND).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(limit: u64, remaining: u64) -> RateHeaders {
        RateHeaders {
            limit: Some(limit),
            remaining: Some(remaining),
            ..RateHeaders::default()
        }
    }

    /// Laravel's 429: `Retry-After` and the reset, both `secs` away.
    fn too_many(limit: u64, secs: u64) -> RateHeaders {
        RateHeaders {
            reset: Some(Duration::from_secs(secs)),
            retry_after: Some(Duration::from_secs(secs)),
            ..rate(limit, 0)
        }
    }

    fn send(p: &mut Pacing, now: Instant) -> Ticket {
        match p.admit(now) {
            Admission::Send(t) => t,
            other => panic!("expected to send, got {other:?}"),
        }
    }

    /// How many requests may leave at `now`, one after the other, without answers.
    fn burst(p: &mut Pacing, now: Instant) -> Vec<Ticket> {
        std::iter::from_fn(|| match p.admit(now) {
            Admission::Send(t) => Some(t),
            _ => None,
        })
        .collect()
    }

    #[test]
    fn one_request_until_the_api_has_answered_then_up_to_the_maximum() {
        let now = Instant::now();
        let mut p = Pacing::new(3);
        let first = send(&mut p, now);
        assert!(first.probe);
        assert_eq!(p.admit(now), Admission::Wait);
        p.answered(first, now, false, &RateHeaders::default());
        let tickets = burst(&mut p, now);
        assert_eq!(tickets.len(), 3);
        assert!(tickets.iter().all(|t| !t.probe));
    }

    #[test]
    fn the_window_budget_counts_requests_in_flight() {
        let now = Instant::now();
        let mut p = Pacing::new(50);
        let first = send(&mut p, now);
        p.answered(first, now, false, &rate(20, 19));
        let mut out = burst(&mut p, now);
        assert_eq!(out.len(), 19);
        assert!(out.iter().all(|t| !t.probe));
        // An answer of one of the 19 does not open more: the others are still counted.
        let answer = out.remove(0);
        p.answered(answer, now, false, &rate(20, 18));
        assert_eq!(p.admit(now), Admission::Wait);
        // Once all are answered, one request goes alone to learn when it reopens.
        for t in out {
            p.answered(t, now, false, &rate(20, 0));
        }
        assert!(send(&mut p, now).probe);
        assert_eq!(p.admit(now), Admission::Wait);
    }

    #[test]
    fn a_probe_waits_for_the_requests_in_flight() {
        let now = Instant::now();
        let mut p = Pacing::new(50);
        let first = send(&mut p, now);
        p.answered(first, now, false, &rate(3, 2));
        let a = send(&mut p, now);
        let b = send(&mut p, now);
        // Had a probe gone now, it could take the place `b` is counted on.
        assert_eq!(p.admit(now), Admission::Wait);
        p.answered(a, now, false, &rate(3, 1));
        assert_eq!(p.admit(now), Admission::Wait);
        p.answered(b, now, false, &rate(3, 0));
        assert!(send(&mut p, now).probe);
    }

    #[test]
    fn after_a_hold_one_request_goes_alone_and_the_rest_once_it_is_accepted() {
        let now = Instant::now();
        let mut p = Pacing::new(50);
        let first = send(&mut p, now);
        p.answered(first, now, false, &rate(20, 0));
        let probe = send(&mut p, now);
        assert!(probe.probe);
        p.answered(probe, now, true, &too_many(20, 4));
        // Held until the announced reset and the second it was rounded down by.
        let reopen = now + Duration::from_secs(5) + RESET_MARGIN;
        assert_eq!(p.admit(now), Admission::Until(reopen));
        // The expected 429 of a probe does not lower the concurrency.
        assert_eq!(p.concurrency(), 50);
        // Then one request, alone.
        let alone = send(&mut p, reopen);
        assert!(alone.probe);
        assert_eq!(p.admit(reopen), Admission::Wait);
        // Accepted: the window is open, and its answer says how much is left.
        p.answered(alone, reopen, false, &rate(20, 19));
        let rest = burst(&mut p, reopen);
        assert_eq!(rest.len(), 19);
        assert!(rest.iter().all(|t| !t.probe));
    }

    #[test]
    fn a_probe_answered_without_rate_headers_after_a_hold_does_not_open_the_budget() {
        let now = Instant::now();
        // 3 x the default max-concurrency, at Laravel's default 60 per minute.
        let mut p = Pacing::new(150);
        let first = send(&mut p, now);
        p.answered(first, now, false, &rate(60, 59));
        let spent = burst(&mut p, now);
        assert_eq!(spent.len(), 59);
        for t in spent {
            p.answered(t, now, false, &rate(60, 0));
        }
        let probe = send(&mut p, now);
        p.answered(probe, now, true, &too_many(60, 30));
        let later = match p.admit(now) {
            Admission::Until(t) => t,
            other => panic!("expected a hold, got {other:?}"),
        };
        let probe = send(&mut p, later);
        assert!(probe.probe);
        // Answered by what stands in front of the limiter (a proxy's 502, Laravel's
        // maintenance 503): it says nothing of the window, which allows 60, not 150.
        p.answered(probe, later, false, &RateHeaders::default());
        let next = send(&mut p, later);
        assert!(next.probe, "the next request goes alone again");
        assert_eq!(p.admit(later), Admission::Wait);
        // Its answer says what the window has left (the 502 was counted).
        p.answered(next, later, false, &rate(60, 58));
        assert_eq!(burst(&mut p, later).len(), 58);
    }

    #[test]
    fn a_probe_answered_without_rate_headers_before_any_limit_opens_the_way() {
        let now = Instant::now();
        let mut p = Pacing::new(4);
        let first = send(&mut p, now);
        // Refused by something that names no limit (a proxy's 429): held, then a probe.
        p.answered(first, now, true, &RateHeaders::default());
        let later = now + DEFAULT_HOLD;
        let probe = send(&mut p, later);
        assert!(probe.probe);
        // No limit was ever announced: none to wait for.
        p.answered(probe, later, false, &RateHeaders::default());
        let rest = burst(&mut p, later);
        assert_eq!(rest.len(), p.concurrency());
        assert!(rest.iter().all(|t| !t.probe));
    }

    #[test]
    fn a_window_a_probe_opened_ends_a_whole_number_of_seconds_after_it() {
        let now = Instant::now();
        let mut p = Pacing::new(50);
        let opening = send(&mut p, now);
        // One short of the limit: this probe opened the window, between `now` and 50 ms
        // later, so a 5 s window ends between now + 5 s and now + 5.05 s.
        let answered = now + Duration::from_millis(50);
        p.answered(opening, answered, false, &rate(20, 19));
        let out = burst(&mut p, answered);
        let later = now + Duration::from_millis(300);
        for t in out {
            p.answered(t, later, false, &rate(20, 0));
        }
        let probe = send(&mut p, later);
        // The reset announced: the second the window ends in, here now + 4.3 s.
        let refusal = RateHeaders {
            reset: Some(Duration::from_millis(4_000)),
            retry_after: Some(Duration::from_secs(4)),
            ..rate(20, 0)
        };
        p.answered(probe, later, true, &refusal);
        // Held until now + 5.05 s (and the margin), not a second past the reset.
        let end = answered + Duration::from_secs(5);
        assert_eq!(p.admit(later), Admission::Until(end + RESET_MARGIN));
        assert!(send(&mut p, end + RESET_MARGIN).probe);
    }

    #[test]
    fn the_end_of_a_window_from_its_opening() {
        let t = Instant::now();
        let ms = Duration::from_millis;
        // Opened between t and t + 50 ms; announced reset at t + 4.3 s: it ends at the
        // instant of that second as far into it as t + 50 ms was, t + 5.05 s.
        assert_eq!(
            end_from_opening(t + ms(4_300), t, t + ms(50)),
            Some(t + ms(5_050))
        );
        // A reset on the instant it was sent: up to a round trip later.
        assert_eq!(
            end_from_opening(t + ms(5_000), t, t + ms(50)),
            Some(t + ms(5_050))
        );
        // The round trip straddles the announced second's start: the window may end at
        // its start (5 s long) or its end (6 s long).
        assert_eq!(end_from_opening(t + ms(5_030), t, t + ms(50)), None);
        assert_eq!(end_from_opening(t + ms(5_050), t, t + ms(50)), None);
        // A window of 1 s, opened on the instant of the second it ends in: fine.
        assert_eq!(
            end_from_opening(t + ms(300), t, t + ms(50)),
            Some(t + ms(1_050))
        );
        // A reset at or before the opening's answer: not a window of whole seconds.
        assert_eq!(end_from_opening(t + ms(50), t, t + ms(50)), None);
        assert_eq!(end_from_opening(t, t + ms(10), t + ms(50)), None);
    }

    #[test]
    fn a_window_opened_unseen_is_not_dated_by_an_older_probe() {
        let now = Instant::now();
        let mut p = Pacing::new(50);
        let opening = send(&mut p, now);
        p.answered(opening, now, false, &rate(20, 19));
        let mut out = burst(&mut p, now);
        let first = out.remove(0);
        p.answered(first, now, false, &rate(20, 10));
        // More left than before: the window rolled over, opened by someone else's request.
        let second = out.remove(0);
        p.answered(second, now, false, &rate(20, 15));
        for t in out {
            p.answered(t, now, false, &rate(20, 0));
        }
        let probe = send(&mut p, now);
        p.answered(probe, now, true, &too_many(20, 3));
        // Only the announced reset is known: held a second past it.
        let reopen = now + Duration::from_secs(4) + RESET_MARGIN;
        assert_eq!(p.admit(now), Admission::Until(reopen));
    }

    #[test]
    fn a_probe_refused_again_holds_again_then_probes_again() {
        let now = Instant::now();
        let mut p = Pacing::new(50);
        let first = send(&mut p, now);
        p.answered(first, now, true, &too_many(20, 2));
        let later = match p.admit(now) {
            Admission::Until(t) => t,
            other => panic!("expected a hold, got {other:?}"),
        };
        let probe = send(&mut p, later);
        assert!(probe.probe);
        // Still closed (a clock that runs behind, another client): "retry after 0 s".
        p.answered(probe, later, true, &too_many(20, 0));
        let again = later + ROUNDING + RESET_MARGIN;
        assert_eq!(p.admit(later), Admission::Until(again));
        assert!(send(&mut p, again).probe);
        assert_eq!(p.admit(again), Admission::Wait);
    }

    #[test]
    fn answers_of_requests_sent_before_a_hold_release_nothing() {
        let now = Instant::now();
        let mut p = Pacing::new(50);
        let first = send(&mut p, now);
        p.answered(first, now, false, &rate(10, 9));
        let mut out = burst(&mut p, now);
        assert_eq!(out.len(), 9);
        // Another client spent the window: one of ours is refused.
        let refused = out.remove(0);
        p.answered(refused, now, true, &too_many(10, 3));
        let reopen = now + Duration::from_secs(4) + RESET_MARGIN;
        // The others come back accepted, even after the hold: only a probe reopens.
        for t in out {
            p.answered(t, reopen, false, &rate(10, 5));
        }
        assert!(send(&mut p, reopen).probe);
        assert_eq!(p.admit(reopen), Admission::Wait);
    }

    #[test]
    fn unexpected_429s_halve_the_concurrency_and_successes_raise_it() {
        let now = Instant::now();
        let mut p = Pacing::new(8);
        let first = send(&mut p, now);
        p.answered(first, now, false, &RateHeaders::default());
        let t = send(&mut p, now);
        p.answered(t, now, true, &RateHeaders::default());
        assert_eq!(p.concurrency(), 4);
        // No wait named: a short hold, then a probe.
        assert_eq!(p.admit(now), Admission::Until(now + DEFAULT_HOLD));
        let later = now + DEFAULT_HOLD;
        let probe = send(&mut p, later);
        assert!(probe.probe);
        p.answered(probe, later, false, &RateHeaders::default());
        for _ in 0..3 {
            let t = send(&mut p, later);
            p.answered(t, later, false, &RateHeaders::default());
        }
        assert_eq!(p.concurrency(), 5);
    }

    #[test]
    fn answers_out_of_order_cannot_raise_the_budget() {
        let now = Instant::now();
        let mut p = Pacing::new(50);
        let first = send(&mut p, now);
        p.answered(first, now, false, &rate(10, 9));
        let a = send(&mut p, now);
        let b = send(&mut p, now);
        // The server counted `b` before `a`, and answered `a` first.
        p.answered(a, now, false, &rate(10, 7));
        // in flight: `b`; budget min(7, 7 - 1) = 6
        p.answered(b, now, false, &rate(10, 8));
        // min(6, 8 - 0): 6, one less than the 7 really left, never more.
        assert_eq!(burst(&mut p, now).iter().filter(|t| !t.probe).count(), 6);
    }

    #[test]
    fn a_probe_answered_with_room_reopens_the_budget() {
        let now = Instant::now();
        let mut p = Pacing::new(50);
        let first = send(&mut p, now);
        p.answered(first, now, false, &rate(10, 0));
        let probe = send(&mut p, now);
        assert!(probe.probe);
        // The window had rolled over unseen: the probe's answer says so.
        p.answered(probe, now, false, &rate(10, 9));
        assert_eq!(burst(&mut p, now).len(), 9);
    }

    #[test]
    fn a_reset_on_every_answer_holds_at_zero_without_a_refusal() {
        let now = Instant::now();
        let mut p = Pacing::new(5);
        let first = send(&mut p, now);
        let github = RateHeaders {
            reset: Some(Duration::from_secs(30)),
            ..rate(5000, 0)
        };
        p.answered(first, now, false, &github);
        let reopen = now + Duration::from_secs(31) + RESET_MARGIN;
        assert_eq!(p.admit(now), Admission::Until(reopen));
        assert!(send(&mut p, reopen).probe);
    }

    #[test]
    fn an_absurd_reset_holds_at_most_max_retry_after() {
        let now = Instant::now();
        for secs in [u64::MAX, i64::MAX as u64] {
            let mut p = Pacing::new(5);
            let first = send(&mut p, now);
            let absurd = RateHeaders {
                reset: Some(Duration::from_secs(secs)),
                ..rate(5000, 0)
            };
            p.answered(first, now, false, &absurd);
            assert_eq!(
                p.admit(now),
                Admission::Until(now + MAX_RETRY_AFTER + ROUNDING + RESET_MARGIN),
                "reset {secs}"
            );
        }
    }

    #[test]
    fn a_lost_probe_lets_another_go() {
        let now = Instant::now();
        let mut p = Pacing::new(5);
        let first = send(&mut p, now);
        p.answered(first, now, false, &rate(5, 0));
        let probe = send(&mut p, now);
        assert_eq!(p.admit(now), Admission::Wait);
        p.unanswered(probe);
        assert!(send(&mut p, now).probe);
    }

    /// Laravel's limiter as `docs/rate-limits.md` describes it, on a clock of Unix
    /// milliseconds: a window from the first hit, to the millisecond, that announces its
    /// end rounded down to the second.
    struct Laravel {
        max: u64,
        decay_ms: u64,
        windows: Vec<SimWindow>,
    }

    #[derive(Debug)]
    struct SimWindow {
        opened: u64,
        counted: u64,
        refused: u32,
    }

    /// A 429's `Retry-After` and `X-RateLimit-Reset`, in seconds.
    #[derive(Debug, Clone, Copy)]
    struct Refusal {
        retry_after: u64,
        reset: u64,
    }

    impl Laravel {
        fn open(&self, t: u64) -> Option<&SimWindow> {
            self.windows.last().filter(|w| t < w.opened + self.decay_ms)
        }

        /// A hit at `t`: counted, or refused.
        fn hit(&mut self, t: u64) -> Option<Refusal> {
            if self.open(t).is_none() {
                self.windows.push(SimWindow {
                    opened: t,
                    counted: 0,
                    refused: 0,
                });
            }
            let (decay, max) = (self.decay_ms, self.max);
            let w = self.windows.last_mut()?;
            if w.counted >= max {
                w.refused += 1;
                let reset = (w.opened + decay) / 1000;
                let retry_after = reset.saturating_sub(t / 1000);
                return Some(Refusal { retry_after, reset });
            }
            w.counted += 1;
            None
        }

        /// The headers of an answer made, and read by the client, at `t`.
        fn headers(&self, refusal: Option<Refusal>, t: u64) -> RateHeaders {
            match refusal {
                None => rate(
                    self.max,
                    self.open(t).map_or(self.max, |w| self.max - w.counted),
                ),
                Some(r) => RateHeaders {
                    reset: Some(Duration::from_millis((r.reset * 1000).saturating_sub(t))),
                    retry_after: Some(Duration::from_secs(r.retry_after)),
                    ..rate(self.max, 0)
                },
            }
        }
    }

    /// A request in flight in the simulation.
    struct Flight {
        ticket: Ticket,
        answered_at: u64,
        refusal: Option<Refusal>,
    }

    /// [`Pacing`] (at most 25 in flight) against [`Laravel`]: each request answered a
    /// round trip after it is sent (counted on arrival, `Remaining` read as it is
    /// answered); a refused one is sent again.
    struct Sim {
        server: Laravel,
        pacing: Pacing,
        base: Instant,
        t0: u64,
        now: u64,
        rtt_ms: u64,
        waiting: usize,
        done: usize,
        flights: Vec<Flight>,
    }

    impl Sim {
        fn at(&self, t: u64) -> Instant {
            self.base + Duration::from_millis(t - self.t0)
        }

        /// Sends what may go now; when every request is held, until when.
        fn send(&mut self) -> Option<u64> {
            while self.waiting > 0 {
                match self.pacing.admit(self.at(self.now)) {
                    Admission::Send(ticket) => {
                        self.waiting -= 1;
                        let refusal = self.server.hit(self.now);
                        let answered_at = self.now + self.rtt_ms;
                        self.flights.push(Flight {
                            ticket,
                            answered_at,
                            refusal,
                        });
                    }
                    Admission::Until(t) => {
                        return Some(self.t0 + (t - self.base).as_millis() as u64);
                    }
                    Admission::Wait => return None,
                }
            }
            None
        }

        /// Hands the client the answers due by now, in the order sent.
        fn answer(&mut self) {
            while self
                .flights
                .first()
                .is_some_and(|f| f.answered_at <= self.now)
            {
                let f = self.flights.remove(0);
                let headers = self.server.headers(f.refusal, f.answered_at);
                let at = self.at(f.answered_at);
                self.pacing
                    .answered(f.ticket, at, f.refusal.is_some(), &headers);
                match f.refusal {
                    None => self.done += 1,
                    Some(_) => self.waiting += 1,
                }
            }
        }
    }

    /// `n` requests, the first sent `start_ms` into a second, through a limit of `max`
    /// per `decay_secs`. Returns the limiter's windows and when the last answer came.
    fn simulate(max: u64, decay_secs: u64, n: usize, start_ms: u64, rtt_ms: u64) -> (Laravel, u64) {
        let t0 = 1_700_000_000_000 + start_ms;
        let mut sim = Sim {
            server: Laravel {
                max,
                decay_ms: decay_secs * 1000,
                windows: Vec::new(),
            },
            pacing: Pacing::new(25),
            base: Instant::now(),
            t0,
            now: t0,
            rtt_ms,
            waiting: n,
            done: 0,
            flights: Vec::new(),
        };
        while sim.done < n {
            assert!(sim.now < t0 + 3_600_000, "never finished");
            let held_until = sim.send();
            let next_answer = sim.flights.first().map(|f| f.answered_at);
            sim.now = match (next_answer, held_until) {
                (Some(a), Some(h)) => a.min(h),
                (a, h) => a.or(h).expect("something to wait for"),
            };
            sim.answer();
        }
        (sim.server, sim.now)
    }

    #[test]
    fn against_laravels_limiter_one_429_per_window_at_most_and_a_second_per_window_late() {
        // 50 in-sync pipelines at 20 per 5 s, and a check of 30 pipelines (120 requests)
        // at 60 per minute, wherever in its second the first window opens.
        for (max, decay, n) in [(20, 5, 50), (60, 60, 120), (6, 1, 15)] {
            for start_ms in (0..1000).step_by(37) {
                let rtt = 50;
                let (server, end) = simulate(max, decay, n, start_ms, rtt);
                let case = format!("{max}/{decay}s, {n} requests, first at +{start_ms} ms");
                let most = server.windows.iter().map(|w| w.refused).max().unwrap_or(0);
                assert!(most <= 1, "{case}: {:?}", server.windows);
                let needed = (n as u64).div_ceil(max);
                let floor = (needed - 1) * decay * 1000 + rtt;
                let took = end - server.windows[0].opened;
                let windows = server.windows.len() as u64;
                assert!(
                    took <= floor + windows * 1000,
                    "{case}: took {took} ms, floor {floor} ms: {:?}",
                    server.windows
                );
                // The clocks agree here: each window's end is known from the probe that
                // opened it, so a window costs no more than the margin and round trips.
                let margin = RESET_MARGIN.as_millis() as u64;
                assert!(
                    took <= floor + windows * (margin + 3 * rtt),
                    "{case}: took {took} ms, floor {floor} ms: {:?}",
                    server.windows
                );
            }
        }
    }
}

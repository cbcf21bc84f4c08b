//! When a request to one API may be sent: the rate limit the API announces, and how many
//! requests may be in flight. Pure state changed by the gate ([`super::gate`]) as
//! requests leave and answers come back; tested here without I/O.
//!
//! - **Slow start**: until the API has answered once, one request at a time: the first
//!   answer says whether there is a rate limit (`X-RateLimit-Limit`/`-Remaining`), before
//!   a burst could run into it.
//! - **Window budget**: with `X-RateLimit-Remaining`, no more requests leave than the
//!   window has left, counting every request in flight as not yet counted by the server.
//!   The budget only goes down with each request sent and each answer (answers may come
//!   back in another order than the server counted them); it is set afresh only when a
//!   new window is known to have opened: at the first answer, at the end of a 429's
//!   hold, and by the answer to a probe. At 0, every request is held. When the answers
//!   do not say when the window reopens (Laravel sends `X-RateLimit-Reset` only on its
//!   429), one request (the probe) goes alone, once every request in flight is answered,
//!   to learn it: at most one 429 per window. A
//!   429's `X-RateLimit-Reset`/`Retry-After` holds every request until then; the new
//!   window's budget is the limit.
//! - **Adaptive concurrency** (AIMD): any other 429 halves the requests allowed in flight;
//!   every `limit` answers that are not refusals raise it by one, up to the maximum.

use std::time::{Duration, Instant};

use super::policy::{RateHeaders, RESET_MARGIN};

/// How long a refusal that names no wait holds every request.
pub const DEFAULT_HOLD: Duration = Duration::from_secs(1);

/// A request allowed to leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    /// Order of leaving, from 1.
    pub seq: u64,
    /// Sent alone to learn when the window reopens: its 429 is expected.
    pub probe: bool,
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
    /// `X-RateLimit-Limit`, as last seen.
    limit: Option<u64>,
    /// Requests that may still leave in this window; `None`: the API announces no limit.
    budget: Option<u64>,
    /// No request leaves before this.
    hold_until: Option<Instant>,
    probe_out: bool,
    answered: bool,
    in_flight: usize,
    sent: u64,
    concurrency: Aimd,
}

impl Pacing {
    /// At most `max_in_flight` requests in flight (fewer after 429s).
    pub fn new(max_in_flight: usize) -> Pacing {
        Pacing {
            limit: None,
            budget: None,
            hold_until: None,
            probe_out: false,
            answered: false,
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
            self.reopen();
        }
        let slow_start = !self.answered && self.in_flight > 0;
        if slow_start || self.in_flight >= self.concurrency.limit() {
            return Admission::Wait;
        }
        let probe = match self.budget {
            // A probe goes alone: in flight with others, it could take the place one of
            // them was counted on.
            Some(0) if self.probe_out || self.in_flight > 0 => return Admission::Wait,
            Some(0) => {
                self.probe_out = true;
                true
            }
            Some(n) => {
                self.budget = Some(n - 1);
                false
            }
            None => false,
        };
        self.in_flight += 1;
        self.sent += 1;
        Admission::Send(Ticket {
            seq: self.sent,
            probe,
        })
    }

    /// The window has reopened: the budget is the limit, less what is still in flight.
    fn reopen(&mut self) {
        self.hold_until = None;
        self.probe_out = false;
        self.budget = self.limit.map(|l| l.saturating_sub(self.in_flight as u64));
    }

    /// The request of `ticket` got an answer, a refusal for the rate limit or not.
    pub fn answered(&mut self, ticket: Ticket, now: Instant, refused: bool, headers: &RateHeaders) {
        self.release(ticket);
        self.answered = true;
        if let Some(limit) = headers.limit {
            self.limit = Some(limit);
        }
        if refused {
            let until = now + headers.hold().unwrap_or(DEFAULT_HOLD);
            self.hold_until = Some(self.hold_until.map_or(until, |h| h.max(until)));
            self.budget = Some(0);
            if !ticket.probe {
                self.concurrency.decrease();
            }
            return;
        }
        self.concurrency.increase();
        let Some(remaining) = headers.remaining else {
            return;
        };
        let estimate = remaining.saturating_sub(self.in_flight as u64);
        self.budget = Some(match self.budget {
            // A probe went out with nothing left: its answer is news of a new window.
            Some(_) if ticket.probe => estimate,
            Some(budget) => budget.min(estimate),
            None => estimate,
        });
        // The API says when the window reopens on every answer (GitHub): no probe needed.
        if let (0, Some(reset)) = (remaining, headers.reset) {
            self.hold_until = Some(now + reset + RESET_MARGIN);
        }
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

    fn send(p: &mut Pacing, now: Instant) -> Ticket {
        match p.admit(now) {
            Admission::Send(t) => t,
            other => panic!("expected to send, got {other:?}"),
        }
    }

    #[test]
    fn one_request_until_the_api_has_answered_then_up_to_the_maximum() {
        let now = Instant::now();
        let mut p = Pacing::new(3);
        let first = send(&mut p, now);
        assert_eq!(p.admit(now), Admission::Wait);
        p.answered(first, now, false, &RateHeaders::default());
        let tickets: Vec<Ticket> = (0..3).map(|_| send(&mut p, now)).collect();
        assert_eq!(p.admit(now), Admission::Wait);
        assert!(tickets.iter().all(|t| !t.probe));
    }

    #[test]
    fn the_window_budget_counts_requests_in_flight() {
        let now = Instant::now();
        let mut p = Pacing::new(50);
        let first = send(&mut p, now);
        p.answered(first, now, false, &rate(20, 19));
        let mut out: Vec<Ticket> = (0..19).map(|_| send(&mut p, now)).collect();
        assert!(out.iter().all(|t| !t.probe));
        // All 19 are in flight: the window is spent.
        assert_eq!(p.admit(now), Admission::Wait);
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
    fn a_429_with_reset_holds_everything_then_a_fresh_window_opens() {
        let now = Instant::now();
        let mut p = Pacing::new(50);
        let first = send(&mut p, now);
        p.answered(first, now, false, &rate(2, 0));
        let probe = send(&mut p, now);
        assert!(probe.probe);
        let refusal = RateHeaders {
            reset: Some(Duration::from_secs(4)),
            retry_after: Some(Duration::from_secs(4)),
            ..rate(2, 0)
        };
        p.answered(probe, now, true, &refusal);
        let reopen = now + Duration::from_secs(4) + RESET_MARGIN;
        assert_eq!(p.admit(now), Admission::Until(reopen));
        // The expected 429 of a probe does not lower the concurrency.
        assert_eq!(p.concurrency(), 50);
        let a = send(&mut p, reopen);
        let b = send(&mut p, reopen);
        assert!(!a.probe && !b.probe);
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
        // No wait named: a short hold.
        assert_eq!(p.admit(now), Admission::Until(now + DEFAULT_HOLD));
        let later = now + DEFAULT_HOLD;
        for _ in 0..4 {
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
        let sent = std::iter::from_fn(|| match p.admit(now) {
            Admission::Send(t) if !t.probe => Some(t),
            _ => None,
        })
        .count();
        assert_eq!(sent, 6);
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
        let sent = (0..20)
            .take_while(|_| matches!(p.admit(now), Admission::Send(t) if !t.probe))
            .count();
        assert_eq!(sent, 9);
    }

    #[test]
    fn a_reset_on_every_answer_holds_at_zero_without_a_probe() {
        let now = Instant::now();
        let mut p = Pacing::new(5);
        let first = send(&mut p, now);
        let github = RateHeaders {
            reset: Some(Duration::from_secs(30)),
            ..rate(5000, 0)
        };
        p.answered(first, now, false, &github);
        assert_eq!(
            p.admit(now),
            Admission::Until(now + Duration::from_secs(30) + RESET_MARGIN)
        );
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
}

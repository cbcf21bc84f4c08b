//! The gate every request to one API passes before it leaves: the [`Pacing`] state
//! behind a lock, and a wake-up for the requests waiting on it.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::sync::Notify;

use super::pacing::{Admission, Pacing, Ticket};
use super::policy::RateHeaders;
use status_core::api_error::TransportError;

pub struct Gate {
    pacing: Mutex<Pacing>,
    changed: Notify,
}

/// A request allowed to leave. Dropped without [`Permit::answered`], it counts as a
/// request without an answer.
pub struct Permit<'a> {
    gate: &'a Gate,
    ticket: Option<Ticket>,
}

impl Gate {
    pub fn new(max_in_flight: usize) -> Gate {
        Gate {
            pacing: Mutex::new(Pacing::new(max_in_flight)),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pacing> {
        self.pacing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until a request may leave; fails at once when the rate limit holds every
    /// request past `deadline`, and when `deadline` comes while waiting.
    pub async fn acquire(&self, deadline: Instant) -> Result<Permit<'_>, TransportError> {
        loop {
            // Registered before looking, so an answer in between is not missed.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let now = Instant::now();
            if now >= deadline {
                return Err(TransportError::Deadline);
            }
            let admission = self.lock().admit(now);
            match admission {
                Admission::Send(ticket) => {
                    return Ok(Permit {
                        gate: self,
                        ticket: Some(ticket),
                    })
                }
                Admission::Until(until) if until > deadline => {
                    return Err(TransportError::RateLimited { wait: until - now });
                }
                Admission::Until(until) => tokio::time::sleep_until(until.into()).await,
                Admission::Wait => {
                    tokio::select! {
                        _ = changed => {}
                        _ = tokio::time::sleep_until(deadline.into()) => {
                            return Err(TransportError::Deadline);
                        }
                    }
                }
            }
        }
    }
}

impl Permit<'_> {
    /// The request was answered; `refused` when the answer refuses for the rate limit.
    pub fn answered(mut self, refused: bool, headers: &RateHeaders) {
        if let Some(ticket) = self.ticket.take() {
            self.gate
                .lock()
                .answered(ticket, Instant::now(), refused, headers);
            self.gate.changed.notify_waiters();
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.gate.lock().unanswered(ticket);
            self.gate.changed.notify_waiters();
        }
    }
}

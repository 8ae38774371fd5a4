//! Calls held by an operator whose holder stopped: the node that rang the operator's phone or
//! bridged the conversation crashed, so nobody will ever report how the call ended.
//!
//! Whoever holds a call at an operator (the waiting dialog while the phone rings and during
//! the conversation, the callback task while it dials) says so every third of the heartbeat
//! timeout ([`Ticketing::keep_call_alive`]). [`Ticketing::recover_lost_calls`] (run at
//! start-up and every [`RECOVERY_EVERY`] by [`spawn_recovery`]) takes back a position whose
//! call was not heard of for the heartbeat timeout, as a supervisor would:
//!
//! - **ringing**: the call goes back to its place in the queue (its ticket keeps its issue
//!   time). A caller's call was on the stopped node, so the next distribution counts it
//!   abandoned when it was last heard of; a callback is dialled again by a live node. The
//!   operator is ready at once, keeping their place in the idle order: a lost ring is not
//!   their miss.
//! - **busy**: the conversation ended when it was last heard of (answered, talk up to then,
//!   `ended_by = "gateway"`); the position has the usual wrap-up from that moment, so it is
//!   ready again unless the wrap-up is longer than the time that passed.
//! - a position that rings or talks for a call that is no longer at it (closed by someone
//!   else) is ready, or in wrap-up from when its state began.

use std::time::Duration;

use jiff::Timestamp;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{CallParty, OperatorError, apply};
use crate::events::TicketEvent;
use crate::operators::{OperatorEvent, OperatorState};
use crate::queue::TicketStatus;
use crate::service::Ticketing;
use crate::store::{OfficeTransaction, OperatorRecord, PhoneCallChange, StoreError};

/// How often [`spawn_recovery`] looks for lost calls.
pub const RECOVERY_EVERY: Duration = Duration::from_secs(30);

/// What became of a position whose call was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recovered {
    /// The ring was lost: the call is back in its place, the operator ready.
    Requeued,
    /// The conversation was lost: ended when last heard of, wrap-up from then.
    Ended,
    /// The position held a call that was no longer at it.
    Released,
}

impl Ticketing {
    /// The holder of a call at an operator (ringing or talking) is still there. Call it every
    /// third of the heartbeat timeout; see the [module notes](self).
    pub async fn keep_call_alive(&self, ticket_id: i64) -> Result<(), OperatorError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        tx.change_phone_call(ticket_id, PhoneCallChange::Seen { at: now })
            .await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        Ok(())
    }

    /// Takes back the positions whose call was not heard of for the heartbeat timeout (see
    /// the [module notes](self)), then distributes calls again. Returns how many positions
    /// were taken back.
    #[tracing::instrument(skip(self), fields(office = %self.office().id))]
    pub async fn recover_lost_calls(&self) -> Result<usize, StoreError> {
        let rules = &self.office().phone_queue;
        if !rules.is_enabled() {
            return Ok(0);
        }
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut recovered = Vec::new();
        for mut record in tx.operators().await? {
            if !record.state.holds_call() {
                continue;
            }
            let call = match record.ticket_id {
                Some(id) => tx.phone_call(id).await?,
                None => None,
            };
            let last_heard = call.as_ref().map_or(record.state_since, |c| {
                c.last_seen_at.max(record.state_since)
            });
            if now.duration_since(last_heard) <= rules.heartbeat_timeout {
                continue;
            }
            let what = self
                .recover_in(&mut tx, &mut record, call.as_ref(), last_heard, now)
                .await?;
            tracing::warn!(
                station = %record.station,
                code = ?call.as_ref().map(|c| c.ticket.code.to_string()),
                ?what,
                %last_heard,
                "operator call lost: position taken back"
            );
            recovered.push((record, call, what));
        }
        let assigned = self.dispatch_in(&mut tx, now).await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        for (record, call, what) in &recovered {
            self.publish(TicketEvent::OperatorChanged {
                station_id: record.station.to_string(),
                state: record.state,
            });
            if let Some(call) = call {
                self.publish(TicketEvent::PhoneQueueChanged {
                    line: call.ticket.line.to_string(),
                    code: call.ticket.code.to_string(),
                    change: match what {
                        Recovered::Requeued => "requeued",
                        Recovered::Ended => "ended",
                        Recovered::Released => "released",
                    }
                    .to_string(),
                });
            }
        }
        self.publish_assignments(&assigned);
        Ok(recovered.len())
    }

    async fn recover_in(
        &self,
        tx: &mut OfficeTransaction,
        record: &mut OperatorRecord,
        call: Option<&crate::store::PhoneCallRecord>,
        last_heard: Timestamp,
        now: Timestamp,
    ) -> Result<Recovered, StoreError> {
        let station = record.station.to_string();
        let at_position = call.is_some_and(|c| c.ticket.station.as_ref() == Some(&record.station));
        let conflict = |e: OperatorError| match e {
            OperatorError::Storage(e) => e,
            other => StoreError::Corrupt(format!("recovering position '{station}': {other}")),
        };
        match (record.state, call) {
            (OperatorState::Ringing, Some(call))
                if at_position && call.ticket.status == TicketStatus::Called =>
            {
                self.back_to_queue_in(tx, call).await.map_err(conflict)?;
                if call.callback {
                    tx.reset_callback_claim(call.ticket.id).await?;
                }
                apply(record, OperatorEvent::CallerLeft, now).map_err(|e| conflict(e.into()))?;
                tx.save_operator(record, true).await?;
                Ok(Recovered::Requeued)
            }
            (OperatorState::Busy, Some(call))
                if at_position
                    && call.ticket.status == TicketStatus::InService
                    && call.answered_by.as_deref() == Some(station.as_str()) =>
            {
                let ended_at = last_heard.min(now);
                self.ended_in(tx, call, record, ended_at, CallParty::Gateway)
                    .await
                    .map_err(conflict)?;
                Ok(Recovered::Ended)
            }
            (state, _) => {
                let (event, at) = match state {
                    OperatorState::Busy => (OperatorEvent::End, record.state_since),
                    _ => (OperatorEvent::CallerLeft, now),
                };
                apply(record, event, at).map_err(|e| conflict(e.into()))?;
                if record.state == OperatorState::WrapUp {
                    let wrap_up = self.office().phone_queue.wrap_up;
                    record.wrap_up_until = at.checked_add(wrap_up).ok();
                }
                tx.save_operator(record, true).await?;
                Ok(Recovered::Released)
            }
        }
    }
}

/// Starts the task that runs [`Ticketing::recover_lost_calls`] at once and then every
/// `every` until `shutdown`. Every node runs it: the office lock serialises them.
pub fn spawn_recovery(
    ticketing: Ticketing,
    every: Duration,
    shutdown: CancellationToken,
    tracker: &TaskTracker,
) {
    if !ticketing.office().phone_queue.is_enabled() {
        return;
    }
    crate::operators::spawn_every(tracker, every, shutdown, move || {
        let ticketing = ticketing.clone();
        async move {
            match ticketing.recover_lost_calls().await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(positions = n, "lost operator calls recovered"),
                Err(error) => tracing::warn!(%error, "could not look for lost operator calls"),
            }
        }
    });
}

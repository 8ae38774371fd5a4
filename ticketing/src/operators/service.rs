//! The phone queue's operations on [`Ticketing`]: operators' buttons, escalation, the waiting
//! caller's poll (which also distributes calls), ring outcomes, callbacks, views and
//! indicators.
//!
//! Every change runs in one transaction under the office lock ([`crate::store::Store::
//! begin_office_operation`]), events are published after the commit. Wrap-up ends by itself:
//! a position whose wrap-up time passed is ready from that instant, written at the next
//! operation of the office (nothing needs a timer).
//!
//! Here: the types, the operators' buttons, escalation, the waiting caller's poll and
//! distribution. `calls`: ring outcomes and what follows (answered, talked, back to the
//! queue, wrap-up). `callbacks`: claiming reached callbacks and recording what the dialler
//! reports. `views`: positions, calls, overview and indicators for the pages, and the
//! dialog outcomes. `liveness`: taking back positions whose call was lost with its node.

mod callbacks;
mod calls;
mod liveness;
mod views;

pub use liveness::{RECOVERY_EVERY, spawn_recovery};

use jiff::civil::DateTime;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::dispatch::{self, IdleOperator, WaitingCall};
use super::indicators::{self, IntervalIndicators};
use super::state::{InvalidOperatorTransition, OperatorEvent, OperatorState};
use super::{CallContext, DialogOutcome, OperatorPosition};
use crate::contact::PhoneNumber;
use crate::events::TicketEvent;
use crate::queue::{
    IssueChannel, LineId, RECENT_SERVICES, StationId, TicketCode, TicketStatus, WaitEstimate,
    estimate_wait,
};
use crate::service::Ticketing;
use crate::store::{
    NewPhoneCall, NewTicket, OfficeTransaction, OperatorRecord, PhoneCallChange, PhoneCallRecord,
    StatusChange, StoreError,
};

/// Why an operator's action was refused.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("unknown operator position '{0}'")]
    UnknownPosition(String),
    #[error("this staff account may not work at operator position '{0}'")]
    NotYourPosition(String),
    #[error(transparent)]
    InvalidTransition(#[from] InvalidOperatorTransition),
    #[error("the position has not handled a call yet")]
    NoCall,
    #[error("no escalated call {0}")]
    UnknownCall(i64),
    #[error("the call was changed by someone else; try again")]
    Conflict,
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// Why a caller cannot join the operator queue now; the dialog offers a callback request or
/// a booking instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscalationRefusal {
    /// No phone line or no operator is configured.
    NoQueue,
    /// Outside operator hours; `next` is the next time operators answer.
    OutsideHours { next: Option<DateTime> },
    /// Within hours, but no operator is signed in for the line.
    NobodyOnDuty,
    /// As many callers as allowed are already waiting.
    QueueFull,
}

/// Why an escalation failed.
#[derive(Debug, thiserror::Error)]
pub enum EscalationError {
    #[error("the caller cannot join the operator queue now: {0:?}")]
    Refused(EscalationRefusal),
    #[error("unknown phone line '{0}'")]
    UnknownLine(String),
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// A caller's place, as the waiting dialog polls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueuePosition {
    /// Waiting: `ahead` callers before, the estimate, and how long the caller has waited.
    Waiting {
        ahead: u32,
        estimate: WaitEstimate,
        waited: SignedDuration,
    },
    /// An operator was assigned: ring their phone for at most `ring_timeout`.
    Ringing {
        station: StationId,
        sip_user: String,
        ring_timeout: SignedDuration,
    },
    /// The call left the queue (answered, abandoned, or closed by someone else).
    Left(TicketStatus),
}

/// A caller who joined the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalated {
    pub ticket_id: i64,
    pub code: TicketCode,
    pub line: LineId,
    pub position: QueuePosition,
}

/// What became of a callback asked while waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueCallback {
    /// The call keeps its place and is dialled when reached.
    KeepsPlace,
    /// No dialler on this node: the call left the queue and staff got callback request `id`.
    HandedToStaff { id: i64 },
}

/// Which side ended a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallParty {
    Caller,
    Operator,
    /// The node that carried the call stopped (see [`Ticketing::recover_lost_calls`]).
    Gateway,
}

impl CallParty {
    fn as_str(self) -> &'static str {
        match self {
            CallParty::Caller => "caller",
            CallParty::Operator => "operator",
            CallParty::Gateway => "gateway",
        }
    }
}

/// How ringing an operator for a call went, as the channel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingOutcome {
    /// The operator answered at `answered_at`: the call is in service and the position busy
    /// until [`RingOutcome::Talked`] reports the end of the conversation.
    Answered { answered_at: Timestamp },
    /// Answered at `answered_at`, ended at `ended_at` by `ended_by`: reported after
    /// [`RingOutcome::Answered`], or alone when the answer was not reported on its own (a
    /// callback reports both at the end). The position goes to wrap-up.
    Talked {
        answered_at: Timestamp,
        ended_at: Timestamp,
        ended_by: CallParty,
    },
    /// Rang for the whole ring timeout: the call goes back to its place, the next operator
    /// is tried.
    NoAnswer,
    /// The operator's phone could not be reached: the position is paused, the call goes
    /// back to its place.
    Unreachable,
    /// The caller hung up while the operator's phone rang.
    CallerHungUp,
}

/// A callback ticket reached the head of the queue and an operator: the dialler calls the
/// citizen at `number`, then connects the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRequest {
    pub ticket_id: i64,
    pub code: TicketCode,
    pub number: PhoneNumber,
    pub station: StationId,
    pub sip_user: String,
    pub ring_timeout: SignedDuration,
}

/// An escalated call as staff see it (masked number, never the full one).
#[derive(Debug, Clone, Serialize)]
pub struct PhoneCallView {
    pub ticket_id: i64,
    pub code: String,
    pub line: String,
    pub status: TicketStatus,
    pub masked_number: String,
    pub context: CallContext,
    pub waited_seconds: i64,
    pub callback: bool,
    pub ring_attempts: u32,
    pub answered_at: Option<Timestamp>,
    pub wrap_up_code: Option<String>,
    pub wrap_up_note: Option<String>,
}

/// An operator position as the console and the supervisor see it.
#[derive(Debug, Clone, Serialize)]
pub struct OperatorView {
    pub id: String,
    pub name: String,
    pub sip_user: String,
    pub lines: Vec<String>,
    pub staff: String,
    pub state: OperatorState,
    pub state_text: &'static str,
    pub pause_reason: Option<String>,
    pub state_since: Timestamp,
    /// Seconds since it became ready, while ready.
    pub idle_seconds: Option<i64>,
    pub wrap_up_until: Option<Timestamp>,
    pub missed_rings: u32,
    /// The call it rings for, talks with or wraps up; after that, the last call handled.
    pub call: Option<PhoneCallView>,
}

/// One phone line's queue now.
#[derive(Debug, Clone, Serialize)]
pub struct PhoneLineQueue {
    pub id: String,
    pub name: String,
    pub waiting: u32,
    pub callbacks_waiting: u32,
    pub longest_wait_seconds: Option<i64>,
    pub operators_serving: u32,
    pub estimate: WaitEstimate,
    pub estimate_text: String,
}

/// The supervisor's view of the phone channel.
#[derive(Debug, Clone, Serialize)]
pub struct PhoneQueueOverview {
    pub lines: Vec<PhoneLineQueue>,
    pub operators: Vec<OperatorView>,
    /// Positions per state (every state listed, zeros included).
    pub by_state: Vec<(OperatorState, u32)>,
    /// The current 15- and 30-minute intervals.
    pub quarter_hour: Option<IntervalIndicators>,
    pub half_hour: Option<IntervalIndicators>,
}

/// What the dialog reads when a call enters the queue, and on every poll.
fn masked(contact: &str) -> String {
    PhoneNumber::parse(contact)
        .map(|n| n.masked())
        .unwrap_or_default()
}

impl PhoneCallRecord {
    fn view(&self, now: Timestamp) -> PhoneCallView {
        let until = self.answered_at.or(self.abandoned_at).unwrap_or(now);
        PhoneCallView {
            ticket_id: self.ticket.id,
            code: self.ticket.code.spaced(),
            line: self.ticket.line.to_string(),
            status: self.ticket.status,
            masked_number: masked(&self.contact),
            context: self.context.clone(),
            waited_seconds: until.duration_since(self.offered_at).as_secs().max(0),
            callback: self.callback,
            ring_attempts: self.ring_attempts,
            answered_at: self.answered_at,
            wrap_up_code: self.wrap_up_code.clone(),
            wrap_up_note: self.wrap_up_note.clone(),
        }
    }
}

/// Ends a wrap-up whose time has passed: ready from the end of the wrap-up. Returns whether
/// the record changed.
fn settle(record: &mut OperatorRecord, now: Timestamp) -> bool {
    if record.state == OperatorState::WrapUp
        && let Some(until) = record.wrap_up_until
        && until <= now
    {
        record.state = OperatorState::Ready;
        record.state_since = until;
        record.idle_since = Some(until);
        record.wrap_up_until = None;
        return true;
    }
    false
}

/// A state change applied to a record, timestamped.
fn apply(
    record: &mut OperatorRecord,
    event: OperatorEvent,
    at: Timestamp,
) -> Result<(), InvalidOperatorTransition> {
    let next = record.state.apply(event)?;
    record.state = next;
    record.state_since = at;
    if next != OperatorState::Paused {
        record.pause_reason = None;
    }
    if next != OperatorState::WrapUp {
        record.wrap_up_until = None;
    }
    Ok(())
}

impl Ticketing {
    fn position(&self, station_id: &str) -> Result<&OperatorPosition, OperatorError> {
        self.office()
            .phone_queue
            .operator(station_id)
            .ok_or_else(|| OperatorError::UnknownPosition(station_id.to_string()))
    }

    fn position_of_staff(
        &self,
        station_id: &str,
        staff: &str,
    ) -> Result<&OperatorPosition, OperatorError> {
        let position = self.position(station_id)?;
        if position.staff != staff {
            return Err(OperatorError::NotYourPosition(station_id.to_string()));
        }
        Ok(position)
    }

    /// Opens the office's transaction with the escalated call `ticket_id` read in it.
    async fn begin_with_call(
        &self,
        ticket_id: i64,
    ) -> Result<(OfficeTransaction, PhoneCallRecord), OperatorError> {
        let mut tx = self.begin().await?;
        let call = tx
            .phone_call(ticket_id)
            .await?
            .ok_or(OperatorError::UnknownCall(ticket_id))?;
        Ok((tx, call))
    }

    async fn begin(&self) -> Result<OfficeTransaction, StoreError> {
        self.store().begin_office_operation(&self.office().id).await
    }

    /// Reads a position's record inside the lock, settled (wrap-up over → ready).
    async fn operator_record(
        &self,
        tx: &mut OfficeTransaction,
        station: &StationId,
        now: Timestamp,
    ) -> Result<OperatorRecord, StoreError> {
        let mut record = tx
            .operators()
            .await?
            .into_iter()
            .find(|r| &r.station == station)
            .unwrap_or_else(|| OperatorRecord::logged_out(station.clone(), now));
        if settle(&mut record, now) {
            tx.save_operator(&record, true).await?;
        }
        Ok(record)
    }

    /// Records the after-call work of the position's last call when a wrap-up ends early.
    async fn close_wrap_up(
        &self,
        tx: &mut OfficeTransaction,
        record: &OperatorRecord,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if record.state == OperatorState::WrapUp
            && let Some(ticket_id) = record.ticket_id
        {
            let after_call = now.duration_since(record.state_since);
            tx.change_phone_call(ticket_id, PhoneCallChange::AfterCall { after_call })
                .await?;
        }
        Ok(())
    }

    /// An operator's button: sign in, ready, pause with a reason, sign out. Then calls are
    /// distributed again (a ready operator may get a waiting call at once).
    #[tracing::instrument(skip(self), fields(office = %self.office().id))]
    pub async fn operator_action(
        &self,
        station_id: &str,
        staff: &str,
        event: OperatorEvent,
        pause_reason: Option<&str>,
    ) -> Result<OperatorState, OperatorError> {
        if !matches!(
            event,
            OperatorEvent::LogIn
                | OperatorEvent::Ready
                | OperatorEvent::Pause
                | OperatorEvent::LogOut
        ) {
            return Err(OperatorError::InvalidTransition(
                InvalidOperatorTransition {
                    from: OperatorState::LoggedOut,
                    event,
                },
            ));
        }
        let position = self.position_of_staff(station_id, staff)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut record = self.operator_record(&mut tx, &position.id, now).await?;
        let before = record.clone();
        apply(&mut record, event, now)?;
        self.close_wrap_up(&mut tx, &before, now).await?;
        match event {
            OperatorEvent::LogIn => {
                record.staff_username = Some(staff.to_string());
                record.missed_rings = 0;
                record.ticket_id = None;
                record.idle_since = Some(now);
            }
            OperatorEvent::Ready => {
                record.missed_rings = 0;
                // A ready operator keeps their place in the idle order.
                if before.state != OperatorState::Ready {
                    record.idle_since = Some(now);
                }
            }
            OperatorEvent::Pause => {
                let reason = pause_reason.map(str::trim).filter(|r| !r.is_empty());
                record.pause_reason = Some(reason.unwrap_or("pausa").to_string());
            }
            OperatorEvent::LogOut => {
                record.staff_username = None;
                record.idle_since = None;
            }
            _ => {}
        }
        tx.save_operator(&record, true).await?;
        let assigned = self.dispatch_in(&mut tx, now).await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        tracing::info!(station = %position.id, state = %record.state, "operator changed");
        self.publish(TicketEvent::OperatorChanged {
            station_id: position.id.to_string(),
            state: record.state,
        });
        self.publish_assignments(&assigned);
        Ok(record.state)
    }

    /// Distributes waiting calls to ready operators, inside the lock: settles wrap-ups,
    /// drops callers not heard of for the heartbeat timeout (counted abandoned), then rings
    /// the longest-idle operator for the oldest call of each line it serves.
    async fn dispatch_in(
        &self,
        tx: &mut OfficeTransaction,
        now: Timestamp,
    ) -> Result<Vec<(PhoneCallRecord, StationId)>, StoreError> {
        let rules = &self.office().phone_queue;
        if !rules.is_enabled() {
            return Ok(Vec::new());
        }
        let mut operators = tx.operators().await?;
        for record in &mut operators {
            if settle(record, now) {
                tx.save_operator(record, true).await?;
            }
        }
        let day = self.today();
        let mut waiting = Vec::new();
        for call in tx.waiting_phone_calls(day).await? {
            let silent = now.duration_since(call.last_seen_at);
            if !call.callback && silent > rules.heartbeat_timeout {
                tracing::warn!(code = %call.ticket.code, "waiting caller not heard of: abandoned");
                self.abandon_in(tx, &call, call.last_seen_at).await?;
                continue;
            }
            waiting.push(call);
        }
        let ready: Vec<IdleOperator> = operators
            .iter()
            .filter(|r| r.state == OperatorState::Ready)
            .filter_map(|r| {
                let position = rules.operator(r.station.as_str())?;
                Some(IdleOperator {
                    station: r.station.clone(),
                    lines: position.lines.clone(),
                    idle_since: r.idle_since.unwrap_or(r.state_since),
                })
            })
            .collect();
        let calls: Vec<WaitingCall> = waiting
            .iter()
            .map(|c| WaitingCall {
                ticket_id: c.ticket.id,
                line: c.ticket.line.clone(),
                queued_at: c.ticket.issued_at,
            })
            .collect();
        let mut assigned = Vec::new();
        for a in dispatch::assign(&self.office().policy, &calls, &ready) {
            let Some(call) = waiting.iter().find(|c| c.ticket.id == a.ticket_id) else {
                continue;
            };
            let Some(record) = operators.iter_mut().find(|r| r.station == a.station) else {
                continue;
            };
            let rang = tx
                .set_status(
                    call.ticket.id,
                    TicketStatus::Waiting,
                    StatusChange::Call {
                        station: &a.station,
                        at: now,
                        recall: false,
                    },
                )
                .await?;
            if !rang {
                continue;
            }
            tx.change_phone_call(call.ticket.id, PhoneCallChange::Rang)
                .await?;
            if apply(record, OperatorEvent::Assign, now).is_err() {
                continue;
            }
            record.ticket_id = Some(call.ticket.id);
            tx.save_operator(record, true).await?;
            tracing::info!(code = %call.ticket.code, station = %a.station, "call assigned");
            assigned.push((call.clone(), a.station));
        }
        Ok(assigned)
    }

    fn publish_assignments(&self, assigned: &[(PhoneCallRecord, StationId)]) {
        for (call, station) in assigned {
            self.publish(TicketEvent::OperatorChanged {
                station_id: station.to_string(),
                state: OperatorState::Ringing,
            });
            self.publish(TicketEvent::PhoneQueueChanged {
                line: call.ticket.line.to_string(),
                code: call.ticket.code.to_string(),
                change: "assigned".to_string(),
            });
        }
    }

    async fn abandon_in(
        &self,
        tx: &mut OfficeTransaction,
        call: &PhoneCallRecord,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let closed = tx
            .set_status(
                call.ticket.id,
                call.ticket.status,
                StatusChange::Close {
                    to: TicketStatus::Cancelled,
                    at,
                },
            )
            .await?;
        if closed {
            tx.change_phone_call(call.ticket.id, PhoneCallChange::Abandoned { at })
                .await?;
        }
        Ok(closed)
    }

    /// Whether a caller could join `line` now (hours, operators on duty), without joining.
    pub async fn phone_queue_refusal(
        &self,
        line: Option<&str>,
    ) -> Result<Option<EscalationRefusal>, EscalationError> {
        let rules = &self.office().phone_queue;
        if !rules.is_enabled() {
            return Ok(Some(EscalationRefusal::NoQueue));
        }
        let line = self.phone_line(line)?;
        let local = self.office().calendar.local(self.now());
        if let Err(refusal) = line.check_issuing(&self.office().calendar, local) {
            return Ok(Some(EscalationRefusal::OutsideHours {
                next: refusal.next_issuing(),
            }));
        }
        let operators = self.store().operator_positions(&self.office().id).await?;
        if serving_operators(rules, &operators, &line.id) == 0 {
            return Ok(Some(EscalationRefusal::NobodyOnDuty));
        }
        Ok(None)
    }

    fn phone_line(
        &self,
        line: Option<&str>,
    ) -> Result<&crate::queue::ServiceLine, EscalationError> {
        let rules = &self.office().phone_queue;
        match line {
            Some(id) => rules
                .line(id)
                .ok_or_else(|| EscalationError::UnknownLine(id.to_string())),
            None => rules
                .lines
                .first()
                .ok_or(EscalationError::Refused(EscalationRefusal::NoQueue)),
        }
    }

    /// Puts a caller in the operator queue of `line` (the first phone line when `None`) with
    /// the context of the dialog so far. Refused outside operator hours, when no operator is
    /// signed in for the line, or when the queue is full: the dialog then offers a callback
    /// request or a booking.
    #[tracing::instrument(skip(self, caller, context), fields(office = %self.office().id))]
    pub async fn join_phone_queue(
        &self,
        line: Option<&str>,
        call_id: &str,
        caller: Option<&PhoneNumber>,
        context: CallContext,
    ) -> Result<Escalated, EscalationError> {
        if let Some(refusal) = self.phone_queue_refusal(line).await? {
            return Err(EscalationError::Refused(refusal));
        }
        let line = self.phone_line(line)?;
        let rules = &self.office().phone_queue;
        let now = self.now();
        let day = self.today();
        let mut context = context.bounded();
        if let Some(number) = caller {
            context.masked_number = number.masked();
        }
        let mut tx = self.begin().await?;
        let waiting = tx
            .waiting_phone_calls(day)
            .await?
            .iter()
            .filter(|c| c.ticket.line == line.id)
            .count();
        if waiting >= rules.max_waiting as usize {
            return Err(EscalationError::Refused(EscalationRefusal::QueueFull));
        }
        let issued = tx
            .insert_ticket(&NewTicket {
                office_id: &self.office().id,
                service_day: day,
                line: &line.id,
                prefix: line.prefix,
                channel: IssueChannel::Phone,
                priority_class: None,
                now,
            })
            .await?;
        let ticket = issued.ticket;
        tx.insert_phone_call(&NewPhoneCall {
            ticket_id: ticket.id,
            line: &line.id,
            call_id,
            contact: caller.map_or("", PhoneNumber::as_str),
            context: &context,
            now,
        })
        .await?;
        let assigned = self.dispatch_in(&mut tx, now).await?;
        let position = self.position_in(&mut tx, ticket.id, now).await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        tracing::info!(code = %ticket.code, line = %line.id, "call joined the operator queue");
        self.publish(TicketEvent::PhoneQueueChanged {
            line: line.id.to_string(),
            code: ticket.code.to_string(),
            change: "joined".to_string(),
        });
        self.publish_assignments(&assigned);
        Ok(Escalated {
            ticket_id: ticket.id,
            code: ticket.code,
            line: line.id.clone(),
            position,
        })
    }

    /// Where a call is now, inside the lock.
    async fn position_in(
        &self,
        tx: &mut OfficeTransaction,
        ticket_id: i64,
        now: Timestamp,
    ) -> Result<QueuePosition, StoreError> {
        let rules = &self.office().phone_queue;
        let Some(call) = tx.phone_call(ticket_id).await? else {
            return Ok(QueuePosition::Left(TicketStatus::Cancelled));
        };
        match call.ticket.status {
            TicketStatus::Waiting => {
                let ahead = tx
                    .waiting_phone_calls(call.ticket.service_day)
                    .await?
                    .iter()
                    .filter(|c| {
                        c.ticket.line == call.ticket.line
                            && (c.ticket.issued_at, c.ticket.id)
                                < (call.ticket.issued_at, call.ticket.id)
                    })
                    .count();
                let ahead = u32::try_from(ahead).unwrap_or(u32::MAX);
                let operators = tx.operators().await?;
                let estimate = self
                    .phone_estimate(&call.ticket.line, ahead, &operators)
                    .await?;
                Ok(QueuePosition::Waiting {
                    ahead,
                    estimate,
                    waited: now.duration_since(call.offered_at),
                })
            }
            TicketStatus::Called => {
                let station = call.ticket.station.clone().ok_or_else(|| {
                    StoreError::Corrupt(format!("ringing call {ticket_id} without operator"))
                })?;
                let sip_user = rules
                    .operator(station.as_str())
                    .map(|o| o.sip_user.clone())
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown operator position '{station}'"))
                    })?;
                Ok(QueuePosition::Ringing {
                    station,
                    sip_user,
                    ring_timeout: rules.ring_timeout,
                })
            }
            other => Ok(QueuePosition::Left(other)),
        }
    }

    /// Estimated wait of a caller with `ahead` callers before them: recent handling times of
    /// today's answered calls (talk + wrap-up) over the operators serving the line; unknown
    /// when nobody serves it.
    async fn phone_estimate(
        &self,
        line: &LineId,
        ahead: u32,
        operators: &[OperatorRecord],
    ) -> Result<WaitEstimate, StoreError> {
        let rules = &self.office().phone_queue;
        let serving = serving_operators(rules, operators, line);
        let Some(service_line) = rules.line(line.as_str()) else {
            return Ok(WaitEstimate::Unknown);
        };
        if serving == 0 {
            return Ok(WaitEstimate::Unknown);
        }
        let now = self.now();
        let since = now
            .checked_sub(SignedDuration::from_hours(12))
            .unwrap_or(now);
        let recent: Vec<SignedDuration> = self
            .store()
            .phone_calls_between(&self.office().id, since, now)
            .await?
            .iter()
            .rev()
            .filter(|c| &c.ticket.line == line)
            .filter_map(|c| {
                let talk = c.ended_at?.duration_since(c.answered_at?);
                Some(talk + c.after_call.unwrap_or(rules.wrap_up))
            })
            .take(RECENT_SERVICES)
            .collect();
        // The caller themself is served once everyone ahead is: count them too.
        Ok(estimate_wait(
            ahead.saturating_add(1),
            &recent,
            service_line.default_handling,
            serving,
        ))
    }

    /// The waiting dialog's poll: "I am still here; where am I?". Also distributes calls, so
    /// a caller is put through as soon as an operator is free.
    pub async fn poll_phone_call(&self, ticket_id: i64) -> Result<QueuePosition, OperatorError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        tx.change_phone_call(ticket_id, PhoneCallChange::Seen { at: now })
            .await?;
        let assigned = self.dispatch_in(&mut tx, now).await?;
        let position = self.position_in(&mut tx, ticket_id, now).await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        self.publish_assignments(&assigned);
        Ok(position)
    }

    /// Distributes waiting calls (for the callback task and after operators' changes).
    pub async fn dispatch_phone_queue(&self) -> Result<usize, StoreError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let assigned = self.dispatch_in(&mut tx, now).await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        self.publish_assignments(&assigned);
        Ok(assigned.len())
    }

    /// The caller pressed 1 while waiting: the call keeps its place, marked for a callback to
    /// `number`; the caller may hang up. Without a callback dialler on this node
    /// ([`Ticketing::callbacks_dialled`]) the call leaves the queue and a callback request for
    /// staff is stored instead (with what the caller asked for): never lost.
    #[tracing::instrument(skip(self, number), fields(office = %self.office().id, contact = %number.masked()))]
    pub async fn request_queue_callback(
        &self,
        ticket_id: i64,
        number: &PhoneNumber,
    ) -> Result<QueueCallback, OperatorError> {
        let (mut tx, call) = self.begin_with_call(ticket_id).await?;
        if call.ticket.status != TicketStatus::Waiting {
            return Err(OperatorError::Conflict);
        }
        if !self.callbacks_dialled() {
            let now = self.now();
            tx.set_status(
                ticket_id,
                TicketStatus::Waiting,
                StatusChange::Close {
                    to: TicketStatus::Cancelled,
                    at: now,
                },
            )
            .await?;
            tx.change_phone_call(
                ticket_id,
                PhoneCallChange::CallbackResult {
                    result: "handed_to_staff",
                },
            )
            .await?;
            let streak = tx.consecutive_priority;
            tx.commit(streak).await?;
            let topic = match call.context.topics.join("; ") {
                topics if topics.is_empty() => {
                    "Richiamata chiesta in attesa di un operatore".into()
                }
                topics => format!("Richiamata chiesta in attesa di un operatore: {topics}"),
            };
            let id = self.request_callback(number, &topic, "phone").await?;
            self.publish(TicketEvent::PhoneQueueChanged {
                line: call.ticket.line.to_string(),
                code: call.ticket.code.to_string(),
                change: "left".to_string(),
            });
            return Ok(QueueCallback::HandedToStaff { id });
        }
        tx.change_phone_call(
            ticket_id,
            PhoneCallChange::Callback {
                number: number.as_str(),
            },
        )
        .await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        tracing::info!(code = %call.ticket.code, "callback keeps the caller's place");
        self.publish(TicketEvent::PhoneQueueChanged {
            line: call.ticket.line.to_string(),
            code: call.ticket.code.to_string(),
            change: "callback".to_string(),
        });
        Ok(QueueCallback::KeepsPlace)
    }

    /// The caller hung up while waiting (not while ringing: see [`RingOutcome`]).
    pub async fn abandon_phone_call(&self, ticket_id: i64) -> Result<(), OperatorError> {
        let now = self.now();
        let (mut tx, call) = self.begin_with_call(ticket_id).await?;
        if call.ticket.status != TicketStatus::Waiting || call.callback {
            // Already assigned, closed, or a callback: the caller's hang-up changes nothing.
            return Ok(());
        }
        let closed = self.abandon_in(&mut tx, &call, now).await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        if closed {
            tracing::info!(code = %call.ticket.code, "caller left the operator queue");
            self.publish(TicketEvent::PhoneQueueChanged {
                line: call.ticket.line.to_string(),
                code: call.ticket.code.to_string(),
                change: "abandoned".to_string(),
            });
        }
        Ok(())
    }
}

/// Positions signed in and serving `line` (ready, ringing, busy or in wrap-up).
fn serving_operators(
    rules: &super::PhoneQueueRules,
    operators: &[OperatorRecord],
    line: &LineId,
) -> u32 {
    let n = operators
        .iter()
        .filter(|r| r.state.is_serving())
        .filter(|r| {
            rules
                .operator(r.station.as_str())
                .is_some_and(|p| p.lines.contains(line))
        })
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

//! A ring's outcome and the call it leads to: answered, talked, back to the queue,
//! abandoned; the operator's wrap-up.

use super::*;

impl Ticketing {
    /// Reports how ringing `station` for a call went. Answered: the call is in service, the
    /// position busy. Talked: the conversation ended (answered first if that was not reported
    /// yet), the position goes to wrap-up. No answer or unreachable: the call goes back to
    /// its place in the queue and is distributed again. Caller hung up: the call is closed,
    /// abandoned.
    #[tracing::instrument(skip(self), fields(office = %self.office().id))]
    pub async fn report_ring(
        &self,
        ticket_id: i64,
        station_id: &str,
        outcome: RingOutcome,
    ) -> Result<(), OperatorError> {
        let position = self.position(station_id)?;
        let rules = &self.office().phone_queue;
        let now = self.now();
        let (mut tx, call) = self.begin_with_call(ticket_id).await?;
        let at_position = call.ticket.station.as_ref() == Some(&position.id);
        let ringing = at_position && call.ticket.status == TicketStatus::Called;
        let talking = at_position
            && call.ticket.status == TicketStatus::InService
            && call.answered_by.as_deref() == Some(position.id.as_str());
        let expected = match outcome {
            RingOutcome::Talked { .. } => ringing || talking,
            _ => ringing,
        };
        if !expected {
            return Err(OperatorError::Conflict);
        }
        let mut record = self.operator_record(&mut tx, &position.id, now).await?;
        let change = match outcome {
            RingOutcome::Answered { answered_at } => {
                self.answered_in(&mut tx, &call, &mut record, answered_at)
                    .await?;
                "answered"
            }
            RingOutcome::Talked {
                answered_at,
                ended_at,
                ended_by,
            } => {
                if ringing {
                    self.answered_in(&mut tx, &call, &mut record, answered_at)
                        .await?;
                }
                self.ended_in(&mut tx, &call, &mut record, ended_at, ended_by)
                    .await?;
                if ringing { "answered" } else { "ended" }
            }
            RingOutcome::NoAnswer | RingOutcome::Unreachable => {
                let event = if outcome == RingOutcome::Unreachable {
                    record.pause_reason = Some("telefono non raggiungibile".to_string());
                    OperatorEvent::Unreachable
                } else {
                    record.missed_rings += 1;
                    let limit_reached = record.missed_rings >= rules.missed_rings_before_pause;
                    if limit_reached {
                        record.pause_reason = Some("non risponde".to_string());
                    }
                    OperatorEvent::NoAnswer { limit_reached }
                };
                let reason = record.pause_reason.clone();
                apply(&mut record, event, now)?;
                if record.state == OperatorState::Paused {
                    record.pause_reason = reason;
                }
                // To the back of the idle order: the next call tries someone else first.
                record.idle_since = Some(now);
                self.back_to_queue_in(&mut tx, &call).await?;
                tx.save_operator(&record, true).await?;
                "requeued"
            }
            RingOutcome::CallerHungUp => {
                apply(&mut record, OperatorEvent::CallerLeft, now)?;
                tx.save_operator(&record, true).await?;
                self.abandon_in(&mut tx, &call, now).await?;
                "abandoned"
            }
        };
        let assigned = self.dispatch_in(&mut tx, now).await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        tracing::info!(code = %call.ticket.code, station = %position.id, ?outcome, "ring reported");
        self.publish(TicketEvent::OperatorChanged {
            station_id: position.id.to_string(),
            state: record.state,
        });
        self.publish(TicketEvent::PhoneQueueChanged {
            line: call.ticket.line.to_string(),
            code: call.ticket.code.to_string(),
            change: change.to_string(),
        });
        self.publish_assignments(&assigned);
        Ok(())
    }

    pub(super) async fn back_to_queue_in(
        &self,
        tx: &mut OfficeTransaction,
        call: &PhoneCallRecord,
    ) -> Result<(), OperatorError> {
        let back = tx
            .set_status(
                call.ticket.id,
                TicketStatus::Called,
                StatusChange::Transfer {
                    to_line: &call.ticket.line,
                },
            )
            .await?;
        if !back {
            return Err(OperatorError::Conflict);
        }
        Ok(())
    }

    /// The operator answered: the ticket is in service from `answered_at`, the position busy.
    pub(super) async fn answered_in(
        &self,
        tx: &mut OfficeTransaction,
        call: &PhoneCallRecord,
        record: &mut OperatorRecord,
        answered_at: Timestamp,
    ) -> Result<(), OperatorError> {
        let station = record.station.clone();
        if !tx
            .set_status(
                call.ticket.id,
                TicketStatus::Called,
                StatusChange::StartService { at: answered_at },
            )
            .await?
        {
            return Err(OperatorError::Conflict);
        }
        tx.change_phone_call(
            call.ticket.id,
            PhoneCallChange::Answered {
                station: &station,
                at: answered_at,
            },
        )
        .await?;
        apply(record, OperatorEvent::Answer, answered_at)?;
        record.missed_rings = 0;
        tx.save_operator(record, true).await?;
        Ok(())
    }

    /// The conversation ended: the ticket is done, the position in wrap-up for the configured
    /// time (its after-call work counts that long unless it ends earlier).
    pub(super) async fn ended_in(
        &self,
        tx: &mut OfficeTransaction,
        call: &PhoneCallRecord,
        record: &mut OperatorRecord,
        ended_at: Timestamp,
        ended_by: CallParty,
    ) -> Result<(), OperatorError> {
        let rules = &self.office().phone_queue;
        if !tx
            .set_status(
                call.ticket.id,
                TicketStatus::InService,
                StatusChange::Close {
                    to: TicketStatus::Done,
                    at: ended_at,
                },
            )
            .await?
        {
            return Err(OperatorError::Conflict);
        }
        tx.change_phone_call(
            call.ticket.id,
            PhoneCallChange::Ended {
                at: ended_at,
                by: ended_by.as_str(),
                after_call: rules.wrap_up,
            },
        )
        .await?;
        apply(record, OperatorEvent::End, ended_at)?;
        record.wrap_up_until = ended_at.checked_add(rules.wrap_up).ok();
        tx.save_operator(record, true).await?;
        Ok(())
    }

    /// The wrap-up code and note of the position's last call.
    pub async fn operator_wrap_up(
        &self,
        station_id: &str,
        staff: &str,
        code: &str,
        note: &str,
    ) -> Result<(), OperatorError> {
        let position = self.position_of_staff(station_id, staff)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let record = self.operator_record(&mut tx, &position.id, now).await?;
        let ticket_id = record.ticket_id.ok_or(OperatorError::NoCall)?;
        let call = tx
            .phone_call(ticket_id)
            .await?
            .ok_or(OperatorError::NoCall)?;
        if call.answered_by.as_deref() != Some(position.id.as_str()) {
            return Err(OperatorError::NoCall);
        }
        tx.change_phone_call(
            ticket_id,
            PhoneCallChange::WrapUp {
                code: code.trim(),
                note: note.trim(),
            },
        )
        .await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        Ok(())
    }
}

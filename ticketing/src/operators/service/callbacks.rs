//! Callbacks that reached an operator: claimed once across nodes for the dialler, and what
//! the dialler reports back.

use super::*;

impl Ticketing {
    /// Callback tickets that reached an operator and that no dialler took yet: claims them
    /// (once, across nodes) for the callback dialler.
    pub async fn claim_callbacks(&self) -> Result<Vec<CallbackRequest>, StoreError> {
        let rules = &self.office().phone_queue;
        if !rules.is_enabled() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let mut tx = self.begin().await?;
        let assigned = self.dispatch_in(&mut tx, now).await?;
        let mut claims = Vec::new();
        for call in tx.unclaimed_callbacks().await? {
            let Some(station) = call.ticket.station.clone() else {
                continue;
            };
            let Some(position) = rules.operator(station.as_str()) else {
                continue;
            };
            let Ok(number) = PhoneNumber::parse(&call.contact) else {
                continue;
            };
            if tx
                .change_phone_call(call.ticket.id, PhoneCallChange::CallbackStarted { at: now })
                .await?
            {
                claims.push(CallbackRequest {
                    ticket_id: call.ticket.id,
                    code: call.ticket.code,
                    number,
                    station,
                    sip_user: position.sip_user.clone(),
                    ring_timeout: rules.ring_timeout,
                });
            }
        }
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        self.publish_assignments(&assigned);
        Ok(claims)
    }

    /// Records what the callback dialler achieved. The citizen not answering (or the call
    /// failing) closes the ticket and leaves a callback request for staff, so the request is
    /// never lost; an operator not answering puts the call back in its place to be dialled
    /// again.
    #[tracing::instrument(skip(self), fields(office = %self.office().id))]
    pub async fn report_callback(
        &self,
        claim: &CallbackRequest,
        outcome: crate::operators::CallbackOutcome,
    ) -> Result<(), OperatorError> {
        use crate::operators::CallbackOutcome as C;
        let now = self.now();
        let ring = match outcome {
            C::Talked { talk, ended_by } => Some(RingOutcome::Talked {
                answered_at: now.checked_sub(talk).unwrap_or(now),
                ended_at: now,
                ended_by,
            }),
            C::OperatorNoAnswer => Some(RingOutcome::NoAnswer),
            C::OperatorUnreachable => Some(RingOutcome::Unreachable),
            C::CitizenNoAnswer | C::Failed => None,
        };
        let result = outcome.as_str();
        if let Some(ring) = ring {
            self.report_ring(claim.ticket_id, claim.station.as_str(), ring)
                .await?;
            let mut tx = self.begin().await?;
            tx.change_phone_call(claim.ticket_id, PhoneCallChange::CallbackResult { result })
                .await?;
            if matches!(ring, RingOutcome::NoAnswer | RingOutcome::Unreachable) {
                // Dial again when the call is reached again.
                tx.reset_callback_claim(claim.ticket_id).await?;
            }
            let streak = tx.consecutive_priority;
            tx.commit(streak).await?;
            return Ok(());
        }
        let (mut tx, call) = self.begin_with_call(claim.ticket_id).await?;
        let mut record = self.operator_record(&mut tx, &claim.station, now).await?;
        if record.state == OperatorState::Ringing && record.ticket_id == Some(claim.ticket_id) {
            apply(&mut record, OperatorEvent::CallerLeft, now)?;
            tx.save_operator(&record, true).await?;
        }
        tx.set_status(
            call.ticket.id,
            TicketStatus::Called,
            StatusChange::Close {
                to: TicketStatus::NoShow,
                at: now,
            },
        )
        .await?;
        tx.change_phone_call(claim.ticket_id, PhoneCallChange::CallbackResult { result })
            .await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        let topic = format!(
            "Richiamata dalla coda degli operatori non riuscita ({}): {}",
            if outcome == C::Failed {
                "chiamata non riuscita"
            } else {
                "nessuna risposta"
            },
            call.context.topics.join("; ")
        );
        self.request_callback(&claim.number, &topic, "phone")
            .await?;
        self.publish(TicketEvent::OperatorChanged {
            station_id: claim.station.to_string(),
            state: record.state,
        });
        Ok(())
    }
}

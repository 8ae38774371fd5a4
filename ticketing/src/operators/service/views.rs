//! What the console, the supervisor and the indicators read: positions, calls, the queue's
//! overview and the per-interval figures; and the dialog outcomes they count.

use super::*;

impl Ticketing {
    /// Records how a call to the phone dialog ended (for "resolved without an operator").
    pub async fn record_dialog_outcome(
        &self,
        call_id: &str,
        outcome: DialogOutcome,
    ) -> Result<(), StoreError> {
        let row = crate::operators::OutcomeRow {
            call_id: call_id.to_owned(),
            outcome,
            at: self.now(),
        };
        self.outcome_writer().record(row).await
    }

    /// Every configured operator position with its live state (wrap-ups that are over show
    /// as ready).
    pub async fn operators(&self) -> Result<Vec<OperatorView>, StoreError> {
        let now = self.now();
        let rules = &self.office().phone_queue;
        let stored = self.store().operator_positions(&self.office().id).await?;
        let mut out = Vec::with_capacity(rules.operators.len());
        for position in &rules.operators {
            let mut record = stored
                .iter()
                .find(|r| r.station == position.id)
                .cloned()
                .unwrap_or_else(|| OperatorRecord::logged_out(position.id.clone(), now));
            settle(&mut record, now);
            let call = match record.ticket_id {
                Some(id) => self
                    .store()
                    .phone_call(&self.office().id, id)
                    .await?
                    .map(|c| c.view(now)),
                None => None,
            };
            out.push(OperatorView {
                id: position.id.to_string(),
                name: position.name.clone(),
                sip_user: position.sip_user.clone(),
                lines: position.lines.iter().map(ToString::to_string).collect(),
                staff: position.staff.clone(),
                state: record.state,
                state_text: record.state.italian(),
                pause_reason: record.pause_reason.clone(),
                state_since: record.state_since,
                idle_seconds: (record.state == OperatorState::Ready).then(|| {
                    now.duration_since(record.idle_since.unwrap_or(record.state_since))
                        .as_secs()
                }),
                wrap_up_until: record.wrap_up_until,
                missed_rings: record.missed_rings,
                call,
            });
        }
        Ok(out)
    }

    /// One operator position (as [`Ticketing::operators`]).
    pub async fn operator(&self, station_id: &str) -> Result<OperatorView, OperatorError> {
        self.position(station_id)?;
        self.operators()
            .await?
            .into_iter()
            .find(|o| o.id == station_id)
            .ok_or_else(|| OperatorError::UnknownPosition(station_id.to_string()))
    }

    /// The phone indicators per interval from `from` to `to` (the interval length of the
    /// configuration, or `interval` when given).
    pub async fn phone_indicators(
        &self,
        from: Timestamp,
        to: Timestamp,
        interval: Option<SignedDuration>,
    ) -> Result<Vec<IntervalIndicators>, StoreError> {
        let mut rules = self.office().phone_queue.indicators;
        if let Some(interval) = interval {
            rules.interval = interval;
        }
        let office = &self.office().id;
        let start = from.checked_sub(rules.interval).unwrap_or(from);
        let end = to.checked_add(rules.interval).unwrap_or(to);
        let calls: Vec<_> = self
            .store()
            .phone_calls_between(office, start, end)
            .await?
            .iter()
            .map(PhoneCallRecord::times)
            .collect();
        let dialog = self
            .store()
            .dialog_outcomes_between(office, start, end)
            .await?;
        Ok(indicators::per_interval(&rules, &calls, &dialog, from, to))
    }

    /// The supervisor's view of the phone channel now.
    pub async fn phone_queue_overview(&self) -> Result<PhoneQueueOverview, StoreError> {
        let now = self.now();
        let rules = &self.office().phone_queue;
        let operators = self.operators().await?;
        let stored = self.store().operator_positions(&self.office().id).await?;
        let since = now
            .checked_sub(SignedDuration::from_hours(12))
            .unwrap_or(now);
        let calls = self
            .store()
            .phone_calls_between(
                &self.office().id,
                since,
                now.checked_add(SignedDuration::from_secs(1)).unwrap_or(now),
            )
            .await?;
        let mut lines = Vec::new();
        for line in &rules.lines {
            let waiting: Vec<&PhoneCallRecord> = calls
                .iter()
                .filter(|c| c.ticket.line == line.id && c.ticket.status == TicketStatus::Waiting)
                .collect();
            let count = u32::try_from(waiting.len()).unwrap_or(u32::MAX);
            let estimate = self.phone_estimate(&line.id, count, &stored).await?;
            lines.push(PhoneLineQueue {
                id: line.id.to_string(),
                name: line.name.clone(),
                waiting: count,
                callbacks_waiting: u32::try_from(waiting.iter().filter(|c| c.callback).count())
                    .unwrap_or(u32::MAX),
                longest_wait_seconds: waiting
                    .iter()
                    .map(|c| now.duration_since(c.offered_at).as_secs())
                    .max(),
                operators_serving: serving_operators(rules, &stored, &line.id),
                estimate,
                estimate_text: estimate.italian(),
            });
        }
        let by_state = OperatorState::ALL
            .into_iter()
            .map(|s| {
                let n = operators.iter().filter(|o| o.state == s).count();
                (s, u32::try_from(n).unwrap_or(u32::MAX))
            })
            .collect();
        let quarter = self
            .phone_indicators(now, now, Some(SignedDuration::from_mins(15)))
            .await?
            .pop();
        let half = self
            .phone_indicators(now, now, Some(SignedDuration::from_mins(30)))
            .await?
            .pop();
        Ok(PhoneQueueOverview {
            lines,
            operators,
            by_state,
            quarter_hour: quarter,
            half_hour: half,
        })
    }
}

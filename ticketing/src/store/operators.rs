//! Operator positions, escalated phone calls and the dialog's call outcomes.
//!
//! Every change of a position or of a waiting call goes through an [`OfficeTransaction`]: the
//! office lock serialises them with call-next, so a call is never assigned twice and an
//! operator never rings for two calls. An escalated call is a row of `tickets` (its place in
//! the queue, its status) plus a row of `phone_calls` (context, callback, times).

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::records::TicketRecord;
use super::{OfficeTransaction, Store, StoreError};
use crate::operators::indicators::{CallTimes, DialogOutcome};
use crate::operators::{CallContext, OperatorState};
use crate::queue::{LineId, StationId};

/// The stored state of an operator position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRecord {
    pub station: StationId,
    pub state: OperatorState,
    pub pause_reason: Option<String>,
    pub staff_username: Option<String>,
    /// When the position entered its state.
    pub state_since: Timestamp,
    /// When it last became ready (the longest idle gets the next call).
    pub idle_since: Option<Timestamp>,
    /// End of the wrap-up, while in wrap-up.
    pub wrap_up_until: Option<Timestamp>,
    /// Unanswered rings in a row.
    pub missed_rings: u32,
    /// The call it rings for, talks with or wraps up.
    pub ticket_id: Option<i64>,
}

impl OperatorRecord {
    /// A position nobody ever signed in at.
    pub fn logged_out(station: StationId, now: Timestamp) -> Self {
        OperatorRecord {
            station,
            state: OperatorState::LoggedOut,
            pause_reason: None,
            staff_username: None,
            state_since: now,
            idle_since: None,
            wrap_up_until: None,
            missed_rings: 0,
            ticket_id: None,
        }
    }

    fn from_row(row: &AnyRow) -> Result<Self, StoreError> {
        let station: String = row.try_get("station_id")?;
        let state: String = row.try_get("state")?;
        Ok(OperatorRecord {
            station: StationId::parse(&station)
                .map_err(|_| StoreError::Corrupt(format!("station '{station}'")))?,
            state: OperatorState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("operator state '{state}'")))?,
            pause_reason: row.try_get("pause_reason")?,
            staff_username: row.try_get("staff_username")?,
            state_since: millis(row.try_get("state_since")?)?,
            idle_since: row
                .try_get::<Option<i64>, _>("idle_since")?
                .map(millis)
                .transpose()?,
            wrap_up_until: row
                .try_get::<Option<i64>, _>("wrap_up_until")?
                .map(millis)
                .transpose()?,
            missed_rings: u32::try_from(row.try_get::<i64, _>("missed_rings")?).unwrap_or(0),
            ticket_id: row.try_get("ticket_id")?,
        })
    }
}

/// An escalated call: its ticket and what the `phone_calls` row holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneCallRecord {
    pub ticket: TicketRecord,
    /// The gateway's id of the call that escalated.
    pub call_id: String,
    /// The caller's number (E.164) or "" when unknown; the callback number once asked for.
    pub contact: String,
    pub context: CallContext,
    pub offered_at: Timestamp,
    /// Last time the waiting dialog asked for its place.
    pub last_seen_at: Timestamp,
    /// The caller asked to be called back (and hung up): the dialler calls when reached.
    pub callback: bool,
    pub callback_started_at: Option<Timestamp>,
    pub callback_result: Option<String>,
    pub ring_attempts: u32,
    /// The position that answered.
    pub answered_by: Option<String>,
    pub answered_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub ended_by: Option<String>,
    pub after_call: Option<SignedDuration>,
    pub abandoned_at: Option<Timestamp>,
    pub wrap_up_code: Option<String>,
    pub wrap_up_note: Option<String>,
}

fn millis(ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|_| StoreError::Corrupt(format!("timestamp '{ms}'")))
}

fn optional_millis(row: &AnyRow, column: &str) -> Result<Option<Timestamp>, StoreError> {
    row.try_get::<Option<i64>, _>(column)?
        .map(millis)
        .transpose()
}

const OPERATOR_COLUMNS: &str = "station_id, state, pause_reason, staff_username, state_since, \
     idle_since, wrap_up_until, missed_rings, ticket_id";

/// The ticket's columns (prefixed `t.`) and the phone call's (aliased `pc_`), for the join.
fn phone_call_select() -> String {
    let ticket: Vec<String> = super::records::TICKET_COLUMNS
        .split(',')
        .map(|c| format!("t.{}", c.trim()))
        .collect();
    format!(
        "SELECT {}, p.call_id AS pc_call_id, p.contact AS pc_contact, p.context AS pc_context, \
         p.offered_at AS pc_offered_at, p.last_seen_at AS pc_last_seen_at, \
         p.callback AS pc_callback, p.callback_started_at AS pc_callback_started_at, \
         p.callback_result AS pc_callback_result, p.ring_attempts AS pc_ring_attempts, \
         p.station_id AS pc_station_id, p.answered_at AS pc_answered_at, \
         p.ended_at AS pc_ended_at, p.ended_by AS pc_ended_by, \
         p.after_call_ms AS pc_after_call_ms, p.abandoned_at AS pc_abandoned_at, \
         p.wrap_up_code AS pc_wrap_up_code, p.wrap_up_note AS pc_wrap_up_note \
         FROM tickets t JOIN phone_calls p ON p.ticket_id = t.id",
        ticket.join(", ")
    )
}

impl PhoneCallRecord {
    fn from_row(row: &AnyRow) -> Result<Self, StoreError> {
        let context: String = row.try_get("pc_context")?;
        Ok(PhoneCallRecord {
            ticket: TicketRecord::from_row(row)?,
            call_id: row.try_get("pc_call_id")?,
            contact: row.try_get("pc_contact")?,
            context: serde_json::from_str(&context)
                .map_err(|e| StoreError::Corrupt(format!("call context: {e}")))?,
            offered_at: millis(row.try_get("pc_offered_at")?)?,
            last_seen_at: millis(row.try_get("pc_last_seen_at")?)?,
            callback: row.try_get::<i64, _>("pc_callback")? != 0,
            callback_started_at: optional_millis(row, "pc_callback_started_at")?,
            callback_result: row.try_get("pc_callback_result")?,
            ring_attempts: u32::try_from(row.try_get::<i64, _>("pc_ring_attempts")?).unwrap_or(0),
            answered_by: row.try_get("pc_station_id")?,
            answered_at: optional_millis(row, "pc_answered_at")?,
            ended_at: optional_millis(row, "pc_ended_at")?,
            ended_by: row.try_get("pc_ended_by")?,
            after_call: row
                .try_get::<Option<i64>, _>("pc_after_call_ms")?
                .map(SignedDuration::from_millis),
            abandoned_at: optional_millis(row, "pc_abandoned_at")?,
            wrap_up_code: row.try_get("pc_wrap_up_code")?,
            wrap_up_note: row.try_get("pc_wrap_up_note")?,
        })
    }

    /// The indicators' view of the call.
    pub fn times(&self) -> CallTimes {
        CallTimes {
            offered_at: self.offered_at,
            answered_at: self.answered_at,
            ended_at: self.ended_at,
            abandoned_at: self.abandoned_at,
            after_call: self.after_call,
        }
    }
}

/// Input of [`OfficeTransaction::insert_phone_call`].
#[derive(Debug, Clone)]
pub struct NewPhoneCall<'a> {
    pub ticket_id: i64,
    pub line: &'a LineId,
    pub call_id: &'a str,
    pub contact: &'a str,
    pub context: &'a CallContext,
    pub now: Timestamp,
}

/// A change to an escalated call's row.
#[derive(Debug, Clone, Copy)]
pub enum PhoneCallChange<'a> {
    /// The waiting dialog is still there.
    Seen {
        at: Timestamp,
    },
    /// The caller asked to be called back at `number`.
    Callback {
        number: &'a str,
    },
    /// One more ring of an operator.
    Rang,
    Answered {
        station: &'a StationId,
        at: Timestamp,
    },
    Ended {
        at: Timestamp,
        by: &'a str,
        after_call: SignedDuration,
    },
    /// The wrap-up ended (earlier than configured, or by the operator's pause or exit).
    AfterCall {
        after_call: SignedDuration,
    },
    Abandoned {
        at: Timestamp,
    },
    /// The callback dialler took the call (once: the row must still be unclaimed).
    CallbackStarted {
        at: Timestamp,
    },
    CallbackResult {
        result: &'a str,
    },
    WrapUp {
        code: &'a str,
        note: &'a str,
    },
}

impl OfficeTransaction {
    /// Every stored operator position of the office.
    pub async fn operators(&mut self) -> Result<Vec<OperatorRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {OPERATOR_COLUMNS} FROM operator_positions WHERE office_id = $1 \
             ORDER BY station_id"
        ))
        .bind(&self.office_id)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(OperatorRecord::from_row).collect()
    }

    /// Writes a position's state; `logged` adds a timestamped row to the state history.
    pub async fn save_operator(
        &mut self,
        record: &OperatorRecord,
        logged: bool,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO operator_positions (office_id, station_id, state, pause_reason, \
             staff_username, state_since, idle_since, wrap_up_until, missed_rings, ticket_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (office_id, station_id) DO UPDATE SET state = excluded.state, \
             pause_reason = excluded.pause_reason, staff_username = excluded.staff_username, \
             state_since = excluded.state_since, idle_since = excluded.idle_since, \
             wrap_up_until = excluded.wrap_up_until, missed_rings = excluded.missed_rings, \
             ticket_id = excluded.ticket_id",
        )
        .bind(&self.office_id)
        .bind(record.station.as_str())
        .bind(record.state.as_str())
        .bind(record.pause_reason.as_deref())
        .bind(record.staff_username.as_deref())
        .bind(record.state_since.as_millisecond())
        .bind(record.idle_since.map(|t| t.as_millisecond()))
        .bind(record.wrap_up_until.map(|t| t.as_millisecond()))
        .bind(i64::from(record.missed_rings))
        .bind(record.ticket_id)
        .execute(&mut *self.tx)
        .await?;
        if logged {
            sqlx::query(
                "INSERT INTO operator_state_changes (office_id, station_id, state, reason, \
                 ticket_id, at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&self.office_id)
            .bind(record.station.as_str())
            .bind(record.state.as_str())
            .bind(record.pause_reason.as_deref())
            .bind(record.ticket_id)
            .bind(record.state_since.as_millisecond())
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Inserts a ticket of a phone line (numbered like any ticket) inside this transaction.
    pub async fn insert_ticket(
        &mut self,
        new: &super::NewTicket<'_>,
    ) -> Result<super::Issued, StoreError> {
        super::insert_ticket(&mut self.tx, new).await
    }

    /// Stores the escalated call's row next to its ticket.
    pub async fn insert_phone_call(&mut self, new: &NewPhoneCall<'_>) -> Result<(), StoreError> {
        let context = serde_json::to_string(new.context)
            .map_err(|e| StoreError::Corrupt(format!("call context: {e}")))?;
        sqlx::query(
            "INSERT INTO phone_calls (ticket_id, office_id, line_id, call_id, contact, context, \
             offered_at, last_seen_at, callback, ring_attempts) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 0, 0)",
        )
        .bind(new.ticket_id)
        .bind(&self.office_id)
        .bind(new.line.as_str())
        .bind(new.call_id)
        .bind(new.contact)
        .bind(context)
        .bind(new.now.as_millisecond())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// One escalated call of this office.
    pub async fn phone_call(
        &mut self,
        ticket_id: i64,
    ) -> Result<Option<PhoneCallRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "{} WHERE t.office_id = $1 AND t.id = $2",
            phone_call_select()
        ))
        .bind(&self.office_id)
        .bind(ticket_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| PhoneCallRecord::from_row(&r)).transpose()
    }

    /// Escalated calls of `day` still in the queue (waiting), in queue order.
    pub async fn waiting_phone_calls(
        &mut self,
        day: Date,
    ) -> Result<Vec<PhoneCallRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{} WHERE t.office_id = $1 AND t.service_day = $2 AND t.status = 'waiting' \
             ORDER BY t.issued_at, t.id",
            phone_call_select()
        ))
        .bind(&self.office_id)
        .bind(day.to_string())
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(PhoneCallRecord::from_row).collect()
    }

    /// Applies a change to an escalated call's row. Returns false when nothing matched (a
    /// callback already claimed by another node).
    pub async fn change_phone_call(
        &mut self,
        ticket_id: i64,
        change: PhoneCallChange<'_>,
    ) -> Result<bool, StoreError> {
        let query = match change {
            PhoneCallChange::Seen { at } => {
                sqlx::query("UPDATE phone_calls SET last_seen_at = $1 WHERE ticket_id = $2")
                    .bind(at.as_millisecond())
            }
            PhoneCallChange::Callback { number } => sqlx::query(
                "UPDATE phone_calls SET callback = 1, contact = $1 WHERE ticket_id = $2",
            )
            .bind(number),
            PhoneCallChange::Rang => sqlx::query(
                "UPDATE phone_calls SET ring_attempts = ring_attempts + 1 WHERE ticket_id = $1",
            ),
            PhoneCallChange::Answered { station, at } => sqlx::query(
                "UPDATE phone_calls SET station_id = $1, answered_at = $2 WHERE ticket_id = $3",
            )
            .bind(station.as_str())
            .bind(at.as_millisecond()),
            PhoneCallChange::Ended { at, by, after_call } => sqlx::query(
                "UPDATE phone_calls SET ended_at = $1, ended_by = $2, after_call_ms = $3 \
                 WHERE ticket_id = $4",
            )
            .bind(at.as_millisecond())
            .bind(by)
            .bind(after_call.as_millis() as i64),
            PhoneCallChange::AfterCall { after_call } => {
                sqlx::query("UPDATE phone_calls SET after_call_ms = $1 WHERE ticket_id = $2")
                    .bind(after_call.as_millis() as i64)
            }
            PhoneCallChange::Abandoned { at } => {
                sqlx::query("UPDATE phone_calls SET abandoned_at = $1 WHERE ticket_id = $2")
                    .bind(at.as_millisecond())
            }
            PhoneCallChange::CallbackStarted { at } => sqlx::query(
                "UPDATE phone_calls SET callback_started_at = $1 WHERE ticket_id = $2 \
                 AND callback_started_at IS NULL",
            )
            .bind(at.as_millisecond()),
            PhoneCallChange::CallbackResult { result } => {
                sqlx::query("UPDATE phone_calls SET callback_result = $1 WHERE ticket_id = $2")
                    .bind(result)
            }
            PhoneCallChange::WrapUp { code, note } => sqlx::query(
                "UPDATE phone_calls SET wrap_up_code = $1, wrap_up_note = $2 WHERE ticket_id = $3",
            )
            .bind(code)
            .bind(note),
        };
        let result = query.bind(ticket_id).execute(&mut *self.tx).await?;
        Ok(result.rows_affected() == 1)
    }

    /// Lets the callback dialler take the call again when it is reached again.
    pub async fn reset_callback_claim(&mut self, ticket_id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE phone_calls SET callback_started_at = NULL WHERE ticket_id = $1")
            .bind(ticket_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Ringing calls whose dialler has not started yet (callback tickets reached).
    pub async fn unclaimed_callbacks(&mut self) -> Result<Vec<PhoneCallRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{} WHERE t.office_id = $1 AND t.status = 'called' AND p.callback = 1 \
             AND p.callback_started_at IS NULL ORDER BY t.issued_at, t.id",
            phone_call_select()
        ))
        .bind(&self.office_id)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(PhoneCallRecord::from_row).collect()
    }
}

/// Rows per multi-row INSERT of dialog outcomes: 256 bound values, well under SQLite's and
/// PostgreSQL's limits.
const OUTCOME_ROWS_PER_STATEMENT: usize = 64;

impl Store {
    /// Every stored operator position of the office (read side).
    pub async fn operator_positions(
        &self,
        office_id: &str,
    ) -> Result<Vec<OperatorRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {OPERATOR_COLUMNS} FROM operator_positions WHERE office_id = $1 \
             ORDER BY station_id"
        ))
        .bind(office_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(OperatorRecord::from_row).collect()
    }

    /// One escalated call (read side).
    pub async fn phone_call(
        &self,
        office_id: &str,
        ticket_id: i64,
    ) -> Result<Option<PhoneCallRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "{} WHERE t.office_id = $1 AND t.id = $2",
            phone_call_select()
        ))
        .bind(office_id)
        .bind(ticket_id)
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| PhoneCallRecord::from_row(&r)).transpose()
    }

    /// Escalated calls offered in `[from, to)`, oldest first.
    pub async fn phone_calls_between(
        &self,
        office_id: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<PhoneCallRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{} WHERE t.office_id = $1 AND p.offered_at >= $2 AND p.offered_at < $3 \
             ORDER BY p.offered_at, t.id",
            phone_call_select()
        ))
        .bind(office_id)
        .bind(from.as_millisecond())
        .bind(to.as_millisecond())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(PhoneCallRecord::from_row).collect()
    }

    /// Records how calls to the phone dialog ended, in one transaction (one multi-row INSERT
    /// per [`OUTCOME_ROWS_PER_STATEMENT`] rows).
    pub async fn insert_dialog_outcomes(
        &self,
        office_id: &str,
        rows: &[crate::operators::OutcomeRow],
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        for chunk in rows.chunks(OUTCOME_ROWS_PER_STATEMENT) {
            let mut sql = String::from(
                "INSERT INTO dialog_outcomes (office_id, call_id, outcome, at) VALUES ",
            );
            for i in 0..chunk.len() {
                let n = i * 4;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
            }
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(office_id)
                    .bind(row.call_id.as_str())
                    .bind(row.outcome.as_str())
                    .bind(row.at.as_millisecond());
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The dialog outcomes recorded in `[from, to)`.
    pub async fn dialog_outcomes_between(
        &self,
        office_id: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(Timestamp, DialogOutcome)>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, outcome FROM dialog_outcomes WHERE office_id = $1 AND at >= $2 \
             AND at < $3 ORDER BY at",
        )
        .bind(office_id)
        .bind(from.as_millisecond())
        .bind(to.as_millisecond())
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let outcome: String = r.try_get(1)?;
                Ok((
                    millis(r.try_get(0)?)?,
                    DialogOutcome::parse(&outcome)
                        .ok_or_else(|| StoreError::Corrupt(format!("outcome '{outcome}'")))?,
                ))
            })
            .collect()
    }
}

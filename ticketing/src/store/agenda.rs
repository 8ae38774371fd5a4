//! Appointments and escalation requests.
//!
//! One active appointment per meeting point and slot is enforced by the database itself (a
//! partial unique index over the non-cancelled rows), so concurrent callers can never book the
//! same slot twice, on SQLite or PostgreSQL.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Issued, NewTicket, Store, StoreError, insert_ticket};
use crate::agenda::BookingCode;

const APPOINTMENT_COLUMNS: &str = "id, code, meeting_point_id, line_id, slot_start, slot_end, \
     local_start, contact, procedure_id, channel, status, created_at, reminded_at, ticket_id";

/// Where an appointment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    Cancelled,
    CheckedIn,
}

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::CheckedIn => "checked_in",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "booked" => AppointmentStatus::Booked,
            "cancelled" => AppointmentStatus::Cancelled,
            "checked_in" => AppointmentStatus::CheckedIn,
            _ => return None,
        })
    }
}

/// A stored appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentRecord {
    pub id: i64,
    pub code: BookingCode,
    pub meeting_point: String,
    pub line: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Office-local start.
    pub local_start: DateTime,
    /// The citizen's phone number (digits, optional leading +).
    pub contact: String,
    pub procedure_id: Option<String>,
    pub channel: String,
    pub status: AppointmentStatus,
    pub created_at: Timestamp,
    pub reminded_at: Option<Timestamp>,
    pub ticket_id: Option<i64>,
}

fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what} '{value}'"))
}

fn ts(ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|_| corrupt("timestamp", ms))
}

impl AppointmentRecord {
    fn from_row(row: &AnyRow) -> Result<Self, StoreError> {
        let code: String = row.try_get("code")?;
        let status: String = row.try_get("status")?;
        let local: String = row.try_get("local_start")?;
        Ok(AppointmentRecord {
            id: row.try_get("id")?,
            code: BookingCode::parse(&code).map_err(|_| corrupt("booking code", &code))?,
            meeting_point: row.try_get("meeting_point_id")?,
            line: row.try_get("line_id")?,
            start: ts(row.try_get("slot_start")?)?,
            end: ts(row.try_get("slot_end")?)?,
            local_start: local.parse().map_err(|_| corrupt("local start", &local))?,
            contact: row.try_get("contact")?,
            procedure_id: row.try_get("procedure_id")?,
            channel: row.try_get("channel")?,
            status: AppointmentStatus::parse(&status)
                .ok_or_else(|| corrupt("appointment status", &status))?,
            created_at: ts(row.try_get("created_at")?)?,
            reminded_at: row
                .try_get::<Option<i64>, _>("reminded_at")?
                .map(ts)
                .transpose()?,
            ticket_id: row.try_get("ticket_id")?,
        })
    }
}

/// Input of [`Store::insert_appointment`].
#[derive(Debug, Clone)]
pub struct NewAppointment<'a> {
    pub office_id: &'a str,
    pub code: BookingCode,
    pub meeting_point: &'a str,
    pub line: &'a str,
    pub start: Timestamp,
    pub end: Timestamp,
    pub local_start: DateTime,
    pub contact: &'a str,
    pub procedure_id: Option<&'a str>,
    pub channel: &'a str,
    pub now: Timestamp,
}

/// A request that could not be booked within the horizon, kept until a supervisor closes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EscalationRecord {
    pub id: i64,
    pub line: String,
    pub contact: String,
    pub reason: String,
    pub channel: String,
    pub open: bool,
    pub created_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub note: Option<String>,
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().as_deref() == Some("23505")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

impl Store {
    /// Inserts an appointment. `Ok(None)` when the slot was taken meanwhile or the code is
    /// already used (the caller picks another slot or code).
    pub async fn insert_appointment(
        &self,
        new: &NewAppointment<'_>,
    ) -> Result<Option<AppointmentRecord>, StoreError> {
        let result = sqlx::query(&format!(
            "INSERT INTO appointments (office_id, code, meeting_point_id, line_id, slot_start, \
             slot_end, local_start, contact, procedure_id, channel, status, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'booked', $11, $11) \
             RETURNING {APPOINTMENT_COLUMNS}"
        ))
        .bind(new.office_id)
        .bind(new.code.digits())
        .bind(new.meeting_point)
        .bind(new.line)
        .bind(new.start.as_millisecond())
        .bind(new.end.as_millisecond())
        .bind(new.local_start.to_string())
        .bind(new.contact)
        .bind(new.procedure_id)
        .bind(new.channel)
        .bind(new.now.as_millisecond())
        .fetch_one(&self.writer)
        .await;
        match result {
            Ok(row) => Ok(Some(AppointmentRecord::from_row(&row)?)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether a booking code is in use in the office.
    pub async fn booking_code_exists(
        &self,
        office_id: &str,
        code: BookingCode,
    ) -> Result<bool, StoreError> {
        let row =
            sqlx::query("SELECT COUNT(*) FROM appointments WHERE office_id = $1 AND code = $2")
                .bind(office_id)
                .bind(code.digits())
                .fetch_one(&self.writer)
                .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }

    /// Starts of the active appointments of a meeting point between two instants.
    pub async fn taken_starts(
        &self,
        office_id: &str,
        meeting_point: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<DateTime>, StoreError> {
        let rows = sqlx::query(
            "SELECT local_start FROM appointments WHERE office_id = $1 AND meeting_point_id = $2 \
             AND status <> 'cancelled' AND slot_start >= $3 AND slot_start <= $4",
        )
        .bind(office_id)
        .bind(meeting_point)
        .bind(from.as_millisecond())
        .bind(to.as_millisecond())
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let text: String = r.try_get(0)?;
                text.parse().map_err(|_| corrupt("local start", &text))
            })
            .collect()
    }

    pub async fn appointment_by_code(
        &self,
        office_id: &str,
        code: BookingCode,
    ) -> Result<Option<AppointmentRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE office_id = $1 AND code = $2"
        ))
        .bind(office_id)
        .bind(code.digits())
        .fetch_optional(&self.writer)
        .await?;
        row.map(|r| AppointmentRecord::from_row(&r)).transpose()
    }

    /// Cancels a booked appointment; false when it was not booked any more.
    pub async fn cancel_appointment(&self, id: i64, now: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE appointments SET status = 'cancelled', updated_at = $1 \
             WHERE id = $2 AND status = 'booked'",
        )
        .bind(now.as_millisecond())
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Moves a booked appointment to another slot; `Ok(false)` when the new slot is taken or
    /// the appointment is not booked any more. Atomic: the old slot is freed only if the new
    /// one is taken.
    #[allow(clippy::too_many_arguments)]
    pub async fn move_appointment(
        &self,
        id: i64,
        meeting_point: &str,
        start: Timestamp,
        end: Timestamp,
        local_start: DateTime,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE appointments SET meeting_point_id = $1, slot_start = $2, slot_end = $3, \
             local_start = $4, updated_at = $5, reminded_at = NULL \
             WHERE id = $6 AND status = 'booked'",
        )
        .bind(meeting_point)
        .bind(start.as_millisecond())
        .bind(end.as_millisecond())
        .bind(local_start.to_string())
        .bind(now.as_millisecond())
        .bind(id)
        .execute(&self.writer)
        .await;
        match result {
            Ok(done) => Ok(done.rows_affected() == 1),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Checks an appointment in: marks it and issues its ticket in one transaction. `None`
    /// when it was not booked any more.
    pub async fn check_in_appointment(
        &self,
        id: i64,
        ticket: NewTicket<'_>,
    ) -> Result<Option<Issued>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let marked = sqlx::query(
            "UPDATE appointments SET status = 'checked_in', updated_at = $1 \
             WHERE id = $2 AND status = 'booked'",
        )
        .bind(ticket.now.as_millisecond())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if marked.rows_affected() != 1 {
            return Ok(None);
        }
        let issued = insert_ticket(&mut tx, &ticket).await?;
        sqlx::query("UPDATE appointments SET ticket_id = $1 WHERE id = $2")
            .bind(issued.ticket.id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(issued))
    }

    /// Active and checked-in appointments of one office-local day, by start.
    pub async fn appointments_of_day(
        &self,
        office_id: &str,
        day: Date,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        let next = day.tomorrow().map_err(|_| corrupt("day", day))?;
        let rows = sqlx::query(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE office_id = $1 \
             AND local_start >= $2 AND local_start < $3 AND status <> 'cancelled' \
             ORDER BY local_start, meeting_point_id"
        ))
        .bind(office_id)
        .bind(day.to_string())
        .bind(next.to_string())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(AppointmentRecord::from_row).collect()
    }

    /// Booked appointments of a meeting point from an instant on (for the calendar feed).
    pub async fn appointments_from(
        &self,
        office_id: &str,
        meeting_point: &str,
        from: Timestamp,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE office_id = $1 \
             AND meeting_point_id = $2 AND slot_start >= $3 AND status <> 'cancelled' \
             ORDER BY slot_start"
        ))
        .bind(office_id)
        .bind(meeting_point)
        .bind(from.as_millisecond())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(AppointmentRecord::from_row).collect()
    }

    /// Booked appointments starting in `[from, to)` that have not been reminded.
    pub async fn due_reminders(
        &self,
        office_id: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE office_id = $1 \
             AND status = 'booked' AND reminded_at IS NULL AND slot_start >= $2 \
             AND slot_start < $3 ORDER BY slot_start"
        ))
        .bind(office_id)
        .bind(from.as_millisecond())
        .bind(to.as_millisecond())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(AppointmentRecord::from_row).collect()
    }

    pub async fn mark_reminded(&self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE appointments SET reminded_at = $1 WHERE id = $2")
            .bind(now.as_millisecond())
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Records an escalation request; returns its id.
    pub async fn insert_escalation(
        &self,
        office_id: &str,
        line: &str,
        contact: &str,
        reason: &str,
        channel: &str,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO escalation_requests (office_id, line_id, contact, reason, channel, \
             status, created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING id",
        )
        .bind(office_id)
        .bind(line)
        .bind(contact)
        .bind(reason)
        .bind(channel)
        .bind(now.as_millisecond())
        .fetch_one(&self.writer)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Escalation requests, open ones only or all, newest first.
    pub async fn escalations(
        &self,
        office_id: &str,
        only_open: bool,
    ) -> Result<Vec<EscalationRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, line_id, contact, reason, channel, status, created_at, closed_at, \
             closed_by, note FROM escalation_requests WHERE office_id = $1 \
             AND (status = 'open' OR $2 = 0) ORDER BY id DESC",
        )
        .bind(office_id)
        .bind(i64::from(only_open))
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(EscalationRecord {
                    id: r.try_get("id")?,
                    line: r.try_get("line_id")?,
                    contact: r.try_get("contact")?,
                    reason: r.try_get("reason")?,
                    channel: r.try_get("channel")?,
                    open: status == "open",
                    created_at: ts(r.try_get("created_at")?)?.to_string(),
                    closed_at: r
                        .try_get::<Option<i64>, _>("closed_at")?
                        .map(ts)
                        .transpose()?
                        .map(|t| t.to_string()),
                    closed_by: r.try_get("closed_by")?,
                    note: r.try_get("note")?,
                })
            })
            .collect()
    }

    /// Closes an open escalation; false when there is no such open request.
    pub async fn close_escalation(
        &self,
        office_id: &str,
        id: i64,
        staff: &str,
        note: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.close_request(RequestTable::Escalations, office_id, id, staff, note, now)
            .await
    }
}

/// The tables of requests that staff close with a note.
#[derive(Debug, Clone, Copy)]
pub(super) enum RequestTable {
    Escalations,
    Callbacks,
}

impl Store {
    /// Closes an open request of `table`; false when there is no such open request.
    pub(super) async fn close_request(
        &self,
        table: RequestTable,
        office_id: &str,
        id: i64,
        staff: &str,
        note: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let table = match table {
            RequestTable::Escalations => "escalation_requests",
            RequestTable::Callbacks => "callback_requests",
        };
        let done = sqlx::query(&format!(
            "UPDATE {table} SET status = 'closed', closed_at = $1, closed_by = $2, note = $3 \
             WHERE office_id = $4 AND id = $5 AND status = 'open'"
        ))
        .bind(now.as_millisecond())
        .bind(staff)
        .bind(note)
        .bind(office_id)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

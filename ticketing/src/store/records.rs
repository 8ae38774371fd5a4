//! Rows as the rest of the crate reads them.

use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::StoreError;
use crate::queue::{
    IssueChannel, LineId, Prefix, StationId, StationState, TicketCode, TicketStatus,
};

pub(super) const TICKET_COLUMNS: &str = "id, service_day, line_id, original_line_id, prefix, \
     number, channel, priority_class, status, issued_at, called_at, service_started_at, \
     finished_at, station_id, recall_count";

/// A stored ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRecord {
    pub id: i64,
    pub service_day: Date,
    /// The line it waits on now (changes on a transfer).
    pub line: LineId,
    /// The line it was issued for (its number belongs to that line's sequence).
    pub original_line: LineId,
    pub code: TicketCode,
    pub channel: IssueChannel,
    pub priority_class: Option<String>,
    pub status: TicketStatus,
    pub issued_at: Timestamp,
    pub called_at: Option<Timestamp>,
    pub service_started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub station: Option<StationId>,
    pub recall_count: u32,
}

fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what} '{value}'"))
}

fn millis(value: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(value).map_err(|_| corrupt("timestamp", value))
}

fn optional_millis(value: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    value.map(millis).transpose()
}

impl TicketRecord {
    pub(super) fn from_row(row: &AnyRow) -> Result<Self, StoreError> {
        let day: String = row.try_get("service_day")?;
        let line: String = row.try_get("line_id")?;
        let original: String = row.try_get("original_line_id")?;
        let prefix: String = row.try_get("prefix")?;
        let number: i64 = row.try_get("number")?;
        let channel: String = row.try_get("channel")?;
        let status: String = row.try_get("status")?;
        let station: Option<String> = row.try_get("station_id")?;
        let prefix = Prefix::parse(&prefix).ok_or_else(|| corrupt("prefix", &prefix))?;
        Ok(TicketRecord {
            id: row.try_get("id")?,
            service_day: day.parse().map_err(|_| corrupt("day", &day))?,
            line: LineId::parse(&line).map_err(|_| corrupt("line", &line))?,
            original_line: LineId::parse(&original).map_err(|_| corrupt("line", &original))?,
            code: TicketCode::new(
                prefix,
                u32::try_from(number).map_err(|_| corrupt("number", number))?,
            ),
            channel: IssueChannel::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?,
            priority_class: row.try_get("priority_class")?,
            status: TicketStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
            issued_at: millis(row.try_get("issued_at")?)?,
            called_at: optional_millis(row.try_get("called_at")?)?,
            service_started_at: optional_millis(row.try_get("service_started_at")?)?,
            finished_at: optional_millis(row.try_get("finished_at")?)?,
            station: station
                .map(|s| StationId::parse(&s).map_err(|_| corrupt("station", &s)))
                .transpose()?,
            recall_count: u32::try_from(row.try_get::<i64, _>("recall_count")?).unwrap_or(0),
        })
    }
}

/// The stored state of a station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationRecord {
    pub station: StationId,
    pub state: StationState,
    pub active_lines: Vec<LineId>,
    pub staff_username: Option<String>,
    pub updated_at: Timestamp,
}

impl StationRecord {
    pub(super) fn from_row(row: &AnyRow) -> Result<Self, StoreError> {
        let station: String = row.try_get("station_id")?;
        let state: String = row.try_get("state")?;
        let lines: String = row.try_get("active_lines")?;
        Ok(StationRecord {
            station: StationId::parse(&station).map_err(|_| corrupt("station", &station))?,
            state: StationState::parse(&state).ok_or_else(|| corrupt("station state", &state))?,
            active_lines: lines
                .split(',')
                .filter(|l| !l.is_empty())
                .map(|l| LineId::parse(l).map_err(|_| corrupt("line", l)))
                .collect::<Result<_, _>>()?,
            staff_username: row.try_get("staff_username")?,
            updated_at: millis(row.try_get("updated_at")?)?,
        })
    }
}

//! Storage of tickets, numbering, stations and staff sessions.
//!
//! One implementation over `sqlx`'s `Any` driver serves SQLite (the embedded default, WAL) and
//! PostgreSQL (the scale-out backend): the SQL is written once in the common dialect; the few
//! differences (migrations, pragmas) are chosen by [`Backend`].
//!
//! Concurrency rules, the same on both databases:
//! - Issuing takes the next number with an upsert on `ticket_numbers` inside the transaction
//!   that inserts the ticket: the row lock (PostgreSQL) or the write lock (SQLite) serialises
//!   issuers of one line and day, so numbers are unique, consecutive and never lost.
//! - Calling the next ticket starts by updating the office's `office_queue_state` row, which
//!   serialises every call-next of an office: two counters never get the same ticket.
//! - Every write transaction starts with a write, so SQLite takes its write lock at once and
//!   waits on its busy timeout instead of failing a lock upgrade.
//!
//! Durability: a transaction is committed before the HTTP answer is sent. With SQLite in WAL
//! mode and `synchronous = NORMAL` (the default) a commit survives a crash of the process
//! (`kill -9`); `synchronous = "full"` in the configuration also survives power loss.

mod agenda;
mod callbacks;
mod migrate;
mod operators;
mod records;
mod retention;

use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Row};

pub use agenda::{AppointmentRecord, AppointmentStatus, EscalationRecord, NewAppointment};
pub use callbacks::CallbackRecord;
pub use operators::{NewPhoneCall, OperatorRecord, PhoneCallChange, PhoneCallRecord};
pub use records::{StationRecord, TicketRecord};
pub use retention::Purged;

use crate::queue::{IssueChannel, LineId, Prefix, StationId, StationState, TicketStatus};

/// Which database the URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How hard SQLite pushes a commit to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// Survives a crash of the process (WAL + synchronous=NORMAL).
    #[default]
    Normal,
    /// Also survives a power loss (synchronous=FULL).
    Full,
}

/// A storage failure. The caller can only report it; nothing was half-written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL '{0}': use sqlite://path or postgres://...")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(String),
}

/// Handle on the database (cheap to clone).
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    /// Writes go through this pool. On SQLite it has one connection: SQLite has one writer
    /// anyway, and queueing in the pool is cheaper than spinning on the busy handler.
    writer: AnyPool,
    /// Reads; on SQLite a few connections that read the WAL snapshot concurrently.
    reader: AnyPool,
}

/// A newly issued ticket and what was in front of it.
#[derive(Debug, Clone)]
pub struct Issued {
    pub ticket: TicketRecord,
    pub people_ahead: u32,
}

/// Input of [`Store::issue_ticket`].
#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    pub office_id: &'a str,
    pub service_day: Date,
    pub line: &'a LineId,
    pub prefix: Prefix,
    pub channel: IssueChannel,
    pub priority_class: Option<&'a str>,
    pub now: Timestamp,
}

impl Store {
    /// Connects, applies the pragmas and runs the migrations.
    pub async fn connect(url: &str, sqlite_sync: SqliteSync) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let store = match backend {
            Backend::Sqlite => {
                let pragmas: &'static str = match sqlite_sync {
                    SqliteSync::Normal => {
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                         PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
                    }
                    SqliteSync::Full => {
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                         PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
                    }
                };
                let pool = |max: u32| {
                    AnyPoolOptions::new()
                        .max_connections(max)
                        .min_connections(1)
                        .acquire_timeout(Duration::from_secs(10))
                        .after_connect(move |conn, _| {
                            Box::pin(async move {
                                sqlx::Executor::execute(&mut *conn, pragmas).await?;
                                Ok(())
                            })
                        })
                };
                let writer = pool(1).connect_with(options.clone()).await?;
                // The writer creates the file and switches it to WAL before readers open it.
                migrate::run(&writer, backend).await?;
                let reader = pool(4).connect_with(options).await?;
                Store {
                    backend,
                    writer,
                    reader,
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                migrate::run(&pool, backend).await?;
                Store {
                    backend,
                    writer: pool.clone(),
                    reader: pool,
                }
            }
        };
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pools (waits for running queries).
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    /// Makes sure the office's queue-state row exists (it is the call-next lock).
    pub async fn ensure_office(&self, office_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO office_queue_state (office_id, consecutive_priority, version) \
             VALUES ($1, 0, 0) ON CONFLICT (office_id) DO NOTHING",
        )
        .bind(office_id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Issues a ticket: takes the next number of the line and day and inserts the ticket,
    /// atomically.
    pub async fn issue_ticket(&self, new: NewTicket<'_>) -> Result<Issued, StoreError> {
        let mut tx = self.writer.begin().await?;
        let issued = insert_ticket(&mut tx, &new).await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// Starts a call-next (or any station operation that must not interleave with another
    /// one of the same office): locks the office row and returns the transaction with the
    /// current count of consecutive priority calls.
    pub async fn begin_office_operation(
        &self,
        office_id: &str,
    ) -> Result<OfficeTransaction, StoreError> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "UPDATE office_queue_state SET version = version + 1 WHERE office_id = $1 \
             RETURNING consecutive_priority",
        )
        .bind(office_id)
        .fetch_optional(&mut *tx)
        .await?;
        let consecutive_priority = match row {
            Some(row) => row.try_get::<i64, _>(0)?,
            None => {
                return Err(StoreError::Corrupt(format!(
                    "no queue state for office {office_id}"
                )));
            }
        };
        Ok(OfficeTransaction {
            tx,
            office_id: office_id.to_string(),
            consecutive_priority: u32::try_from(consecutive_priority).unwrap_or(0),
        })
    }

    /// One ticket by code on a day (`None` when no such ticket exists).
    pub async fn ticket_by_code(
        &self,
        office_id: &str,
        day: Date,
        prefix: char,
        number: u32,
    ) -> Result<Option<TicketRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM tickets WHERE office_id = $1 AND service_day = $2 AND prefix = $3 \
             AND number = $4 ORDER BY id DESC LIMIT 1",
            records::TICKET_COLUMNS
        ))
        .bind(office_id)
        .bind(day.to_string())
        .bind(prefix.to_string())
        .bind(i64::from(number))
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| TicketRecord::from_row(&r)).transpose()
    }

    /// All tickets of a day in issue order (for reports and tests).
    pub async fn tickets_of_day(
        &self,
        office_id: &str,
        day: Date,
    ) -> Result<Vec<TicketRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM tickets WHERE office_id = $1 AND service_day = $2 ORDER BY id",
            records::TICKET_COLUMNS
        ))
        .bind(office_id)
        .bind(day.to_string())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(TicketRecord::from_row).collect()
    }

    /// Waiting tickets per line of a day.
    pub async fn waiting_counts(
        &self,
        office_id: &str,
        day: Date,
    ) -> Result<Vec<(String, u32)>, StoreError> {
        let rows = sqlx::query(
            "SELECT line_id, COUNT(*) FROM tickets WHERE office_id = $1 AND service_day = $2 \
             AND status = 'waiting' GROUP BY line_id",
        )
        .bind(office_id)
        .bind(day.to_string())
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>(0)?,
                    u32::try_from(r.try_get::<i64, _>(1)?).unwrap_or(0),
                ))
            })
            .collect()
    }

    /// Today's figures per line and status: (line, status, count, total wait ms of the called
    /// ones, total handling ms of the finished ones).
    pub async fn day_statistics(
        &self,
        office_id: &str,
        day: Date,
    ) -> Result<Vec<LineStatusFigures>, StoreError> {
        let rows = sqlx::query(
            // SUM of BIGINT is NUMERIC on PostgreSQL, which the Any driver cannot read: cast.
            "SELECT line_id, status, COUNT(*), \
             CAST(COALESCE(SUM(CASE WHEN called_at IS NOT NULL THEN called_at - issued_at ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN called_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'done' AND finished_at IS NOT NULL AND called_at IS NOT NULL \
                 THEN finished_at - called_at ELSE 0 END), 0) AS BIGINT) \
             FROM tickets WHERE office_id = $1 AND service_day = $2 GROUP BY line_id, status",
        )
        .bind(office_id)
        .bind(day.to_string())
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get(1)?;
                Ok(LineStatusFigures {
                    line: r.try_get(0)?,
                    status: TicketStatus::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("status '{status}'")))?,
                    count: r.try_get(2)?,
                    total_wait_ms: r.try_get(3)?,
                    called: r.try_get(4)?,
                    total_handling_ms: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Handling times (call to finish) of the most recent finished tickets of a line today.
    pub async fn recent_handling_ms(
        &self,
        office_id: &str,
        day: Date,
        line: &LineId,
        limit: usize,
    ) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT finished_at - called_at FROM tickets WHERE office_id = $1 \
             AND service_day = $2 AND line_id = $3 AND status = 'done' \
             AND called_at IS NOT NULL AND finished_at IS NOT NULL \
             ORDER BY finished_at DESC LIMIT $4",
        )
        .bind(office_id)
        .bind(day.to_string())
        .bind(line.as_str())
        .bind(i64::try_from(limit).unwrap_or(20))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
    }

    /// The most recent calls (called, in service or finished) for the display board.
    pub async fn recent_calls(
        &self,
        office_id: &str,
        day: Date,
        limit: usize,
    ) -> Result<Vec<TicketRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM tickets WHERE office_id = $1 AND service_day = $2 \
             AND called_at IS NOT NULL AND status <> 'cancelled' \
             ORDER BY called_at DESC, id DESC LIMIT $3",
            records::TICKET_COLUMNS
        ))
        .bind(office_id)
        .bind(day.to_string())
        .bind(i64::try_from(limit).unwrap_or(10))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(TicketRecord::from_row).collect()
    }

    /// The stored state of every station of the office that has ever been opened.
    pub async fn stations(&self, office_id: &str) -> Result<Vec<StationRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT station_id, state, active_lines, staff_username, updated_at FROM stations \
             WHERE office_id = $1 ORDER BY station_id",
        )
        .bind(office_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(StationRecord::from_row).collect()
    }

    /// Stores a staff session (only the token's hash is kept).
    pub async fn insert_session(
        &self,
        token_hash: &str,
        username: &str,
        role: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO staff_sessions (token_hash, username, role, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(username)
        .bind(role)
        .bind(now.as_millisecond())
        .bind(expires_at.as_millisecond())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The (username, role) of a live session.
    pub async fn session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT username, role FROM staff_sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now.as_millisecond())
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    pub async fn delete_session(&self, token_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(token_hash)
            .bind(now.as_millisecond())
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}

/// Figures of one line and status for a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineStatusFigures {
    pub line: String,
    pub status: TicketStatus,
    pub count: i64,
    /// Sum of issue-to-call waits of the tickets in this group that were called.
    pub total_wait_ms: i64,
    pub called: i64,
    /// Sum of call-to-finish times of the done tickets.
    pub total_handling_ms: i64,
}

/// A transaction holding the office's call-next lock. Dropping it without
/// [`OfficeTransaction::commit`] rolls everything back.
#[derive(Debug)]
pub struct OfficeTransaction {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    office_id: String,
    pub consecutive_priority: u32,
}

impl OfficeTransaction {
    /// The ticket a station holds (called or in service), if any.
    pub async fn station_ticket(
        &mut self,
        station: &StationId,
    ) -> Result<Option<TicketRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM tickets WHERE office_id = $1 AND station_id = $2 \
             AND status IN ('called', 'in_service') ORDER BY id DESC LIMIT 1",
            records::TICKET_COLUMNS
        ))
        .bind(&self.office_id)
        .bind(station.as_str())
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| TicketRecord::from_row(&r)).transpose()
    }

    /// Waiting tickets of `day` on the given lines.
    pub async fn waiting_on(
        &mut self,
        day: Date,
        lines: &[LineId],
    ) -> Result<Vec<TicketRecord>, StoreError> {
        if lines.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..lines.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT {} FROM tickets WHERE office_id = $1 AND service_day = $2 \
             AND status = 'waiting' AND line_id IN ({}) ORDER BY id",
            records::TICKET_COLUMNS,
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql)
            .bind(&self.office_id)
            .bind(day.to_string());
        for line in lines {
            query = query.bind(line.as_str());
        }
        let rows = query.fetch_all(&mut *self.tx).await?;
        rows.iter().map(TicketRecord::from_row).collect()
    }

    /// Applies a status change to a ticket, guarded by the status it must still have.
    /// Returns false when the ticket was not in `from` any more (someone else moved it).
    pub async fn set_status(
        &mut self,
        ticket_id: i64,
        from: TicketStatus,
        change: StatusChange<'_>,
    ) -> Result<bool, StoreError> {
        let result = match change {
            StatusChange::Call {
                station,
                at,
                recall,
            } => {
                sqlx::query(
                    "UPDATE tickets SET status = $1, called_at = $2, station_id = $3, \
                     recall_count = recall_count + $4 WHERE id = $5 AND status = $6",
                )
                .bind(TicketStatus::Called.as_str())
                .bind(at.as_millisecond())
                .bind(station.as_str())
                .bind(i64::from(recall))
                .bind(ticket_id)
                .bind(from.as_str())
                .execute(&mut *self.tx)
                .await?
            }
            StatusChange::StartService { at } => {
                sqlx::query(
                    "UPDATE tickets SET status = $1, service_started_at = $2 \
                     WHERE id = $3 AND status = $4",
                )
                .bind(TicketStatus::InService.as_str())
                .bind(at.as_millisecond())
                .bind(ticket_id)
                .bind(from.as_str())
                .execute(&mut *self.tx)
                .await?
            }
            StatusChange::Close { to, at } => sqlx::query(
                "UPDATE tickets SET status = $1, finished_at = $2 WHERE id = $3 AND status = $4",
            )
            .bind(to.as_str())
            .bind(at.as_millisecond())
            .bind(ticket_id)
            .bind(from.as_str())
            .execute(&mut *self.tx)
            .await?,
            StatusChange::Transfer { to_line } => {
                sqlx::query(
                    "UPDATE tickets SET status = $1, line_id = $2, called_at = NULL, \
                     service_started_at = NULL, station_id = NULL WHERE id = $3 AND status = $4",
                )
                .bind(TicketStatus::Waiting.as_str())
                .bind(to_line.as_str())
                .bind(ticket_id)
                .bind(from.as_str())
                .execute(&mut *self.tx)
                .await?
            }
        };
        Ok(result.rows_affected() == 1)
    }

    /// Reads one ticket inside the transaction.
    pub async fn ticket(&mut self, ticket_id: i64) -> Result<TicketRecord, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM tickets WHERE id = $1",
            records::TICKET_COLUMNS
        ))
        .bind(ticket_id)
        .fetch_one(&mut *self.tx)
        .await?;
        TicketRecord::from_row(&row)
    }

    /// A ticket of this office by code on a day.
    pub async fn ticket_by_code(
        &mut self,
        day: Date,
        prefix: char,
        number: u32,
    ) -> Result<Option<TicketRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM tickets WHERE office_id = $1 AND service_day = $2 AND prefix = $3 \
             AND number = $4 ORDER BY id DESC LIMIT 1",
            records::TICKET_COLUMNS
        ))
        .bind(&self.office_id)
        .bind(day.to_string())
        .bind(prefix.to_string())
        .bind(i64::from(number))
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| TicketRecord::from_row(&r)).transpose()
    }

    /// Records the station's state and the lines it serves.
    pub async fn set_station(
        &mut self,
        station: &StationId,
        state: StationState,
        lines: &[LineId],
        staff: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let lines = lines
            .iter()
            .map(LineId::as_str)
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(
            "INSERT INTO stations (office_id, station_id, state, active_lines, staff_username, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (office_id, station_id) DO UPDATE SET state = excluded.state, \
             active_lines = excluded.active_lines, staff_username = excluded.staff_username, \
             updated_at = excluded.updated_at",
        )
        .bind(&self.office_id)
        .bind(station.as_str())
        .bind(state.as_str())
        .bind(lines)
        .bind(staff)
        .bind(now.as_millisecond())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// The stored state of one station.
    pub async fn station(
        &mut self,
        station: &StationId,
    ) -> Result<Option<StationRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT station_id, state, active_lines, staff_username, updated_at FROM stations \
             WHERE office_id = $1 AND station_id = $2",
        )
        .bind(&self.office_id)
        .bind(station.as_str())
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| StationRecord::from_row(&r)).transpose()
    }

    /// Commits with the office's new count of consecutive priority calls (written only when
    /// it changed: one round trip less inside the office lock for most operations).
    pub async fn commit(mut self, consecutive_priority: u32) -> Result<(), StoreError> {
        if consecutive_priority != self.consecutive_priority {
            sqlx::query(
                "UPDATE office_queue_state SET consecutive_priority = $1 WHERE office_id = $2",
            )
            .bind(i64::from(consecutive_priority))
            .bind(&self.office_id)
            .execute(&mut *self.tx)
            .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}

/// A change of a ticket's status and the fields it writes.
#[derive(Debug, Clone, Copy)]
pub enum StatusChange<'a> {
    /// Called (or recalled, `recall = true`) to a station.
    Call {
        station: &'a StationId,
        at: Timestamp,
        recall: bool,
    },
    StartService {
        at: Timestamp,
    },
    /// Done, no-show or cancelled.
    Close {
        to: TicketStatus,
        at: Timestamp,
    },
    /// Back to waiting on another line, keeping the original issue time.
    Transfer {
        to_line: &'a LineId,
    },
}

/// Takes the next number of the line and day and inserts the ticket, inside the caller's
/// transaction (its first statement is a write: see the module notes).
pub(crate) async fn insert_ticket(
    conn: &mut sqlx::AnyConnection,
    new: &NewTicket<'_>,
) -> Result<Issued, StoreError> {
    let day = new.service_day.to_string();
    let now = new.now.as_millisecond();
    let number: i64 = sqlx::query(
        "INSERT INTO ticket_numbers (office_id, service_day, line_id, last_number) \
         VALUES ($1, $2, $3, 1) \
         ON CONFLICT (office_id, service_day, line_id) \
         DO UPDATE SET last_number = ticket_numbers.last_number + 1 \
         RETURNING last_number",
    )
    .bind(new.office_id)
    .bind(&day)
    .bind(new.line.as_str())
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    let row = sqlx::query(&format!(
        "INSERT INTO tickets (office_id, service_day, line_id, original_line_id, prefix, \
         number, channel, priority_class, status, issued_at, recall_count) \
         VALUES ($1, $2, $3, $3, $4, $5, $6, $7, 'waiting', $8, 0) RETURNING {}",
        records::TICKET_COLUMNS
    ))
    .bind(new.office_id)
    .bind(&day)
    .bind(new.line.as_str())
    .bind(new.prefix.as_char().to_string())
    .bind(number)
    .bind(new.channel.as_str())
    .bind(new.priority_class)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let ticket = TicketRecord::from_row(&row)?;
    let ahead: i64 = sqlx::query(
        "SELECT COUNT(*) FROM tickets WHERE office_id = $1 AND service_day = $2 \
         AND line_id = $3 AND status = 'waiting' AND id < $4",
    )
    .bind(new.office_id)
    .bind(&day)
    .bind(new.line.as_str())
    .bind(ticket.id)
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    Ok(Issued {
        ticket,
        people_ahead: u32::try_from(ahead).unwrap_or(0),
    })
}

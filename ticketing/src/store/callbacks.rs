//! Callback requests: a caller who asked for a person when nobody could take the call leaves
//! a number; staff call back and close the request.

use jiff::Timestamp;
use sqlx::Row;

use super::{Store, StoreError};

/// A stored callback request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallbackRecord {
    pub id: i64,
    pub contact: String,
    /// What the caller needed (the dialog's context: the question, the procedure).
    pub topic: String,
    pub channel: String,
    pub open: bool,
    pub created_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub note: Option<String>,
}

fn ts(ms: i64) -> Result<String, StoreError> {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .map_err(|_| StoreError::Corrupt(format!("timestamp '{ms}'")))
}

impl Store {
    pub async fn insert_callback(
        &self,
        office_id: &str,
        contact: &str,
        topic: &str,
        channel: &str,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO callback_requests (office_id, contact, topic, channel, status, \
             created_at) VALUES ($1, $2, $3, $4, 'open', $5) RETURNING id",
        )
        .bind(office_id)
        .bind(contact)
        .bind(topic)
        .bind(channel)
        .bind(now.as_millisecond())
        .fetch_one(&self.writer)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Callback requests, open ones only or all, oldest open first.
    pub async fn callbacks(
        &self,
        office_id: &str,
        only_open: bool,
    ) -> Result<Vec<CallbackRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, contact, topic, channel, status, created_at, closed_at, closed_by, note \
             FROM callback_requests WHERE office_id = $1 AND (status = 'open' OR $2 = 0) \
             ORDER BY id",
        )
        .bind(office_id)
        .bind(i64::from(only_open))
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(CallbackRecord {
                    id: r.try_get("id")?,
                    contact: r.try_get("contact")?,
                    topic: r.try_get("topic")?,
                    channel: r.try_get("channel")?,
                    open: status == "open",
                    created_at: ts(r.try_get("created_at")?)?,
                    closed_at: r
                        .try_get::<Option<i64>, _>("closed_at")?
                        .map(ts)
                        .transpose()?,
                    closed_by: r.try_get("closed_by")?,
                    note: r.try_get("note")?,
                })
            })
            .collect()
    }

    /// Closes an open callback request; false when there is no such open request.
    pub async fn close_callback(
        &self,
        office_id: &str,
        id: i64,
        staff: &str,
        note: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.close_request(
            super::agenda::RequestTable::Callbacks,
            office_id,
            id,
            staff,
            note,
            now,
        )
        .await
    }
}

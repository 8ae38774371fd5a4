//! Data retention: personal data (citizens' phone numbers) is kept only as long as the office
//! needs it, then erased; the anonymous records stay for statistics.

use jiff::Timestamp;

use super::{Store, StoreError};

/// What one purge erased.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub appointments: u64,
    pub escalations: u64,
    pub callbacks: u64,
    /// Escalated phone calls whose number and context (transcript) were erased.
    pub phone_calls: u64,
    pub sessions: u64,
}

impl Store {
    /// Erases phone numbers of appointments that ended, and of requests closed, before
    /// `before`; deletes expired staff sessions. Open requests are never touched: they are
    /// somebody's pending business.
    pub async fn purge_personal_data(
        &self,
        office_id: &str,
        before: Timestamp,
        now: Timestamp,
    ) -> Result<Purged, StoreError> {
        let before = before.as_millisecond();
        let mut tx = self.writer.begin().await?;
        let appointments = sqlx::query(
            "UPDATE appointments SET contact = '' WHERE office_id = $1 AND slot_end < $2 \
             AND contact <> ''",
        )
        .bind(office_id)
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let escalations = sqlx::query(
            "UPDATE escalation_requests SET contact = '' WHERE office_id = $1 \
             AND status = 'closed' AND closed_at < $2 AND contact <> ''",
        )
        .bind(office_id)
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let callbacks = sqlx::query(
            "UPDATE callback_requests SET contact = '' WHERE office_id = $1 \
             AND status = 'closed' AND closed_at < $2 AND contact <> ''",
        )
        .bind(office_id)
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        // Calls offered before the limit left the queue long ago: number and dialog go, the
        // times stay for the indicators.
        let phone_calls = sqlx::query(
            "UPDATE phone_calls SET contact = '', context = '{}' WHERE office_id = $1 \
             AND offered_at < $2 AND (contact <> '' OR context <> '{}')",
        )
        .bind(office_id)
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let sessions = sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1")
            .bind(now.as_millisecond())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(Purged {
            appointments,
            escalations,
            callbacks,
            phone_calls,
            sessions,
        })
    }
}

//! How each call to the phone dialog ended, written in groups.
//!
//! Every call records one row (for the indicators). One INSERT and one commit per call kept
//! SQLite's single writer connection busy at high call rates (its worker thread was 15 % of
//! the gateway's CPU at 2,000 calls/s, BENCHMARKS.md), and a slow database then held every
//! ending call. Rows queued while a group is being written go together in the next
//! transaction: one commit for up to [`MAX_GROUP`] calls. A caller still waits until its own
//! row is stored, so nothing is reported recorded that is not.
//!
//! When a group fails, its rows are written one by one so each caller gets its own result and
//! one bad row does not lose the others. When the writer task is gone (its runtime stopped)
//! the row is written directly.

use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};

use super::indicators::DialogOutcome;
use crate::store::{Store, StoreError};

/// At most this many rows per transaction.
pub const MAX_GROUP: usize = 256;
/// Rows waiting for the writer; beyond it callers wait for a place (back-pressure).
const QUEUE: usize = 8_192;

/// One row to write and whom to tell.
struct Pending {
    row: OutcomeRow,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// A dialog outcome row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRow {
    pub call_id: String,
    pub outcome: DialogOutcome,
    pub at: Timestamp,
}

/// The queue in front of the writer task of one office.
#[derive(Debug)]
pub(crate) struct OutcomeWriter {
    store: Store,
    office_id: String,
    queue: mpsc::Sender<Pending>,
}

impl OutcomeWriter {
    /// Starts the writer task on the current runtime.
    pub(crate) fn start(store: Store, office_id: String) -> Self {
        let (queue, mut receiver) = mpsc::channel::<Pending>(QUEUE);
        let (task_store, task_office) = (store.clone(), office_id.clone());
        tokio::spawn(async move {
            let mut group = Vec::with_capacity(MAX_GROUP);
            while receiver.recv_many(&mut group, MAX_GROUP).await > 0 {
                write_group(&task_store, &task_office, &mut group).await;
            }
        });
        OutcomeWriter {
            store,
            office_id,
            queue,
        }
    }

    /// Stores `row`; returns once it is stored (or could not be).
    pub(crate) async fn record(&self, row: OutcomeRow) -> Result<(), StoreError> {
        let (done, stored) = oneshot::channel();
        let pending = Pending {
            row: row.clone(),
            done,
        };
        if self.queue.send(pending).await.is_ok()
            && let Ok(result) = stored.await
        {
            return result;
        }
        // The writer task is gone: write it ourselves.
        self.store
            .insert_dialog_outcomes(&self.office_id, std::slice::from_ref(&row))
            .await
    }
}

/// Writes `group` in one transaction (one by one if that fails) and answers every caller.
async fn write_group(store: &Store, office_id: &str, group: &mut Vec<Pending>) {
    let rows: Vec<OutcomeRow> = group.iter().map(|p| p.row.clone()).collect();
    if store.insert_dialog_outcomes(office_id, &rows).await.is_ok() {
        for pending in group.drain(..) {
            pending.done.send(Ok(())).ok();
        }
        return;
    }
    for pending in group.drain(..) {
        let result = store
            .insert_dialog_outcomes(office_id, std::slice::from_ref(&pending.row))
            .await;
        pending.done.send(result).ok();
    }
}

//! The stream of ticket events that displays, consoles and other channels follow.
//!
//! In-process fan-out over a bounded broadcast channel: a subscriber that falls behind is told
//! it lagged (and re-reads the state) instead of growing a queue without bound.
//!
//! With PostgreSQL several nodes serve one office: [`EventBus::spawn_postgres_relay`] forwards
//! the events published on this node to the other nodes with `NOTIFY` (off the request path,
//! through a bounded queue) and re-publishes theirs locally (`LISTEN`), so a display board
//! attached to any node sees every call.

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::operators::OperatorState;
use crate::queue::{IssueChannel, StationState};

/// Something that happened in the hall. Ticket codes only: never names or phone numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TicketEvent {
    Issued {
        code: String,
        display: String,
        line: String,
        channel: IssueChannel,
        at: String,
    },
    Called {
        code: String,
        display: String,
        line: String,
        station_id: String,
        station_name: String,
        station_number: u32,
        recall: bool,
        at: String,
    },
    ServiceStarted {
        code: String,
        station_id: String,
    },
    Finished {
        code: String,
        line: String,
        station_id: String,
        outcome: String,
    },
    Transferred {
        code: String,
        from_line: String,
        to_line: String,
    },
    Cancelled {
        code: String,
        line: String,
    },
    StationChanged {
        station_id: String,
        state: StationState,
    },
    /// An operator position changed state (ready, ringing, busy, ...).
    OperatorChanged {
        station_id: String,
        state: OperatorState,
    },
    /// The phone queue changed: a call joined, was assigned, put back, answered or left.
    PhoneQueueChanged {
        line: String,
        code: String,
        change: String,
    },
}

impl TicketEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            TicketEvent::Issued { .. } => "issued",
            TicketEvent::Called { .. } => "called",
            TicketEvent::ServiceStarted { .. } => "service_started",
            TicketEvent::Finished { .. } => "finished",
            TicketEvent::Transferred { .. } => "transferred",
            TicketEvent::Cancelled { .. } => "cancelled",
            TicketEvent::StationChanged { .. } => "station_changed",
            TicketEvent::OperatorChanged { .. } => "operator_changed",
            TicketEvent::PhoneQueueChanged { .. } => "phone_queue_changed",
        }
    }
}

/// Capacity of the broadcast ring and of the relay queue.
pub const EVENT_BUFFER: usize = 1024;

/// PostgreSQL notification channel of an office's events.
fn channel_name(office_id: &str) -> String {
    format!("sportello_events_{}", office_id.replace('-', "_"))
}

/// What travels between nodes.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    node: String,
    event: TicketEvent,
}

/// Publisher side of the event stream (cheap to clone).
#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<TicketEvent>,
    /// Set once the PostgreSQL relay runs: events published here go to the other nodes too.
    relay: std::sync::Arc<std::sync::OnceLock<mpsc::Sender<TicketEvent>>>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            sender: broadcast::channel(EVENT_BUFFER).0,
            relay: Default::default(),
        }
    }
}

impl EventBus {
    /// Publishes an event of this node.
    pub fn publish(&self, event: TicketEvent) {
        if let Some(relay) = self.relay.get()
            && relay.try_send(event.clone()).is_err()
        {
            tracing::warn!("event relay queue full: other nodes miss an event");
        }
        // No subscriber is not an error: the state is also in the database.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<TicketEvent> {
        self.sender.subscribe()
    }

    /// Starts relaying events between the nodes sharing a PostgreSQL database.
    pub async fn spawn_postgres_relay(
        &self,
        database_url: &str,
        office_id: &str,
        shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) -> Result<(), sqlx::Error> {
        let node = crate::auth::new_session_token()
            .map(|t| t[..16].to_string())
            .unwrap_or_else(|_| format!("node-{}", std::process::id()));
        let channel = channel_name(office_id);
        let mut listener = PgListener::connect(database_url).await?;
        listener.listen(&channel).await?;
        let notifier = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(database_url)
            .await?;
        let (tx, mut rx) = mpsc::channel::<TicketEvent>(EVENT_BUFFER);
        if self.relay.set(tx).is_err() {
            return Ok(());
        }
        let out_node = node.clone();
        let out_channel = channel.clone();
        let out_shutdown = shutdown.clone();
        tracker.spawn(async move {
            loop {
                let event = tokio::select! {
                    _ = out_shutdown.cancelled() => break,
                    event = rx.recv() => match event { Some(e) => e, None => break },
                };
                let envelope = Envelope {
                    node: out_node.clone(),
                    event,
                };
                let Ok(payload) = serde_json::to_string(&envelope) else {
                    continue;
                };
                if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(&out_channel)
                    .bind(payload)
                    .execute(&notifier)
                    .await
                {
                    tracing::warn!(error = %e, "could not relay an event to the other nodes");
                }
            }
        });
        let sender = self.sender.clone();
        tracker.spawn(async move {
            loop {
                let notification = tokio::select! {
                    _ = shutdown.cancelled() => break,
                    n = listener.recv() => n,
                };
                match notification {
                    Ok(n) => match serde_json::from_str::<Envelope>(n.payload()) {
                        Ok(envelope) if envelope.node != node => {
                            let _ = sender.send(envelope.event);
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "unreadable event from another node"),
                    },
                    // PgListener reconnects by itself on the next recv.
                    Err(e) => tracing::warn!(error = %e, "event listener connection lost"),
                }
            }
        });
        tracing::info!(%channel, "relaying ticket events between nodes");
        Ok(())
    }
}

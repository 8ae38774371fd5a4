//! Callbacks from the operator queue: a caller who pressed 1 while waiting keeps their place;
//! when the call reaches an operator, a [`CallbackDialler`] (the SIP gateway) calls the
//! citizen's own number back and connects the operator. [`spawn_callback_dialler`] runs the
//! task that claims reached callbacks (once, across nodes) and records what happened.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::service::{CallParty, CallbackRequest};
use crate::service::Ticketing;

/// What a callback achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// The citizen answered, the operator answered, they talked for `talk` until `ended_by`
    /// hung up.
    Talked {
        talk: SignedDuration,
        ended_by: CallParty,
    },
    /// The citizen answered but the operator's phone rang out: the call goes back to its
    /// place and is dialled again when reached.
    OperatorNoAnswer,
    /// The operator's phone could not be reached (the position is paused).
    OperatorUnreachable,
    /// The citizen did not answer: the ticket is closed and a callback request is left for
    /// staff.
    CitizenNoAnswer,
    /// The outbound call failed (trunk down, refused): as [`CallbackOutcome::CitizenNoAnswer`].
    Failed,
}

impl CallbackOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackOutcome::Talked { .. } => "talked",
            CallbackOutcome::OperatorNoAnswer => "operator_no_answer",
            CallbackOutcome::OperatorUnreachable => "operator_unreachable",
            CallbackOutcome::CitizenNoAnswer => "citizen_no_answer",
            CallbackOutcome::Failed => "failed",
        }
    }
}

/// The future a dialler returns.
pub type CallbackFuture<'a> = Pin<Box<dyn Future<Output = CallbackOutcome> + Send + 'a>>;

/// Places callbacks: "call this number, then connect this operator". The SIP gateway
/// implements it through its outbound route; it must dial `request.number` and nothing else.
pub trait CallbackDialler: Send + Sync + 'static {
    fn call_back(&self, request: CallbackRequest) -> CallbackFuture<'_>;
}

/// Starts the task that hands reached callback tickets to `dialler`, checking every `every`
/// until `shutdown`. Each callback runs as its own task on `tracker`.
pub fn spawn_callback_dialler(
    ticketing: Ticketing,
    dialler: Arc<dyn CallbackDialler>,
    every: Duration,
    shutdown: CancellationToken,
    tracker: &TaskTracker,
) {
    if !ticketing.office().phone_queue.is_enabled() {
        return;
    }
    ticketing.set_callbacks_dialled();
    let calls = tracker.clone();
    let stop = shutdown.clone();
    super::spawn_every(tracker, every, stop, move || {
        let (ticketing, dialler, shutdown, calls) = (
            ticketing.clone(),
            dialler.clone(),
            shutdown.clone(),
            calls.clone(),
        );
        async move {
            let claims = match ticketing.claim_callbacks().await {
                Ok(claims) => claims,
                Err(error) => {
                    tracing::warn!(%error, "could not look for callbacks to place");
                    return;
                }
            };
            for request in claims {
                let ticketing = ticketing.clone();
                let dialler = dialler.clone();
                let shutdown = shutdown.clone();
                calls.spawn(async move {
                    tracing::info!(code = %request.code, station = %request.station, contact = %request.number.masked(), "calling back");
                    // The call is held while it is dialled: say so, or another node's
                    // recovery takes the operator back (see `Ticketing::recover_lost_calls`).
                    let every = ticketing.office().phone_queue.keep_alive_every();
                    let mut alive = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
                    let dialled = dialler.call_back(request.clone());
                    tokio::pin!(dialled);
                    let outcome = loop {
                        tokio::select! {
                            () = shutdown.cancelled() => break CallbackOutcome::Failed,
                            outcome = &mut dialled => break outcome,
                            _ = alive.tick() => {
                                if let Err(error) = ticketing.keep_call_alive(request.ticket_id).await {
                                    tracing::warn!(%error, code = %request.code, "callback not kept alive");
                                }
                            }
                        }
                    };
                    if let Err(error) = ticketing.report_callback(&request, outcome).await {
                        tracing::error!(%error, code = %request.code, "callback result not recorded");
                    }
                });
            }
        }
    });
}

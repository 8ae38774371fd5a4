//! The operator queue's callbacks over the telephony: the ticketing core's callback task
//! (`ticketing::operators::spawn_callback_dialler`) claims callback tickets that reached an
//! operator and hands them to [`QueueDialler`], which dials through the gateway's
//! [`CallbackDialler`] (the operator first, then the citizen's own number, then the bridge).

use std::sync::Arc;
use std::time::Duration;

use ivr::{OperatorLeg, Party};
use jiff::SignedDuration;
use ticketing::Ticketing;
use ticketing::operators::callback::CallbackFuture;
use ticketing::operators::{CallParty, CallbackOutcome, CallbackRequest};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::telephony::bridge::callback::{self as dial, CallbackDialler};

/// How often the callback task looks for callback tickets that reached an operator.
pub const CALLBACK_CHECK_EVERY: Duration = Duration::from_secs(1);

/// The gateway's dialler as the ticketing core sees it.
#[derive(Debug, Clone)]
pub struct QueueDialler(pub CallbackDialler);

impl ticketing::operators::CallbackDialler for QueueDialler {
    fn call_back(&self, request: CallbackRequest) -> CallbackFuture<'_> {
        Box::pin(async move {
            let leg = OperatorLeg {
                station: request.station.to_string(),
                sip_user: request.sip_user.clone(),
            };
            let ring = request.ring_timeout.unsigned_abs();
            let ticket = request.code.to_string();
            match self.0.call_back(&ticket, &request.number, &leg, ring).await {
                Ok(outcome) => outcome_of(outcome),
                Err(error) => {
                    tracing::warn!(%error, code = %request.code, "callback not placed");
                    CallbackOutcome::Failed
                }
            }
        })
    }
}

/// The telephony's account of a callback in the queue's terms. A shutdown in the middle is
/// a failed callback: the ticket is closed and a callback request is left for staff.
fn outcome_of(outcome: dial::CallbackOutcome) -> CallbackOutcome {
    match outcome {
        dial::CallbackOutcome::Talked { talk, ended_by, .. } => CallbackOutcome::Talked {
            talk: SignedDuration::try_from(talk).unwrap_or(SignedDuration::ZERO),
            ended_by: match ended_by {
                Party::Caller => CallParty::Caller,
                Party::Operator => CallParty::Operator,
            },
        },
        dial::CallbackOutcome::OperatorUnreachable => CallbackOutcome::OperatorUnreachable,
        dial::CallbackOutcome::OperatorNoAnswer => CallbackOutcome::OperatorNoAnswer,
        dial::CallbackOutcome::CitizenNoAnswer => CallbackOutcome::CitizenNoAnswer,
        dial::CallbackOutcome::CitizenUnreachable | dial::CallbackOutcome::Shutdown => {
            CallbackOutcome::Failed
        }
    }
}

/// Starts the callback task when a callback route is configured. Without one, a caller who
/// asks for a callback while waiting leaves a callback request for staff instead.
pub fn spawn_callbacks(
    ticketing: &Ticketing,
    dialler: CallbackDialler,
    shutdown: CancellationToken,
    tracker: &TaskTracker,
) {
    if !dialler.available() {
        tracing::info!(
            "no [sip.callback] route: callbacks asked in the operator queue go to staff"
        );
        return;
    }
    ticketing::operators::spawn_callback_dialler(
        ticketing.clone(),
        Arc::new(QueueDialler(dialler)),
        CALLBACK_CHECK_EVERY,
        shutdown,
        tracker,
    );
}

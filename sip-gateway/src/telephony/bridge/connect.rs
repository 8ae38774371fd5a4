//! [`CallChannel::connect`](crate::telephony::CallChannel) without the channel's plumbing:
//! ring the operator's registered phone while the caller hears the ringback tone, watch for
//! the caller hanging up meanwhile (then CANCEL), and hand the answered leg to the call's media
//! loop, which bridges the two until one side hangs up. The dialog is told of the answer as
//! soon as the media loop has the leg, not when the conversation ends.

use std::sync::Arc;
use std::time::Duration;

use ivr::{AnswerNotice, ChannelError, Connection, Key, OperatorLeg, Party};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::{Outbound, RingError, Ringing};
use crate::telephony::channel::Command;

/// How a bridge ended, as the media loop reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BridgeReport {
    /// Talked for this long until this party hung up (inactivity counts as the caller).
    Talked { talk: Duration, ended_by: Party },
    /// The gateway is shutting down.
    Shutdown,
}

/// Rings `operator` and bridges the caller to it; see [`ivr::Channel::connect`].
#[tracing::instrument(skip_all, fields(station = %operator.station))]
pub(crate) async fn connect(
    outbound: Option<&Arc<Outbound>>,
    commands: &mpsc::Sender<Command>,
    keys: &mut mpsc::Receiver<Key>,
    operator: &OperatorLeg,
    ring_timeout: Duration,
    caller_id: &str,
    mut answered: AnswerNotice,
) -> Result<Connection, ChannelError> {
    let gone = || ChannelError::HungUp;
    let Some(outbound) = outbound else {
        return Ok(Connection::Unreachable);
    };
    let Some(target) = outbound.operator_target(&operator.sip_user) else {
        tracing::info!("operator phone not registered");
        return Ok(Connection::Unreachable);
    };
    let abort = CancellationToken::new();
    let ringback = commands.clone();
    let ring = outbound.ring(target, caller_id, ring_timeout, abort.clone(), move || {
        ringback.try_send(Command::Ringback).ok();
    });
    tokio::pin!(ring);
    let mut caller_gone = false;
    let ringing = loop {
        tokio::select! {
            r = &mut ring => break r,
            key = keys.recv(), if !caller_gone => {
                // Keys while the operator rings mean nothing; `None`: the caller hung up.
                if key.is_none() {
                    caller_gone = true;
                    abort.cancel();
                }
            }
        }
    };
    commands.try_send(Command::Stop).ok();
    let leg = match ringing {
        Ok(Ringing::Answered(leg)) => leg,
        Ok(Ringing::Aborted) => return Err(gone()),
        Ok(Ringing::NoAnswer) if caller_gone => return Err(gone()),
        Ok(Ringing::NoAnswer) => return Ok(Connection::NoAnswer),
        Ok(Ringing::Refused(_)) if caller_gone => return Err(gone()),
        Ok(Ringing::Refused(code)) => {
            tracing::info!(?code, "operator leg refused");
            return Ok(Connection::Unreachable);
        }
        Err(RingError::Full) => {
            tracing::warn!(
                "operator leg not placed: the gateway carries max_calls legs already; the \
                 operator counts as unreachable"
            );
            return Ok(Connection::Unreachable);
        }
        Err(e) => {
            tracing::warn!(error = %e, "operator leg not placed");
            return Ok(Connection::Unreachable);
        }
    };
    let answered_after = leg.answered_after;
    if caller_gone {
        leg.hang_up().await;
        return Err(gone());
    }
    let (done_tx, done_rx) = oneshot::channel();
    let bridge = Command::Bridge {
        leg: Box::new(leg),
        done: done_tx,
    };
    if let Err(mpsc::error::SendError(Command::Bridge { leg, .. })) = commands.send(bridge).await {
        leg.hang_up().await;
        return Err(gone());
    }
    answered.answered(answered_after);
    match done_rx.await {
        Ok(BridgeReport::Talked { talk, ended_by }) => Ok(Connection::Talked {
            answered_after,
            talk,
            ended_by,
        }),
        Ok(BridgeReport::Shutdown) => Err(ChannelError::TornDown { reason: "shutdown" }),
        Err(_) => Err(gone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_telephony_the_operator_is_unreachable() {
        let (commands, _media) = mpsc::channel(8);
        let (_keys_tx, mut keys) = mpsc::channel(8);
        let leg = OperatorLeg {
            station: "P1".into(),
            sip_user: "op1".into(),
        };
        let got = connect(
            None,
            &commands,
            &mut keys,
            &leg,
            Duration::from_secs(1),
            "x",
            AnswerNotice::ignored(),
        )
        .await;
        assert_eq!(got, Ok(Connection::Unreachable));
    }
}

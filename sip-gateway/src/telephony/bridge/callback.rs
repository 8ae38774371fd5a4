//! Callbacks: the gateway calls an operator, then the citizen who asked to be called back,
//! and bridges the two.
//!
//! This is the only place the gateway dials a number, and the number is a
//! [`PhoneNumber`] the caller of [`CallbackDialler::call_back`] took from a stored callback
//! request (the ticketing core's callback ticket): no SIP request reaches this code, so no
//! incoming call can make the gateway dial a destination of its choosing. The route (trunk or
//! direct gateway) and the caller id come from `[sip.callback]`.
//!
//! Order: the operator's phone rings first (the operator is ready for the call), then the
//! citizen's, with the ringback tone to the operator meanwhile; when the citizen answers the
//! two legs are bridged ([`super::session`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ivr::{OperatorLeg, Party};
use rsipstack::dialog::authenticate::Credential;
use ticketing::contact::PhoneNumber;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::session::{self, SessionEnd};
use super::{Outbound, OutboundLeg, RingError, Ringing, Target, random_u32};
use crate::telephony::media::g711::G711;
use crate::telephony::media::relay::{Relay, Side};
use crate::telephony::media::sender::{RtpSender, SAMPLES_PER_PACKET};
use crate::telephony::media::tone::Ringback;

/// Where callbacks go, from `[sip.callback]` (and `[sip.trunk]` for the trunk route).
#[derive(Clone)]
pub struct CallbackRoute {
    /// Host part of the Request-URI: `sip:NUMBER@host`.
    pub host: String,
    /// Where to send the INVITE (`None`: resolve `host`).
    pub destination: Option<SocketAddr>,
    pub credential: Option<Credential>,
    pub caller_id: String,
    pub ring_timeout: Duration,
}

impl std::fmt::Debug for CallbackRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackRoute")
            .field("host", &self.host)
            .field("destination", &self.destination)
            .field("caller_id", &self.caller_id)
            .finish_non_exhaustive()
    }
}

/// How a callback attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// The citizen answered after `answered_after` (from the operator's answer) and they
    /// talked for `talk` until `ended_by` hung up.
    Talked {
        answered_after: Duration,
        talk: Duration,
        ended_by: Party,
    },
    /// The operator's phone is not registered, refused or failed.
    OperatorUnreachable,
    /// The operator did not answer within the ring timeout.
    OperatorNoAnswer,
    /// The citizen did not answer within `[sip.callback] ring_secs`.
    CitizenNoAnswer,
    /// The citizen's line refused the call (busy, unavailable, declined, network error).
    CitizenUnreachable,
    /// The gateway is shutting down.
    Shutdown,
}

/// Why a callback could not be attempted at all.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("no callback route is configured ([sip.callback])")]
    NoRoute,
    #[error(transparent)]
    Ring(#[from] RingError),
}

/// Places callbacks; the handle the ticketing core's callback dispatcher is given.
#[derive(Debug, Clone)]
pub struct CallbackDialler {
    pub(crate) outbound: Arc<Outbound>,
    pub(crate) inactivity: Duration,
    pub(crate) shutdown: CancellationToken,
}

impl CallbackDialler {
    /// Whether callbacks can be dialled (a route is configured).
    pub fn available(&self) -> bool {
        self.outbound.callback.is_some()
    }

    /// Calls `operator`, then `number`, and bridges them until one hangs up.
    #[tracing::instrument(skip_all, fields(ticket = %ticket, number = %number.masked(), station = %operator.station))]
    pub async fn call_back(
        &self,
        ticket: &str,
        number: &PhoneNumber,
        operator: &OperatorLeg,
        operator_ring: Duration,
    ) -> Result<CallbackOutcome, CallbackError> {
        let route = self
            .outbound
            .callback
            .clone()
            .ok_or(CallbackError::NoRoute)?;
        let Some(target) = self.outbound.operator_target(&operator.sip_user) else {
            return Ok(CallbackOutcome::OperatorUnreachable);
        };
        let ringing = self
            .outbound
            .ring(
                target,
                &route.caller_id,
                operator_ring,
                self.shutdown.child_token(),
                || {},
            )
            .await?;
        let op = match ringing {
            Ringing::Answered(leg) => leg,
            Ringing::NoAnswer => return Ok(CallbackOutcome::OperatorNoAnswer),
            Ringing::Refused(_) => return Ok(CallbackOutcome::OperatorUnreachable),
            Ringing::Aborted => return Ok(CallbackOutcome::Shutdown),
        };
        let citizen_target = Target {
            uri: format!("sip:{}@{}", number.as_str(), route.host),
            destination: route.destination,
            credential: route.credential.clone(),
        };
        let ring = self.outbound.ring(
            citizen_target,
            &route.caller_id,
            route.ring_timeout,
            self.shutdown.child_token(),
            || {},
        );
        let ringing = match with_ringback(&op, ring).await {
            Ok(r) => r,
            Err(e) => {
                op.hang_up().await;
                return Err(e.into());
            }
        };
        let citizen = match ringing {
            Ringing::Answered(leg) => leg,
            other => {
                op.hang_up().await;
                return Ok(match other {
                    Ringing::NoAnswer => CallbackOutcome::CitizenNoAnswer,
                    Ringing::Aborted => CallbackOutcome::Shutdown,
                    _ => CallbackOutcome::CitizenUnreachable,
                });
            }
        };
        let answered_after = citizen.answered_after;
        let talk_started = Instant::now();
        let end = bridge(citizen, op, self.inactivity, &self.shutdown).await;
        Ok(match end {
            SessionEnd::HungUp(side) => CallbackOutcome::Talked {
                answered_after,
                talk: talk_started.elapsed(),
                ended_by: match side {
                    Side::Caller => Party::Caller,
                    Side::Operator => Party::Operator,
                },
            },
            SessionEnd::Inactivity => CallbackOutcome::Talked {
                answered_after,
                talk: talk_started.elapsed(),
                ended_by: Party::Caller,
            },
            SessionEnd::Shutdown => CallbackOutcome::Shutdown,
        })
    }
}

/// Runs `ring` while the operator hears the ringback tone.
async fn with_ringback<F>(op: &OutboundLeg, ring: F) -> Result<Ringing, RingError>
where
    F: Future<Output = Result<Ringing, RingError>>,
{
    let law = op.negotiated.law;
    let mut sender = RtpSender::new(law, random_u32(), random_u32() as u16, random_u32());
    sender.set_payload_type(op.negotiated.payload_type);
    let mut tone = Ringback::new();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let (mut payload, mut packet) = (Vec::with_capacity(SAMPLES_PER_PACKET), Vec::new());
    tokio::pin!(ring);
    loop {
        tokio::select! {
            r = &mut ring => return r,
            _ = tick.tick() => {
                let Some(dest) = op.negotiated.remote else { continue };
                payload.clear();
                law.encode(&tone.next_frame(), &mut payload);
                sender.next_audio(&payload, &mut packet);
                op.socket.send_to(&packet, dest).ok();
            }
        }
    }
}

/// Bridges two answered outgoing legs (the citizen as the caller side).
async fn bridge(
    mut citizen: OutboundLeg,
    mut op: OutboundLeg,
    inactivity: Duration,
    shutdown: &CancellationToken,
) -> SessionEnd {
    let sender = |law: G711, pt: u8| {
        let mut s = RtpSender::new(law, random_u32(), random_u32() as u16, random_u32());
        s.set_payload_type(pt);
        s
    };
    let mut relay = Relay::new(
        citizen.media(),
        sender(citizen.negotiated.law, citizen.negotiated.payload_type),
        op.media(),
        sender(op.negotiated.law, op.negotiated.payload_type),
    );
    session::run(
        citizen.session_leg(),
        op.session_leg(),
        &mut relay,
        inactivity,
        shutdown,
    )
    .await
}

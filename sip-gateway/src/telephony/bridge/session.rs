//! A bridged call: two legs (each an RTP socket and a SIP dialog) relayed through
//! [`Relay`] on one 20 ms clock, until one side hangs up; then the other side gets a BYE.
//!
//! In-dialog requests during the bridge are answered here: re-INVITE (hold, resume, new
//! address) with a new answer from the same RTP port, OPTIONS with 200, INFO keys with 200 and
//! passed to the other leg as RFC 4733 events (415 for other INFO bodies), the rest 405. Used by the call runner (caller ↔ operator) and by callbacks (citizen ↔ operator).

use std::net::SocketAddr;
use std::time::Duration;

use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, Method, StatusCode};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::telephony::media::relay::{LegMedia, Relay, Side};
use crate::telephony::rtp_socket::RtpSocket;
use crate::telephony::sdp::Offer;

/// How long a BYE waits for its answer.
const BYE_WAIT: Duration = Duration::from_secs(4);

/// One leg as the session drives it.
pub struct SessionLeg<'a> {
    pub socket: &'a RtpSocket,
    pub dialog: &'a InviteDialog,
    pub states: &'a mut DialogStateReceiver,
    /// Our RTP address, session id and next SDP version (for answers to re-INVITEs).
    pub local: SocketAddr,
    pub session_id: u64,
    pub sdp_version: u64,
    /// The leg's SDP lets us send (not on hold).
    pub sending: bool,
}

/// How a bridged call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// This side hung up (or its dialog ended); the other got a BYE.
    HungUp(Side),
    /// No media and no signaling from either side for the inactivity timeout; both got a BYE.
    Inactivity,
    /// Shutdown; both got a BYE.
    Shutdown,
}

async fn bye(dialog: &InviteDialog) {
    match tokio::time::timeout(BYE_WAIT, dialog.bye()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!(error = %e, "BYE failed"),
        Err(_) => tracing::debug!("BYE not answered in time"),
    }
}

/// What a dialog event means for the session.
enum Event {
    Continue,
    Ended,
    /// A key signalled by SIP INFO on this leg, to pass on to the other.
    Key(ivr::Key),
}

async fn on_state(
    side: Side,
    leg: &mut SessionLeg<'_>,
    relay: &mut Relay,
    state: Option<DialogState>,
) -> Event {
    let Some(state) = state else {
        return Event::Ended;
    };
    match state {
        DialogState::Terminated(_, reason) => {
            tracing::info!(?side, ?reason, "bridged leg ended");
            return Event::Ended;
        }
        DialogState::Updated(_, req, handle) => {
            if req.method != Method::Invite || req.body.is_empty() {
                handle.reply(StatusCode::OK).await.ok();
                return Event::Continue;
            }
            let parsed = Offer::parse(&req.body).and_then(|o| o.negotiate().map(|n| (o, n)));
            let Ok((offer, n)) = parsed else {
                handle.reply(StatusCode::NotAcceptableHere).await.ok();
                return Event::Continue;
            };
            tracing::info!(?side, hold = n.on_hold(), "re-INVITE in a bridged call");
            relay.renegotiate(
                side,
                LegMedia {
                    law: n.law,
                    payload_type: n.payload_type,
                    telephone_event: n.telephone_event,
                    remote: n.remote,
                },
            );
            leg.sending = n.direction.we_send();
            let body = offer.answer(&n, leg.local, leg.session_id, leg.sdp_version);
            leg.sdp_version += 1;
            handle
                .respond(
                    StatusCode::OK,
                    Some(vec![Header::ContentType("application/sdp".into())]),
                    Some(body.into_bytes()),
                )
                .await
                .ok();
        }
        DialogState::Info(_, req, handle) => {
            if let Some(key) = crate::telephony::signaling::info::answer_info(&req, handle).await {
                return Event::Key(key);
            }
        }
        DialogState::Options(_, _, handle) => {
            handle.reply(StatusCode::OK).await.ok();
        }
        DialogState::Message(_, _, handle)
        | DialogState::Notify(_, _, handle)
        | DialogState::Refer(_, _, handle)
        | DialogState::Publish(_, _, handle) => {
            handle.reply(StatusCode::MethodNotAllowed).await.ok();
        }
        _ => {}
    }
    Event::Continue
}

/// Sends a key signalled by INFO on `from` to the other leg, `to`, as RFC 4733 events.
fn pass_key(from: Side, key: ivr::Key, to: &SessionLeg<'_>, relay: &mut Relay) {
    let mut packets = Vec::new();
    relay.key_event(from, key, &mut packets);
    let Some(destination) = relay.destination(from.other()) else {
        return;
    };
    if !to.sending {
        return;
    }
    tracing::debug!(?from, %key, "INFO key passed on as RFC 4733");
    for packet in &packets {
        to.socket.send_to(packet, destination).ok();
    }
}

/// Relays media between `caller` and `operator` until one side hangs up, the inactivity
/// timeout passes with nothing from either side, or `shutdown`; then BYEs what is left.
pub async fn run(
    mut caller: SessionLeg<'_>,
    mut operator: SessionLeg<'_>,
    relay: &mut Relay,
    inactivity: Duration,
    shutdown: &CancellationToken,
) -> SessionEnd {
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut last_tick = Instant::now();
    let mut last_activity = Instant::now();
    let mut from_caller = vec![0u8; 2048];
    let mut from_operator = vec![0u8; 2048];
    let mut out = Vec::with_capacity(256);
    // Created once: a future made per packet would cost a lock (cancellation) or a timer
    // (inactivity) for every datagram. Inactivity is checked on the 20 ms clock instead.
    let cancelled = shutdown.cancelled();
    tokio::pin!(cancelled);
    let end = loop {
        tokio::select! {
            biased;
            () = &mut cancelled => break SessionEnd::Shutdown,
            state = caller.states.recv() => {
                last_activity = Instant::now();
                match on_state(Side::Caller, &mut caller, relay, state).await {
                    Event::Ended => break SessionEnd::HungUp(Side::Caller),
                    Event::Key(key) => pass_key(Side::Caller, key, &operator, relay),
                    Event::Continue => {}
                }
            }
            state = operator.states.recv() => {
                last_activity = Instant::now();
                match on_state(Side::Operator, &mut operator, relay, state).await {
                    Event::Ended => break SessionEnd::HungUp(Side::Operator),
                    Event::Key(key) => pass_key(Side::Operator, key, &caller, relay),
                    Event::Continue => {}
                }
            }
            at = tick.tick() => {
                let held = !caller.sending || !operator.sending;
                if !held && at.saturating_duration_since(last_activity) >= inactivity {
                    tracing::info!("no media or signaling from either side of the bridge: hanging up");
                    break SessionEnd::Inactivity;
                }
                let slots = (at.saturating_duration_since(last_tick).as_millis() / 20).max(1) as u32;
                last_tick = at;
                for (side, leg) in [(Side::Caller, &caller), (Side::Operator, &operator)] {
                    if slots > 1 {
                        relay.skip(side, slots - 1);
                    }
                    relay.tick(side, &mut out);
                    if leg.sending
                        && let Some(dest) = relay.destination(side)
                        && let Err(e) = leg.socket.send_to(&out, dest)
                    {
                        tracing::trace!(error = %e, "RTP send failed");
                    }
                }
            }
            r = caller.socket.recv_from(&mut from_caller) => {
                if let Ok((n, from)) = r {
                    let a = relay.on_datagram(Side::Caller, &from_caller[..n], from, &mut out);
                    if a.activity {
                        last_activity = Instant::now();
                    }
                    if a.forward_now && operator.sending && let Some(dest) = relay.destination(Side::Operator) {
                        operator.socket.send_to(&out, dest).ok();
                    }
                }
            }
            r = operator.socket.recv_from(&mut from_operator) => {
                if let Ok((n, from)) = r {
                    let a = relay.on_datagram(Side::Operator, &from_operator[..n], from, &mut out);
                    if a.activity {
                        last_activity = Instant::now();
                    }
                    if a.forward_now && caller.sending && let Some(dest) = relay.destination(Side::Caller) {
                        caller.socket.send_to(&out, dest).ok();
                    }
                }
            }
        }
    };
    match end {
        SessionEnd::HungUp(Side::Caller) => bye(operator.dialog).await,
        SessionEnd::HungUp(Side::Operator) => bye(caller.dialog).await,
        SessionEnd::Inactivity | SessionEnd::Shutdown => {
            tokio::join!(bye(caller.dialog), bye(operator.dialog));
        }
    }
    tracing::info!(
        ?end,
        caller_to_operator = relay.stats(Side::Caller).relayed,
        operator_to_caller = relay.stats(Side::Operator).relayed,
        "bridge ended"
    );
    end
}

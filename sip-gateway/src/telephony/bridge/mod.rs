//! Calls the gateway places: operator legs (to a registered operator phone) and callbacks (to
//! a citizen's number through the configured route). [`Outbound::ring`] sends the INVITE
//! (UAC) with an offer from the gateway's RTP range, reports 180/183, and ends with an
//! answered [`OutboundLeg`] (200, ACK sent by the stack), a refusal (486/480/603/any 4xx-6xx,
//! no answer from the stack), a ring timeout (CANCEL) or an abort by the caller (CANCEL).
//! Each placed leg counts toward `max_calls` ([`super::capacity`]): when the gateway is full
//! the leg is not placed ([`RingError::Full`]).
//! [`session`] then relays media between two legs until one side hangs up.
//!
//! Nothing here takes a destination from an incoming request: targets are registered
//! contacts ([`Outbound::operator_target`]) or the callback route ([`callback`]).

pub mod callback;
pub(crate) mod connect;
pub mod session;

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{StatusCodeKind, Transport};
use rsipstack::transport::SipAddr;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::capacity::{Calls, Leg, Slot};
use super::media::ports::PortAllocator;
use super::media::relay::LegMedia;
use super::registrar::Registrar;
use super::rtp_socket::RtpSocket;
use super::sdp::{self, Negotiated, Offer};

/// How long a cancelled INVITE may take to end before the caller is told.
const CANCEL_SETTLE: Duration = Duration::from_secs(4);

/// Where an outgoing INVITE goes.
#[derive(Clone)]
pub struct Target {
    /// The Request-URI (an operator's registered contact, or `sip:NUMBER@trunk`).
    pub uri: String,
    /// The address to send it to (the address the phone registered from; the trunk).
    pub destination: Option<SocketAddr>,
    /// Digest credentials, if the far end may challenge (the trunk's).
    pub credential: Option<Credential>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("uri", &mask_uri(&self.uri))
            .field("destination", &self.destination)
            .finish_non_exhaustive()
    }
}

/// Why a call could not even be tried.
#[derive(Debug, thiserror::Error)]
pub enum RingError {
    /// The gateway already carries `max_calls` legs (incoming calls and placed legs).
    #[error("the gateway is full (max_calls legs in progress)")]
    Full,
    #[error("no free RTP port")]
    NoPort,
    #[error("the target URI {0} is not a SIP URI")]
    BadTarget(String),
    #[error("SIP stack: {0}")]
    Stack(String),
}

/// An RTP port taken from the range, given back on drop.
pub(crate) struct PortGuard {
    ports: Arc<Mutex<PortAllocator>>,
    port: u16,
}

impl Drop for PortGuard {
    fn drop(&mut self) {
        if let Ok(mut p) = self.ports.lock() {
            p.release(self.port);
        }
    }
}

/// Binds a UDP socket on a free port of the range.
pub(crate) async fn bind_rtp(
    ports: &Arc<Mutex<PortAllocator>>,
    listen: IpAddr,
) -> Option<(RtpSocket, PortGuard)> {
    let attempts = ports.lock().map(|p| p.capacity()).unwrap_or(0).min(64);
    for _ in 0..attempts {
        let port = ports.lock().ok()?.allocate()?;
        let guard = PortGuard {
            ports: ports.clone(),
            port,
        };
        if let Ok(s) = RtpSocket::bind(SocketAddr::new(listen, port)) {
            return Some((s, guard));
        }
    }
    None
}

/// An answered outgoing leg: its dialog, media socket and what was agreed.
pub struct OutboundLeg {
    pub dialog: InviteDialog,
    pub states: DialogStateReceiver,
    pub socket: RtpSocket,
    /// Held so the RTP port returns to the range when the leg ends.
    pub(crate) _port: PortGuard,
    /// Held so the leg counts toward `max_calls` until it ends.
    pub(crate) _slot: Slot,
    pub negotiated: Negotiated,
    /// Our RTP address (in our SDP).
    pub local: SocketAddr,
    pub session_id: u64,
    /// From the INVITE to the 200.
    pub answered_after: Duration,
}

impl std::fmt::Debug for OutboundLeg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundLeg")
            .field("dialog", &self.dialog.id().to_string())
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}

impl OutboundLeg {
    pub fn media(&self) -> LegMedia {
        LegMedia {
            law: self.negotiated.law,
            payload_type: self.negotiated.payload_type,
            telephone_event: self.negotiated.telephone_event,
            remote: self.negotiated.remote,
        }
    }

    /// The leg as a bridge session drives it (our SDP already had version 1, in the INVITE).
    pub fn session_leg(&mut self) -> session::SessionLeg<'_> {
        session::SessionLeg {
            socket: &self.socket,
            dialog: &self.dialog,
            states: &mut self.states,
            local: self.local,
            session_id: self.session_id,
            sdp_version: 2,
            sending: self.negotiated.direction.we_send(),
        }
    }

    /// Ends the leg with a BYE (bounded wait for its answer).
    pub async fn hang_up(&self) {
        match tokio::time::timeout(Duration::from_secs(4), self.dialog.bye()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, "BYE of an outgoing leg failed"),
            Err(_) => tracing::debug!("BYE of an outgoing leg not answered in time"),
        }
    }
}

/// How ringing ended.
#[derive(Debug)]
pub enum Ringing {
    Answered(OutboundLeg),
    /// The ring timeout passed; the INVITE was cancelled.
    NoAnswer,
    /// Refused (busy, declined, unavailable, any 4xx-6xx), failed, or no usable answer.
    Refused(Option<u16>),
    /// Aborted by the caller side (CANCEL sent).
    Aborted,
}

/// The handle the gateway places calls with.
pub struct Outbound {
    pub(crate) dialogs: Arc<DialogLayer>,
    pub(crate) ports: Arc<Mutex<PortAllocator>>,
    pub(crate) listen: IpAddr,
    pub(crate) advertised: IpAddr,
    /// The gateway's SIP address (UDP), for From and Contact.
    pub(crate) sip: SocketAddr,
    pub(crate) service_user: String,
    pub(crate) registrar: Option<Arc<Registrar>>,
    pub(crate) callback: Option<callback::CallbackRoute>,
    /// The legs in progress: a placed leg takes a slot under `max_calls` like a call.
    pub(crate) calls: Arc<Calls>,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("sip", &self.sip)
            .finish_non_exhaustive()
    }
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Outbound {
    /// Where operator `sip_user`'s phone is registered now, if it is.
    pub fn operator_target(&self, sip_user: &str) -> Option<Target> {
        let binding = self.registrar.as_ref()?.reach(sip_user, now_ms())?;
        // Phones behind NAT are reached through the address they registered from; over TCP
        // or TLS the stack cannot reuse the phone's connection, so such phones are called
        // at their contact over UDP.
        let destination = (binding.transport == "UDP").then_some(binding.source);
        Some(Target {
            uri: binding.contact,
            destination,
            credential: None,
        })
    }

    /// Rings `target` for at most `ring_timeout`, showing `caller_id` in From. `on_ringing`
    /// runs at the first 180/183; cancelling `abort` sends CANCEL.
    #[tracing::instrument(skip_all, fields(target = %mask_uri(&target.uri)))]
    pub async fn ring(
        &self,
        target: Target,
        caller_id: &str,
        ring_timeout: Duration,
        abort: CancellationToken,
        mut on_ringing: impl FnMut() + Send,
    ) -> Result<Ringing, RingError> {
        let started = Instant::now();
        let slot = self.calls.admit(Leg::Outgoing).ok_or(RingError::Full)?;
        let (socket, port) = bind_rtp(&self.ports, self.listen)
            .await
            .ok_or(RingError::NoPort)?;
        let local = SocketAddr::new(self.advertised, port.port);
        let session_id = u64::from(port.port) << 32 | u64::from(random_u32());
        let callee: rsipstack::sip::Uri = target
            .uri
            .as_str()
            .try_into()
            .map_err(|_| RingError::BadTarget(mask_uri(&target.uri)))?;
        let uri = |text: String| -> Result<rsipstack::sip::Uri, RingError> {
            text.as_str()
                .try_into()
                .map_err(|e: rsipstack::sip::Error| RingError::Stack(e.to_string()))
        };
        let caller = uri(format!("sip:{caller_id}@{}", self.sip))?;
        let contact = uri(format!("sip:{}@{}", self.service_user, self.sip))?;
        let option = InviteOption {
            caller,
            callee,
            destination: target.destination.map(|addr| SipAddr {
                r#type: Some(Transport::Udp),
                addr: addr.into(),
            }),
            content_type: Some("application/sdp".to_owned()),
            offer: Some(sdp::offer(local, session_id).into_bytes()),
            contact,
            credential: target.credential.clone(),
            ..Default::default()
        };
        tracing::debug!(destination = ?target.destination, "placing an outgoing call");
        let (state_tx, mut states) = self.dialogs.new_dialog_state_channel();
        let (dialog, mut invite) = self
            .dialogs
            .do_invite_async(option, state_tx)
            .map_err(|e| RingError::Stack(e.to_string()))?;
        let deadline = tokio::time::sleep(ring_timeout);
        tokio::pin!(deadline);
        let mut rang = false;
        let mut ended_early: Option<Ringing> = None;
        // After a CANCEL, the INVITE's final answer (487) is awaited this long; a far end that
        // never answers is left to the stack (which still ACKs or BYEs whatever comes).
        let settle = tokio::time::sleep(Duration::from_secs(3600));
        tokio::pin!(settle);
        let result = loop {
            tokio::select! {
                joined = &mut invite => break joined,
                () = &mut deadline, if ended_early.is_none() => {
                    dialog.cancel().await.ok();
                    ended_early = Some(Ringing::NoAnswer);
                    settle.as_mut().reset(Instant::now() + CANCEL_SETTLE);
                }
                () = abort.cancelled(), if ended_early.is_none() => {
                    dialog.cancel().await.ok();
                    ended_early = Some(Ringing::Aborted);
                    settle.as_mut().reset(Instant::now() + CANCEL_SETTLE);
                }
                () = &mut settle, if ended_early.is_some() => {
                    return Ok(ended_early.unwrap_or(Ringing::NoAnswer));
                }
                state = states.recv() => match state {
                    Some(DialogState::Early(..)) if !rang => {
                        rang = true;
                        on_ringing();
                    }
                    Some(_) => {}
                    None => {}
                },
            }
        };
        let response = match result {
            Ok(Ok((_, response))) => response,
            Ok(Err(e)) => {
                tracing::info!(error = %e, "outgoing INVITE failed");
                return Ok(ended_early.unwrap_or(Ringing::Refused(None)));
            }
            Err(e) => return Err(RingError::Stack(e.to_string())),
        };
        let Some(response) = response else {
            return Ok(ended_early.unwrap_or(Ringing::Refused(None)));
        };
        if response.status_code.kind() != StatusCodeKind::Successful {
            let code = u16::from(response.status_code.clone());
            tracing::info!(code, "outgoing INVITE refused");
            return Ok(ended_early.unwrap_or(Ringing::Refused(Some(code))));
        }
        if let Some(e) = ended_early {
            // Answered as the CANCEL crossed it: the stack sends the BYE.
            return Ok(e);
        }
        let negotiated = match Offer::parse(&response.body).and_then(|o| o.negotiate()) {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "outgoing leg answered without a usable SDP: hanging up");
                dialog.bye().await.ok();
                return Ok(Ringing::Refused(Some(200)));
            }
        };
        tracing::info!(
            answered_ms = started.elapsed().as_millis() as u64,
            law = ?negotiated.law,
            "outgoing leg answered"
        );
        Ok(Ringing::Answered(OutboundLeg {
            dialog,
            states,
            socket,
            _port: port,
            _slot: slot,
            negotiated,
            local,
            session_id,
            answered_after: started.elapsed(),
        }))
    }
}

pub(crate) fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return std::process::id();
    }
    u32::from_le_bytes(b)
}

/// A URI for logs: the user part (an operator user or a phone number) shows only its last
/// three characters.
pub fn mask_uri(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return "<uri>".to_owned();
    };
    match rest.split_once('@') {
        Some((user, host)) => {
            let keep: String = user
                .chars()
                .rev()
                .take(3)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("{scheme}:***{keep}@{host}")
        }
        None => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_masked_in_logs() {
        assert_eq!(
            mask_uri("sip:3331234567@trunk.example.it"),
            "sip:***567@trunk.example.it"
        );
        assert_eq!(mask_uri("sip:pbx.example.it"), "sip:pbx.example.it");
        assert_eq!(mask_uri("nonsense"), "<uri>");
    }
}

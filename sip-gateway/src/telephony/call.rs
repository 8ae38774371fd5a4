//! The call runner: one task per call that owns the RTP socket, hears keys (RFC 4733, SIP
//! INFO, in-band), decides what the caller hears and drives a dialog through [`CallChannel`].
//!
//! The dialog and the media loop are two futures of the same task; they talk over small
//! bounded channels ([`super::channel`]). The media loop owns the socket's receive side, the SIP
//! dialog handle and the timers; the 20 ms sending clock is the shared [`Pacer`], which sends
//! what the media loop puts in the call's [`StreamHandle`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ivr::{ChannelError, Key};
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, StatusCode};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::bridge::connect::BridgeReport;
use super::bridge::session::{self, SessionEnd, SessionLeg};
use super::bridge::{Outbound, OutboundLeg};
use super::channel::{AudioTap, CallChannel, Command, Ended};
use super::media::receive::{KeySource, ReceivePath};
use super::media::relay::{LegMedia, Relay, Side};
use super::media::sender::RtpSender;
use super::pacer::{Pacer, StreamHandle};
use super::rtp_socket::RtpSocket;
use super::sdp::{Negotiated, Offer};

/// What runs on each answered call: the IVR dialog ([`super::dialog::IvrHandler`]), or a
/// scripted one in tests and benchmarks.
pub trait CallHandler: Send + Sync + 'static {
    fn handle(&self, channel: CallChannel) -> impl Future<Output = ()> + Send;
}

/// Keys pressed but not yet used.
const KEY_BUFFER: usize = 32;
/// How long the dialog may still run after the call ended (to record the outcome).
const DIALOG_GRACE: Duration = Duration::from_secs(2);
/// How long a BYE waits for its answer (the shutdown drain waits at most 5 s for all calls).
const BYE_WAIT: Duration = Duration::from_secs(4);

/// Everything the media loop needs, prepared by the signaling side.
pub struct CallSetup {
    pub call_id: String,
    /// The user part of the caller's From (a phone number when the network gives one).
    pub caller: Option<String>,
    pub dialog: InviteDialog,
    pub states: DialogStateReceiver,
    pub socket: RtpSocket,
    pub offer: Offer,
    pub negotiated: Negotiated,
    pub local: SocketAddr,
    pub inactivity: Duration,
    pub ring: Duration,
    pub session_id: u64,
    /// Places operator legs when the dialog connects the caller to an operator.
    pub outbound: Option<Arc<Outbound>>,
    /// Sends the call's audio every 20 ms.
    pub pacer: Arc<Pacer>,
}

/// Why the media loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    CallerHungUp,
    Cancelled,
    GatewayHungUp,
    Inactivity,
    Shutdown,
    Failed,
}

/// Runs one call to its end: answers it, runs `handler`, hangs up. Returns how it ended.
#[tracing::instrument(skip_all, fields(call_id = %setup.call_id))]
pub async fn run<H: CallHandler>(
    setup: CallSetup,
    handler: Arc<H>,
    shutdown: CancellationToken,
) -> CallOutcome {
    let (cmd_tx, cmd_rx) = mpsc::channel(8);
    let (key_tx, key_rx) = mpsc::channel(KEY_BUFFER);
    let ended: Ended = Arc::default();
    let channel = CallChannel::new(
        cmd_tx,
        key_rx,
        ended.clone(),
        setup.call_id.clone(),
        setup.caller.clone(),
    );
    // The caller's audio reaches the dialog only while it listens (bounded, never waited on).
    let (audio_tap, audio) = super::channel::audio_link();
    let channel = channel
        .with_audio(audio)
        .with_outbound(setup.outbound.clone());
    let mut media = MediaLoop::new(setup, key_tx, ended);
    media.audio = Some(audio_tap);
    let dialog = handler.handle(channel);
    tokio::pin!(dialog);
    let media_fut = media.run(cmd_rx, shutdown);
    tokio::pin!(media_fut);
    // The dialog ends first normally (then the media loop hangs up when its command channel
    // closes); if the media loop ends first (caller hung up), the dialog future is dropped.
    tokio::select! {
        outcome = &mut media_fut => {
            // The dialog learns how the call ended (a bridge's report, a hang-up while an
            // operator rang) and may record it; every channel call now fails at once.
            tokio::time::timeout(DIALOG_GRACE, &mut dialog).await.ok();
            outcome
        }
        () = &mut dialog => media_fut.await,
    }
}

struct MediaLoop {
    dialog: InviteDialog,
    states: DialogStateReceiver,
    socket: RtpSocket,
    offer: Offer,
    negotiated: Negotiated,
    local: SocketAddr,
    inactivity: Duration,
    ring: Duration,
    session_id: u64,
    sdp_version: u64,
    /// The outgoing audio, sent by the pacer.
    stream: StreamHandle,
    /// Where the pacer was last told to send.
    sending_to: Option<SocketAddr>,
    receive: ReceivePath,
    keys: mpsc::Sender<Key>,
    /// Where decoded caller audio goes while the dialog listens.
    audio: Option<AudioTap>,
    ended: Ended,
    last_activity: Instant,
}

fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return std::process::id();
    }
    u32::from_le_bytes(b)
}

impl MediaLoop {
    fn new(s: CallSetup, keys: mpsc::Sender<Key>, ended: Ended) -> Self {
        let (law, payload_type) = (s.negotiated.law, s.negotiated.payload_type);
        let mut sender = RtpSender::new(law, random_u32(), random_u32() as u16, random_u32());
        sender.set_payload_type(payload_type);
        let stream = s.pacer.register(&s.socket, sender);
        MediaLoop {
            dialog: s.dialog,
            states: s.states,
            socket: s.socket,
            receive: ReceivePath::new(
                law,
                payload_type,
                s.negotiated.telephone_event,
                s.negotiated.remote,
            ),
            offer: s.offer,
            negotiated: s.negotiated,
            local: s.local,
            inactivity: s.inactivity,
            ring: s.ring,
            session_id: s.session_id,
            sdp_version: 1,
            stream,
            sending_to: None,
            keys,
            audio: None,
            ended,
            last_activity: Instant::now(),
        }
    }

    fn answer_sdp(&mut self) -> Vec<u8> {
        let sdp = self.offer.answer(
            &self.negotiated,
            self.local,
            self.session_id,
            self.sdp_version,
        );
        self.sdp_version += 1;
        sdp.into_bytes()
    }

    fn set_ended(&self, why: ChannelError) {
        if let Ok(mut e) = self.ended.lock() {
            e.get_or_insert(why);
        }
    }

    async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        shutdown: CancellationToken,
    ) -> CallOutcome {
        let outcome = self.run_inner(&mut commands, shutdown).await;
        let torn_down = |reason| ChannelError::TornDown { reason };
        let why = match outcome {
            CallOutcome::CallerHungUp | CallOutcome::Cancelled => ChannelError::HungUp,
            CallOutcome::GatewayHungUp => torn_down("hung up by the gateway"),
            CallOutcome::Inactivity => torn_down("no media or signaling"),
            CallOutcome::Shutdown => torn_down("shutdown"),
            CallOutcome::Failed => torn_down("signaling failure"),
        };
        self.set_ended(why);
        tracing::info!(?outcome, "call ended");
        outcome
    }

    async fn run_inner(
        &mut self,
        commands: &mut mpsc::Receiver<Command>,
        shutdown: CancellationToken,
    ) -> CallOutcome {
        // 180 then 200 with the answer.
        self.dialog.ringing(None, None).ok();
        if !self.ring.is_zero() {
            let ring_end = tokio::time::sleep(self.ring);
            tokio::pin!(ring_end);
            loop {
                tokio::select! {
                    () = &mut ring_end => break,
                    () = shutdown.cancelled() => {
                        self.dialog.reject(Some(StatusCode::ServiceUnavailable), None).ok();
                        return CallOutcome::Shutdown;
                    }
                    state = self.states.recv() => {
                        let Some(state) = state else { return CallOutcome::Failed };
                        if let Some(outcome) = self.on_state(state).await {
                            return outcome;
                        }
                    }
                }
            }
        }
        let body = self.answer_sdp();
        let headers = vec![Header::ContentType("application/sdp".into())];
        if self.dialog.accept(Some(headers), Some(body)).is_err() {
            return CallOutcome::Failed;
        }
        self.update_stream();
        let mut buf = vec![0u8; 2048];
        loop {
            let deadline = self.last_activity + self.inactivity;
            tokio::select! {
                biased;
                () = shutdown.cancelled() => {
                    self.bye().await;
                    return CallOutcome::Shutdown;
                }
                state = self.states.recv() => {
                    let Some(state) = state else { return CallOutcome::Failed };
                    if let Some(outcome) = self.on_state(state).await {
                        return outcome;
                    }
                }
                r = self.socket.recv_from(&mut buf) => {
                    if let Ok((n, from)) = r {
                        self.on_rtp(&buf[..n], from);
                    }
                }
                cmd = commands.recv() => match cmd {
                    Some(Command::Play { prompt, done }) => {
                        tracing::debug!(duration_ms = prompt.duration().as_millis() as u64, "prompt started");
                        self.stream.lock().play(prompt, done);
                    }
                    Some(Command::Ringback) => self.stream.lock().ringback(),
                    Some(Command::Bridge { leg, done }) => {
                        let (outcome, report) = self.bridge(*leg, &shutdown).await;
                        done.send(report).ok();
                        return outcome;
                    }
                    Some(Command::Stop) => {
                        if let Some(sent) = self.stream.lock().stop() {
                            tracing::debug!(played_ms = sent as u64 / 8, "prompt interrupted");
                        }
                    }
                    Some(Command::HangUp) | None => {
                        self.bye().await;
                        return CallOutcome::GatewayHungUp;
                    }
                },
                () = tokio::time::sleep_until(deadline), if !self.negotiated.on_hold() => {
                    tracing::info!("no RTP or SIP from the caller: hanging up");
                    self.bye().await;
                    return CallOutcome::Inactivity;
                }
            }
        }
    }

    /// Sends BYE and waits (bounded) for its answer.
    async fn bye(&self) {
        match tokio::time::timeout(BYE_WAIT, self.dialog.bye()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, "BYE failed"),
            Err(_) => tracing::debug!("BYE not answered in time"),
        }
    }

    async fn on_state(&mut self, state: DialogState) -> Option<CallOutcome> {
        match state {
            DialogState::Terminated(_, reason) => {
                return Some(match reason {
                    TerminatedReason::UacCancel => CallOutcome::Cancelled,
                    TerminatedReason::UacBye => CallOutcome::CallerHungUp,
                    TerminatedReason::Timeout => CallOutcome::Failed,
                    _ => CallOutcome::CallerHungUp,
                });
            }
            DialogState::Info(_, req, handle) => {
                self.last_activity = Instant::now();
                if let Some(key) = super::signaling::info::answer_info(&req, handle).await {
                    self.on_key(key, KeySource::Info);
                }
            }
            DialogState::Updated(_, req, handle) => {
                self.last_activity = Instant::now();
                if req.method != rsipstack::sip::Method::Invite {
                    handle.reply(StatusCode::OK).await.ok();
                    return None;
                }
                if !req.body.is_empty() {
                    let parsed =
                        Offer::parse(&req.body).and_then(|o| o.negotiate().map(|n| (o, n)));
                    match parsed {
                        Ok((offer, n)) if n.law == self.negotiated.law => {
                            tracing::info!(hold = n.on_hold(), "re-INVITE");
                            self.receive
                                .renegotiate(n.payload_type, n.telephone_event, n.remote);
                            self.stream.lock().set_payload_type(n.payload_type);
                            self.offer = offer;
                            self.negotiated = n;
                            self.update_stream();
                        }
                        Ok(_) | Err(_) => {
                            handle.reply(StatusCode::NotAcceptableHere).await.ok();
                            return None;
                        }
                    }
                }
                let body = self.answer_sdp();
                handle
                    .respond(
                        StatusCode::OK,
                        Some(vec![Header::ContentType("application/sdp".into())]),
                        Some(body),
                    )
                    .await
                    .ok();
            }
            DialogState::Options(_, _, handle) => {
                self.last_activity = Instant::now();
                handle.reply(StatusCode::OK).await.ok();
            }
            DialogState::Confirmed(..) => {
                self.last_activity = Instant::now();
            }
            DialogState::Message(_, _, handle)
            | DialogState::Notify(_, _, handle)
            | DialogState::Refer(_, _, handle)
            | DialogState::Publish(_, _, handle) => {
                handle.reply(StatusCode::MethodNotAllowed).await.ok();
            }
            _ => {}
        }
        None
    }

    fn on_key(&mut self, key: Key, source: KeySource) {
        tracing::debug!(%key, ?source, "key detected");
        if self.keys.try_send(key).is_err() {
            tracing::debug!("key buffer full: key dropped");
        }
    }

    fn on_rtp(&mut self, datagram: &[u8], from: SocketAddr) {
        let now = Instant::now();
        let tap = self.audio.as_ref();
        let received = self
            .receive
            .on_datagram_with_audio(datagram, from, now.into_std(), |pcm| {
                if let Some(tap) = tap {
                    tap.offer(pcm);
                }
            });
        if received.activity {
            self.last_activity = now;
        }
        if self.receive.destination() != self.sending_to {
            self.update_stream();
        }
        for (key, source) in received.keys {
            self.on_key(key, source);
        }
    }

    /// Bridges the caller to an answered operator leg until one of them hangs up.
    async fn bridge(
        &mut self,
        mut leg: OutboundLeg,
        shutdown: &CancellationToken,
    ) -> (CallOutcome, BridgeReport) {
        let started = Instant::now();
        let caller_media = LegMedia {
            law: self.negotiated.law,
            payload_type: self.negotiated.payload_type,
            telephone_event: self.negotiated.telephone_event,
            remote: self.receive.destination(),
        };
        let caller_sender = self.stream.detach().unwrap_or_else(|| {
            RtpSender::new(self.negotiated.law, random_u32(), random_u32() as u16, 0)
        });
        let mut operator_sender = RtpSender::new(
            leg.negotiated.law,
            random_u32(),
            random_u32() as u16,
            random_u32(),
        );
        operator_sender.set_payload_type(leg.negotiated.payload_type);
        let mut relay = Relay::new(caller_media, caller_sender, leg.media(), operator_sender);
        let caller = SessionLeg {
            socket: &self.socket,
            dialog: &self.dialog,
            states: &mut self.states,
            local: self.local,
            session_id: self.session_id,
            sdp_version: self.sdp_version,
            sending: self.negotiated.direction.we_send(),
        };
        let operator = leg.session_leg();
        let end = session::run(caller, operator, &mut relay, self.inactivity, shutdown).await;
        let talk = started.elapsed();
        match end {
            SessionEnd::HungUp(Side::Caller) => (
                CallOutcome::CallerHungUp,
                BridgeReport::Talked {
                    talk,
                    ended_by: ivr::Party::Caller,
                },
            ),
            SessionEnd::HungUp(Side::Operator) => (
                CallOutcome::GatewayHungUp,
                BridgeReport::Talked {
                    talk,
                    ended_by: ivr::Party::Operator,
                },
            ),
            SessionEnd::Inactivity => (
                CallOutcome::Inactivity,
                BridgeReport::Talked {
                    talk,
                    ended_by: ivr::Party::Caller,
                },
            ),
            SessionEnd::Shutdown => (CallOutcome::Shutdown, BridgeReport::Shutdown),
        }
    }

    /// Tells the pacer where and whether to send (after the answer, a re-INVITE, or when the
    /// caller's real media source is learnt).
    fn update_stream(&mut self) {
        self.sending_to = self.receive.destination();
        let mut out = self.stream.lock();
        out.destination = self.sending_to;
        out.sending = self.negotiated.direction.we_send();
    }
}

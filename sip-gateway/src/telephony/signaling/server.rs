//! The dispatcher: takes each new server transaction from rsipstack and decides what it is
//! (OPTIONS, a new call, a request inside a call, something to refuse). Calls are admitted
//! here (service user, concurrency, codecs, RTP port) and then run by [`crate::telephony::call`].

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use rsipstack::dialog::dialog::Dialog;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, StatusCode};
use rsipstack::transaction::TransactionReceiver;
use rsipstack::transaction::transaction::Transaction;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::guard::{ALLOW, uri_user};
use crate::telephony::bridge::{Outbound, now_ms};
use crate::telephony::call::{self, CallHandler, CallSetup};
use crate::telephony::media::ports::PortAllocator;
use crate::telephony::registrar::{RegisterRequest, Registrar};
use crate::telephony::rtp_socket::RtpSocket;
use crate::telephony::sdp::{Offer, SdpError};
use crate::telephony::settings::SipSettings;
use crate::telephony::signaling::shield::Shield;

pub use crate::telephony::capacity::Calls;

pub struct Dispatcher<H> {
    pub settings: SipSettings,
    /// Answers REGISTER when operator accounts are configured.
    pub registrar: Option<Arc<Registrar>>,
    /// Bans sources after repeated authentication failures.
    pub shield: Arc<Shield>,
    /// Places operator legs for the calls' [`crate::telephony::CallChannel::connect`].
    pub outbound: Arc<Outbound>,
    pub dialogs: Arc<DialogLayer>,
    pub handler: Arc<H>,
    pub calls: Arc<Calls>,
    pub ports: Arc<Mutex<PortAllocator>>,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    pub contact: rsipstack::sip::Uri,
    /// The 20 ms sending clock of every call.
    pub pacer: Arc<crate::telephony::pacer::Pacer>,
}

impl<H: CallHandler> Dispatcher<H> {
    pub async fn run(self: Arc<Self>, mut incoming: TransactionReceiver) {
        loop {
            let tx = tokio::select! {
                () = self.shutdown.cancelled() => break,
                tx = incoming.recv() => match tx { Some(tx) => tx, None => break },
            };
            let this = self.clone();
            self.tracker
                .spawn(async move { this.on_transaction(tx).await });
        }
    }

    async fn on_transaction(self: Arc<Self>, mut tx: Transaction) {
        let in_dialog = tx
            .original
            .to_header()
            .ok()
            .and_then(|t| t.tag().ok().flatten())
            .is_some();
        if in_dialog {
            match self.dialogs.match_dialog(&tx) {
                Some(Dialog::Invite(mut d)) => {
                    if let Err(e) = d.handle(&mut tx).await {
                        tracing::debug!(error = %e, "in-dialog request failed");
                    }
                }
                _ => {
                    if tx.original.method != Method::Ack {
                        tx.reply(StatusCode::CallTransactionDoesNotExist).await.ok();
                    }
                }
            }
            return;
        }
        let allow = || vec![Header::Other("Allow".into(), ALLOW.into())];
        match tx.original.method {
            Method::Options => {
                let mut headers = allow();
                headers.push(Header::Other("Accept".into(), "application/sdp".into()));
                tx.reply_with(StatusCode::OK, headers, None).await.ok();
            }
            Method::Invite => self.on_invite(tx).await,
            Method::Register if self.registrar.is_some() => self.on_register(tx).await,
            Method::Bye | Method::Info | Method::Cancel => {
                tx.reply(StatusCode::CallTransactionDoesNotExist).await.ok();
            }
            Method::Ack => {}
            _ => {
                tx.reply_with(StatusCode::MethodNotAllowed, allow(), None)
                    .await
                    .ok();
            }
        }
    }

    /// 503 Service Unavailable with Retry-After (`retry_after_secs`).
    async fn unavailable(&self, tx: &mut Transaction) {
        let headers = vec![Header::Other(
            "Retry-After".into(),
            self.settings.retry_after_secs.to_string(),
        )];
        tx.reply_with(StatusCode::ServiceUnavailable, headers, None)
            .await
            .ok();
    }

    async fn on_invite(self: Arc<Self>, mut tx: Transaction) {
        let call_id = tx
            .original
            .call_id_header()
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        let caller = tx
            .original
            .from_header()
            .ok()
            .and_then(|f| caller_user(f.value()));
        let user = tx.original.uri.to_string();
        let user = uri_user(&user).unwrap_or_default().to_owned();
        let service = self.settings.service_users.contains(&user);
        let bench = self.settings.bench_bridge_users.contains(&user);
        // The trunk delivers calls to the user it registered as, from its own addresses only.
        let from_trunk = self.settings.trunk.as_ref().is_some_and(|t| {
            t.user == user
                && source_of(&tx.original).is_some_and(|(_, s)| t.addresses.contains(&s.ip()))
        });
        if !(service || bench || from_trunk) {
            tx.reply(StatusCode::NotFound).await.ok();
            return;
        }
        // Admission: within the new-call rate, then a slot under `max_calls` (which the
        // gateway's own legs count toward too).
        let slot = match self.calls.admit_incoming(std::time::Instant::now()) {
            Ok(slot) => slot,
            Err(refused) => {
                tracing::debug!(%call_id, ?refused, "INVITE refused: 503");
                self.unavailable(&mut tx).await;
                return;
            }
        };
        let parsed = Offer::parse(&tx.original.body).and_then(|o| o.negotiate().map(|n| (o, n)));
        let (offer, negotiated) = match parsed {
            Ok(p) => p,
            Err(e) => {
                let code = match e {
                    SdpError::Malformed { .. } if tx.original.body.is_empty() => {
                        StatusCode::NotAcceptableHere
                    }
                    SdpError::Malformed { .. } => StatusCode::BadRequest,
                    _ => StatusCode::NotAcceptableHere,
                };
                tracing::info!(%call_id, error = %e, "offer refused");
                tx.reply(code).await.ok();
                return;
            }
        };
        let Some((socket, port)) = self.bind_rtp().await else {
            tracing::warn!(%call_id, "no free RTP port");
            self.unavailable(&mut tx).await;
            return;
        };
        let port_guard = PortGuard(self.ports.clone(), port);
        let (state_tx, states) = self.dialogs.new_dialog_state_channel();
        let dialog = match self.dialogs.get_or_create_server_invite(
            &tx,
            state_tx,
            None,
            Some(self.contact.clone()),
        ) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(%call_id, error = %e, "dialog not created");
                tx.reply(StatusCode::ServerInternalError).await.ok();
                return;
            }
        };
        self.calls.total.fetch_add(1, Ordering::Relaxed);
        let local = SocketAddr::new(self.settings.advertised_address(), port);
        let setup = CallSetup {
            call_id: call_id.clone(),
            caller,
            dialog: dialog.clone(),
            states,
            socket,
            offer,
            negotiated,
            local,
            inactivity: self.settings.inactivity_timeout(),
            ring: std::time::Duration::from_millis(self.settings.ring_ms),
            session_id: u64::from(port) << 32 | self.calls.total.load(Ordering::Relaxed) as u64,
            outbound: Some(self.outbound.clone()),
            pacer: self.pacer.clone(),
        };
        // The INVITE transaction (100, then the 180/200 the call sends, ACK or CANCEL) runs
        // beside the call.
        let mut d = dialog.clone();
        let tx_task = async move {
            if let Err(e) = d.handle(&mut tx).await {
                tracing::debug!(error = %e, "INVITE transaction ended with an error");
            }
        };
        let (handler, shutdown, dialogs) = (
            self.handler.clone(),
            self.shutdown.clone(),
            self.dialogs.clone(),
        );
        let id = dialog.id();
        self.tracker.spawn(tx_task);
        match (&self.settings.bench_operator, bench) {
            (Some(operator), true) => {
                let bench = Arc::new(BenchBridge {
                    operator: operator.clone(),
                });
                call::run(setup, bench, shutdown).await;
            }
            _ => {
                call::run(setup, handler, shutdown).await;
            }
        }
        dialogs.remove_dialog(&id);
        drop(port_guard);
        drop(slot);
    }

    /// A REGISTER from an operator phone: the registrar decides, this side does the I/O
    /// (answer, ban through the shield, save the bindings).
    async fn on_register(&self, mut tx: Transaction) {
        let Some(registrar) = self.registrar.clone() else {
            return;
        };
        let req = &tx.original;
        let Some((transport, source)) = source_of(req) else {
            tx.reply(StatusCode::BadRequest).await.ok();
            return;
        };
        let header = |pick: fn(&Header) -> Option<String>| req.headers.iter().find_map(pick);
        let to = header(|h| match h {
            Header::To(t) => Some(t.value().to_owned()),
            _ => None,
        })
        .unwrap_or_default();
        let authorization = header(|h| match h {
            Header::Authorization(a) => Some(a.value().to_owned()),
            _ => None,
        });
        let expires = header(|h| match h {
            Header::Expires(e) => Some(e.value().to_owned()),
            _ => None,
        });
        let contacts: Vec<String> = req
            .headers
            .iter()
            .filter_map(|h| match h {
                Header::Contact(c) => Some(c.value().to_owned()),
                _ => None,
            })
            .collect();
        let call_id = req
            .call_id_header()
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        let cseq = req
            .cseq_header()
            .ok()
            .and_then(|c| c.seq().ok())
            .unwrap_or(0);
        let mut random = [0u8; 12];
        if getrandom::fill(&mut random).is_err() {
            tx.reply(StatusCode::ServerInternalError).await.ok();
            return;
        }
        let request = RegisterRequest {
            to_uri: &to,
            authorization: authorization.as_deref(),
            contacts: contacts.iter().map(String::as_str).collect(),
            expires: expires.as_deref(),
            call_id: &call_id,
            cseq,
            source,
            transport: &transport,
        };
        let answer = registrar.handle(&request, now_ms(), random);
        if let Some(ip) = answer.ban {
            self.shield.ban(ip, registrar.ban_duration());
        }
        if answer.code == 200 {
            tracing::info!(%source, bindings = answer.headers.len(), "operator phone registered");
        } else {
            tracing::debug!(%source, code = answer.code, "REGISTER answered");
        }
        let headers = answer
            .headers
            .into_iter()
            .map(|(name, value)| Header::Other(name.into(), value))
            .collect();
        tx.reply_with(StatusCode::from(answer.code), headers, None)
            .await
            .ok();
        if answer.changed {
            let saving = tokio::task::spawn_blocking(move || registrar.save()).await;
            match saving {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "registrations not saved"),
                Err(e) => tracing::error!(error = %e, "registrations not saved"),
            }
        }
    }

    async fn bind_rtp(&self) -> Option<(RtpSocket, u16)> {
        let attempts = self.ports.lock().map(|p| p.capacity()).unwrap_or(0).min(64);
        for _ in 0..attempts {
            let port = self.ports.lock().ok()?.allocate()?;
            match RtpSocket::bind(SocketAddr::new(self.settings.listen_address, port)) {
                Ok(s) => return Some((s, port)),
                Err(_) => {
                    if let Ok(mut p) = self.ports.lock() {
                        p.release(port);
                    }
                }
            }
        }
        None
    }
}

struct PortGuard(Arc<Mutex<PortAllocator>>, u16);

impl Drop for PortGuard {
    fn drop(&mut self) {
        if let Ok(mut p) = self.0.lock() {
            p.release(self.1);
        }
    }
}

/// Where a request came from (the top Via with the `received`/`rport` the transport added)
/// and over which transport (`UDP`, `TCP`, `TLS`).
pub fn source_of(req: &rsipstack::sip::Request) -> Option<(String, SocketAddr)> {
    let via = req.via_header().ok()?;
    let (transport, host) = rsipstack::transport::SipConnection::parse_target_from_via(via).ok()?;
    let addr: SocketAddr = host.try_into().ok()?;
    Some((transport.to_string().to_ascii_uppercase(), addr))
}

/// Benchmarks only (`bench_bridge_users`): bridges the call to the bench operator at once.
struct BenchBridge {
    operator: String,
}

impl CallHandler for BenchBridge {
    async fn handle(&self, mut channel: crate::telephony::CallChannel) {
        use ivr::Channel;
        let leg = ivr::OperatorLeg {
            station: "bench".to_owned(),
            sip_user: self.operator.clone(),
        };
        match channel
            .connect(
                &leg,
                std::time::Duration::from_secs(30),
                ivr::AnswerNotice::ignored(),
            )
            .await
        {
            Ok(ivr::Connection::Talked { .. }) | Err(_) => {}
            Ok(other) => {
                tracing::info!(?other, "bench bridge not connected");
                channel.hang_up().await;
            }
        }
    }
}

/// The user part of a From header value (`"Anna" <sip:3331234567@pbx>;tag=x` → `3331234567`):
/// the caller's number when the network gives one.
pub fn caller_user(from: &str) -> Option<String> {
    let uri = match (from.find('<'), from.find('>')) {
        (Some(open), Some(close)) if open < close => &from[open + 1..close],
        _ => from.split(';').next().unwrap_or(from).trim(),
    };
    uri_user(uri).map(str::to_owned).filter(|u| !u.is_empty())
}

#[cfg(test)]
mod caller_tests {
    use super::caller_user;

    #[test]
    fn caller_user_table() {
        let cases = [
            (
                "\"Anna\" <sip:3331234567@pbx.example>;tag=1",
                Some("3331234567"),
            ),
            (
                "<sip:+390123456789@10.0.0.1:5060;user=phone>;tag=2",
                Some("+390123456789"),
            ),
            ("sip:anonymous@anonymous.invalid;tag=3", Some("anonymous")),
            ("<tel:+390123456789>;tag=4", Some("+390123456789")),
            ("<sip:pbx.example>;tag=5", None),
        ];
        for (from, expected) in cases {
            assert_eq!(caller_user(from).as_deref(), expected, "{from}");
        }
    }
}

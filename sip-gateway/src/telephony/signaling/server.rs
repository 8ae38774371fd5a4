//! The dispatcher: takes each new server transaction from rsipstack and decides what it is
//! (OPTIONS, a new call, a request inside a call, something to refuse). Calls are admitted
//! here (service user, concurrency, codecs, RTP port) and then run by [`crate::telephony::call`].

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
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
use crate::telephony::call::{self, CallHandler, CallSetup};
use crate::telephony::media::ports::PortAllocator;
use crate::telephony::sdp::{Offer, SdpError};
use crate::telephony::settings::SipSettings;

/// Shared call bookkeeping.
#[derive(Debug, Default)]
pub struct Calls {
    pub live: AtomicUsize,
    pub total: AtomicUsize,
}

pub struct Dispatcher<H> {
    pub settings: SipSettings,
    pub dialogs: Arc<DialogLayer>,
    pub handler: Arc<H>,
    pub calls: Arc<Calls>,
    pub ports: Arc<Mutex<PortAllocator>>,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    pub contact: rsipstack::sip::Uri,
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
        if !self
            .settings
            .service_users
            .iter()
            .any(|s| Some(s.as_str()) == uri_user(&user))
        {
            tx.reply(StatusCode::NotFound).await.ok();
            return;
        }
        // Admission: reserve a call slot.
        let live = self.calls.live.fetch_add(1, Ordering::AcqRel);
        let slot = SlotGuard(self.calls.clone());
        if live >= self.settings.max_calls {
            let headers = vec![Header::Other(
                "Retry-After".into(),
                self.settings.retry_after_secs.to_string(),
            )];
            tx.reply_with(StatusCode::ServiceUnavailable, headers, None)
                .await
                .ok();
            return;
        }
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
            let headers = vec![Header::Other(
                "Retry-After".into(),
                self.settings.retry_after_secs.to_string(),
            )];
            tx.reply_with(StatusCode::ServiceUnavailable, headers, None)
                .await
                .ok();
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
        call::run(setup, handler, shutdown).await;
        dialogs.remove_dialog(&id);
        drop(port_guard);
        drop(slot);
    }

    async fn bind_rtp(&self) -> Option<(tokio::net::UdpSocket, u16)> {
        let attempts = self.ports.lock().map(|p| p.capacity()).unwrap_or(0).min(64);
        for _ in 0..attempts {
            let port = self.ports.lock().ok()?.allocate()?;
            match tokio::net::UdpSocket::bind(SocketAddr::new(self.settings.listen_address, port))
                .await
            {
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

struct SlotGuard(Arc<Calls>);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::AcqRel);
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

//! Telephony: SIP signaling (rsipstack behind [`signaling`]), RTP media cores ([`media`]),
//! SDP offer/answer ([`sdp`]), the call runner ([`call`]) that drives a dialog over a real
//! call through [`CallChannel`] (the gateway's [`ivr::Channel`]), and [`dialog`], which runs
//! the IVR's main dialog on every call.
//!
//! Protocol cores (SDP, RTP, DTMF, jitter, sender numbering, the message guard, rate limits)
//! do no I/O and take time as a parameter; sockets and clocks live in [`signaling`] and
//! [`call`]. The entry point is [`start`].

pub mod call;
pub mod channel;
pub mod dialog;
pub mod media;
pub mod sdp;
pub mod settings;
pub mod signaling;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsipstack::EndpointBuilder;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::udp::UdpConnection;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use call::CallHandler;
pub use channel::CallChannel;
pub use dialog::{IvrHandler, OfficeClock, office_voice};
pub use settings::{SettingsError, SipSettings};

use media::ports::PortAllocator;
use signaling::guard::GuardPolicy;
use signaling::limits::RateLimiter;
use signaling::server::{Calls, Dispatcher};
use signaling::shield::Shield;

/// Why telephony could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid [sip] settings: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Settings(Vec<SettingsError>),
    #[error("cannot bind SIP {transport} on {addr}: {source}")]
    Bind {
        transport: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("SIP stack: {0}")]
    Stack(String),
}

/// A running gateway: where it listens and how many calls are up.
#[derive(Debug, Clone)]
pub struct TelephonyHandle {
    pub udp: SocketAddr,
    pub tcp: Option<SocketAddr>,
    pub tls: Option<SocketAddr>,
    calls: Arc<Calls>,
    shield: Arc<Shield>,
}

impl TelephonyHandle {
    /// Calls in progress (ringing or answered).
    pub fn live_calls(&self) -> usize {
        self.calls.live.load(Ordering::Relaxed)
    }

    /// Calls answered since start.
    pub fn total_calls(&self) -> usize {
        self.calls.total.load(Ordering::Relaxed)
    }

    /// Messages the shield answered statelessly or dropped.
    pub fn shielded(&self) -> (u64, u64) {
        let s = &self.shield.stats;
        (
            s.answered.load(Ordering::Relaxed),
            s.dropped.load(Ordering::Relaxed),
        )
    }
}

/// Starts SIP over UDP (and TCP when configured) and runs `handler` on every answered call.
/// Every task is spawned on `tracker` and stops on `shutdown`; calls in progress get a BYE.
pub async fn start<H: CallHandler>(
    settings: &SipSettings,
    handler: H,
    shutdown: CancellationToken,
    tracker: &TaskTracker,
) -> Result<TelephonyHandle, StartError> {
    settings.validate().map_err(StartError::Settings)?;
    let policy = GuardPolicy {
        service_users: settings.service_users.clone(),
        scanner_user_agents: settings
            .scanner_user_agents
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect(),
        max_message_size: settings.max_message_size,
    };
    let limiter = RateLimiter::new(
        settings.rate_limit_per_second,
        settings.rate_limit_burst,
        Duration::from_secs(settings.ban_secs),
        settings.rate_limit_exempt.clone(),
    );
    let shield = Arc::new(Shield::new(policy, limiter));

    let udp_addr = SocketAddr::new(settings.listen_address, settings.udp_port);
    let udp_socket = tokio::net::UdpSocket::bind(udp_addr)
        .await
        .map_err(|source| StartError::Bind {
            transport: "UDP",
            addr: udp_addr,
            source,
        })?;
    let udp_bound = udp_socket.local_addr().map_err(|source| StartError::Bind {
        transport: "UDP",
        addr: udp_addr,
        source,
    })?;
    let tcp_listener = match settings.tcp_port {
        Some(port) => {
            let addr = SocketAddr::new(settings.listen_address, port);
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| StartError::Bind {
                    transport: "TCP",
                    addr,
                    source,
                })?;
            Some(l)
        }
        None => None,
    };
    let tcp_bound = tcp_listener.as_ref().and_then(|l| l.local_addr().ok());
    let tls = match (&settings.tls_certificate, &settings.tls_private_key) {
        (Some(certificate), Some(key)) => {
            let acceptor = signaling::tls::acceptor(certificate, key)
                .map_err(|e| StartError::Stack(e.to_string()))?;
            let addr = SocketAddr::new(settings.listen_address, settings.tls_port);
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| StartError::Bind {
                    transport: "TLS",
                    addr,
                    source,
                })?;
            Some((listener, acceptor))
        }
        _ => None,
    };
    let tls_bound = tls.as_ref().and_then(|(l, _)| signaling::tls::bound(l));

    // Not a child of `shutdown`: the stack (transports, transactions) must outlive the calls'
    // BYEs, so it is cancelled by the serve task below once they are done.
    let stack_cancel = CancellationToken::new();
    let layer = TransportLayer::new(stack_cancel.clone());
    let advertised = SocketAddr::new(settings.advertised_address(), udp_bound.port());
    let udp = UdpConnection::from_socket(
        Arc::new(signaling::udp::GuardedUdpSocket::new(
            udp_socket,
            shield.clone(),
        )),
        Some(advertised),
        Some(stack_cancel.clone()),
    )
    .await
    .map_err(|e| StartError::Stack(e.to_string()))?;
    layer.add_transport(udp.into());
    let endpoint = EndpointBuilder::new()
        .with_user_agent("sportello")
        .with_transport_layer(layer)
        .with_cancel_token(stack_cancel.clone())
        .build();
    let incoming = endpoint
        .incoming_transactions()
        .map_err(|e| StartError::Stack(e.to_string()))?;
    let inner = endpoint.inner.clone();
    let dialogs = Arc::new(DialogLayer::new(inner.clone()));
    let contact: rsipstack::sip::Uri = format!("sip:{}@{}", settings.service_users[0], advertised)
        .as_str()
        .try_into()
        .map_err(|e: rsipstack::sip::Error| StartError::Stack(e.to_string()))?;

    let calls = Arc::new(Calls::default());
    let dispatcher = Arc::new(Dispatcher {
        settings: settings.clone(),
        dialogs,
        handler: Arc::new(handler),
        calls: calls.clone(),
        ports: Arc::new(Mutex::new(PortAllocator::new(
            settings.rtp_port_min,
            settings.rtp_port_max,
        ))),
        shutdown: shutdown.clone(),
        tracker: tracker.clone(),
        contact,
    });

    // The stack stops only after the calls have sent their BYEs.
    let calls_tracker = tracker.clone();
    let stack_cancel_tcp = stack_cancel.clone();
    let tcp_shutdown = shutdown.clone();
    let serve_inner = inner.clone();
    tracker.spawn(async move {
        let serve = serve_inner.serve();
        tokio::pin!(serve);
        tokio::select! {
            r = &mut serve => {
                if let Err(e) = r {
                    tracing::error!(error = %e, "SIP endpoint stopped");
                }
            }
            () = shutdown.cancelled() => {
                // Keep serving while calls hang up (BYE needs the transaction layer).
                let drain = async {
                    while calls.live.load(Ordering::Relaxed) > 0 {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                };
                tokio::select! {
                    _ = &mut serve => {}
                    () = drain => {}
                    () = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        }
        stack_cancel.cancel();
        drop(calls_tracker);
    });
    tracker.spawn(dispatcher.clone().run(incoming));
    let handle = Arc::new(signaling::tcp::TransportLayerHandle { endpoint: inner });
    if let Some((listener, acceptor)) = tls {
        tracker.spawn(signaling::tls::serve(
            listener,
            acceptor,
            shield.clone(),
            handle.clone(),
            tcp_shutdown.clone(),
            stack_cancel_tcp.clone(),
            tracker.clone(),
        ));
    }
    if let Some(listener) = tcp_listener {
        tracker.spawn(signaling::tcp::serve(
            listener,
            shield.clone(),
            handle,
            tcp_shutdown,
            stack_cancel_tcp,
            tracker.clone(),
        ));
    }
    tracing::info!(udp = %udp_bound, tcp = ?tcp_bound, tls = ?tls_bound, "SIP gateway listening");
    Ok(TelephonyHandle {
        udp: udp_bound,
        tcp: tcp_bound,
        tls: tls_bound,
        calls: dispatcher.calls.clone(),
        shield,
    })
}

//! Telephony: SIP signaling (rsipstack behind [`signaling`]), RTP media cores ([`media`]),
//! SDP offer/answer ([`sdp`]), the call runner ([`call`]) that drives a dialog over a real
//! call through [`CallChannel`] (the gateway's [`ivr::Channel`]), and [`dialog`], which runs
//! the IVR's main dialog on every call.
//!
//! Protocol cores (SDP, RTP, DTMF, jitter, sender numbering, the message guard, rate limits)
//! do no I/O and take time as a parameter; sockets and clocks live in [`signaling`] and
//! [`call`]. The entry point is [`start`].

pub mod bridge;
pub mod call;
pub mod capacity;
pub mod channel;
pub mod dialog;
pub mod digest;
pub mod media;
pub mod operator_settings;
pub mod pacer;
pub mod registrar;
pub mod rtp_socket;
pub mod sdp;
pub mod settings;
pub mod signaling;
pub mod trunk;

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
    #[error("cannot start the RTP pacing threads: {0}")]
    Pacer(std::io::Error),
    #[error("SIP stack: {0}")]
    Stack(String),
    #[error("operator registrations: {0}")]
    Registrations(#[from] registrar::store::StoreError),
}

/// A running gateway: where it listens and how many calls are up.
#[derive(Debug, Clone)]
pub struct TelephonyHandle {
    pub udp: SocketAddr,
    pub tcp: Option<SocketAddr>,
    pub tls: Option<SocketAddr>,
    calls: Arc<Calls>,
    shield: Arc<Shield>,
    registrar: Option<Arc<registrar::Registrar>>,
    trunk: Option<Arc<trunk::TrunkStatus>>,
    /// The trunk's registrar URI as configured (for `/metrics`).
    trunk_registrar: Option<String>,
    callbacks: bridge::callback::CallbackDialler,
    pacer: Arc<pacer::Pacer>,
}

impl TelephonyHandle {
    /// How the pacing threads are keeping the 20 ms clock of the outgoing audio.
    pub fn pacing(&self) -> pacer::PacingFigures {
        self.pacer.figures()
    }

    /// Incoming calls in progress (ringing or answered).
    pub fn live_calls(&self) -> usize {
        self.calls.live.load(Ordering::Relaxed)
    }

    /// Legs the gateway placed that are in progress (operator legs, callbacks).
    pub fn outgoing_legs(&self) -> usize {
        self.calls.outgoing.load(Ordering::Relaxed)
    }

    /// Incoming INVITEs refused since start: (`max_calls` reached, new-call rate exceeded).
    pub fn refused_calls(&self) -> (u64, u64) {
        self.calls.refused()
    }

    /// Calls answered since start.
    pub fn total_calls(&self) -> usize {
        self.calls.total.load(Ordering::Relaxed)
    }

    /// Operator accounts with a live registration.
    pub fn registered_operators(&self) -> usize {
        self.registrar
            .as_ref()
            .map_or(0, |r| r.registered_users(bridge::now_ms()))
    }

    /// The trunk registration's state, when a trunk is configured.
    pub fn trunk(&self) -> Option<&trunk::TrunkStatus> {
        self.trunk.as_deref()
    }

    /// The trunk's registrar URI as configured (`sip:pbx.example.it:5060`), when a trunk is.
    pub fn trunk_registrar(&self) -> Option<&str> {
        self.trunk_registrar.as_deref()
    }

    /// The handle that dials callbacks (see [`bridge::callback`]).
    pub fn callbacks(&self) -> bridge::callback::CallbackDialler {
        self.callbacks.clone()
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
    // The guard passes INVITEs for the service users, the trunk's user (the dispatcher then
    // checks the trunk's addresses) and the benchmark's bridge users.
    let mut admitted = settings.service_users.clone();
    admitted.extend(settings.trunk.iter().map(|t| t.user.clone()));
    admitted.extend(settings.bench_bridge_users.iter().cloned());
    let policy = GuardPolicy {
        service_users: admitted,
        registrar: !settings.accounts.is_empty(),
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

    let registrar = if settings.accounts.is_empty() {
        None
    } else {
        let store = settings
            .state_dir
            .as_ref()
            .map(|dir| registrar::store::BindingStore::new(dir.join("sip-registrations.json")));
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| StartError::Stack(e.to_string()))?;
        let config = operator_settings::registrar_config(&settings.accounts, &settings.registrar);
        let r = registrar::Registrar::new(config, store, key, bridge::now_ms())?;
        tracing::info!(
            accounts = settings.accounts.len(),
            registered = r.registered_users(bridge::now_ms()),
            "registrar for operator phones ready"
        );
        Some(Arc::new(r))
    };
    let ports = Arc::new(Mutex::new(PortAllocator::new(
        settings.rtp_port_min,
        settings.rtp_port_max,
    )));
    let callback_route = settings.callback.as_ref().map(|c| {
        let trunk_host = settings.trunk.as_ref().map(|t| {
            let host = t.registrar.split_once(':').map_or("", |(_, h)| h);
            host.split(';').next().unwrap_or(host).to_owned()
        });
        let credential =
            settings
                .trunk
                .as_ref()
                .map(|t| rsipstack::dialog::authenticate::Credential {
                    username: t.user.clone(),
                    password: t.password.expose().to_owned(),
                    realm: None,
                    auth_username: t.auth_user.clone(),
                });
        match c.route {
            operator_settings::CallbackRoute::Trunk => bridge::callback::CallbackRoute {
                host: trunk_host.unwrap_or_default(),
                destination: None,
                credential,
                caller_id: c.caller_id.clone(),
                ring_timeout: c.ring_timeout(),
            },
            operator_settings::CallbackRoute::Direct => bridge::callback::CallbackRoute {
                host: c.direct_host.map(|h| h.to_string()).unwrap_or_default(),
                destination: c.direct_host,
                credential: None,
                caller_id: c.caller_id.clone(),
                ring_timeout: c.ring_timeout(),
            },
        }
    });
    let calls = Arc::new(Calls::new(
        settings.max_calls,
        settings.max_new_calls_per_second,
    ));
    let outbound = Arc::new(bridge::Outbound {
        dialogs: dialogs.clone(),
        ports: ports.clone(),
        listen: settings.listen_address,
        advertised: settings.advertised_address(),
        sip: advertised,
        service_user: settings.service_users[0].clone(),
        registrar: registrar.clone(),
        callback: callback_route,
        calls: calls.clone(),
    });
    let callbacks = bridge::callback::CallbackDialler {
        outbound: outbound.clone(),
        inactivity: settings.inactivity_timeout(),
        shutdown: shutdown.clone(),
    };
    let trunk_status = settings.trunk.as_ref().map(|t| {
        let status = Arc::new(trunk::TrunkStatus::default());
        let (endpoint, t, st, stop) = (inner.clone(), t.clone(), status.clone(), shutdown.clone());
        tracker.spawn(async move {
            if let Err(e) = trunk::keep_registered(endpoint, t, st, stop).await {
                tracing::error!(error = %e, "no trunk registration");
            }
        });
        status
    });

    let pacer = pacer::Pacer::start(0).map_err(StartError::Pacer)?;
    let dispatcher = Arc::new(Dispatcher {
        settings: settings.clone(),
        registrar: registrar.clone(),
        shield: shield.clone(),
        outbound,
        dialogs,
        handler: Arc::new(handler),
        calls: calls.clone(),
        ports,
        shutdown: shutdown.clone(),
        tracker: tracker.clone(),
        contact,
        pacer: pacer.clone(),
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
        registrar,
        trunk: trunk_status,
        trunk_registrar: settings.trunk.as_ref().map(|t| t.registrar.clone()),
        callbacks,
        pacer,
    })
}

//! SIP over TLS (RFC 3261 section 26, `sips:` and `transport=tls`): the TLS handshake in front
//! of the same framer, shield and stack hand-off as plain TCP (see [`super::tcp`]).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::shield::Shield;
use super::tcp::{TransportLayerHandle, connection};

/// A handshake that does not complete within this time is dropped (slow-loris guard).
const HANDSHAKE: Duration = Duration::from_secs(10);

/// Why the TLS configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("cannot read the certificate {path}: {reason}")]
    Certificate { path: String, reason: String },
    #[error("cannot read the private key {path}: {reason}")]
    PrivateKey { path: String, reason: String },
    #[error("the certificate and the private key do not go together: {0}")]
    Mismatch(String),
}

/// Builds the acceptor from PEM files (TLS 1.2 and 1.3, ring provider).
pub fn acceptor(certificate: &Path, private_key: &Path) -> Result<TlsAcceptor, TlsSetupError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsSetupError::Certificate {
            path: certificate.display().to_string(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsSetupError::Certificate {
            path: certificate.display().to_string(),
            reason: "no certificate in the file".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(private_key).map_err(|e| TlsSetupError::PrivateKey {
        path: private_key.display().to_string(),
        reason: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError::Mismatch(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsSetupError::Mismatch(e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Accepts TLS connections until `shutdown`; like [`super::tcp::serve`] after the handshake.
pub async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    shield: Arc<Shield>,
    layer: Arc<TransportLayerHandle>,
    shutdown: CancellationToken,
    stack_cancel: CancellationToken,
    tracker: TaskTracker,
) {
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            () = stack_cancel.cancelled() => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "SIP TLS accept failed");
                continue;
            }
        };
        let (acceptor, shield, layer, cancel) = (
            acceptor.clone(),
            shield.clone(),
            layer.clone(),
            stack_cancel.clone(),
        );
        tracker.spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let transport = rsipstack::sip::Transport::Tls;
            if let Err(e) = connection(tls, peer, transport, shield, layer, cancel).await {
                tracing::debug!(%peer, error = %e, "SIP TLS connection ended");
            }
        });
    }
}

/// Where the TLS listener is bound, for the handle.
pub fn bound(listener: &TcpListener) -> Option<SocketAddr> {
    listener.local_addr().ok()
}

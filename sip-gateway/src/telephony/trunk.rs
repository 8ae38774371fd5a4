//! Registration with the upstream trunk or PBX (`[sip.trunk]`): REGISTER with digest
//! credentials (rsipstack answers the 401/407 challenge), refreshed at three quarters of the
//! granted interval, retried with exponential backoff (1 s doubling to 60 s) while it fails.
//! The state is logged on every change and exposed through [`TrunkStatus`] (for `/metrics`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::registration::{RefreshOutcome, Registration};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use tokio_util::sync::CancellationToken;

use super::operator_settings::TrunkSettings;

/// What the gateway knows of its trunk registration.
#[derive(Debug, Default)]
pub struct TrunkStatus {
    registered: AtomicBool,
    successes: AtomicU64,
    failures: AtomicU64,
}

impl TrunkStatus {
    /// Whether the last REGISTER succeeded.
    pub fn registered(&self) -> bool {
        self.registered.load(Ordering::Relaxed)
    }

    /// (successful, failed) REGISTER rounds since start.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.successes.load(Ordering::Relaxed),
            self.failures.load(Ordering::Relaxed),
        )
    }

    fn set(&self, registered: bool) {
        let was = self.registered.swap(registered, Ordering::Relaxed);
        if registered {
            self.successes.fetch_add(1, Ordering::Relaxed);
        } else {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
        if was != registered {
            if registered {
                tracing::info!("registered with the trunk");
            } else {
                tracing::warn!("trunk registration lost: retrying with backoff");
            }
        }
    }
}

/// Why the trunk cannot be registered with at all.
#[derive(Debug, thiserror::Error)]
pub enum TrunkError {
    #[error("trunk.registrar is not a SIP URI: {0}")]
    Registrar(String),
}

/// Keeps the gateway registered with the trunk until `shutdown`.
pub async fn keep_registered(
    endpoint: EndpointInnerRef,
    trunk: TrunkSettings,
    status: Arc<TrunkStatus>,
    shutdown: CancellationToken,
) -> Result<(), TrunkError> {
    let server: rsipstack::sip::Uri = trunk
        .registrar
        .as_str()
        .try_into()
        .map_err(|_| TrunkError::Registrar(trunk.registrar.clone()))?;
    let credential = Credential {
        username: trunk.user.clone(),
        password: trunk.password.expose().to_owned(),
        realm: None,
        auth_username: trunk.auth_user.clone(),
    };
    let mut registration = Registration::new(endpoint, Some(credential));
    registration
        .keep_alive(
            server,
            trunk.expires_secs,
            shutdown,
            |outcome| match outcome {
                RefreshOutcome::Registered(resp) => {
                    tracing::debug!(code = %resp.status_code, "trunk REGISTER accepted");
                    status.set(true);
                }
                RefreshOutcome::Rejected(resp) => {
                    tracing::warn!(code = %resp.status_code, "trunk REGISTER refused");
                    status.set(false);
                }
                RefreshOutcome::Failed(e) => {
                    tracing::warn!(error = %e, "trunk REGISTER failed");
                    status.set(false);
                }
            },
        )
        .await;
    Ok(())
}

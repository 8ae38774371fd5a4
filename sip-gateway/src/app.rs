//! The running product: storage, ticketing, the HTTP server, (and, as they land, the knowledge
//! base and the SIP gateway), under one shutdown tree.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use ticketing::http::HttpState;
use ticketing::store::Store;
use ticketing::{Clock, ShiftedClock, SystemClock, Ticketing};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Settings;

/// Where the running product can be reached (written to the ready file for tests and
/// supervisors).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Bound {
    pub http: SocketAddr,
}

/// Runs until `shutdown` is cancelled, then stops every task and waits for them.
pub async fn run(
    settings: Settings,
    ready_file: Option<PathBuf>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let tracker = TaskTracker::new();
    if settings.database_url.starts_with("sqlite:")
        && let Some(path) = sqlite_path(&settings.database_url)
        && let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    }
    let store = Store::connect(&settings.database_url, settings.sqlite_sync)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                redact(&settings.database_url)
            )
        })?;
    let clock: Arc<dyn Clock> = match &settings.simulated_start {
        Some(start) => {
            tracing::warn!(%start, "simulated time: the office clock starts at {start}");
            Arc::new(ShiftedClock::starting_at(*start))
        }
        None => Arc::new(SystemClock),
    };
    let ticketing = Ticketing::new(settings.office, store.clone(), clock)
        .await
        .context("cannot prepare the office in the database")?;
    ticketing
        .spawn_event_relay(&settings.database_url, shutdown.clone(), &tracker)
        .await
        .context("cannot relay events through PostgreSQL")?;

    let http_state = HttpState::new(ticketing.clone(), settings.printer, settings.session_ttl);
    // The gateway adds its figures to /metrics once it runs.
    let metrics = http_state.metrics.clone();
    let knowledge = load_knowledge_base(&settings.knowledge_base, ticketing.office())?;
    tracker.spawn(knowledge_base::reload::watch(
        knowledge.clone(),
        settings.knowledge_base.reload_interval(),
        shutdown.clone(),
    ));
    let router =
        ticketing::http::router(http_state).merge(knowledge_base::router(knowledge.clone()));
    let listener = TcpListener::bind(settings.http_listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.http_listen))?;
    let http_addr = listener.local_addr()?;
    tracing::info!(%http_addr, office = %ticketing.office().name, "HTTP listening");
    let http_shutdown = shutdown.clone();
    tracker.spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(http_shutdown.cancelled_owned())
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "HTTP server failed");
        }
    });

    // Appointment reminders: every 5 minutes, for the appointments of the next 24 hours.
    // Sending is log-only until a gateway implements `ReminderSender`.
    let reminder_ticketing = ticketing.clone();
    let reminder_shutdown = shutdown.clone();
    tracker.spawn(async move {
        let sender = ticketing::agenda::LogReminderSender;
        let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tokio::select! {
                _ = reminder_shutdown.cancelled() => break,
                _ = every.tick() => {}
            }
            if let Err(e) = reminder_ticketing
                .send_due_reminders(&sender, jiff::SignedDuration::from_hours(24))
                .await
            {
                tracing::warn!(error = %e, "reminders not sent this round");
            }
        }
    });

    // Operator positions whose call was lost with its node (a crash while the phone rang or
    // the two talked) are taken back at start-up and every 30 seconds.
    ticketing::operators::spawn_recovery(
        ticketing.clone(),
        ticketing::operators::RECOVERY_EVERY,
        shutdown.clone(),
        &tracker,
    );

    // Personal data past its retention is erased every hour.
    let retention_ticketing = ticketing.clone();
    let retention_shutdown = shutdown.clone();
    let retention = settings.retention;
    tracker.spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tokio::select! {
                _ = retention_shutdown.cancelled() => break,
                _ = every.tick() => {}
            }
            if let Err(e) = retention_ticketing.purge_personal_data(retention).await {
                tracing::warn!(error = %e, "retention purge failed; retried in an hour");
            }
        }
    });

    // --- telephony start ---
    // SIP starts only with a [sip] section; SPORTELLO_SIP_UDP_PORT / SPORTELLO_SIP_TCP_PORT
    // override its ports (0 = any free port, used by the end-to-end tests). Every call runs
    // the IVR's main dialog with the office's name, calendar and clock.
    if let Some(table) = &settings.sip {
        use crate::telephony::{IvrHandler, OfficeClock, SipSettings, StartError};
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut sip = SipSettings::load(table, env)
            .map_err(StartError::Settings)
            .context("invalid [sip] section")?;
        // Operator phones' registrations survive a restart in the data directory.
        sip.state_dir = Some(settings.data_dir.clone());
        let office = ticketing.office();
        let voice = crate::telephony::office_voice(&tracker, shutdown.clone());
        let dialog = ivr::DialogContext::new(
            office.name.clone(),
            Arc::new(office.calendar.clone()),
            Arc::new(OfficeClock(ticketing.clone())),
            voice.clone(),
        )
        .with_services(ticketing.clone(), knowledge.clone());
        // Speech recognition ([speech]): the model is loaded now, off the async threads.
        let vocabulary = ivr::recognition::vocabulary::terms(&knowledge.current());
        let speech = settings.speech.clone();
        let recognizer = tokio::task::spawn_blocking(move || {
            crate::speech::recognizer(speech.as_ref(), &vocabulary)
        })
        .await
        .context("cannot prepare speech recognition")?;
        let dialog = match recognizer {
            Some(recognizer) => dialog.with_recognizer(recognizer),
            None => dialog,
        };
        // The knowledge base's menu prompts are synthesised ahead of the first call too.
        let sentences = dialog.service_sentences();
        let warm_shutdown = shutdown.clone();
        tracker.spawn(async move {
            for sentence in sentences {
                tokio::select! {
                    () = warm_shutdown.cancelled() => break,
                    result = voice.synthesize(&sentence) => {
                        if let Err(e) = result {
                            tracing::warn!(error = %e, "menu prompt not synthesised ahead");
                            break;
                        }
                    }
                }
            }
        });
        let handle =
            crate::telephony::start(&sip, IvrHandler::new(dialog), shutdown.clone(), &tracker)
                .await
                .context("cannot start the SIP gateway")?;
        metrics.add(Arc::new(crate::metrics::GatewayMetrics(handle.clone())));
        // Callbacks asked in the operator queue are dialled when they reach an operator.
        crate::operator_queue::spawn_callbacks(
            &ticketing,
            handle.callbacks(),
            shutdown.clone(),
            &tracker,
        );
        if let Some(path) = &ready_file {
            let sip_ready = serde_json::json!({
                "sip_udp": handle.udp.to_string(),
                "sip_tcp": handle.tcp.map(|a| a.to_string()),
                "sip_tls": handle.tls.map(|a| a.to_string()),
            });
            std::fs::write(
                path.with_extension("sip.json"),
                serde_json::to_vec(&sip_ready)?,
            )
            .context("cannot write the SIP ready file")?;
        }
    }
    // --- telephony end ---

    let bound = Bound { http: http_addr };
    if let Some(path) = ready_file {
        std::fs::write(&path, serde_json::to_vec(&bound)?)
            .with_context(|| format!("cannot write the ready file {}", path.display()))?;
    }
    tracing::info!("sportello ready");

    shutdown.cancelled().await;
    tracing::info!("shutting down");
    tracker.close();
    tracker.wait().await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Loads the knowledge base with the facts derived from the office configuration.
pub fn load_knowledge_base(
    settings: &knowledge_base::KnowledgeBaseSettings,
    office: &ticketing::settings::Office,
) -> anyhow::Result<knowledge_base::KnowledgeBaseHandle> {
    knowledge_base::KnowledgeBaseHandle::load(settings.source(office_facts(office)))
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("cannot load the knowledge base")
}

/// The placeholders every office fills from its configuration (see CONTENT-FORMAT.md).
pub fn office_facts(office: &ticketing::settings::Office) -> BTreeMap<String, String> {
    let c = &office.contacts;
    let consultations = ticketing::italian::weekly_hours(&office.agenda.hours);
    [
        ("comune", office.name.clone()),
        ("indirizzo", c.address.clone()),
        ("telefono", c.phone.clone()),
        ("email", c.email.clone()),
        ("pec", c.pec.clone()),
        ("sito", c.website.clone()),
        (
            "orari_sportello",
            ticketing::italian::weekly_hours(office.calendar.weekly()),
        ),
        (
            "orari_consultazioni",
            if consultations.is_empty() {
                "su appuntamento".to_string()
            } else {
                consultations
            },
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted_and_paths_found() {
        assert_eq!(
            redact("postgres://app:secret@db:5432/sportello"),
            "postgres://app:***@db:5432/sportello"
        );
        assert_eq!(
            redact("postgres://postgres@db/x"),
            "postgres://postgres@db/x"
        );
        assert_eq!(
            sqlite_path("sqlite://data/sportello.db?mode=rwc"),
            Some(PathBuf::from("data/sportello.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}

//! The handle the rest of the product holds: a cheap clone that serves the current knowledge
//! base and swaps in a new one when the content changes. A failed reload keeps the previous
//! knowledge base serving and records the error in the [`Status`].

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::watch;

use crate::knowledge_base::{KnowledgeBase, KnowledgeBaseError};
use crate::reload::Fingerprint;
use crate::settings::ContentSource;

/// What the status endpoint shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// Procedures being served.
    pub loaded: usize,
    /// Procedures in the catalogue.
    pub catalogue: usize,
    /// When the knowledge base being served was loaded.
    pub loaded_at: Timestamp,
    /// How long loading and indexing took, in milliseconds.
    pub load_ms: u64,
    /// The last reload attempt, successful or not.
    pub last_reload: Option<Timestamp>,
    /// The problems of the last failed reload, if the last attempt failed.
    pub last_error: Option<String>,
    /// Successful reloads since start.
    pub reloads: u64,
    /// Failed reloads since start.
    pub failed_reloads: u64,
}

/// A shareable handle to the current knowledge base.
#[derive(Debug, Clone)]
pub struct KnowledgeBaseHandle {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    source: ContentSource,
    current: RwLock<Arc<KnowledgeBase>>,
    status: Mutex<Status>,
    /// What the content looked like just before the knowledge base being served (or the last
    /// failed attempt) was read.
    fingerprint: Mutex<Fingerprint>,
    /// Bumped after every reload attempt, so waiters (tests, a UI) learn of it.
    attempts: watch::Sender<u64>,
}

impl KnowledgeBaseHandle {
    /// Loads the knowledge base; fails when the content has problems (start-up must not serve
    /// a broken knowledge base).
    #[tracing::instrument(skip_all, fields(content_dir = %source.content_dir.display()))]
    pub fn load(source: ContentSource) -> Result<KnowledgeBaseHandle, KnowledgeBaseError> {
        let started = Instant::now();
        let fingerprint = Fingerprint::scan(&source);
        let knowledge_base = KnowledgeBase::load(&source)?;
        let elapsed = started.elapsed();
        tracing::info!(
            procedures = knowledge_base.procedures().len(),
            load_ms = elapsed.as_millis() as u64,
            "knowledge base loaded"
        );
        let handle = KnowledgeBaseHandle::new(source, knowledge_base, elapsed.as_millis() as u64);
        *handle.lock_fingerprint() = fingerprint;
        Ok(handle)
    }

    /// Serves an already built knowledge base, reloading from `source` later (the first scan
    /// of the reload task then counts as a change).
    pub fn new(
        source: ContentSource,
        knowledge_base: KnowledgeBase,
        load_ms: u64,
    ) -> KnowledgeBaseHandle {
        let status = Status {
            loaded: knowledge_base.procedures().len(),
            catalogue: knowledge_base.catalogue().len(),
            loaded_at: Timestamp::now(),
            load_ms,
            last_reload: None,
            last_error: None,
            reloads: 0,
            failed_reloads: 0,
        };
        KnowledgeBaseHandle {
            inner: Arc::new(Shared {
                source,
                current: RwLock::new(Arc::new(knowledge_base)),
                status: Mutex::new(status),
                fingerprint: Mutex::new(Fingerprint::default()),
                attempts: watch::Sender::new(0),
            }),
        }
    }

    /// The knowledge base being served now. Keep the `Arc` for the length of one request or
    /// one answer: a reload does not change it under you.
    pub fn current(&self) -> Arc<KnowledgeBase> {
        self.inner
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn status(&self) -> Status {
        self.inner
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn source(&self) -> &ContentSource {
        &self.inner.source
    }

    fn lock_fingerprint(&self) -> std::sync::MutexGuard<'_, Fingerprint> {
        self.inner
            .fingerprint
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `current` differs from the content last read.
    pub(crate) fn is_stale(&self, current: &Fingerprint) -> bool {
        *self.lock_fingerprint() != *current
    }

    /// A receiver that changes after every reload attempt.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.attempts.subscribe()
    }

    /// Loads the content again (blocking: run it off the async threads). On success the new
    /// knowledge base is served; on failure the previous one stays and the error is recorded.
    #[tracing::instrument(skip_all, fields(content_dir = %self.inner.source.content_dir.display()))]
    pub fn reload(&self) -> Result<(), KnowledgeBaseError> {
        let started = Instant::now();
        let fingerprint = Fingerprint::scan(&self.inner.source);
        let result = KnowledgeBase::load(&self.inner.source);
        *self.lock_fingerprint() = fingerprint;
        let load_ms = started.elapsed().as_millis() as u64;
        let now = Timestamp::now();
        let outcome = {
            let mut status = self
                .inner
                .status
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            status.last_reload = Some(now);
            match result {
                Ok(knowledge_base) => {
                    status.loaded = knowledge_base.procedures().len();
                    status.catalogue = knowledge_base.catalogue().len();
                    status.loaded_at = now;
                    status.load_ms = load_ms;
                    status.last_error = None;
                    status.reloads += 1;
                    *self
                        .inner
                        .current
                        .write()
                        .unwrap_or_else(PoisonError::into_inner) = Arc::new(knowledge_base);
                    tracing::info!(
                        procedures = status.loaded,
                        load_ms,
                        "knowledge base reloaded"
                    );
                    Ok(())
                }
                Err(error) => {
                    status.last_error = Some(error.to_string());
                    status.failed_reloads += 1;
                    tracing::warn!(%error, "knowledge base reload failed; the previous content stays in service");
                    Err(error)
                }
            }
        };
        self.inner.attempts.send_modify(|n| *n += 1);
        outcome
    }
}

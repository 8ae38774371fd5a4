//! The reload task: polls the content directory and the catalogue (paths, sizes and
//! modification times) and reloads when they differ from what the served knowledge base was
//! read from and stayed the same for one more poll, so a file caught halfway through a save
//! is not loaded. A failed load is not retried until the content changes again.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use crate::handle::KnowledgeBaseHandle;
use crate::loader;
use crate::settings::ContentSource;

/// What the scan sees of the content: each file with its size and modification time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fingerprint(Vec<(PathBuf, u64, Option<SystemTime>)>);

impl Fingerprint {
    /// Scans the content files and the catalogue (blocking I/O).
    pub fn scan(source: &ContentSource) -> Fingerprint {
        let mut problems = Vec::new();
        let mut files = loader::content_files(&source.content_dir, &mut problems);
        files.push(source.catalogue.clone());
        Fingerprint(
            files
                .into_iter()
                .map(|path| {
                    let metadata = std::fs::metadata(&path).ok();
                    let size = metadata.as_ref().map_or(0, |m| m.len());
                    let modified = metadata.and_then(|m| m.modified().ok());
                    (path, size, modified)
                })
                .collect(),
        )
    }
}

/// Watches the content until `cancel` fires; reloads `handle` on changes. Spawn it on the
/// product's task tracker.
pub async fn watch(handle: KnowledgeBaseHandle, interval: Duration, cancel: CancellationToken) {
    let mut previous: Option<Fingerprint> = None;
    tracing::debug!(?interval, "watching the knowledge base for changes");
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(interval) => {}
        }
        let current = scan(&handle).await;
        // Reload only once a change has stayed the same for one interval.
        let settled = previous.as_ref() == Some(&current);
        let stale = handle.is_stale(&current);
        previous = Some(current);
        if !settled || !stale {
            continue;
        }
        let reloading = handle.clone();
        match tokio::task::spawn_blocking(move || reloading.reload()).await {
            // Success and failure are logged and recorded by `reload`.
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "knowledge base reload panicked"),
        }
    }
    tracing::debug!("knowledge base watcher stopped");
}

async fn scan(handle: &KnowledgeBaseHandle) -> Fingerprint {
    let source = handle.source().clone();
    tokio::task::spawn_blocking(move || Fingerprint::scan(&source))
        .await
        .unwrap_or_default()
}

//! Serves the knowledge base alone, for content writers to preview `/informazioni` and the
//! API while editing (edits are picked up by the reload task).
//!
//! ```text
//! cargo run -p knowledge-base --example serve -- [ADDRESS]   # default 127.0.0.1:8090
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use knowledge_base::{ContentSource, KnowledgeBaseHandle};
use tokio_util::sync::CancellationToken;

fn facts(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let table: toml::Table = std::fs::read_to_string(path)?.parse()?;
    let facts = table
        .get("knowledge_base")
        .and_then(|k| k.get("facts"))
        .and_then(|f| f.as_table())
        .ok_or_else(|| anyhow::anyhow!("{} has no [knowledge_base.facts]", path.display()))?;
    Ok(facts
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".to_owned());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let source = ContentSource {
        content_dir: dir.join("content"),
        catalogue: dir.join("catalogue.tsv"),
        facts: facts(&dir.join("tests/fixtures/sample-facts.toml"))?,
    };
    let handle = KnowledgeBaseHandle::load(source)?;
    let cancel = CancellationToken::new();
    let watcher = tokio::spawn(knowledge_base::reload::watch(
        handle.clone(),
        Duration::from_secs(1),
        cancel.clone(),
    ));
    let listener = tokio::net::TcpListener::bind(&address).await?;
    eprintln!("serving http://{}/informazioni", listener.local_addr()?);
    axum::serve(listener, knowledge_base::router(handle))
        .with_graceful_shutdown(async { tokio::signal::ctrl_c().await.unwrap_or(()) })
        .await?;
    cancel.cancel();
    watcher.await?;
    Ok(())
}

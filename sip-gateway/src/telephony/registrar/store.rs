//! Registrations on disk: one small JSON file under the data directory, replaced atomically
//! (written to a temporary file, synced, renamed), so a crash leaves the old or the new file,
//! never half of one. Read once at start-up; bindings carry wall-clock expiry times, so those
//! that expired while the gateway was down are dropped when read.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::bindings::Binding;

/// The file's format version.
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct SavedFile {
    version: u32,
    bindings: Vec<SavedBinding>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedBinding {
    user: String,
    #[serde(flatten)]
    binding: Binding,
}

/// Why the registrations file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a registrations file: {source}")]
    Format {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// The contents of a registrations file: `(user, binding)` pairs, in the order given.
pub fn encode(bindings: Vec<(String, Binding)>) -> Result<Vec<u8>, serde_json::Error> {
    let file = SavedFile {
        version: VERSION,
        bindings: bindings
            .into_iter()
            .map(|(user, binding)| SavedBinding { user, binding })
            .collect(),
    };
    serde_json::to_vec_pretty(&file)
}

/// Reads the contents of a registrations file (what [`encode`] wrote); any other bytes are an
/// error. Expired bindings are kept: [`super::bindings::Bindings::from_saved`] drops them.
pub fn decode(bytes: &[u8]) -> Result<Vec<(String, Binding)>, serde_json::Error> {
    let file: SavedFile = serde_json::from_slice(bytes)?;
    Ok(file
        .bindings
        .into_iter()
        .map(|s| (s.user, s.binding))
        .collect())
}

/// The registrations file.
#[derive(Debug, Clone)]
pub struct BindingStore {
    path: PathBuf,
}

impl BindingStore {
    pub fn new(path: PathBuf) -> Self {
        BindingStore { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the saved bindings; a missing file is an empty registrar.
    pub fn load(&self) -> Result<Vec<(String, Binding)>, StoreError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(StoreError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        decode(&bytes).map_err(|source| StoreError::Format {
            path: self.path.clone(),
            source,
        })
    }

    /// Replaces the file with these bindings, atomically.
    pub fn save(&self, bindings: Vec<(String, Binding)>) -> Result<(), StoreError> {
        let io = |source| StoreError::Io {
            path: self.path.clone(),
            source,
        };
        let bytes = encode(bindings).map_err(|source| StoreError::Format {
            path: self.path.clone(),
            source,
        })?;
        if let Some(dir) = self.path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, &self.path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_load_round_trips_and_missing_is_empty() {
        let dir = std::env::temp_dir().join(format!("sportello-reg-{}", std::process::id()));
        let store = BindingStore::new(dir.join("registrations.json"));
        assert!(store.load().unwrap().is_empty());
        let b = Binding {
            contact: "sip:op1@192.0.2.5:5062".into(),
            expires_at_ms: 42,
            source: "192.0.2.5:5062".parse().unwrap(),
            transport: "UDP".into(),
            call_id: "c".into(),
            cseq: 3,
        };
        store.save(vec![("op1".into(), b.clone())]).unwrap();
        assert_eq!(store.load().unwrap(), vec![("op1".to_owned(), b)]);
        std::fs::write(store.path(), b"{ not json").unwrap();
        assert!(matches!(store.load(), Err(StoreError::Format { .. })));
        std::fs::remove_dir_all(dir).ok();
    }
}

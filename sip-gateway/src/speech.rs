//! The `[speech]` section: speech recognition for the phone dialog (whisper.cpp, cargo
//! feature `speech`), and the recogniser the binary gives the dialog.
//!
//! Without the section, or in a build without the feature, the dialog is keypad-only. With
//! it, the model is loaded at start-up; a model that cannot be loaded is logged as an error
//! and the dialog tells callers it cannot listen and offers the keypad
//! ([`ivr::recognition::NoModel`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ivr::recognition::SpeechRecognizer;
use serde::Deserialize;
use ticketing::settings::ConfigProblem;

/// `[speech]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSpeech {
    /// whisper.cpp model file (ggml), relative to the configuration file.
    model: PathBuf,
    /// Silero voice-activity model (ggml), optional.
    vad_model: Option<PathBuf>,
    /// Worker threads running recognition (default: one per core).
    workers: Option<usize>,
    /// Requests that may wait for a worker (default: as many as workers).
    queue_limit: Option<usize>,
    /// The longest a recognition may take, queueing included (default 5000).
    timeout_ms: Option<u64>,
    /// Threads whisper uses in each worker (default: cores / workers).
    threads_per_worker: Option<usize>,
    /// Fit whisper's audio window to the utterance (default true: several times faster,
    /// slightly less accurate).
    fit_audio_context: Option<bool>,
}

/// `[speech]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeechSettings {
    pub model: PathBuf,
    pub vad_model: Option<PathBuf>,
    pub workers: usize,
    pub queue_limit: usize,
    pub timeout: Duration,
    /// 0: the cores divided among the workers.
    pub threads_per_worker: usize,
    pub fit_audio_context: bool,
}

impl RawSpeech {
    /// Checks the values (the files are checked when they are loaded, at start-up).
    pub(crate) fn check(
        self,
        base_dir: &Path,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<SpeechSettings> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let before = problems.len();
        let mut problem = |key: &str, text: &str| {
            problems.push(ConfigProblem {
                key: format!("speech.{key}"),
                problem: text.to_string(),
            });
        };
        let workers = self.workers.unwrap_or(cores);
        if !(1..=64).contains(&workers) {
            problem("workers", "must be between 1 and 64");
        }
        let queue_limit = self.queue_limit.unwrap_or(workers);
        if queue_limit > 256 {
            problem("queue_limit", "must be at most 256");
        }
        let timeout_ms = self.timeout_ms.unwrap_or(5_000);
        if !(500..=60_000).contains(&timeout_ms) {
            problem("timeout_ms", "must be between 500 and 60000");
        }
        let threads_per_worker = self.threads_per_worker.unwrap_or(0);
        if threads_per_worker > 64 {
            problem("threads_per_worker", "must be at most 64");
        }
        if self.model.as_os_str().is_empty() {
            problem("model", "must name a whisper.cpp model file");
        }
        (problems.len() == before).then(|| SpeechSettings {
            model: base_dir.join(&self.model),
            vad_model: self.vad_model.map(|p| base_dir.join(p)),
            workers,
            queue_limit,
            timeout: Duration::from_millis(timeout_ms),
            threads_per_worker,
            fit_audio_context: self.fit_audio_context.unwrap_or(true),
        })
    }
}

/// The recogniser for the dialog: `None` without a `[speech]` section; otherwise the loaded
/// model, or [`ivr::recognition::NoModel`] when it cannot be loaded (logged) or the binary
/// was built without the `speech` feature (logged). `vocabulary` biases recognition
/// ([`ivr::recognition::vocabulary::terms`] of the knowledge base). Blocking: the model is
/// read here.
pub fn recognizer(
    settings: Option<&SpeechSettings>,
    vocabulary: &[String],
) -> Option<Arc<dyn SpeechRecognizer>> {
    let settings = settings?;
    Some(load(settings, vocabulary))
}

#[cfg(feature = "speech")]
fn load(settings: &SpeechSettings, vocabulary: &[String]) -> Arc<dyn SpeechRecognizer> {
    use ivr::recognition::{PoolSettings, WhisperSettings, load_whisper};
    let whisper = WhisperSettings {
        model: settings.model.clone(),
        vad_model: settings.vad_model.clone(),
        pool: PoolSettings {
            workers: settings.workers,
            queue_limit: settings.queue_limit,
            timeout: settings.timeout,
        },
        threads_per_worker: settings.threads_per_worker,
        fit_audio_context: settings.fit_audio_context,
    };
    match load_whisper(&whisper, vocabulary) {
        Ok(pool) => Arc::new(pool),
        Err(error) => {
            tracing::error!(
                %error,
                "speech recognition is configured but cannot start; callers are offered the keypad"
            );
            Arc::new(ivr::recognition::NoModel)
        }
    }
}

#[cfg(not(feature = "speech"))]
fn load(settings: &SpeechSettings, _vocabulary: &[String]) -> Arc<dyn SpeechRecognizer> {
    tracing::error!(
        model = %settings.model.display(),
        "[speech] is configured but this binary was built without the `speech` feature \
         (cargo build --features speech); callers are offered the keypad"
    );
    Arc::new(ivr::recognition::NoModel)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> RawSpeech {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn defaults_and_paths() {
        let mut problems = Vec::new();
        let s = raw("model = \"models/ggml-base.bin\"\nvad_model = \"/m/silero.bin\"")
            .check(Path::new("/etc/sportello"), &mut problems)
            .unwrap();
        assert!(problems.is_empty());
        assert_eq!(s.model, Path::new("/etc/sportello/models/ggml-base.bin"));
        assert_eq!(s.vad_model.as_deref(), Some(Path::new("/m/silero.bin")));
        assert!(s.workers >= 1);
        assert_eq!(s.queue_limit, s.workers);
        assert_eq!(s.timeout, Duration::from_secs(5));
        assert!(s.fit_audio_context);
    }

    #[test]
    fn problems_name_their_key() {
        let mut problems = Vec::new();
        let s = raw("model = \"m.bin\"\nworkers = 0\nqueue_limit = 1000\ntimeout_ms = 10")
            .check(Path::new("."), &mut problems);
        assert!(s.is_none());
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["speech.workers", "speech.queue_limit", "speech.timeout_ms"]
        );
        assert!(toml::from_str::<RawSpeech>("model = \"m\"\ncolour = 1").is_err());
    }

    #[test]
    fn no_section_no_recognizer_and_a_missing_model_is_no_model() {
        assert!(recognizer(None, &[]).is_none());
        let missing = SpeechSettings {
            model: PathBuf::from("/nonexistent/ggml.bin"),
            vad_model: None,
            workers: 1,
            queue_limit: 1,
            timeout: Duration::from_secs(1),
            threads_per_worker: 1,
            fit_audio_context: false,
        };
        // Without the feature, or with it and a missing file: no model, said to callers.
        let recognizer = recognizer(Some(&missing), &["TARI".to_string()]).unwrap();
        assert!(matches!(
            recognizer.availability(),
            Err(ivr::recognition::Unavailable::NotConfigured)
        ));
    }
}

//! The espeak-ng engine: runs `espeak-ng -v it --stdout` per text, as a child process.
//!
//! At most [`EspeakConfig::max_concurrent`] processes run at once (speech synthesis competes
//! with call handling for the CPU). A request waits at most [`EspeakConfig::timeout`] for a
//! slot ([`SynthesisError::Busy`] otherwise), then the process gets at most
//! [`EspeakConfig::timeout`] to finish, after which it is killed. The
//! WAV espeak-ng prints (22 050 Hz, 16-bit, mono, with placeholder sizes) is parsed,
//! resampled to 8 kHz with the 3.4 kHz telephone band limit, trimmed of leading silence (to
//! 40 ms) and trailing silence (to 250 ms, a pause before the next prompt) and levelled to
//! -20 dBFS.
//!
//! The engine speaks the text as given: wrap it in [`super::voice::Voice`] for Italian
//! normalisation and caching.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout};

use crate::audio::level;
use crate::audio::resample::Resampler;

use super::prompt::Prompt;
use super::tts::{SpeechSynthesizer, SynthesisError, SynthesisFuture};
use super::wav::{Wav, WavError};

/// The rate espeak-ng's own voices speak at.
const ESPEAK_RATE: u32 = 22_050;
/// Leading and trailing audio quieter than this is trimmed.
const TRIM_THRESHOLD_DBFS: f64 = -50.0;
/// Silence kept before the speech when trimming (40 ms): the caller hears words at once.
const LEAD_SAMPLES: usize = 320;
/// Silence kept after the speech (250 ms): a natural pause before the next prompt.
const TRAIL_SAMPLES: usize = 2_000;
/// How much of the engine's error output is kept in an error.
const STDERR_KEPT: usize = 400;

/// How to run espeak-ng.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspeakConfig {
    /// The program, looked up in `PATH` when not absolute.
    pub program: PathBuf,
    /// The voice (`-v`), Italian by default.
    pub voice: String,
    /// Speaking rate (`-s`), in words per minute.
    pub words_per_minute: u16,
    /// Longest wait for a free slot, and then longest run of the process.
    pub timeout: Duration,
    /// Processes allowed to run at the same time.
    pub max_concurrent: usize,
    /// Longest text accepted, in characters.
    pub max_text_chars: usize,
}

impl Default for EspeakConfig {
    fn default() -> Self {
        EspeakConfig {
            program: PathBuf::from("espeak-ng"),
            voice: "it".to_string(),
            words_per_minute: 160,
            timeout: Duration::from_secs(10),
            max_concurrent: 2,
            max_text_chars: 2_000,
        }
    }
}

/// The espeak-ng speech engine.
#[derive(Debug)]
pub struct EspeakNg {
    config: EspeakConfig,
    slots: Semaphore,
    /// Shared with the blocking task that converts each sentence.
    resampler: Arc<Resampler>,
}

impl EspeakNg {
    pub fn new(config: EspeakConfig) -> Self {
        let slots = Semaphore::new(config.max_concurrent.max(1));
        // 22 050 Hz is a valid rate: this cannot fail.
        let resampler = Resampler::to_telephone(ESPEAK_RATE)
            .unwrap_or_else(|_| unreachable!("22 050 Hz is within the resampler's range"));
        EspeakNg {
            config,
            slots,
            resampler: Arc::new(resampler),
        }
    }

    pub fn config(&self) -> &EspeakConfig {
        &self.config
    }

    /// Synthesises a short word, to fail at start-up rather than on the first call when the
    /// program or the voice is missing.
    pub async fn check(&self) -> Result<(), SynthesisError> {
        self.speak("prova").await.map(|_| ())
    }

    #[tracing::instrument(name = "espeak", level = "debug", skip_all, fields(chars = text.chars().count()))]
    async fn speak(&self, text: &str) -> Result<Arc<Prompt>, SynthesisError> {
        let chars = text.chars().count();
        if chars > self.config.max_text_chars {
            return Err(SynthesisError::TextTooLong {
                chars,
                max: self.config.max_text_chars,
            });
        }
        // espeak-ng reads "[[...]]" as phonemes and prints nothing for empty input.
        let clean: String = text
            .chars()
            .map(|c| {
                if c.is_control() || c == '[' || c == ']' {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        if clean.trim().is_empty() {
            return Ok(Arc::new(Prompt::from_samples(Vec::new(), text)));
        }

        let started = Instant::now();
        let limit = self.config.timeout;
        let _slot = timeout(limit, self.slots.acquire())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(SynthesisError::Busy { waited: limit })?;

        let mut child = Command::new(&self.config.program)
            .arg("-v")
            .arg(&self.config.voice)
            .arg("-s")
            .arg(self.config.words_per_minute.to_string())
            .args(["-b", "1", "--stdin", "--stdout"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| SynthesisError::Unavailable {
                program: self.config.program.display().to_string(),
                reason: e.to_string(),
            })?;
        let stdin = child.stdin.take();
        let run = async move {
            if let Some(mut stdin) = stdin {
                // A failed write shows up as the process's own error below.
                let _ = stdin.write_all(clean.as_bytes()).await;
                let _ = stdin.shutdown().await;
            }
            child.wait_with_output().await
        };
        let output = timeout(limit, run)
            .await
            .map_err(|_| SynthesisError::TimedOut { after: limit })?
            .map_err(|e| SynthesisError::EngineFailed {
                status: "no exit status".to_string(),
                stderr: e.to_string(),
            })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(SynthesisError::EngineFailed {
                status: output.status.to_string(),
                stderr: stderr.trim().chars().take(STDERR_KEPT).collect(),
            });
        }

        // Decoding, resampling, trimming and levelling cost milliseconds of CPU per sentence:
        // they run on the blocking pool, never on the runtime threads that pace calls' RTP.
        let resampler = Arc::clone(&self.resampler);
        let samples =
            tokio::task::spawn_blocking(move || to_telephone_audio(&output.stdout, resampler))
                .await
                .map_err(|e| SynthesisError::EngineFailed {
                    status: "audio processing failed".to_string(),
                    stderr: e.to_string(),
                })??;
        let prompt = Prompt::from_samples(samples, text);
        tracing::debug!(
            audio_ms = prompt.duration().as_millis() as u64,
            took_ms = started.elapsed().as_millis() as u64,
            "synthesised"
        );
        Ok(Arc::new(prompt))
    }
}

impl SpeechSynthesizer for EspeakNg {
    fn synthesize<'a>(&'a self, text: &'a str) -> SynthesisFuture<'a> {
        Box::pin(self.speak(text))
    }
}

/// espeak-ng's WAV output as 8 kHz telephone audio: mono, resampled, silence trimmed,
/// levelled to the prompt target.
fn to_telephone_audio(wav: &[u8], espeak_rate: Arc<Resampler>) -> Result<Vec<i16>, SynthesisError> {
    let wav = Wav::parse_stream(wav)?;
    let samples = wav.to_mono_i16();
    let mut samples = if wav.sample_rate == ESPEAK_RATE {
        espeak_rate.process(&samples)
    } else {
        // Another voice type (e.g. mbrola) may speak at another rate.
        Resampler::to_telephone(wav.sample_rate)
            .map_err(|_| WavError::UnsupportedRate(wav.sample_rate))?
            .process(&samples)
    };
    level::trim_silence(
        &mut samples,
        TRIM_THRESHOLD_DBFS,
        LEAD_SAMPLES,
        TRAIL_SAMPLES,
    );
    level::normalize(&mut samples, level::TARGET_DBFS);
    Ok(samples)
}

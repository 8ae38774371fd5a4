//! [`Prompt`]: audio ready for the telephone, from speech synthesis or from a file.
//!
//! A prompt is 8 000 Hz, mono, signed 16-bit PCM, band-limited for the phone and levelled to
//! about -20 dBFS. The gateway encodes it to G.711 20 ms at a time ([`Prompt::frames`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::audio::level;
use crate::audio::resample::{ResampleError, Resampler};

use super::wav::{Wav, WavError};

/// The largest audio file [`Prompt::load`] reads (about 50 minutes of 8 kHz 16-bit audio).
pub const MAX_FILE_BYTES: u64 = 48 * 1024 * 1024;

/// Audio for one prompt: 8 kHz mono 16-bit PCM.
#[derive(Clone, PartialEq, Eq)]
pub struct Prompt {
    samples: Vec<i16>,
    label: String,
}

impl std::fmt::Debug for Prompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prompt")
            .field("label", &self.label)
            .field("duration", &self.duration())
            .finish()
    }
}

/// Why an audio file could not become a prompt.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is larger than {max} bytes")]
    TooLarge { path: PathBuf, max: u64 },
    #[error("{path} is not a usable WAV file: {source}")]
    Wav { path: PathBuf, source: WavError },
}

impl Prompt {
    /// Sample rate of every prompt.
    pub const SAMPLE_RATE: u32 = 8_000;
    /// Samples in one 20 ms packet.
    pub const FRAME_SAMPLES: usize = 160;

    /// A prompt from samples already at 8 kHz. `label` says what it is (the words spoken or
    /// the file it came from) for logs and tests.
    pub fn from_samples(samples: Vec<i16>, label: impl Into<String>) -> Self {
        Prompt {
            samples,
            label: label.into(),
        }
    }

    /// Silence of the given length (rounded down to whole samples).
    pub fn silence(duration: Duration, label: impl Into<String>) -> Self {
        let n = duration.as_micros() * u128::from(Self::SAMPLE_RATE) / 1_000_000;
        Prompt::from_samples(vec![0; usize::try_from(n).unwrap_or(usize::MAX)], label)
    }

    /// Converts WAV bytes (any supported encoding and rate, see [`super::wav`]) into a
    /// prompt: mono, resampled to 8 kHz with the telephone band limit, levelled to
    /// -20 dBFS.
    pub fn from_wav(bytes: &[u8], label: impl Into<String>) -> Result<Self, WavError> {
        let wav = Wav::parse(bytes)?;
        Prompt::from_mono(wav.to_mono_i16(), wav.sample_rate, label)
            .map_err(|_| WavError::UnsupportedRate(wav.sample_rate))
    }

    /// Converts mono samples at any rate from 1 000 to 384 000 Hz: resample (with the 3.4 kHz
    /// band limit) and level.
    pub fn from_mono(
        samples: Vec<i16>,
        sample_rate: u32,
        label: impl Into<String>,
    ) -> Result<Self, ResampleError> {
        let mut samples = if sample_rate == Self::SAMPLE_RATE {
            samples
        } else {
            Resampler::to_telephone(sample_rate)?.process(&samples)
        };
        level::normalize(&mut samples, level::TARGET_DBFS);
        Ok(Prompt::from_samples(samples, label))
    }

    /// Reads an audio file (see [`Prompt::from_wav`]); the label is the file name.
    #[tracing::instrument(level = "debug", skip_all, fields(path = %path.as_ref().display()))]
    pub async fn load(path: impl AsRef<Path>) -> Result<Self, PromptError> {
        let path = path.as_ref();
        let read_error = |source| PromptError::Read {
            path: path.to_path_buf(),
            source,
        };
        let size = tokio::fs::metadata(path).await.map_err(read_error)?.len();
        if size > MAX_FILE_BYTES {
            return Err(PromptError::TooLarge {
                path: path.to_path_buf(),
                max: MAX_FILE_BYTES,
            });
        }
        let bytes = tokio::fs::read(path).await.map_err(read_error)?;
        let label = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Prompt::from_wav(&bytes, label).map_err(|source| PromptError::Wav {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The samples, 8 kHz mono.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// What the prompt says (normalised text for synthesised speech) or where it came from.
    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn duration(&self) -> Duration {
        Duration::from_micros(self.samples.len() as u64 * 1_000_000 / u64::from(Self::SAMPLE_RATE))
    }

    /// Memory held by the prompt, for cache accounting.
    pub fn byte_size(&self) -> usize {
        self.samples.len() * 2 + self.label.len() + std::mem::size_of::<Prompt>()
    }

    /// The prompt in 20 ms frames of 160 samples, the last one padded with silence.
    pub fn frames(&self) -> impl Iterator<Item = [i16; Prompt::FRAME_SAMPLES]> + '_ {
        self.samples.chunks(Self::FRAME_SAMPLES).map(|chunk| {
            let mut frame = [0i16; Prompt::FRAME_SAMPLES];
            frame[..chunk.len()].copy_from_slice(chunk);
            frame
        })
    }

    /// Active speech level and peak, in dBFS.
    pub fn level(&self) -> level::Level {
        level::measure(&self.samples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::wav::write_pcm16;
    use std::f64::consts::PI;

    fn tone(rate: u32, freq: f64, amplitude: f64, seconds: f64) -> Vec<i16> {
        let n = (f64::from(rate) * seconds) as usize;
        (0..n)
            .map(|i| (amplitude * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()) as i16)
            .collect()
    }

    #[test]
    fn frames_are_padded_to_20_ms() {
        let prompt = Prompt::from_samples((1..=330).collect(), "x");
        let frames: Vec<_> = prompt.frames().collect();
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[2][9], 330);
        assert_eq!(frames[2][10], 0);
        assert_eq!(prompt.duration(), Duration::from_micros(41_250));
        assert_eq!(
            Prompt::silence(Duration::from_millis(20), "s")
                .samples()
                .len(),
            160
        );
    }

    #[test]
    fn files_at_other_rates_are_converted_and_levelled() {
        let bytes = write_pcm16(&tone(16_000, 1_000.0, 1_000.0, 1.0), 16_000);
        let prompt = Prompt::from_wav(&bytes, "tone.wav").unwrap();
        assert_eq!(prompt.samples().len(), 8_000);
        let active = prompt.level().active_dbfs.unwrap();
        assert!((active - level::TARGET_DBFS).abs() < 0.5, "{active}");

        // 3.9 kHz is above the telephone band and disappears.
        let bytes = write_pcm16(&tone(44_100, 3_900.0, 10_000.0, 0.5), 44_100);
        let wav = Wav::parse(&bytes).unwrap();
        let resampled = Resampler::to_telephone(44_100)
            .unwrap()
            .process(&wav.to_mono_i16());
        let level = level::measure(&resampled[1_000..3_000])
            .active_dbfs
            .unwrap_or(-120.0);
        assert!(level < -40.0, "{level}");
    }

    #[tokio::test]
    async fn load_reports_the_path_on_errors() {
        let dir = std::env::temp_dir().join(format!("ivr-prompt-test-{}", std::process::id()));
        tokio::fs::create_dir_all(&dir).await.unwrap();
        let good = dir.join("benvenuto.wav");
        tokio::fs::write(&good, write_pcm16(&tone(8_000, 440.0, 3_000.0, 0.2), 8_000))
            .await
            .unwrap();
        let prompt = Prompt::load(&good).await.unwrap();
        assert_eq!(prompt.label(), "benvenuto.wav");
        assert_eq!(prompt.samples().len(), 1_600);

        let bad = dir.join("rotto.wav");
        tokio::fs::write(&bad, b"not audio").await.unwrap();
        let err = Prompt::load(&bad).await.unwrap_err();
        assert!(
            matches!(
                err,
                PromptError::Wav {
                    source: WavError::NotWave,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("rotto.wav"));

        let missing = Prompt::load(dir.join("assente.wav")).await.unwrap_err();
        assert!(matches!(missing, PromptError::Read { .. }));
        tokio::fs::remove_dir_all(&dir).await.unwrap();
    }
}

//! The text-to-speech seam: [`SpeechSynthesizer`] turns text into a [`Prompt`].
//!
//! The trait is object-safe (it returns a boxed future), so the binary can pick an engine by
//! configuration and hand the dialogs an `Arc<dyn SpeechSynthesizer>`. Engines
//! ([`super::espeak::EspeakNg`], later a Piper or cloud voice) speak exactly the words they get;
//! [`super::voice::Voice`] wraps any engine with Italian normalisation and a prompt cache, and
//! is what a dialog should be given.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::prompt::Prompt;
use super::wav::WavError;

/// The future returned by [`SpeechSynthesizer::synthesize`].
pub type SynthesisFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Arc<Prompt>, SynthesisError>> + Send + 'a>>;

/// Turns Italian text into telephone audio.
pub trait SpeechSynthesizer: Send + Sync {
    /// Synthesises `text`. The prompt's label is the text that was spoken.
    fn synthesize<'a>(&'a self, text: &'a str) -> SynthesisFuture<'a>;
}

impl<S: SpeechSynthesizer + ?Sized> SpeechSynthesizer for Arc<S> {
    fn synthesize<'a>(&'a self, text: &'a str) -> SynthesisFuture<'a> {
        (**self).synthesize(text)
    }
}

/// Why a text could not be spoken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynthesisError {
    /// The engine is not installed or cannot be started: fix the installation or the
    /// configured program path (for espeak-ng: `apt-get install espeak-ng`).
    #[error("the speech engine {program} is not available: {reason}")]
    Unavailable { program: String, reason: String },
    /// Every synthesis slot stayed busy for the whole timeout: the machine is saturated.
    #[error("speech synthesis is saturated: no free slot within {waited:?}")]
    Busy { waited: Duration },
    /// The engine ran longer than the timeout and was stopped.
    #[error("speech synthesis took longer than {after:?} and was stopped")]
    TimedOut { after: Duration },
    /// The engine exited with an error (for espeak-ng, a missing voice is reported here).
    #[error("the speech engine failed ({status}): {stderr}")]
    EngineFailed { status: String, stderr: String },
    /// The engine printed something that is not the audio expected.
    #[error("the speech engine's output is not usable audio: {0}")]
    BadOutput(#[from] WavError),
    /// The text is longer than the engine accepts; split it into sentences.
    #[error("the text is too long to synthesise: {chars} characters, at most {max}")]
    TextTooLong { chars: usize, max: usize },
}

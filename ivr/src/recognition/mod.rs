//! Speech recognition: what the caller said, in words, with how sure the recogniser is.
//!
//! The dialog hears one utterance at a time ([`crate::Channel::listen`]): the channel records
//! the caller's audio and ends the utterance on its own ([`Recorder`]: energy-based voice
//! activity with a hangover, about 0.7 s of silence after speech, at most 12 s). The utterance
//! then goes to a [`SpeechRecognizer`], which answers with a [`Recognition`]: words and a
//! confidence, no speech at all, or why it could not listen ([`Unavailable`]: no model, busy,
//! too slow). The dialog never waits in silence: when recognition is unavailable it says so and
//! offers the keypad.
//!
//! - [`utterance`]: [`ListenRequest`], [`Listening`] (what a listen produced), [`Utterance`].
//! - [`endpoint`]: [`Recorder`], the real-time end-of-utterance detector (no I/O).
//! - [`pool`]: [`RecognitionPool`], a bounded pool of worker threads with a queue limit in
//!   front of any [`Engine`]; excess requests are refused at once ([`Unavailable::Busy`]).
//! - [`vocabulary`]: the words of the knowledge base that bias the recogniser (whisper's
//!   initial prompt).
//! - [`confidence`]: token probabilities → one 0..1 confidence.
//! - `whisper` (cargo feature `speech`): [`WhisperEngine`] and [`load_whisper`], whisper.cpp
//!   through whisper-rs, with Silero voice activity detection before recognition.
//!
//! Everything but `whisper` compiles without the feature, so the dialog has no `cfg` in it:
//! without a recogniser in the [`crate::DialogContext`] the dialog is keypad-only.

pub mod confidence;
pub mod endpoint;
pub mod pool;
pub mod utterance;
pub mod vocabulary;
#[cfg(feature = "speech")]
mod whisper;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use endpoint::Recorder;
pub use pool::{
    Engine, EngineError, EngineOutput, PoolError, PoolSettings, PoolStats, RecognitionPool,
};
pub use utterance::{ListenRequest, Listening, Utterance};
#[cfg(feature = "speech")]
pub use whisper::{LoadError, SileroVad, VadSegment, WhisperEngine, WhisperSettings, load_whisper};

/// What the recogniser made of an utterance.
#[derive(Debug, Clone, PartialEq)]
pub enum Recognition {
    /// Words, and how sure the recogniser is of them (0..1).
    Heard { text: String, confidence: f32 },
    /// The utterance held no speech (noise, a cough, silence).
    NoSpeech,
    /// The utterance could not be recognised; the dialog says so and offers the keypad.
    Unavailable(Unavailable),
}

/// Why an utterance could not be recognised. Each variant is a reason to fall back to the
/// keypad; the dialog says the same sentence for all of them.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Unavailable {
    /// Speech recognition is configured but no model could be loaded.
    #[error("no speech recognition model is loaded")]
    NotConfigured,
    /// Every worker is busy and the queue is full: the request was refused at once.
    #[error("every recogniser is busy and the queue is full")]
    Busy,
    /// Recognition (queueing included) took longer than the configured timeout.
    #[error("recognition took longer than {0:?}")]
    TimedOut(Duration),
    /// The recogniser failed (the engine reported an error, or its worker stopped).
    #[error("the recogniser failed: {0}")]
    Failed(Arc<EngineError>),
}

impl PartialEq for Unavailable {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Unavailable::NotConfigured, Unavailable::NotConfigured)
            | (Unavailable::Busy, Unavailable::Busy) => true,
            (Unavailable::TimedOut(a), Unavailable::TimedOut(b)) => a == b,
            (Unavailable::Failed(a), Unavailable::Failed(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }
}

/// The future of a recognition, boxed so that [`SpeechRecognizer`] is object-safe.
pub type RecognitionFuture<'a> = Pin<Box<dyn Future<Output = Recognition> + Send + 'a>>;

/// Turns an utterance into words. Shared by all calls as `Arc<dyn SpeechRecognizer>`.
pub trait SpeechRecognizer: Send + Sync {
    /// Whether a recognition asked now would be taken: `Ok`, or why not (no model, every
    /// worker busy). The dialog asks before inviting the caller to speak.
    fn availability(&self) -> Result<(), Unavailable>;

    /// Recognises one utterance. Never fails: a problem is a [`Recognition::Unavailable`].
    fn recognize(&self, utterance: Utterance) -> RecognitionFuture<'_>;
}

/// A recogniser without a model: speech recognition was configured but the model could not
/// be loaded. Every request answers [`Unavailable::NotConfigured`], so the dialog tells the
/// caller it cannot listen and offers the keypad.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoModel;

impl SpeechRecognizer for NoModel {
    fn availability(&self) -> Result<(), Unavailable> {
        Err(Unavailable::NotConfigured)
    }

    fn recognize(&self, _utterance: Utterance) -> RecognitionFuture<'_> {
        Box::pin(async { Recognition::Unavailable(Unavailable::NotConfigured) })
    }
}

//! Everything the caller hears: text normalisation, speech synthesis, audio prompts.
//!
//! - [`normalize`] and [`numbers`]: written Italian ("22,21 euro", "alle 8:30", "CIE") to
//!   words, with the words it needs in [`lexicon`]. Pure.
//! - [`tts`]: the [`SpeechSynthesizer`] trait and its errors.
//! - [`espeak`]: the espeak-ng engine (a child process per sentence, bounded and timed).
//! - [`voice`] and [`cache`]: normalisation plus a bounded prompt cache in front of an engine.
//! - [`prompt`] and [`wav`]: the [`Prompt`] type (8 kHz mono 16-bit PCM) and prompts from
//!   WAV files.

pub mod cache;
pub mod espeak;
pub mod lexicon;
pub mod normalize;
pub mod numbers;
pub mod prompt;
pub mod tts;
pub mod voice;
pub mod wav;

pub use cache::{CacheStats, PromptCache};
pub use espeak::{EspeakConfig, EspeakNg};
pub use normalize::normalize;
pub use prompt::{Prompt, PromptError};
pub use tts::{SpeechSynthesizer, SynthesisError, SynthesisFuture};
pub use voice::Voice;

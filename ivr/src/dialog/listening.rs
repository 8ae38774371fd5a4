//! Hearing the caller's words: say a prompt (a key stops it), listen for one utterance,
//! recognise it. Whatever goes wrong, the flow gets a [`Said`] it can act on, never a wait in
//! silence.

use crate::channel::{Channel, Key};
use crate::recognition::{ListenRequest, Listening, Recognition, Unavailable};

use super::conversation::{Conversation, Stop};

/// "In questo momento non riesco ad ascoltare: usi la tastiera."
pub(crate) const CANNOT_LISTEN: &str =
    "In questo momento non riesco ad ascoltare: usi la tastiera.";

/// Whether the dialog can invite the caller to speak now.
#[derive(Debug, Clone)]
pub(crate) enum Speech {
    /// No recogniser: the dialog is keypad-only, as without the `speech` feature.
    Off,
    /// A recogniser is configured but cannot take a request now (no model, busy).
    Unavailable(Unavailable),
    Ready,
}

/// What the caller answered to a prompt that invites speech.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Said {
    /// Words, with the recogniser's confidence (0..1).
    Words { text: String, confidence: f32 },
    /// A key, during the prompt or while listening.
    Key(Key),
    /// Silence, or sound without words.
    Nothing,
    /// The words could not be recognised (busy, timed out, no audio): say [`CANNOT_LISTEN`]
    /// and use the keypad.
    CannotListen,
}

impl<C: Channel> Conversation<'_, C> {
    /// Whether speech can be offered now.
    pub(crate) fn speech(&self) -> Speech {
        match &self.context().recognizer {
            None => Speech::Off,
            Some(recognizer) => match recognizer.availability() {
                Ok(()) => Speech::Ready,
                Err(why) => Speech::Unavailable(why),
            },
        }
    }

    /// Says `prompt` (a key stops it and is the answer), then listens for one utterance and
    /// recognises it.
    pub(crate) async fn say_and_listen(&mut self, prompt: &str) -> Result<Said, Stop> {
        if let Some(key) = self.say_or_key(prompt).await? {
            return Ok(Said::Key(key));
        }
        let Some(recognizer) = self.context().recognizer.clone() else {
            return Ok(Said::CannotListen);
        };
        let utterance = match self.listen(&ListenRequest::utterance()).await? {
            Listening::Heard(utterance) => utterance,
            Listening::Key(key) => return Ok(Said::Key(key)),
            Listening::Silence => return Ok(Said::Nothing),
            Listening::NoAudio => {
                tracing::warn!("the channel cannot hear audio: keypad instead of speech");
                return Ok(Said::CannotListen);
            }
        };
        match recognizer.recognize(utterance).await {
            Recognition::Heard { text, confidence } => {
                // The words may be personal: debug level only.
                tracing::debug!(%text, confidence, "caller said");
                Ok(Said::Words { text, confidence })
            }
            Recognition::NoSpeech => Ok(Said::Nothing),
            Recognition::Unavailable(why) => {
                tracing::warn!(%why, "speech not recognised: keypad instead");
                Ok(Said::CannotListen)
            }
        }
    }
}

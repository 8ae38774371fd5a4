//! One utterance of the caller: how to listen for it ([`ListenRequest`]), what listening
//! produced ([`Listening`]) and the audio itself ([`Utterance`]).

use std::time::Duration;

use crate::channel::Key;

/// Sample rate of caller audio: the telephone's 8 kHz.
pub const SAMPLE_RATE: u32 = 8_000;

/// How to listen for one utterance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenRequest {
    /// The utterance ends after this much speech even if the caller goes on (12 s).
    pub max_length: Duration,
    /// The utterance ends after this much silence following speech (0.7 s).
    pub end_silence: Duration,
    /// Give up when no speech started within this time (5 s).
    pub no_speech_timeout: Duration,
}

impl ListenRequest {
    /// A question or an answer on the phone: at most 12 s, ended by 0.7 s of silence, 5 s to
    /// start speaking.
    pub fn utterance() -> Self {
        ListenRequest {
            max_length: Duration::from_secs(12),
            end_silence: Duration::from_millis(700),
            no_speech_timeout: Duration::from_secs(5),
        }
    }

    /// The longest a listen can last: waiting for speech, then the longest utterance and its
    /// closing silence.
    pub fn longest(&self) -> Duration {
        self.no_speech_timeout + self.max_length + self.end_silence
    }
}

impl Default for ListenRequest {
    fn default() -> Self {
        ListenRequest::utterance()
    }
}

/// What listening produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Listening {
    /// The caller spoke; this is what they said (the audio, to recognise).
    Heard(Utterance),
    /// The caller pressed a key (before or while listening): it stops listening, as in
    /// [`crate::Channel::collect_keys`].
    Key(Key),
    /// The caller said nothing within the no-speech timeout.
    Silence,
    /// This channel cannot hear the caller's audio.
    NoAudio,
}

/// One utterance of caller audio: 8 kHz mono 16-bit PCM, from a little before the speech
/// started to a little after it ended.
#[derive(Clone, PartialEq)]
pub struct Utterance {
    samples: Vec<i16>,
    label: String,
}

impl std::fmt::Debug for Utterance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Utterance")
            .field("duration", &self.duration())
            .field("label", &self.label)
            .finish()
    }
}

impl Utterance {
    /// Caller audio at 8 kHz.
    pub fn new(samples: Vec<i16>) -> Self {
        Utterance {
            samples,
            label: String::new(),
        }
    }

    /// The same audio with a label saying what it is (a test's scripted words, a file name);
    /// recognisers never read it.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// 8 kHz mono 16-bit PCM.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// What the audio is, when known (tests); empty for a real caller.
    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn duration(&self) -> Duration {
        Duration::from_micros(self.samples.len() as u64 * 1_000_000 / u64::from(SAMPLE_RATE))
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let request = ListenRequest::utterance();
        assert_eq!(request.longest(), Duration::from_millis(17_700));
        let utterance = Utterance::new(vec![0; 12_000]).with_label("sì");
        assert_eq!(utterance.duration(), Duration::from_millis(1_500));
        assert_eq!(utterance.label(), "sì");
        assert!(Utterance::new(Vec::new()).is_empty());
    }
}

//! What an escalated call carries to the operator: the caller's masked number, the dialog so
//! far, the answers the caller heard and the booking attempts. Stored as JSON with the call,
//! shown on the operator's console; personal data is erased with the call's other data after
//! the retention period.

use serde::{Deserialize, Serialize};

/// The caller's context, written by the phone dialog when it escalates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallContext {
    /// The caller's number as the console shows it ("***567"); empty when unknown.
    pub masked_number: String,
    /// The dialog so far, one line per turn ("Sportello: ...", "Cittadino: preme 1").
    pub transcript: Vec<String>,
    /// The answers of the knowledge base the caller heard (titles).
    pub answers: Vec<String>,
    /// Booking attempts ("Tributi: nessun orario libero entro 30 giorni").
    pub booking_attempts: Vec<String>,
    /// What the caller asked for, as the dialog summed it up.
    pub topics: Vec<String>,
}

/// The most transcript lines kept with a call (the latest ones).
pub const MAX_TRANSCRIPT_LINES: usize = 60;

impl CallContext {
    /// Keeps the stored context bounded: the latest transcript lines only.
    pub fn bounded(mut self) -> Self {
        if self.transcript.len() > MAX_TRANSCRIPT_LINES {
            let drop = self.transcript.len() - MAX_TRANSCRIPT_LINES;
            self.transcript.drain(..drop);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_transcripts_keep_the_latest_lines() {
        let context = CallContext {
            transcript: (0..100).map(|i| format!("riga {i}")).collect(),
            ..CallContext::default()
        }
        .bounded();
        assert_eq!(context.transcript.len(), MAX_TRANSCRIPT_LINES);
        assert_eq!(context.transcript[0], "riga 40");
        let json = serde_json::to_string(&context).unwrap();
        let back: CallContext = serde_json::from_str(&json).unwrap();
        assert_eq!(back, context);
        // What the retention purge leaves.
        let erased: CallContext = serde_json::from_str("{}").unwrap();
        assert_eq!(erased, CallContext::default());
    }
}

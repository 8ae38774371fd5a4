//! One confidence (0..1) for a recognised utterance, from what whisper reports per token.
//!
//! Whisper gives each text token the probability it had when it was chosen, and each segment
//! the probability that it held no speech at all. The confidence is the geometric mean of the
//! token probabilities (one unsure word lowers it more than an arithmetic mean would), pulled
//! down by the weakest token (a single garbled word is often the important one: "residenza"
//! heard as "resistenza") and by the no-speech probability:
//!
//! `confidence = geomean(p)^0.7 × min(p)^0.3 × (1 − no_speech)`
//!
//! Below the question flow's thresholds (0.6 to answer at once, 0.35 to confirm) the dialog
//! asks the caller to confirm or to choose instead of answering at once.

/// Probabilities are clamped to this before the logarithm.
const MIN_PROBABILITY: f32 = 1e-6;

/// The confidence of an utterance from its text tokens' probabilities (special tokens left
/// out) and the no-speech probability. No tokens: 0.
pub fn from_tokens(probabilities: &[f32], no_speech: f32) -> f32 {
    if probabilities.is_empty() {
        return 0.0;
    }
    let clamp = |p: f32| {
        if p.is_nan() {
            MIN_PROBABILITY
        } else {
            p.clamp(MIN_PROBABILITY, 1.0)
        }
    };
    let log_mean =
        probabilities.iter().map(|&p| clamp(p).ln()).sum::<f32>() / probabilities.len() as f32;
    let geometric = log_mean.exp();
    let weakest = probabilities
        .iter()
        .map(|&p| clamp(p))
        .fold(1.0_f32, f32::min);
    let speech = 1.0
        - if no_speech.is_nan() {
            1.0
        } else {
            no_speech.clamp(0.0, 1.0)
        };
    (geometric.powf(0.7) * weakest.powf(0.3) * speech).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::from_tokens;

    #[test]
    fn confidence_table() {
        let cases: [(&[f32], f32, f32, f32); 7] = [
            // (token probabilities, no-speech, at least, at most)
            (&[0.99, 0.98, 0.97], 0.01, 0.95, 0.99),
            (&[0.9, 0.9, 0.9, 0.9], 0.0, 0.899, 0.901),
            // One garbled word pulls a sure sentence down noticeably.
            (&[0.99, 0.99, 0.2, 0.99], 0.0, 0.45, 0.65),
            (&[0.5, 0.5], 0.0, 0.499, 0.501),
            // Probably not speech at all.
            (&[0.9, 0.9], 0.9, 0.08, 0.1),
            (&[], 0.0, 0.0, 0.0),
            (&[f32::NAN, 1.5, -1.0], f32::NAN, 0.0, 0.0),
        ];
        for (tokens, no_speech, low, high) in cases {
            let c = from_tokens(tokens, no_speech);
            assert!(
                (low..=high).contains(&c),
                "{tokens:?} no_speech {no_speech}: {c}"
            );
        }
    }
}

//! In-band DTMF detection (Goertzel) on 8 kHz linear PCM, rejecting speech.
//!
//! Samples are cut into blocks of 205 (about 25.6 ms, the classic choice at 8 kHz). A block
//! holds a digit when: one row and one column tone stand out (each well above the other tones
//! of its group), together they carry most of the block's energy (speech spreads its energy),
//! the level is audible, and the twist (column vs row level) is within the ITU-T Q.24 limits.
//! A key is reported once after two consecutive blocks agree (about 51 ms, Q.24 requires 40 ms)
//! and is re-armed only after a block without that digit.

use ivr::Key;

const SAMPLE_RATE: f32 = 8000.0;
/// Samples per analysis block.
pub const BLOCK: usize = 205;
const ROWS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
const COLS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
const KEYS: [[Option<Key>; 4]; 4] = [
    [
        Some(Key::Digit(1)),
        Some(Key::Digit(2)),
        Some(Key::Digit(3)),
        None,
    ],
    [
        Some(Key::Digit(4)),
        Some(Key::Digit(5)),
        Some(Key::Digit(6)),
        None,
    ],
    [
        Some(Key::Digit(7)),
        Some(Key::Digit(8)),
        Some(Key::Digit(9)),
        None,
    ],
    [Some(Key::Star), Some(Key::Digit(0)), Some(Key::Hash), None],
];
/// Minimum block energy (mean square) to consider: about -40 dBFS.
const MIN_MEAN_SQUARE: f32 = 32768.0 * 32768.0 * 1e-4;
/// The two tones must carry this share of the block energy.
const MIN_TONE_SHARE: f32 = 0.75;
/// Each chosen tone must exceed the others of its group by this factor (8 dB in power).
const MIN_PEAK_RATIO: f32 = 6.3;
/// Column stronger than row by at most 4 dB ("normal twist")...
const MAX_NORMAL_TWIST: f32 = 2.5;
/// ...row stronger than column by at most 8 dB ("reverse twist").
const MAX_REVERSE_TWIST: f32 = 6.3;
/// Consecutive agreeing blocks needed.
const MIN_BLOCKS: u8 = 2;

/// Streaming in-band DTMF detector.
#[derive(Debug)]
pub struct InbandDetector {
    coeffs_rows: [f32; 4],
    coeffs_cols: [f32; 4],
    block: Vec<f32>,
    candidate: Option<Key>,
    run: u8,
    reported: bool,
}

impl Default for InbandDetector {
    fn default() -> Self {
        Self::new()
    }
}

fn coeff(f: f32) -> f32 {
    2.0 * (2.0 * std::f32::consts::PI * f / SAMPLE_RATE).cos()
}

/// Normalised Goertzel power: 1.0 for a full-block sine of mean square equal to `energy`.
fn goertzel(samples: &[f32], coeff: f32) -> f32 {
    let (mut s1, mut s2) = (0.0f32, 0.0f32);
    for &x in samples {
        let s = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}

impl InbandDetector {
    pub fn new() -> Self {
        InbandDetector {
            coeffs_rows: ROWS.map(coeff),
            coeffs_cols: COLS.map(coeff),
            block: Vec::with_capacity(BLOCK),
            candidate: None,
            run: 0,
            reported: false,
        }
    }

    /// Feeds PCM samples; returns the keys completed within them (usually none or one).
    pub fn feed(&mut self, pcm: &[i16]) -> Vec<Key> {
        let mut keys = Vec::new();
        for &s in pcm {
            self.block.push(f32::from(s));
            if self.block.len() == BLOCK {
                let digit = self.classify();
                self.block.clear();
                if let Some(k) = self.advance(digit) {
                    keys.push(k);
                }
            }
        }
        keys
    }

    fn advance(&mut self, digit: Option<Key>) -> Option<Key> {
        if digit.is_some() && digit == self.candidate {
            self.run = self.run.saturating_add(1);
        } else {
            self.candidate = digit;
            self.run = u8::from(digit.is_some());
            self.reported = false;
        }
        if self.run >= MIN_BLOCKS && !self.reported {
            self.reported = true;
            return self.candidate;
        }
        None
    }

    /// The digit this block holds, if any.
    fn classify(&self) -> Option<Key> {
        let x = &self.block;
        let energy: f32 = x.iter().map(|v| v * v).sum();
        let n = x.len() as f32;
        if energy / n < MIN_MEAN_SQUARE {
            return None;
        }
        // Normalise so that a sine holding all the energy gives 1.0.
        let norm = 2.0 / (n * energy);
        let rows = self.coeffs_rows.map(|c| goertzel(x, c) * norm);
        let cols = self.coeffs_cols.map(|c| goertzel(x, c) * norm);
        let (ri, r) = peak(&rows)?;
        let (ci, c) = peak(&cols)?;
        if r + c < MIN_TONE_SHARE {
            return None;
        }
        if c > r * MAX_NORMAL_TWIST || r > c * MAX_REVERSE_TWIST {
            return None;
        }
        KEYS[ri][ci]
    }
}

/// The strongest bin if it beats every other bin by [`MIN_PEAK_RATIO`].
fn peak(bins: &[f32; 4]) -> Option<(usize, f32)> {
    let (i, &p) = bins.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
    let others_ok = bins
        .iter()
        .enumerate()
        .all(|(j, &q)| j == i || q * MIN_PEAK_RATIO <= p);
    others_ok.then_some((i, p))
}

/// Synthesises a DTMF tone (for tests, benches and fuzzing): `ms` milliseconds at `dbfs`
/// per tone.
pub fn synth_tone(key: Key, ms: u32, dbfs: f32) -> Vec<i16> {
    let (r, c) = KEYS
        .iter()
        .enumerate()
        .find_map(|(r, row)| row.iter().position(|k| *k == Some(key)).map(|c| (r, c)))
        .unwrap_or((0, 0));
    let amp = 32767.0 * 10f32.powf(dbfs / 20.0);
    let n = (ms * 8) as usize;
    (0..n)
        .map(|i| {
            let t = i as f32 / SAMPLE_RATE;
            let v = amp
                * ((2.0 * std::f32::consts::PI * ROWS[r] * t).sin()
                    + (2.0 * std::f32::consts::PI * COLS[c] * t).sin());
            v.clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    fn silence(ms: u32) -> Vec<i16> {
        vec![0; (ms * 8) as usize]
    }

    fn detect(signal: &[i16]) -> String {
        let mut d = InbandDetector::new();
        // Feed in 20 ms frames as RTP would.
        signal
            .chunks(160)
            .flat_map(|c| d.feed(c))
            .map(|k| k.as_char())
            .collect()
    }

    /// A vowel-like harmonic signal: fundamental `f0` with decaying harmonics up to 3.4 kHz.
    fn voice(f0: f32, ms: u32) -> Vec<i16> {
        let n = (ms * 8) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / SAMPLE_RATE;
                let mut v = 0.0;
                let mut h = 1.0;
                while f0 * h < 3400.0 {
                    // Formant-ish emphasis around 700 Hz and 1200 Hz.
                    let f = f0 * h;
                    let g = 1.0 / h
                        + 0.8 * (-((f - 700.0) / 150.0).powi(2)).exp()
                        + 0.6 * (-((f - 1200.0) / 200.0).powi(2)).exp();
                    v += g * (2.0 * std::f32::consts::PI * f * t).sin();
                    h += 1.0;
                }
                (v * 3000.0).clamp(-32768.0, 32767.0) as i16
            })
            .collect()
    }

    fn noise(ms: u32) -> Vec<i16> {
        let mut x: u32 = 12345;
        (0..ms * 8)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                ((x >> 16) as i16) / 4
            })
            .collect()
    }

    fn cat(parts: &[Vec<i16>]) -> Vec<i16> {
        parts.concat()
    }

    #[test]
    fn detection_table() {
        let all: Vec<Vec<i16>> = "1234567890*#"
            .chars()
            .flat_map(|c| {
                [
                    synth_tone(Key::from_char(c).unwrap(), 80, -10.0),
                    silence(60),
                ]
            })
            .collect();
        let cases: Vec<(&str, Vec<i16>, &str)> = vec![
            ("all keys", cat(&all), "1234567890*#"),
            (
                "long press reported once",
                cat(&[synth_tone(Key::Digit(5), 600, -10.0)]),
                "5",
            ),
            (
                "same key twice with a gap",
                cat(&[
                    synth_tone(Key::Digit(5), 80, -10.0),
                    silence(60),
                    synth_tone(Key::Digit(5), 80, -10.0),
                ]),
                "55",
            ),
            (
                "quiet tone -30 dBFS",
                synth_tone(Key::Digit(9), 100, -30.0),
                "9",
            ),
            (
                "too quiet -50 dBFS",
                synth_tone(Key::Digit(9), 100, -50.0),
                "",
            ),
            (
                "too short (20 ms)",
                cat(&[synth_tone(Key::Digit(3), 20, -10.0), silence(100)]),
                "",
            ),
            ("silence", silence(1000), ""),
            ("noise", noise(1000), ""),
            ("voice 120 Hz", voice(120.0, 1000), ""),
            ("voice 210 Hz", voice(210.0, 1000), ""),
            ("voice 95 Hz", voice(95.0, 1000), ""),
            (
                "tone in light noise",
                synth_tone(Key::Digit(8), 100, -10.0)
                    .iter()
                    .zip(noise(100))
                    .map(|(a, b)| a.saturating_add(b / 16))
                    .collect(),
                "8",
            ),
        ];
        for (name, signal, expected) in cases {
            assert_eq!(detect(&signal), expected, "{name}");
        }
    }

    #[test]
    fn twist_limits() {
        // Row tone alone (column 30 dB down) is not a digit.
        let row_only: Vec<i16> = (0..800)
            .map(|i| {
                let t = i as f32 / SAMPLE_RATE;
                (8000.0 * (2.0 * std::f32::consts::PI * 697.0 * t).sin()
                    + 250.0 * (2.0 * std::f32::consts::PI * 1209.0 * t).sin())
                    as i16
            })
            .collect();
        assert_eq!(detect(&row_only), "");
    }
}

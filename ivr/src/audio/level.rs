//! Loudness of prompts: active speech level, normalisation, silence trimming.
//!
//! The level is measured over 20 ms frames, counting only "active" frames (louder than
//! -55 dBFS and within 40 dB of the loudest frame), a simplified ITU-T P.56: pauses between
//! words do not lower the measured level. Normalisation applies one gain, limited so that the
//! peak stays at or below -1 dBFS.

/// The level telephone prompts are normalised to.
pub const TARGET_DBFS: f64 = -20.0;

/// Frame length for level measurement at 8 kHz (20 ms).
const FRAME: usize = 160;
/// Frames quieter than this never count as speech.
const ABSOLUTE_FLOOR_DBFS: f64 = -55.0;
/// Frames this far below the loudest frame do not count as speech.
const RELATIVE_FLOOR_DB: f64 = 40.0;
/// Peak ceiling after normalisation.
const PEAK_CEILING_DBFS: f64 = -1.0;

const FULL_SCALE: f64 = 32_768.0;

/// Levels of a buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Active speech level in dBFS (`None` for silence).
    pub active_dbfs: Option<f64>,
    /// Peak sample in dBFS (`None` for silence).
    pub peak_dbfs: Option<f64>,
}

fn dbfs(linear: f64) -> f64 {
    20.0 * (linear / FULL_SCALE).log10()
}

/// Measures the active level and the peak.
pub fn measure(samples: &[i16]) -> Level {
    let peak = samples
        .iter()
        .map(|&s| i32::from(s).unsigned_abs())
        .max()
        .unwrap_or(0);
    let frames: Vec<(f64, usize)> = samples
        .chunks(FRAME)
        .map(|f| {
            (
                f.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>(),
                f.len(),
            )
        })
        .collect();
    let frame_db = |(energy, len): (f64, usize)| dbfs((energy / len as f64).sqrt());
    let loudest = frames
        .iter()
        .map(|&f| frame_db(f))
        .fold(f64::NEG_INFINITY, f64::max);
    let floor = ABSOLUTE_FLOOR_DBFS.max(loudest - RELATIVE_FLOOR_DB);
    let (energy, count) = frames
        .iter()
        .filter(|&&f| frame_db(f) >= floor)
        .fold((0.0, 0usize), |(e, n), &(fe, fl)| (e + fe, n + fl));
    Level {
        active_dbfs: (count > 0).then(|| dbfs((energy / count as f64).sqrt())),
        peak_dbfs: (peak > 0).then(|| dbfs(f64::from(peak))),
    }
}

/// Scales `samples` so that their active level is `target_dbfs`, keeping the peak at or below
/// -1 dBFS. Silence is left alone. Returns the gain applied, in dB.
pub fn normalize(samples: &mut [i16], target_dbfs: f64) -> f64 {
    let level = measure(samples);
    let (Some(active), Some(peak)) = (level.active_dbfs, level.peak_dbfs) else {
        return 0.0;
    };
    let gain_db = (target_dbfs - active).min(PEAK_CEILING_DBFS - peak);
    let gain = 10f64.powf(gain_db / 20.0);
    for s in samples.iter_mut() {
        *s = (f64::from(*s) * gain)
            .round()
            .clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16;
    }
    gain_db
}

/// Removes leading and trailing silence (samples below `threshold_dbfs`), keeping `lead`
/// samples of it before the sound and `trail` after it (so that words are not clipped and
/// consecutive prompts keep a pause between them).
pub fn trim_silence(samples: &mut Vec<i16>, threshold_dbfs: f64, lead: usize, trail: usize) {
    let threshold = FULL_SCALE * 10f64.powf(threshold_dbfs / 20.0);
    let loud = |s: &i16| f64::from(*s).abs() >= threshold;
    let Some(first) = samples.iter().position(loud) else {
        samples.clear();
        return;
    };
    let last = samples.iter().rposition(loud).unwrap_or(first);
    let end = (last + 1 + trail).min(samples.len());
    samples.truncate(end);
    samples.drain(..first.saturating_sub(lead));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn tone(amplitude: f64, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| (amplitude * (2.0 * PI * 440.0 * i as f64 / 8_000.0).sin()) as i16)
            .collect()
    }

    #[test]
    fn measures_a_sine() {
        // A full-scale sine is -3 dBFS.
        let level = measure(&tone(32_767.0, 8_000));
        assert!(
            (level.active_dbfs.unwrap() + 3.01).abs() < 0.05,
            "{level:?}"
        );
        assert!(level.peak_dbfs.unwrap().abs() < 0.01);
        assert_eq!(measure(&[0; 100]).active_dbfs, None);
        assert_eq!(measure(&[]).peak_dbfs, None);
    }

    #[test]
    fn pauses_do_not_lower_the_active_level() {
        let mut speech = tone(3_000.0, 4_000);
        speech.extend(vec![0; 12_000]);
        speech.extend(tone(3_000.0, 4_000));
        let continuous = measure(&tone(3_000.0, 8_000)).active_dbfs.unwrap();
        let with_pause = measure(&speech).active_dbfs.unwrap();
        assert!((continuous - with_pause).abs() < 0.1);
    }

    #[test]
    fn normalises_to_the_target_without_clipping() {
        let mut quiet = tone(500.0, 8_000);
        normalize(&mut quiet, TARGET_DBFS);
        let level = measure(&quiet);
        assert!(
            (level.active_dbfs.unwrap() - TARGET_DBFS).abs() < 0.1,
            "{level:?}"
        );

        // A spiky signal: the peak ceiling wins over the target.
        let mut spiky = vec![0i16; 8_000];
        spiky[100] = 30_000;
        for s in spiky.iter_mut().skip(200).take(1_000) {
            *s = 50;
        }
        normalize(&mut spiky, TARGET_DBFS);
        assert!(measure(&spiky).peak_dbfs.unwrap() <= -0.99);

        let mut silence = vec![0i16; 800];
        assert_eq!(normalize(&mut silence, TARGET_DBFS), 0.0);
    }

    #[test]
    fn trims_silence_but_keeps_a_margin() {
        let mut buffer = vec![0i16; 1_000];
        buffer.extend(tone(5_000.0, 800));
        buffer.extend(vec![0i16; 3_000]);
        trim_silence(&mut buffer, -50.0, 80, 400);
        // The tone starts at a zero crossing: the first loud sample is a few samples in.
        let n = buffer.len();
        assert!((800 + 400..=800 + 80 + 400).contains(&n), "{n}");
        assert_eq!(buffer[..70], [0; 70]);
        assert_eq!(buffer[n - 390..], [0; 390]);
        let mut silent = vec![0i16; 500];
        trim_silence(&mut silent, -50.0, 80, 400);
        assert!(silent.is_empty());
    }
}

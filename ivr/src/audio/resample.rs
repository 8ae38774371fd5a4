//! Band-limited sample-rate conversion.
//!
//! A windowed-sinc low-pass (Kaiser window, about 80 dB stop-band) evaluated on the rational
//! grid `to / from`: for common rates (22 050, 16 000, 44 100, 48 000 → 8 000) the kernel is
//! tabulated once per phase (polyphase), otherwise it is evaluated per tap. The pass band is
//! `cutoff_hz` (3 400 Hz for the phone), the stop band starts at the lower Nyquist frequency.

use std::f64::consts::PI;

/// Stop-band attenuation of the design, in dB.
const ATTENUATION_DB: f64 = 80.0;
/// Above this many phases the kernel is computed per tap instead of tabulated.
const MAX_TABLE_PHASES: usize = 1024;

/// Why a resampler could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResampleError {
    #[error("sample rate {0} Hz is outside 1 000..=384 000 Hz")]
    UnsupportedRate(u32),
}

/// A converter from one sample rate to another with a fixed low-pass.
#[derive(Debug, Clone)]
pub struct Resampler {
    from: u32,
    to: u32,
    /// Output step in input samples is `down / up`.
    up: u64,
    down: u64,
    /// Taps on each side of the centre, in input samples.
    half_width: usize,
    /// Cut-off (-6 dB point) relative to the input rate.
    cutoff: f64,
    /// Kaiser window shape.
    beta: f64,
    /// `table[phase * taps + j]` for tap `j` of phase `phase`, when tabulated.
    table: Option<Vec<f32>>,
}

impl Resampler {
    /// A converter from `from` Hz to `to` Hz that keeps frequencies up to `pass_hz` (clamped to
    /// 85 % of the lower Nyquist frequency) and removes everything above the lower Nyquist.
    pub fn new(from: u32, to: u32, pass_hz: f64) -> Result<Self, ResampleError> {
        for rate in [from, to] {
            if !(1_000..=384_000).contains(&rate) {
                return Err(ResampleError::UnsupportedRate(rate));
            }
        }
        let g = gcd(u64::from(from), u64::from(to));
        let up = u64::from(to) / g;
        let down = u64::from(from) / g;

        let stop = f64::from(from.min(to)) / 2.0;
        let pass = pass_hz.clamp(1.0, stop * 0.85);
        let transition = stop - pass;
        let cutoff = (pass + stop) / 2.0 / f64::from(from);
        // Kaiser's formulas for the window length and shape.
        let delta_omega = 2.0 * PI * transition / f64::from(from);
        let taps = ((ATTENUATION_DB - 7.95) / (2.285 * delta_omega)).ceil() + 1.0;
        let half_width = ((taps / 2.0).ceil() as usize).max(2);
        let beta = 0.1102 * (ATTENUATION_DB - 8.7);

        let mut resampler = Resampler {
            from,
            to,
            up,
            down,
            half_width,
            cutoff,
            beta,
            table: None,
        };
        if (up as usize) <= MAX_TABLE_PHASES {
            let width = 2 * half_width;
            let mut table = Vec::with_capacity(up as usize * width);
            for phase in 0..up {
                let frac = phase as f64 / up as f64;
                for j in 0..width {
                    table.push(resampler.kernel(frac - resampler.tap_offset(j)) as f32);
                }
            }
            resampler.table = Some(table);
        }
        Ok(resampler)
    }

    /// The usual converter to the telephone rate, band-limited to 3.4 kHz.
    pub fn to_telephone(from: u32) -> Result<Self, ResampleError> {
        Resampler::new(from, 8_000, 3_400.0)
    }

    pub fn from_rate(&self) -> u32 {
        self.from
    }

    pub fn to_rate(&self) -> u32 {
        self.to
    }

    /// Offset (in input samples, relative to the floor of the output position) of tap `j`.
    fn tap_offset(&self, j: usize) -> f64 {
        j as f64 - (self.half_width as f64 - 1.0)
    }

    /// The windowed-sinc kernel at `tau` input samples from the output position.
    fn kernel(&self, tau: f64) -> f64 {
        let r = self.half_width as f64;
        if tau.abs() >= r {
            return 0.0;
        }
        let x = 2.0 * self.cutoff * tau;
        let sinc = if x.abs() < 1e-12 {
            1.0
        } else {
            (PI * x).sin() / (PI * x)
        };
        let ratio = tau / r;
        let window = bessel_i0(self.beta * (1.0 - ratio * ratio).sqrt()) / bessel_i0(self.beta);
        2.0 * self.cutoff * sinc * window
    }

    /// Converts a whole buffer.
    pub fn process(&self, input: &[i16]) -> Vec<i16> {
        if input.is_empty() {
            return Vec::new();
        }
        let out_len = (input.len() as u64 * self.up).div_ceil(self.down) as usize;
        let width = 2 * self.half_width;
        let mut out = Vec::with_capacity(out_len);
        for n in 0..out_len as u64 {
            let position = n * self.down;
            let base = (position / self.up) as i64;
            let phase = (position % self.up) as usize;
            let first = base - (self.half_width as i64 - 1);
            let mut acc = 0.0f64;
            match &self.table {
                Some(table) => {
                    let taps = &table[phase * width..(phase + 1) * width];
                    for (j, &h) in taps.iter().enumerate() {
                        let k = first + j as i64;
                        if k >= 0 && (k as usize) < input.len() {
                            acc += f64::from(h) * f64::from(input[k as usize]);
                        }
                    }
                }
                None => {
                    let frac = phase as f64 / self.up as f64;
                    for j in 0..width {
                        let k = first + j as i64;
                        if k >= 0 && (k as usize) < input.len() {
                            acc += self.kernel(frac - self.tap_offset(j))
                                * f64::from(input[k as usize]);
                        }
                    }
                }
            }
            out.push(acc.round().clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16);
        }
        out
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Modified Bessel function of the first kind, order zero (power series).
fn bessel_i0(x: f64) -> f64 {
    let half = x / 2.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..64 {
        term *= (half / k as f64) * (half / k as f64);
        sum += term;
        if term < sum * 1e-12 {
            break;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f64, amplitude: f64, seconds: f64) -> Vec<i16> {
        let n = (f64::from(rate) * seconds) as usize;
        (0..n)
            .map(|i| (amplitude * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()) as i16)
            .collect()
    }

    /// RMS of the middle half (away from the edges), relative to the sine's own RMS.
    fn gain_db(output: &[i16], amplitude: f64) -> f64 {
        let mid = &output[output.len() / 4..output.len() * 3 / 4];
        let rms =
            (mid.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / mid.len() as f64).sqrt();
        20.0 * (rms / (amplitude / 2f64.sqrt())).log10()
    }

    #[test]
    fn length_follows_the_ratio() {
        let r = Resampler::to_telephone(22_050).unwrap();
        assert_eq!(r.process(&vec![0; 22_050]).len(), 8_000);
        assert_eq!(r.process(&[]).len(), 0);
        let r = Resampler::to_telephone(48_000).unwrap();
        assert_eq!(r.process(&vec![0; 480]).len(), 80);
        let up = Resampler::new(6_000, 8_000, 3_400.0).unwrap();
        assert_eq!(up.process(&vec![0; 600]).len(), 800);
    }

    #[test]
    fn voice_band_passes_and_above_nyquist_is_removed() {
        let r = Resampler::to_telephone(22_050).unwrap();
        let a = 10_000.0;
        for (freq, lo, hi) in [
            (300.0, -0.2, 0.2),
            (1_000.0, -0.2, 0.2),
            (3_000.0, -0.5, 0.2),
            (3_400.0, -1.5, 0.2),
        ] {
            let g = gain_db(&r.process(&sine(22_050, freq, a, 0.5)), a);
            assert!((lo..=hi).contains(&g), "{freq} Hz: {g:.2} dB");
        }
        // Would alias back into the band without the filter.
        for freq in [4_400.0, 6_000.0, 9_000.0] {
            let g = gain_db(&r.process(&sine(22_050, freq, a, 0.5)), a);
            assert!(g < -60.0, "{freq} Hz leaks: {g:.1} dB");
        }
    }

    #[test]
    fn untabulated_rates_match_the_same_response() {
        // 11 127 Hz → 8 000 Hz needs 8 000 phases: computed per tap.
        let r = Resampler::to_telephone(11_127).unwrap();
        assert!(r.table.is_none());
        let a = 8_000.0;
        let g = gain_db(&r.process(&sine(11_127, 1_000.0, a, 0.2)), a);
        assert!(g.abs() < 0.2, "1 kHz: {g:.2} dB");
    }

    #[test]
    fn refuses_absurd_rates() {
        assert_eq!(
            Resampler::new(0, 8_000, 3_400.0).unwrap_err(),
            ResampleError::UnsupportedRate(0)
        );
    }
}

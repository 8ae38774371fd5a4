//! The ringback tone a caller hears while an operator's phone rings: the Italian one,
//! 425 Hz, one second on and four off (ITU-T E.180 supplement), at about -16 dBm0. No I/O:
//! one 20 ms frame of samples per call of [`Ringback::next_frame`].

use super::sender::SAMPLES_PER_PACKET;

const RATE: f32 = 8000.0;
const FREQUENCY: f32 = 425.0;
/// Samples of tone, then of silence, per cadence.
const ON: usize = 8000;
const CADENCE: usize = 5 * 8000;
/// Peak amplitude (about -16 dBm0 in G.711 terms).
const AMPLITUDE: f32 = 4000.0;

/// Where the ringback cadence is.
#[derive(Debug, Clone, Default)]
pub struct Ringback {
    position: usize,
}

impl Ringback {
    pub fn new() -> Self {
        Self::default()
    }

    /// The next 20 ms of the cadence, as 8 kHz PCM.
    pub fn next_frame(&mut self) -> [i16; SAMPLES_PER_PACKET] {
        let mut frame = [0i16; SAMPLES_PER_PACKET];
        for sample in &mut frame {
            if self.position < ON {
                let t = self.position as f32 / RATE;
                *sample = (AMPLITUDE * (std::f32::consts::TAU * FREQUENCY * t).sin()) as i16;
            }
            self.position = (self.position + 1) % CADENCE;
        }
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_second_of_425_hz_then_four_of_silence() {
        let mut r = Ringback::new();
        let frames: Vec<_> = (0..250).map(|_| r.next_frame()).collect();
        let energy =
            |f: &[i16; SAMPLES_PER_PACKET]| f.iter().map(|&s| i64::from(s).abs()).sum::<i64>();
        assert!(frames[..50].iter().all(|f| energy(f) > 100_000));
        assert!(frames[50..].iter().all(|f| energy(f) == 0));
        // Zero crossings in one second: twice the frequency.
        let tone: Vec<i16> = frames[..50].iter().flatten().copied().collect();
        let crossings = tone.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
        assert!((845..=855).contains(&crossings), "{crossings}");
        // The cadence repeats.
        assert!(energy(&r.next_frame()) > 100_000);
    }
}

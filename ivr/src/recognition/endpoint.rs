//! [`Recorder`]: records one utterance from a stream of caller audio and decides, in real
//! time, when it ended. No I/O and no clock: time is the audio itself (20 ms frames at 8 kHz).
//!
//! Voice activity is energy-based with a hangover, which is enough to end an utterance on the
//! phone (the recogniser runs a proper voice-activity model afterwards):
//!
//! - each 20 ms frame's RMS level is compared with a threshold: 10 dB above the background
//!   noise, never below -50 dBFS. The noise is the quietest frame of the last second before
//!   speech (minimum statistics): the very first frame only calibrates, a steady hum raises
//!   the threshold, and speech, which has gaps, does not;
//! - speech starts after 3 loud frames in a row (60 ms: a click is not speech); 300 ms of
//!   audio before it are kept so the first syllable is not clipped;
//! - speech ends after [`ListenRequest::end_silence`] of quiet frames (0.7 s), or after
//!   [`ListenRequest::max_length`] of speech (12 s);
//! - without speech for [`ListenRequest::no_speech_timeout`] (5 s) the result is silence.
//!
//! The buffer is allocated once, for the longest utterance; pushing audio never allocates.

use super::utterance::{ListenRequest, SAMPLE_RATE, Utterance};

/// Samples per analysis frame (20 ms).
const FRAME: usize = 160;
/// Frames are speech from this level up, whatever the noise.
const MIN_SPEECH_DBFS: f64 = -50.0;
/// ...and only this far above the background noise.
const ABOVE_NOISE_DB: f64 = 10.0;
/// The noise estimate never goes below this (digital silence would make it -inf).
const NOISE_FLOOR_DBFS: f64 = -90.0;
/// Frames the noise estimate looks back over (1 s).
const NOISE_WINDOW: usize = 50;
/// Loud frames in a row that start speech.
const ONSET_FRAMES: u32 = 3;
/// Audio kept before the speech started, and after it ended.
const PRE_ROLL: usize = (SAMPLE_RATE as usize) * 300 / 1000;
const TAIL: usize = (SAMPLE_RATE as usize) * 200 / 1000;

const FULL_SCALE: f64 = 32_768.0;

/// How a recording ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// The caller spoke and then stopped (or spoke for the longest allowed).
    Speech(Utterance),
    /// No speech started within the no-speech timeout.
    Silence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for speech; `loud` frames in a row so far.
    Waiting { loud: u32 },
    /// Speech started; `quiet` frames in a row since the last loud one.
    Speaking { quiet: u32, frames: u32 },
}

/// Records one utterance. Feed it the caller's audio as it arrives ([`Recorder::push`]); it
/// says when the utterance is complete.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// Audio kept so far: the pre-roll while waiting, the utterance once speech started.
    buffer: Vec<i16>,
    /// The current 20 ms frame, not yet analysed.
    partial: [i16; FRAME],
    partial_len: usize,
    state: State,
    /// Levels of the last frames before speech, for the noise estimate (a ring).
    levels: [f64; NOISE_WINDOW],
    levels_len: usize,
    /// The noise when speech started: pauses are judged against it.
    speech_noise_dbfs: f64,
    frames_waited: u32,
    no_speech_frames: u32,
    end_silence_frames: u32,
    max_speech_frames: u32,
    done: bool,
}

fn frames_in(duration: std::time::Duration) -> u32 {
    u32::try_from(duration.as_millis() / 20)
        .unwrap_or(u32::MAX)
        .max(1)
}

/// RMS level of a frame in dBFS (-inf for digital silence).
fn level_dbfs(frame: &[i16]) -> f64 {
    let energy: f64 = frame.iter().map(|&s| f64::from(s).powi(2)).sum();
    let rms = (energy / frame.len().max(1) as f64).sqrt();
    20.0 * (rms / FULL_SCALE).log10()
}

impl Recorder {
    pub fn new(request: &ListenRequest) -> Self {
        let max_speech_frames = frames_in(request.max_length);
        let end_silence_frames = frames_in(request.end_silence);
        let capacity =
            PRE_ROLL + (max_speech_frames as usize + end_silence_frames as usize + 1) * FRAME;
        Recorder {
            buffer: Vec::with_capacity(capacity),
            partial: [0; FRAME],
            partial_len: 0,
            state: State::Waiting { loud: 0 },
            levels: [NOISE_FLOOR_DBFS; NOISE_WINDOW],
            levels_len: 0,
            speech_noise_dbfs: NOISE_FLOOR_DBFS,
            frames_waited: 0,
            no_speech_frames: frames_in(request.no_speech_timeout),
            end_silence_frames,
            max_speech_frames,
            done: false,
        }
    }

    /// Whether speech has started.
    pub fn is_speaking(&self) -> bool {
        matches!(self.state, State::Speaking { .. })
    }

    /// Takes caller audio (8 kHz, any number of samples); returns the result once the
    /// utterance is complete. Audio pushed after that is ignored.
    pub fn push(&mut self, mut samples: &[i16]) -> Option<Recorded> {
        while !samples.is_empty() && !self.done {
            let take = (FRAME - self.partial_len).min(samples.len());
            self.partial[self.partial_len..self.partial_len + take]
                .copy_from_slice(&samples[..take]);
            self.partial_len += take;
            samples = &samples[take..];
            if self.partial_len == FRAME {
                self.partial_len = 0;
                let frame = self.partial;
                if let Some(result) = self.on_frame(&frame) {
                    self.done = true;
                    return Some(result);
                }
            }
        }
        None
    }

    /// The result if the audio stopped now (the call's audio ended, or a wall-clock limit
    /// passed): what was said so far, or silence.
    pub fn finish(&mut self) -> Recorded {
        self.done = true;
        match self.state {
            State::Speaking { quiet, .. } => self.utterance(quiet),
            State::Waiting { .. } => Recorded::Silence,
        }
    }

    fn on_frame(&mut self, frame: &[i16; FRAME]) -> Option<Recorded> {
        let level = level_dbfs(frame).max(NOISE_FLOOR_DBFS);
        self.buffer.extend_from_slice(frame);
        match self.state {
            State::Waiting { loud: run } => {
                // The first frame only calibrates the noise estimate.
                let loud = self
                    .noise_dbfs()
                    .is_some_and(|noise| level >= MIN_SPEECH_DBFS.max(noise + ABOVE_NOISE_DB));
                self.levels[self.frames_waited as usize % NOISE_WINDOW] = level;
                self.levels_len = (self.levels_len + 1).min(NOISE_WINDOW);
                self.frames_waited += 1;
                let run = if loud { run + 1 } else { 0 };
                if run >= ONSET_FRAMES {
                    // Keep the pre-roll before the first loud frame of the run.
                    let onset = self.buffer.len() - run as usize * FRAME;
                    self.buffer.drain(..onset.saturating_sub(PRE_ROLL));
                    self.speech_noise_dbfs = self.noise_dbfs().unwrap_or(NOISE_FLOOR_DBFS);
                    self.state = State::Speaking {
                        quiet: 0,
                        frames: run,
                    };
                    return None;
                }
                self.state = State::Waiting { loud: run };
                // Keep only what the pre-roll and a starting run need.
                let keep = PRE_ROLL + ONSET_FRAMES as usize * FRAME;
                if self.buffer.len() > keep {
                    let excess = self.buffer.len() - keep;
                    self.buffer.drain(..excess);
                }
                (self.frames_waited >= self.no_speech_frames).then_some(Recorded::Silence)
            }
            State::Speaking { quiet, frames } => {
                let loud = level >= MIN_SPEECH_DBFS.max(self.speech_noise_dbfs + ABOVE_NOISE_DB);
                let quiet = if loud { 0 } else { quiet + 1 };
                let frames = frames + 1;
                self.state = State::Speaking { quiet, frames };
                if quiet >= self.end_silence_frames || frames >= self.max_speech_frames {
                    return Some(self.utterance(quiet));
                }
                None
            }
        }
    }

    /// The quietest of the last frames before speech (`None` before the first frame).
    fn noise_dbfs(&self) -> Option<f64> {
        self.levels[..self.levels_len]
            .iter()
            .copied()
            .reduce(f64::min)
    }

    /// The utterance: the buffer without the closing silence beyond a short tail.
    fn utterance(&mut self, quiet_frames: u32) -> Recorded {
        let silence = quiet_frames as usize * FRAME;
        let end = self.buffer.len() - silence.saturating_sub(TAIL).min(self.buffer.len());
        self.buffer.truncate(end);
        Recorded::Speech(Utterance::new(std::mem::take(&mut self.buffer)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;
    use std::time::Duration;

    fn ms(n: u64) -> usize {
        (n * u64::from(SAMPLE_RATE) / 1000) as usize
    }

    /// A vowel-like sound: 150 Hz with harmonics, at `dbfs` RMS-ish.
    fn voice(duration_ms: u64, amplitude: f64) -> Vec<i16> {
        (0..ms(duration_ms))
            .map(|i| {
                let t = i as f64 / f64::from(SAMPLE_RATE);
                let s: f64 = (1..=5)
                    .map(|h| (2.0 * PI * 150.0 * h as f64 * t).sin() / h as f64)
                    .sum();
                (amplitude * s) as i16
            })
            .collect()
    }

    fn noise(duration_ms: u64, amplitude: i16) -> Vec<i16> {
        // A deterministic pseudo-random hiss.
        let mut x: u32 = 12_345;
        (0..ms(duration_ms))
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as i16 % amplitude.max(1)
            })
            .collect()
    }

    fn run(recorder: &mut Recorder, audio: &[i16], chunk: usize) -> Option<(Recorded, usize)> {
        let mut fed = 0;
        for piece in audio.chunks(chunk) {
            fed += piece.len();
            if let Some(done) = recorder.push(piece) {
                return Some((done, fed));
            }
        }
        None
    }

    #[test]
    fn speech_ends_after_the_closing_silence() {
        let request = ListenRequest::utterance();
        let mut audio = noise(1_000, 40);
        audio.extend(voice(1_500, 4_000.0));
        audio.extend(noise(400, 40)); // a pause inside the sentence
        audio.extend(voice(800, 4_000.0));
        audio.extend(noise(3_000, 40));
        let mut recorder = Recorder::new(&request);
        // RTP-like pieces of 160 samples, and odd sizes: the framing is internal.
        for chunk in [160, 237] {
            let mut recorder = recorder.clone();
            let (done, fed) = run(&mut recorder, &audio, chunk).expect("the utterance ends");
            let Recorded::Speech(utterance) = done else {
                panic!("speech expected")
            };
            // Ended 0.7 s after the last word (within one chunk).
            let end_of_speech = ms(1_000 + 1_500 + 400 + 800);
            assert!(
                (end_of_speech + ms(700)..=end_of_speech + ms(700) + chunk + FRAME).contains(&fed),
                "ended after {fed} samples"
            );
            // Pre-roll 0.3 s + both words and the pause + 0.2 s tail.
            let expected = ms(300 + 1_500 + 400 + 800 + 200);
            let got = utterance.samples().len();
            assert!(got.abs_diff(expected) <= 2 * FRAME, "{got} vs {expected}");
        }
        assert!(!recorder.is_speaking());
        assert!(recorder.push(&voice(100, 4_000.0)).is_none());
    }

    #[test]
    fn silence_and_noise_time_out_and_clicks_are_not_speech() {
        let request = ListenRequest::utterance();
        let mut audio = noise(2_000, 300);
        // A click: 40 ms loud.
        audio.extend(voice(40, 8_000.0));
        audio.extend(noise(4_000, 300));
        let mut recorder = Recorder::new(&request);
        let (done, fed) = run(&mut recorder, &audio, 160).expect("times out");
        assert_eq!(done, Recorded::Silence);
        assert_eq!(fed, ms(5_000));
        // Digital silence too.
        let mut recorder = Recorder::new(&request);
        let (done, _) = run(&mut recorder, &vec![0; ms(6_000)], 160).unwrap();
        assert_eq!(done, Recorded::Silence);
    }

    #[test]
    fn a_long_speech_is_cut_at_the_maximum_length() {
        let request = ListenRequest {
            max_length: Duration::from_secs(2),
            ..ListenRequest::utterance()
        };
        let mut audio = vec![0; ms(200)];
        audio.extend(voice(5_000, 4_000.0));
        let mut recorder = Recorder::new(&request);
        let (done, fed) = run(&mut recorder, &audio, 160).unwrap();
        assert_eq!(fed, ms(2_200));
        let Recorded::Speech(utterance) = done else {
            panic!()
        };
        // The 0.2 s before the speech (less than the pre-roll) and 2 s of speech.
        assert_eq!(utterance.duration(), Duration::from_millis(2_200));
    }

    #[test]
    fn loud_background_raises_the_threshold_and_quiet_speech_counts() {
        let request = ListenRequest::utterance();
        // Steady hum at about -40 dBFS, then speech 20 dB above it.
        let mut audio = voice(2_000, 250.0);
        audio.extend(voice(1_000, 2_500.0));
        audio.extend(voice(1_000, 250.0));
        let mut recorder = Recorder::new(&request);
        let (done, fed) = run(&mut recorder, &audio, 160).expect("ends");
        assert!(matches!(done, Recorded::Speech(_)));
        assert_eq!(fed, ms(3_000 + 700));

        // Quiet speech (-35 dBFS) on a silent line.
        let mut audio = vec![0; ms(500)];
        audio.extend(voice(600, 500.0));
        audio.extend(vec![0; ms(1_000)]);
        let mut recorder = Recorder::new(&request);
        assert!(matches!(
            run(&mut recorder, &audio, 160),
            Some((Recorded::Speech(_), _))
        ));
    }

    #[test]
    fn finish_returns_what_was_said_so_far() {
        let mut recorder = Recorder::new(&ListenRequest::utterance());
        assert!(recorder.push(&vec![0; ms(100)]).is_none());
        assert!(recorder.push(&voice(500, 4_000.0)).is_none());
        assert!(recorder.is_speaking());
        let Recorded::Speech(utterance) = recorder.finish() else {
            panic!()
        };
        assert_eq!(utterance.samples().len(), ms(600));
        // Speech from the very first sample is not taken for speech until a pause
        // calibrates the noise: the first frame only calibrates.
        let mut from_the_start = Recorder::new(&ListenRequest::utterance());
        assert!(from_the_start.push(&voice(500, 4_000.0)).is_none());
        assert!(!from_the_start.is_speaking());
        let mut waiting = Recorder::new(&ListenRequest::utterance());
        assert_eq!(waiting.finish(), Recorded::Silence);
    }
}

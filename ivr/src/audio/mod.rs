//! Audio building blocks for prompts, all pure functions over samples (no I/O):
//!
//! - [`g711`]: ITU-T G.711 A-law and mu-law, decode tables and encoders.
//! - [`resample`]: band-limited sample-rate conversion (windowed-sinc, polyphase).
//! - [`level`]: active speech level, normalisation to a target in dBFS, silence trimming.
//!
//! Samples are signed 16-bit PCM, mono; levels are in dBFS relative to the RMS of a
//! full-scale square wave (a full-scale sine is -3 dBFS).

pub mod g711;
pub mod level;
pub mod resample;

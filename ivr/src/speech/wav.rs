//! A strict little WAV (RIFF/WAVE) reader: bytes in, decoded mono samples out.
//!
//! Accepted: PCM 8-bit (unsigned) and 16-bit, IEEE float 32-bit, G.711 A-law and mu-law,
//! plain or `WAVE_FORMAT_EXTENSIBLE`, mono or stereo (averaged to mono), any rate from 1 000
//! to 384 000 Hz. Every chunk is bounds-checked; unknown chunks (`LIST`, `fact`, ...) are
//! skipped. [`Wav::parse`] is strict about sizes; [`Wav::parse_stream`] also accepts the
//! placeholder sizes a program writes when it streams a WAV to a pipe (espeak-ng
//! `--stdout`), provided the data chunk comes last.

use crate::audio::g711;

/// Why bytes are not a usable WAV file. Every variant means "this audio cannot be used as it
/// is"; the variants say what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WavError {
    #[error("not a RIFF/WAVE file")]
    NotWave,
    #[error("the {chunk} chunk is cut short: it needs {needed} bytes, {available} remain")]
    Truncated {
        chunk: String,
        needed: usize,
        available: usize,
    },
    #[error("the file has no fmt chunk before its data")]
    MissingFormat,
    #[error("the file has no data chunk")]
    MissingData,
    #[error("the fmt chunk is malformed: {0}")]
    BadFormat(&'static str),
    #[error("unsupported sample format: tag {tag:#06x} with {bits} bits per sample")]
    UnsupportedEncoding { tag: u16, bits: u16 },
    #[error("unsupported channel count {0} (mono or stereo only)")]
    UnsupportedChannels(u16),
    #[error("unsupported sample rate {0} Hz")]
    UnsupportedRate(u32),
    #[error("the data chunk ends in the middle of a sample frame")]
    PartialFrame,
}

/// How samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    PcmU8,
    PcmI16,
    FloatF32,
    ALaw,
    MuLaw,
}

impl Encoding {
    fn bytes_per_sample(self) -> usize {
        match self {
            Encoding::PcmU8 | Encoding::ALaw | Encoding::MuLaw => 1,
            Encoding::PcmI16 => 2,
            Encoding::FloatF32 => 4,
        }
    }
}

/// A parsed WAV file, borrowing its sample bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wav<'a> {
    pub encoding: Encoding,
    pub channels: u16,
    pub sample_rate: u32,
    data: &'a [u8],
}

const FORMAT_PCM: u16 = 0x0001;
const FORMAT_FLOAT: u16 = 0x0003;
const FORMAT_ALAW: u16 = 0x0006;
const FORMAT_MULAW: u16 = 0x0007;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// The GUID tail shared by the standard `KSDATAFORMAT_SUBTYPE_*` formats.
const SUBFORMAT_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Strict,
    Stream,
}

impl<'a> Wav<'a> {
    /// Parses a complete WAV file.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WavError> {
        Wav::parse_with(bytes, Mode::Strict)
    }

    /// Parses a WAV written to a pipe, whose RIFF and data sizes may be placeholders: the
    /// data then runs to the end of the bytes (a trailing half frame is dropped).
    pub fn parse_stream(bytes: &'a [u8]) -> Result<Self, WavError> {
        Wav::parse_with(bytes, Mode::Stream)
    }

    fn parse_with(bytes: &'a [u8], mode: Mode) -> Result<Self, WavError> {
        if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
            return Err(WavError::NotWave);
        }
        let riff_size = u32_at(bytes, 4) as usize;
        let riff_end = match mode {
            Mode::Strict => {
                let end = riff_size.checked_add(8).ok_or(WavError::NotWave)?;
                if end > bytes.len() {
                    return Err(WavError::Truncated {
                        chunk: "RIFF".into(),
                        needed: riff_size,
                        available: bytes.len() - 8,
                    });
                }
                end
            }
            Mode::Stream => bytes.len(),
        };
        let body = &bytes[..riff_end];

        let mut format: Option<(Encoding, u16, u32)> = None;
        let mut at = 12;
        while at + 8 <= body.len() {
            let id = &body[at..at + 4];
            let size = u32_at(body, at + 4) as usize;
            let start = at + 8;
            let available = body.len() - start;
            let name = String::from_utf8_lossy(id).into_owned();
            if id == b"data" {
                let (encoding, channels, _) = format.ok_or(WavError::MissingFormat)?;
                let frame = encoding.bytes_per_sample() * usize::from(channels);
                let data = if size <= available {
                    &body[start..start + size]
                } else if mode == Mode::Stream {
                    let whole = available - available % frame;
                    &body[start..start + whole]
                } else {
                    return Err(WavError::Truncated {
                        chunk: name,
                        needed: size,
                        available,
                    });
                };
                if data.len() % frame != 0 {
                    return Err(WavError::PartialFrame);
                }
                let (encoding, channels, sample_rate) = format.ok_or(WavError::MissingFormat)?;
                return Ok(Wav {
                    encoding,
                    channels,
                    sample_rate,
                    data,
                });
            }
            if size > available {
                return Err(WavError::Truncated {
                    chunk: name,
                    needed: size,
                    available,
                });
            }
            if id == b"fmt " {
                format = Some(parse_format(&body[start..start + size])?);
            }
            // Chunks are padded to an even size.
            at = start + size + (size & 1);
        }
        Err(if format.is_none() {
            WavError::MissingFormat
        } else {
            WavError::MissingData
        })
    }

    /// Number of sample frames (one sample per channel).
    pub fn frames(&self) -> usize {
        self.data.len() / (self.encoding.bytes_per_sample() * usize::from(self.channels))
    }

    /// The samples as signed 16-bit mono (stereo is averaged).
    pub fn to_mono_i16(&self) -> Vec<i16> {
        let width = self.encoding.bytes_per_sample();
        let decode = |b: &[u8]| -> i32 {
            match self.encoding {
                Encoding::PcmU8 => (i32::from(b[0]) - 128) << 8,
                Encoding::PcmI16 => i32::from(i16::from_le_bytes([b[0], b[1]])),
                Encoding::FloatF32 => {
                    let f = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    let f = if f.is_finite() {
                        f.clamp(-1.0, 1.0)
                    } else {
                        0.0
                    };
                    (f * 32_767.0).round() as i32
                }
                Encoding::ALaw => i32::from(g711::decode_alaw(b[0])),
                Encoding::MuLaw => i32::from(g711::decode_ulaw(b[0])),
            }
        };
        let channels = usize::from(self.channels);
        self.data
            .chunks_exact(width * channels)
            .map(|frame| {
                let sum: i32 = frame.chunks_exact(width).map(decode).sum();
                (sum / channels as i32) as i16
            })
            .collect()
    }
}

fn parse_format(fmt: &[u8]) -> Result<(Encoding, u16, u32), WavError> {
    if fmt.len() < 16 {
        return Err(WavError::BadFormat("shorter than 16 bytes"));
    }
    let mut tag = u16_at(fmt, 0);
    let channels = u16_at(fmt, 2);
    let sample_rate = u32_at(fmt, 4);
    let block_align = u16_at(fmt, 12);
    let bits = u16_at(fmt, 14);
    if tag == FORMAT_EXTENSIBLE {
        if fmt.len() < 40 || u16_at(fmt, 16) < 22 {
            return Err(WavError::BadFormat(
                "extensible format without its extension",
            ));
        }
        if fmt[26..40] != SUBFORMAT_TAIL {
            return Err(WavError::UnsupportedEncoding { tag, bits });
        }
        tag = u16_at(fmt, 24);
    }
    let encoding = match (tag, bits) {
        (FORMAT_PCM, 8) => Encoding::PcmU8,
        (FORMAT_PCM, 16) => Encoding::PcmI16,
        (FORMAT_FLOAT, 32) => Encoding::FloatF32,
        (FORMAT_ALAW, 8) => Encoding::ALaw,
        (FORMAT_MULAW, 8) => Encoding::MuLaw,
        _ => return Err(WavError::UnsupportedEncoding { tag, bits }),
    };
    if !(1..=2).contains(&channels) {
        return Err(WavError::UnsupportedChannels(channels));
    }
    if !(1_000..=384_000).contains(&sample_rate) {
        return Err(WavError::UnsupportedRate(sample_rate));
    }
    if usize::from(block_align) != encoding.bytes_per_sample() * usize::from(channels) {
        return Err(WavError::BadFormat(
            "block align does not match channels and sample size",
        ));
    }
    Ok((encoding, channels, sample_rate))
}

/// Writes 16-bit PCM mono as a WAV file (for tests, recordings and debugging).
pub fn write_pcm16(samples: &[i16], sample_rate: u32) -> Vec<u8> {
    let data_len = samples.len() * 2;
    let mut out = Vec::with_capacity(44 + data_len);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((36 + data_len) as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&FORMAT_PCM.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data_len as u32).to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a WAV from a format description and raw data, with optional extra chunks
    /// before the data.
    pub(crate) fn wav_bytes(
        tag: u16,
        channels: u16,
        rate: u32,
        bits: u16,
        extra: &[(&[u8; 4], &[u8])],
        data: &[u8],
    ) -> Vec<u8> {
        let align = channels * bits / 8;
        let mut fmt = Vec::new();
        fmt.extend_from_slice(&tag.to_le_bytes());
        fmt.extend_from_slice(&channels.to_le_bytes());
        fmt.extend_from_slice(&rate.to_le_bytes());
        fmt.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        fmt.extend_from_slice(&align.to_le_bytes());
        fmt.extend_from_slice(&bits.to_le_bytes());
        let mut chunks: Vec<(&[u8; 4], &[u8])> = vec![(b"fmt ", &fmt)];
        chunks.extend_from_slice(extra);
        chunks.push((b"data", data));
        let mut body = b"WAVE".to_vec();
        for (id, content) in chunks {
            body.extend_from_slice(id.as_slice());
            body.extend_from_slice(&(content.len() as u32).to_le_bytes());
            body.extend_from_slice(content);
            if content.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn reads_every_supported_encoding() {
        let pcm: Vec<u8> = [0i16, 1000, -1000]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let wav = wav_bytes(FORMAT_PCM, 1, 8000, 16, &[], &pcm);
        let parsed = Wav::parse(&wav).unwrap();
        assert_eq!(
            (parsed.encoding, parsed.sample_rate, parsed.frames()),
            (Encoding::PcmI16, 8000, 3)
        );
        assert_eq!(parsed.to_mono_i16(), vec![0, 1000, -1000]);

        let alaw = wav_bytes(
            FORMAT_ALAW,
            1,
            8000,
            8,
            &[(b"fact", &[3, 0, 0, 0])],
            &[0xD5, 0x55, 0xAA],
        );
        assert_eq!(Wav::parse(&alaw).unwrap().to_mono_i16(), vec![8, -8, 32256]);

        let ulaw = wav_bytes(FORMAT_MULAW, 1, 8000, 8, &[], &[0xFF, 0x80, 0x00]);
        assert_eq!(
            Wav::parse(&ulaw).unwrap().to_mono_i16(),
            vec![0, 32124, -32124]
        );

        let u8pcm = wav_bytes(FORMAT_PCM, 1, 11025, 8, &[], &[128, 255, 0]);
        assert_eq!(
            Wav::parse(&u8pcm).unwrap().to_mono_i16(),
            vec![0, 127 << 8, -128 << 8]
        );

        let float: Vec<u8> = [0.5f32, -1.0]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let f32wav = wav_bytes(FORMAT_FLOAT, 1, 16000, 32, &[], &float);
        assert_eq!(
            Wav::parse(&f32wav).unwrap().to_mono_i16(),
            vec![16384, -32767]
        );

        let stereo: Vec<u8> = [100i16, 300, -50, -150]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let st = wav_bytes(FORMAT_PCM, 2, 44100, 16, &[(b"LIST", b"odd")], &stereo);
        assert_eq!(Wav::parse(&st).unwrap().to_mono_i16(), vec![200, -100]);
    }

    #[test]
    fn reads_extensible_format() {
        let mut fmt = Vec::new();
        fmt.extend_from_slice(&FORMAT_EXTENSIBLE.to_le_bytes());
        fmt.extend_from_slice(&1u16.to_le_bytes());
        fmt.extend_from_slice(&8000u32.to_le_bytes());
        fmt.extend_from_slice(&16000u32.to_le_bytes());
        fmt.extend_from_slice(&2u16.to_le_bytes());
        fmt.extend_from_slice(&16u16.to_le_bytes());
        fmt.extend_from_slice(&22u16.to_le_bytes());
        fmt.extend_from_slice(&16u16.to_le_bytes());
        fmt.extend_from_slice(&4u32.to_le_bytes());
        fmt.extend_from_slice(&FORMAT_PCM.to_le_bytes());
        fmt.extend_from_slice(&SUBFORMAT_TAIL);
        let mut wav = b"RIFF".to_vec();
        let data = [1u8, 0, 2, 0];
        let body_len = 4 + 8 + fmt.len() + 8 + data.len();
        wav.extend_from_slice(&(body_len as u32).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
        wav.extend_from_slice(&fmt);
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&4u32.to_le_bytes());
        wav.extend_from_slice(&data);
        assert_eq!(Wav::parse(&wav).unwrap().to_mono_i16(), vec![1, 2]);
    }

    #[test]
    fn refuses_bad_files_with_a_reason() {
        let good = wav_bytes(FORMAT_PCM, 1, 8000, 16, &[], &[0, 0, 1, 0]);
        assert_eq!(Wav::parse(b"RIFX").unwrap_err(), WavError::NotWave);
        assert_eq!(
            Wav::parse(&good[..good.len() - 2]).unwrap_err(),
            WavError::Truncated {
                chunk: "RIFF".into(),
                needed: good.len() - 8,
                available: good.len() - 10,
            }
        );
        let mut lying_data = good.clone();
        let n = lying_data.len();
        lying_data[n - 8..n - 4].copy_from_slice(&100u32.to_le_bytes());
        assert!(
            matches!(Wav::parse(&lying_data).unwrap_err(), WavError::Truncated { chunk, .. } if chunk == "data")
        );
        assert_eq!(
            Wav::parse(&wav_bytes(FORMAT_PCM, 1, 8000, 24, &[], &[0; 6])).unwrap_err(),
            WavError::UnsupportedEncoding { tag: 1, bits: 24 }
        );
        assert_eq!(
            Wav::parse(&wav_bytes(0x0055, 1, 8000, 16, &[], &[0; 2])).unwrap_err(),
            WavError::UnsupportedEncoding {
                tag: 0x55,
                bits: 16
            }
        );
        assert_eq!(
            Wav::parse(&wav_bytes(FORMAT_PCM, 6, 8000, 16, &[], &[0; 12])).unwrap_err(),
            WavError::UnsupportedChannels(6)
        );
        assert_eq!(
            Wav::parse(&wav_bytes(FORMAT_PCM, 1, 100, 16, &[], &[0; 2])).unwrap_err(),
            WavError::UnsupportedRate(100)
        );
        assert_eq!(
            Wav::parse(&wav_bytes(FORMAT_PCM, 1, 8000, 16, &[], &[0; 3])).unwrap_err(),
            WavError::PartialFrame
        );
        // A data chunk before any fmt chunk.
        let mut no_fmt = b"RIFF".to_vec();
        no_fmt.extend_from_slice(&12u32.to_le_bytes());
        no_fmt.extend_from_slice(b"WAVEdata");
        no_fmt.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(Wav::parse(&no_fmt).unwrap_err(), WavError::MissingFormat);
        // A fmt chunk and nothing else.
        let header_only = &good[..36];
        let mut fixed = header_only.to_vec();
        fixed[4..8].copy_from_slice(&28u32.to_le_bytes());
        assert_eq!(Wav::parse(&fixed).unwrap_err(), WavError::MissingData);
        // Huge chunk sizes do not overflow.
        let mut huge = good.clone();
        huge[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Wav::parse(&huge).unwrap_err(),
            WavError::Truncated { .. }
        ));
    }

    #[test]
    fn streamed_output_uses_what_arrived() {
        // As espeak-ng --stdout writes it: placeholder sizes, and an odd number of bytes.
        let mut streamed = wav_bytes(FORMAT_PCM, 1, 22050, 16, &[], &[1, 0, 2, 0, 3]);
        streamed[4..8].copy_from_slice(&0x7FFF_F024u32.to_le_bytes());
        let n = streamed.len();
        // The helper padded the odd data; drop the pad and patch the data size.
        streamed.truncate(n - 1);
        let data_size_at = streamed.len() - 5 - 4;
        streamed[data_size_at..data_size_at + 4].copy_from_slice(&0x7FFF_F000u32.to_le_bytes());
        assert!(Wav::parse(&streamed).is_err());
        let wav = Wav::parse_stream(&streamed).unwrap();
        assert_eq!(wav.to_mono_i16(), vec![1, 2]);
    }

    #[test]
    fn writer_round_trips() {
        let samples = vec![0i16, 1, -1, i16::MAX, i16::MIN];
        let bytes = write_pcm16(&samples, 8000);
        assert_eq!(Wav::parse(&bytes).unwrap().to_mono_i16(), samples);
    }
}

//! G.711 A-law and mu-law companding (ITU-T G.711), sample by sample.
//!
//! Pure functions over 16-bit linear PCM. Encoding and decoding go through tables computed
//! once from the reference algorithms below (A-law: 8,192 entries, one per 13-bit value;
//! mu-law: 65,536, one per sample): the pacing threads encode every prompt packet of every
//! call, and a table lookup per sample is what keeps that cheap.

use std::sync::OnceLock;

/// The two G.711 laws a call can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum G711 {
    /// A-law, RTP payload type 8 (PCMA); the usual law in Europe.
    Alaw,
    /// mu-law, RTP payload type 0 (PCMU).
    Ulaw,
}

impl G711 {
    /// The static RTP payload type of this law.
    pub fn payload_type(self) -> u8 {
        match self {
            G711::Alaw => 8,
            G711::Ulaw => 0,
        }
    }

    /// The SDP encoding name (`a=rtpmap:<pt> <name>/8000`).
    pub fn encoding_name(self) -> &'static str {
        match self {
            G711::Alaw => "PCMA",
            G711::Ulaw => "PCMU",
        }
    }

    /// The code of a silent sample.
    pub fn silence(self) -> u8 {
        match self {
            G711::Alaw => 0xD5,
            G711::Ulaw => 0xFF,
        }
    }

    pub fn encode_sample(self, sample: i16) -> u8 {
        match self {
            G711::Alaw => alaw_encoding()[alaw_index(sample)],
            G711::Ulaw => ulaw_encoding()[ulaw_index(sample)],
        }
    }

    pub fn decode_sample(self, code: u8) -> i16 {
        match self {
            G711::Alaw => alaw_table()[code as usize],
            G711::Ulaw => ulaw_table()[code as usize],
        }
    }

    /// Encodes PCM samples, appending one code per sample to `out`.
    pub fn encode(self, pcm: &[i16], out: &mut Vec<u8>) {
        match self {
            G711::Alaw => {
                let table = alaw_encoding();
                out.extend(pcm.iter().map(|&s| table[alaw_index(s)]));
            }
            G711::Ulaw => {
                let table = ulaw_encoding();
                out.extend(pcm.iter().map(|&s| table[ulaw_index(s)]));
            }
        }
    }

    /// Decodes G.711 codes, appending one sample per code to `out`.
    pub fn decode(self, codes: &[u8], out: &mut Vec<i16>) {
        let table = match self {
            G711::Alaw => alaw_table(),
            G711::Ulaw => ulaw_table(),
        };
        out.extend(codes.iter().map(|&c| table[c as usize]));
    }
}

/// Segment ends for the 13-bit A-law magnitude.
const SEG_AEND: [i16; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

fn segment(value: i16) -> usize {
    SEG_AEND.iter().position(|&end| value <= end).unwrap_or(8)
}

/// Linear 16-bit to A-law (the classic Sun reference algorithm on 13-bit magnitude).
pub fn linear_to_alaw(sample: i16) -> u8 {
    let mut pcm = sample >> 3;
    let mask: u8 = if pcm >= 0 {
        0xD5
    } else {
        pcm = -pcm - 1;
        0x55
    };
    let seg = segment(pcm);
    let code: u8 = if seg >= 8 {
        0x7F
    } else {
        let shift = if seg < 2 { 1 } else { seg };
        ((seg as u8) << 4) | (((pcm >> shift) & 0x0F) as u8)
    };
    code ^ mask
}

fn alaw_to_linear(code: u8) -> i16 {
    let a = code ^ 0x55;
    let mut t = ((a & 0x0F) as i16) << 4;
    let seg = (a & 0x70) >> 4;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= seg - 1;
        }
    }
    if a & 0x80 != 0 { t } else { -t }
}

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 32635;

/// Linear 16-bit to mu-law.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let mut pcm = i32::from(sample);
    let mask: u8 = if pcm < 0 {
        pcm = -pcm;
        0x7F
    } else {
        0xFF
    };
    pcm = pcm.min(ULAW_CLIP) + ULAW_BIAS;
    let mut seg = 0u8;
    let mut v = pcm >> 7;
    while v > 1 && seg < 7 {
        v >>= 1;
        seg += 1;
    }
    let code = (seg << 4) | (((pcm >> (seg + 3)) & 0x0F) as u8);
    code ^ mask
}

fn ulaw_to_linear(code: u8) -> i16 {
    let u = !code;
    let mut t = ((i32::from(u & 0x0F)) << 3) + ULAW_BIAS;
    t <<= (u & 0x70) >> 4;
    let v = if u & 0x80 != 0 {
        ULAW_BIAS - t
    } else {
        t - ULAW_BIAS
    };
    v as i16
}

/// A-law looks only at the 13 most significant bits (`sample >> 3`).
fn alaw_index(sample: i16) -> usize {
    usize::from((sample >> 3) as u16 & 0x1FFF)
}

fn ulaw_index(sample: i16) -> usize {
    usize::from(sample as u16)
}

/// Fixed-size tables: the masked or `u16` index is always in bounds, so the encoding loop
/// has no bounds checks.
fn alaw_encoding() -> &'static [u8; 0x2000] {
    static TABLE: OnceLock<Box<[u8; 0x2000]>> = OnceLock::new();
    TABLE.get_or_init(|| Box::new(std::array::from_fn(|i| linear_to_alaw((i << 3) as i16))))
}

fn ulaw_encoding() -> &'static [u8; 0x10000] {
    static TABLE: OnceLock<Box<[u8; 0x10000]>> = OnceLock::new();
    TABLE.get_or_init(|| Box::new(std::array::from_fn(|i| linear_to_ulaw(i as i16))))
}

fn alaw_table() -> &'static [i16; 256] {
    static TABLE: OnceLock<[i16; 256]> = OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| alaw_to_linear(i as u8)))
}

fn ulaw_table() -> &'static [i16; 256] {
    static TABLE: OnceLock<[i16; 256]> = OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| ulaw_to_linear(i as u8)))
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        // (law, linear, code) from the G.711 tables.
        let table: &[(G711, i16, u8)] = &[
            (G711::Alaw, 0, 0xD5),
            (G711::Alaw, -1, 0x55),
            (G711::Alaw, 32767, 0xAA),
            (G711::Alaw, -32768, 0x2A),
            (G711::Ulaw, 0, 0xFF),
            (G711::Ulaw, -1, 0x7F),
            (G711::Ulaw, 32767, 0x80),
            (G711::Ulaw, -32768, 0x00),
        ];
        for &(law, linear, code) in table {
            assert_eq!(law.encode_sample(linear), code, "{law:?} encode {linear}");
        }
    }

    #[test]
    fn the_encoding_tables_agree_with_the_reference_algorithms_for_every_sample() {
        let mut out = Vec::new();
        for s in i16::MIN..=i16::MAX {
            assert_eq!(G711::Alaw.encode_sample(s), linear_to_alaw(s), "A-law {s}");
            assert_eq!(G711::Ulaw.encode_sample(s), linear_to_ulaw(s), "mu-law {s}");
        }
        let pcm: Vec<i16> = (i16::MIN..=i16::MAX).step_by(7).collect();
        for law in [G711::Alaw, G711::Ulaw] {
            out.clear();
            law.encode(&pcm, &mut out);
            let one_by_one: Vec<u8> = pcm.iter().map(|&s| law.encode_sample(s)).collect();
            assert_eq!(out, one_by_one, "{law:?}");
        }
    }

    #[test]
    fn silence_decodes_near_zero() {
        for law in [G711::Alaw, G711::Ulaw] {
            assert!(law.decode_sample(law.silence()).abs() <= 8, "{law:?}");
        }
    }

    #[test]
    fn every_code_round_trips() {
        for law in [G711::Alaw, G711::Ulaw] {
            for code in 0..=255u8 {
                let linear = law.decode_sample(code);
                let again = law.encode_sample(linear);
                // mu-law has two codes for zero (0x7F and 0xFF).
                assert_eq!(
                    law.decode_sample(again),
                    linear,
                    "{law:?} code {code:#x} -> {linear} -> {again:#x}"
                );
            }
        }
    }

    #[test]
    fn quantisation_error_is_small_relative_to_the_signal() {
        for law in [G711::Alaw, G711::Ulaw] {
            for s in (-32000i32..32000).step_by(97) {
                let s = s as i16;
                let back = law.decode_sample(law.encode_sample(s));
                let err = (i32::from(s) - i32::from(back)).abs();
                let allowed = (i32::from(s).abs() / 16).max(16);
                assert!(err <= allowed, "{law:?} {s} -> {back}");
            }
        }
    }
}

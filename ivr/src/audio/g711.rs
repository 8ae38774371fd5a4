//! ITU-T G.711: 8-bit A-law (preferred in Italy) and mu-law companding.
//!
//! Decoding uses two 256-entry tables computed at compile time; encoding follows the
//! segment search of the ITU-T reference. Both directions round-trip every code word
//! (except mu-law's negative zero, `0x7F`, which decodes to 0 and re-encodes as `0xFF`).
//!
//! The SIP gateway may reuse these for RTP payloads: `encode_alaw`/`encode_ulaw` per sample,
//! or the slice helpers.

/// Linear value of every A-law code word.
pub static ALAW_TO_LINEAR: [i16; 256] = alaw_table();

/// Linear value of every mu-law code word.
pub static ULAW_TO_LINEAR: [i16; 256] = ulaw_table();

const fn alaw_decode_one(code: u8) -> i16 {
    let a = code ^ 0x55;
    let mut t = ((a & 0x0F) as i16) << 4;
    let segment = (a & 0x70) >> 4;
    match segment {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= segment - 1;
        }
    }
    if a & 0x80 != 0 { t } else { -t }
}

const fn ulaw_decode_one(code: u8) -> i16 {
    let u = !code;
    let mut t = (((u & 0x0F) as i32) << 3) + 0x84;
    t <<= (u & 0x70) >> 4;
    (if u & 0x80 != 0 { 0x84 - t } else { t - 0x84 }) as i16
}

const fn alaw_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = alaw_decode_one(i as u8);
        i += 1;
    }
    table
}

const fn ulaw_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = ulaw_decode_one(i as u8);
        i += 1;
    }
    table
}

/// Decodes one A-law byte.
#[inline]
pub fn decode_alaw(code: u8) -> i16 {
    ALAW_TO_LINEAR[usize::from(code)]
}

/// Decodes one mu-law byte.
#[inline]
pub fn decode_ulaw(code: u8) -> i16 {
    ULAW_TO_LINEAR[usize::from(code)]
}

/// The segment (0..=8) of a magnitude, 8 meaning "above the last segment end".
#[inline]
fn segment(value: i32, ends: &[i32; 8]) -> u8 {
    let mut seg = 0u8;
    for end in ends {
        if value <= *end {
            return seg;
        }
        seg += 1;
    }
    seg
}

/// Encodes one linear sample as A-law.
pub fn encode_alaw(sample: i16) -> u8 {
    const SEG_END: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
    let mut pcm = i32::from(sample) >> 3;
    let mask: u8 = if pcm >= 0 {
        0xD5
    } else {
        pcm = -pcm - 1;
        0x55
    };
    let seg = segment(pcm, &SEG_END);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let mantissa = if seg < 2 {
        (pcm >> 1) & 0x0F
    } else {
        (pcm >> seg) & 0x0F
    };
    ((seg << 4) | mantissa as u8) ^ mask
}

/// Encodes one linear sample as mu-law.
pub fn encode_ulaw(sample: i16) -> u8 {
    const SEG_END: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 8159;
    let mut pcm = i32::from(sample) >> 2;
    let mask: u8 = if pcm < 0 {
        pcm = -pcm;
        0x7F
    } else {
        0xFF
    };
    pcm = pcm.min(CLIP) + (BIAS >> 2);
    let seg = segment(pcm, &SEG_END);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    ((seg << 4) | ((pcm >> (seg + 1)) & 0x0F) as u8) ^ mask
}

/// Decodes an A-law buffer.
pub fn decode_alaw_slice(codes: &[u8]) -> Vec<i16> {
    codes.iter().map(|&c| decode_alaw(c)).collect()
}

/// Decodes a mu-law buffer.
pub fn decode_ulaw_slice(codes: &[u8]) -> Vec<i16> {
    codes.iter().map(|&c| decode_ulaw(c)).collect()
}

/// Encodes samples as A-law into `out` (cleared first).
pub fn encode_alaw_into(samples: &[i16], out: &mut Vec<u8>) {
    out.clear();
    out.extend(samples.iter().map(|&s| encode_alaw(s)));
}

/// Encodes samples as mu-law into `out` (cleared first).
pub fn encode_ulaw_into(samples: &[i16], out: &mut Vec<u8>) {
    out.clear();
    out.extend(samples.iter().map(|&s| encode_ulaw(s)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_code_words() {
        // Values from the ITU-T G.711 tables.
        let alaw = [
            (0xD5, 8),
            (0x55, -8),
            (0xAA, 32256),
            (0x2A, -32256),
            (0xD4, 24),
        ];
        for (code, linear) in alaw {
            assert_eq!(decode_alaw(code), linear, "A-law {code:#04x}");
        }
        let ulaw = [
            (0xFF, 0),
            (0x7F, 0),
            (0x80, 32124),
            (0x00, -32124),
            (0xFE, 8),
        ];
        for (code, linear) in ulaw {
            assert_eq!(decode_ulaw(code), linear, "mu-law {code:#04x}");
        }
        assert_eq!(encode_alaw(0), 0xD5);
        assert_eq!(encode_ulaw(0), 0xFF);
        assert_eq!(encode_alaw(i16::MAX), 0xAA);
        assert_eq!(encode_alaw(i16::MIN), 0x2A);
        assert_eq!(encode_ulaw(i16::MAX), 0x80);
        assert_eq!(encode_ulaw(i16::MIN), 0x00);
    }

    #[test]
    fn every_code_word_round_trips() {
        for code in 0..=255u8 {
            assert_eq!(encode_alaw(decode_alaw(code)), code, "A-law {code:#04x}");
            let expected = if code == 0x7F { 0xFF } else { code };
            assert_eq!(
                encode_ulaw(decode_ulaw(code)),
                expected,
                "mu-law {code:#04x}"
            );
        }
    }

    #[test]
    fn quantisation_error_stays_within_the_segment_step() {
        for sample in (i16::MIN..=i16::MAX).step_by(7) {
            let a = i32::from(decode_alaw(encode_alaw(sample)));
            let u = i32::from(decode_ulaw(encode_ulaw(sample)));
            let s = i32::from(sample);
            // The largest step is 1024 (A-law) / 1024 (mu-law) in the top segment.
            assert!((a - s).abs() <= 1024, "A-law {sample} -> {a}");
            assert!((u - s).abs() <= 1024, "mu-law {sample} -> {u}");
            // Small signals keep fine resolution.
            if s.abs() < 64 {
                assert!((a - s).abs() <= 8, "A-law small {sample} -> {a}");
                assert!((u - s).abs() <= 8, "mu-law small {sample} -> {u}");
            }
        }
    }
}

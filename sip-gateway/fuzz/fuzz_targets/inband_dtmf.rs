//! G.711 decoding and the in-band (Goertzel) DTMF detector (`telephony::media::g711`,
//! `telephony::media::inband_dtmf`), fed with arbitrary audio.
//!
//! Input: byte 0 picks how the audio is read (bit 0: G.711 codes of either law by bit 1, or
//! raw 16-bit PCM) and seeds the frame sizes. Checks the G.711 round trip on every code, and
//! that the keys found do not depend on how the audio is cut into frames.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::media::g711::G711;
use sip_gateway::telephony::media::inband_dtmf::InbandDetector;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let law = if mode & 2 == 0 {
        G711::Alaw
    } else {
        G711::Ulaw
    };
    let pcm: Vec<i16> = if mode & 1 == 0 {
        let mut pcm = Vec::new();
        law.decode(rest, &mut pcm);
        for &code in rest {
            let s = law.decode_sample(code);
            assert_eq!(law.decode_sample(law.encode_sample(s)), s, "code {code:#x}");
        }
        pcm
    } else {
        rest.chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    };
    let mut whole = InbandDetector::new();
    let all_at_once: Vec<char> = whole.feed(&pcm).iter().map(|k| k.as_char()).collect();
    let mut framed = InbandDetector::new();
    let step = usize::from(mode >> 2).max(1);
    let in_frames: Vec<char> = pcm
        .chunks(step)
        .flat_map(|c| framed.feed(c))
        .map(|k| k.as_char())
        .collect();
    assert_eq!(all_at_once, in_frames);
    // A key needs two blocks of 205 samples.
    assert!(all_at_once.len() <= pcm.len() / 410);
});

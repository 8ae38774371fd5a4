//! RTP packet parsing (`telephony::media::rtp`): every datagram on a call's RTP port goes
//! through `RtpPacket::parse`. Checks that the payload lies inside the datagram and that a
//! parsed packet written back parses to the same fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::media::rtp::{HEADER_LEN, RtpPacket};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = RtpPacket::parse(data) else {
        return;
    };
    assert!(data.len() >= HEADER_LEN + p.payload.len());
    assert!(p.payload_type < 128);
    let mut out = Vec::new();
    p.write(&mut out);
    assert_eq!(RtpPacket::parse(&out), Ok(p), "write/parse round trip");
});

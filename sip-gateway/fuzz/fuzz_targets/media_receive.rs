//! The receive side of a call's media: `telephony::media::receive::ReceivePath::on_datagram`,
//! which the call runner calls on every datagram of the call's RTP socket (RTP parse,
//! payload-type filter, strict source learning, then the RFC 4733 detector, or the jitter
//! buffer, G.711 decoding and the in-band DTMF detector), with re-INVITEs in between.
//!
//! Input: byte 0 picks the law (bit 0) and the telephone-event payload type (bits 1-7, used
//! when >= 96), byte 1 the law's payload type (its static one when < 96), then events: a kind
//! byte (a multiple of 16: a re-INVITE to another address/payload type; else a datagram), the
//! source (one of three addresses, the first being the SDP one), 8 ms steps since the previous
//! datagram, and the datagram (2-byte length, cut to the 2048-byte receive buffer).
//!
//! Checks: no activity and no key from a datagram that is not RTP of a negotiated payload type;
//! at most one RFC 4733 key per datagram; in-band keys need 410 samples of audio each; the media
//! destination is always an address that was signalled or sent to us.
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::media::g711::G711;
use sip_gateway::telephony::media::receive::{KeySource, ReceivePath};
use sip_gateway::telephony::media::rtp::RtpPacket;
use sip_gateway_fuzz::Pieces;

const RECV_BUFFER: usize = 2048;

fuzz_target!(|data: &[u8]| {
    let mut input = Pieces::new(data);
    let setup = input.u8();
    let law = if setup & 1 == 0 {
        G711::Alaw
    } else {
        G711::Ulaw
    };
    let mut te = Some(setup >> 1).filter(|pt| *pt >= 96);
    let mut pt = Some(input.u8() & 0x7F)
        .filter(|pt| *pt >= 96)
        .unwrap_or(law.payload_type());
    let sources: [SocketAddr; 3] = [
        "198.51.100.7:4000".parse().unwrap(),
        "203.0.113.9:5000".parse().unwrap(),
        "198.51.100.7:4002".parse().unwrap(),
    ];
    let mut receive = ReceivePath::new(law, pt, te, Some(sources[0]));
    let mut now = Instant::now();
    let (mut audio_bytes, mut inband_keys) = (0usize, 0usize);
    while !input.is_empty() {
        let kind = input.u8();
        let from = sources[usize::from(input.u8()) % sources.len()];
        if kind % 16 == 0 {
            // re-INVITE: new payload types, new address (or hold: none).
            te = Some(kind >> 1).filter(|t| *t >= 96);
            pt = if kind & 0x20 != 0 {
                96
            } else {
                law.payload_type()
            };
            let remote = (kind & 0x40 == 0).then_some(from);
            receive.renegotiate(pt, te, remote);
            assert_eq!(receive.destination(), remote);
            continue;
        }
        now += Duration::from_millis(u64::from(input.u8()) * 8);
        let datagram = input.long();
        let datagram = &datagram[..datagram.len().min(RECV_BUFFER)];
        let before = receive.destination();
        let got = receive.on_datagram(datagram, from, now);
        let rtp = RtpPacket::parse(datagram).ok();
        let negotiated = rtp.is_some_and(|p| p.payload_type == pt || Some(p.payload_type) == te);
        if !negotiated {
            assert!(
                !got.activity && got.keys.is_empty(),
                "non-negotiated datagram used"
            );
        }
        let rfc4733 = got
            .keys
            .iter()
            .filter(|(_, s)| *s == KeySource::Rfc4733)
            .count();
        assert!(rfc4733 <= 1);
        if let Some(p) = rtp.filter(|p| p.payload_type == pt) {
            audio_bytes += p.payload.len();
        }
        inband_keys += got
            .keys
            .iter()
            .filter(|(_, s)| *s == KeySource::InBand)
            .count();
        assert!(
            inband_keys <= audio_bytes / 410,
            "in-band keys from too little audio"
        );
        if let Some(dest) = receive.destination() {
            assert!(
                Some(dest) == before || dest == from,
                "destination moved to {dest}"
            );
        }
    }
});

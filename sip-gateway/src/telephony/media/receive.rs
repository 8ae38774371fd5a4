//! The receive path of one call: every datagram that reaches the call's RTP socket goes
//! through [`ReceivePath::on_datagram`], which parses it, keeps only the negotiated payload
//! types from the learned source (symmetric RTP), and turns it into keys: RFC 4733 events, or
//! audio through the jitter buffer, G.711 decoding and the in-band detector. The decoded audio
//! is lent to a callback ([`ReceivePath::on_datagram_with_audio`]) for the dialog to listen
//! to; nothing is allocated per packet. No I/O; the current time is a parameter.

use std::net::SocketAddr;
use std::time::Instant;

use ivr::Key;

use super::g711::G711;
use super::inband_dtmf::InbandDetector;
use super::jitter::{Frame, JitterBuffer};
use super::rtp::RtpPacket;
use super::source::{SourceLearner, Verdict};
use super::telephone_event::EventDetector;

/// Packets the jitter buffer holds back to reorder.
const JITTER_DEPTH: usize = 3;

/// Where a key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// An RFC 4733 telephone-event.
    Rfc4733,
    /// A SIP INFO request (`application/dtmf-relay`, `application/dtmf`).
    Info,
    /// Tones in the audio (Goertzel).
    InBand,
}

/// What one datagram brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// The datagram was media of this call from the caller (it keeps the call alive).
    pub activity: bool,
    /// Keys it completed, in order.
    pub keys: Vec<(Key, KeySource)>,
}

/// The receive side of one call.
#[derive(Debug)]
pub struct ReceivePath {
    law: G711,
    payload_type: u8,
    telephone_event: Option<u8>,
    learner: Option<SourceLearner>,
    events: EventDetector,
    inband: InbandDetector,
    jitter: JitterBuffer,
    pcm: Vec<i16>,
}

impl ReceivePath {
    /// `law` at `payload_type`, telephone-event at its payload type if negotiated, and the
    /// address the caller's SDP gave (`None` while on hold with `c=0.0.0.0`: nothing is
    /// accepted).
    pub fn new(
        law: G711,
        payload_type: u8,
        telephone_event: Option<u8>,
        remote: Option<SocketAddr>,
    ) -> Self {
        ReceivePath {
            law,
            payload_type,
            telephone_event,
            learner: remote.map(SourceLearner::new),
            events: EventDetector::new(),
            inband: InbandDetector::new(),
            jitter: JitterBuffer::new(JITTER_DEPTH),
            pcm: Vec::with_capacity(160),
        }
    }

    /// A new offer in the call (re-INVITE, same law): payload types and address may change;
    /// the source is learned again.
    pub fn renegotiate(
        &mut self,
        payload_type: u8,
        telephone_event: Option<u8>,
        remote: Option<SocketAddr>,
    ) {
        self.payload_type = payload_type;
        self.telephone_event = telephone_event;
        self.learner = remote.map(SourceLearner::new);
    }

    /// Where to send the call's audio: the learned source, or the signalled address until one
    /// is learned; `None` while on hold.
    pub fn destination(&self) -> Option<SocketAddr> {
        self.learner.as_ref().map(SourceLearner::destination)
    }

    /// Takes one datagram received at `now` from `from`.
    pub fn on_datagram(&mut self, datagram: &[u8], from: SocketAddr, now: Instant) -> Received {
        self.on_datagram_with_audio(datagram, from, now, |_| {})
    }

    /// [`ReceivePath::on_datagram`], lending every decoded frame of caller audio (8 kHz PCM,
    /// in order, after the jitter buffer) to `audio`.
    pub fn on_datagram_with_audio(
        &mut self,
        datagram: &[u8],
        from: SocketAddr,
        now: Instant,
        mut audio: impl FnMut(&[i16]),
    ) -> Received {
        let mut received = Received::default();
        let Ok(p) = RtpPacket::parse(datagram) else {
            return received;
        };
        let te = self.telephone_event;
        if p.payload_type != self.payload_type && Some(p.payload_type) != te {
            return received;
        }
        let Some(learner) = self.learner.as_mut() else {
            return received;
        };
        if learner.on_packet(from, p.ssrc) == Verdict::Drop {
            return received;
        }
        received.activity = true;
        if Some(p.payload_type) == te {
            if let Some(k) = self.events.on_packet(p.timestamp, p.payload, now) {
                received.keys.push((k, KeySource::Rfc4733));
            }
            return received;
        }
        let frames = self.jitter.push(Frame {
            sequence: p.sequence,
            timestamp: p.timestamp,
            payload: p.payload.to_vec(),
        });
        for f in frames {
            self.pcm.clear();
            self.law.decode(&f.payload, &mut self.pcm);
            audio(&self.pcm);
            for k in self.inband.feed(&self.pcm) {
                received.keys.push((k, KeySource::InBand));
            }
        }
        received
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telephony::media::inband_dtmf::synth_tone;

    use crate::telephony::media::rtp::test_packet as packet;

    #[test]
    fn decoded_audio_is_lent_in_order() {
        let caller: SocketAddr = "192.0.2.7:4000".parse().unwrap();
        let t0 = Instant::now();
        let mut path = ReceivePath::new(G711::Alaw, 8, Some(101), Some(caller));
        let speech: Vec<i16> = (0..480).map(|i| (i * 37 % 2000) as i16 - 1000).collect();
        let mut expected = Vec::new();
        let mut heard: Vec<i16> = Vec::new();
        // Packets 2 and 1 swapped: the jitter buffer puts them back in order.
        for (seq, i) in [(10u16, 0usize), (12, 2), (11, 1)] {
            let chunk = &speech[i * 160..(i + 1) * 160];
            let mut payload = Vec::new();
            G711::Alaw.encode(chunk, &mut payload);
            let dg = packet(8, seq, 160 * u32::from(seq), 7, &payload);
            path.on_datagram_with_audio(&dg, caller, t0, |pcm| heard.extend_from_slice(pcm));
        }
        for chunk in speech.chunks(160) {
            let mut payload = Vec::new();
            G711::Alaw.encode(chunk, &mut payload);
            G711::Alaw.decode(&payload, &mut expected);
        }
        assert_eq!(heard, expected);
        // RFC 4733 events lend no audio.
        let dg = packet(101, 13, 160 * 13, 7, &[5, 0x8a, 0, 160]);
        let mut lent = false;
        path.on_datagram_with_audio(&dg, caller, t0, |_| lent = true);
        assert!(!lent);
    }

    #[test]
    fn keys_from_events_and_tones_only_from_the_learned_source() {
        let caller: SocketAddr = "192.0.2.7:4000".parse().unwrap();
        let intruder: SocketAddr = "198.51.100.9:4000".parse().unwrap();
        let t0 = Instant::now();
        let mut path = ReceivePath::new(G711::Ulaw, 0, Some(101), Some(caller));
        assert_eq!(path.destination(), Some(caller));

        // RFC 4733 "5": start, then three end packets (redundancy): one key.
        let mut keys = Vec::new();
        for (i, end) in [(0u16, false), (1, true), (2, true), (3, true)] {
            let flags = if end { 0x80 } else { 0 };
            let dg = packet(101, 10 + i, 8000, 7, &[5, flags | 10, 0, 160]);
            let r = path.on_datagram(&dg, caller, t0);
            assert!(r.activity);
            keys.extend(r.keys);
        }
        assert_eq!(keys, vec![(Key::Digit(5), KeySource::Rfc4733)]);

        // An unknown payload type, garbage and another source are ignored.
        let other = path.on_datagram(&packet(8, 20, 0, 7, &[0xd5; 160]), caller, t0);
        assert_eq!(other, Received::default());
        assert_eq!(path.on_datagram(b"junk", caller, t0), Received::default());
        let spoofed = path.on_datagram(&packet(101, 21, 9000, 9, &[7, 0x8a, 0, 160]), intruder, t0);
        assert_eq!(spoofed, Received::default());

        // In-band "9": 100 ms of tone, then silence.
        let mut tone = synth_tone(Key::Digit(9), 100, -10.0);
        tone.extend(vec![0; 1600]);
        let mut keys = Vec::new();
        for (i, chunk) in tone.chunks(160).enumerate() {
            let mut payload = Vec::new();
            G711::Ulaw.encode(chunk, &mut payload);
            let dg = packet(0, 30 + i as u16, 160 * i as u32, 7, &payload);
            keys.extend(path.on_datagram(&dg, caller, t0).keys);
        }
        assert_eq!(keys, vec![(Key::Digit(9), KeySource::InBand)]);

        // On hold with c=0.0.0.0 nothing is accepted and nothing is sent.
        path.renegotiate(0, Some(101), None);
        assert_eq!(path.destination(), None);
        let held = path.on_datagram(&packet(0, 60, 0, 7, &[0xff; 160]), caller, t0);
        assert!(!held.activity);
    }
}

//! The media relay of a bridged call: the caller's leg and the operator's leg, each with its
//! own RTP socket, codec, payload types and learned source (symmetric RTP, strict learning as
//! for a single call).
//!
//! Audio received on one leg goes through a jitter buffer into a short playout queue, and
//! leaves on the other leg one 20 ms packet per [`Relay::tick`], with that leg's own SSRC,
//! sequence and timestamps (so each phone sees one continuous stream, prompts and ringback
//! before the bridge included), transcoded between A-law and mu-law when the legs differ.
//! An underrun sends comfort silence; an overrun drops the oldest frame, so the delay stays
//! under [`MAX_PLAYOUT`] packets. RFC 4733 events are passed through at once, rewritten to the
//! other leg's payload type, SSRC, sequence and clock. No I/O: the call runner owns the
//! sockets and the 20 ms clock.

use std::collections::VecDeque;
use std::net::SocketAddr;

use super::g711::G711;
use super::jitter::{Frame, JitterBuffer};
use super::rtp::RtpPacket;
use super::sender::{RtpSender, SAMPLES_PER_PACKET};
use super::source::{SourceLearner, Verdict};
use super::telephone_event::TelephoneEvent;
use ivr::Key;

/// Frames held for playout per direction (100 ms); older ones are dropped.
pub const MAX_PLAYOUT: usize = 5;
/// Packets the jitter buffer holds back to reorder.
const JITTER_DEPTH: usize = 3;
/// How long a key signalled by SIP INFO lasts when it is passed on as RFC 4733 (100 ms).
pub const INFO_KEY_DURATION: u16 = 800;

/// One leg of a bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Caller,
    Operator,
}

impl Side {
    fn index(self) -> usize {
        match self {
            Side::Caller => 0,
            Side::Operator => 1,
        }
    }

    pub fn other(self) -> Side {
        match self {
            Side::Caller => Side::Operator,
            Side::Operator => Side::Caller,
        }
    }
}

/// What was agreed for one leg's audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegMedia {
    pub law: G711,
    pub payload_type: u8,
    pub telephone_event: Option<u8>,
    /// Where the leg's SDP says to send; `None` while it holds the call (`c=0.0.0.0`).
    pub remote: Option<SocketAddr>,
}

#[derive(Debug)]
struct Leg {
    media: LegMedia,
    learner: Option<SourceLearner>,
    sender: RtpSender,
}

/// Media received on one leg, waiting to leave on the other.
#[derive(Debug)]
struct Flow {
    jitter: JitterBuffer,
    playout: VecDeque<Vec<u8>>,
    /// The event being relayed: (its timestamp on the receiving leg, on the sending leg).
    event: Option<(u32, u32)>,
    relayed: u64,
    dropped: u64,
}

impl Flow {
    fn new() -> Self {
        Flow {
            jitter: JitterBuffer::new(JITTER_DEPTH),
            playout: VecDeque::with_capacity(MAX_PLAYOUT + JITTER_DEPTH),
            event: None,
            relayed: 0,
            dropped: 0,
        }
    }
}

/// What one received datagram did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Arrival {
    /// It was media of this leg from its learned source (keeps the call alive).
    pub activity: bool,
    /// A telephone-event to send on the other leg now is in the output buffer.
    pub forward_now: bool,
}

/// Counters of one direction (packets received on `from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlowStats {
    /// Audio frames sent on the other leg.
    pub relayed: u64,
    /// Frames dropped because the playout queue was full.
    pub dropped: u64,
}

/// Both legs of a bridged call.
#[derive(Debug)]
pub struct Relay {
    legs: [Leg; 2],
    flows: [Flow; 2],
    pcm: Vec<i16>,
    payload: Vec<u8>,
}

impl Relay {
    /// `caller` keeps the sender that numbered the caller's stream so far (prompts, ringback),
    /// and starts from the caller's learned address; `operator` gets a fresh sender.
    pub fn new(
        caller: LegMedia,
        caller_sender: RtpSender,
        operator: LegMedia,
        operator_sender: RtpSender,
    ) -> Self {
        let leg = |media: LegMedia, sender: RtpSender| Leg {
            learner: media.remote.map(SourceLearner::new),
            media,
            sender,
        };
        Relay {
            legs: [leg(caller, caller_sender), leg(operator, operator_sender)],
            flows: [Flow::new(), Flow::new()],
            pcm: Vec::with_capacity(SAMPLES_PER_PACKET),
            payload: Vec::with_capacity(SAMPLES_PER_PACKET),
        }
    }

    /// A new SDP on `side` (re-INVITE: hold, resume, new address): its source is learned again.
    pub fn renegotiate(&mut self, side: Side, media: LegMedia) {
        let leg = &mut self.legs[side.index()];
        leg.sender.set_law(media.law);
        leg.sender.set_payload_type(media.payload_type);
        leg.learner = media.remote.map(SourceLearner::new);
        leg.media = media;
    }

    /// Where `side`'s audio goes: its learned source, or its SDP address until one is learned.
    pub fn destination(&self, side: Side) -> Option<SocketAddr> {
        self.legs[side.index()]
            .learner
            .as_ref()
            .map(SourceLearner::destination)
    }

    /// Counters of the media received on `from`.
    pub fn stats(&self, from: Side) -> FlowStats {
        let f = &self.flows[from.index()];
        FlowStats {
            relayed: f.relayed,
            dropped: f.dropped,
        }
    }

    /// Takes one datagram received on `side`'s socket from `from`. A telephone-event is
    /// rewritten into `out` for the other leg at once (`forward_now`).
    pub fn on_datagram(
        &mut self,
        side: Side,
        datagram: &[u8],
        from: SocketAddr,
        out: &mut Vec<u8>,
    ) -> Arrival {
        let mut arrival = Arrival::default();
        let Ok(p) = RtpPacket::parse(datagram) else {
            return arrival;
        };
        let (i, o) = (side.index(), side.other().index());
        let media = self.legs[i].media;
        let is_event = media.telephone_event == Some(p.payload_type);
        if p.payload_type != media.payload_type && !is_event {
            return arrival;
        }
        let Some(learner) = self.legs[i].learner.as_mut() else {
            return arrival;
        };
        if learner.on_packet(from, p.ssrc) == Verdict::Drop {
            return arrival;
        }
        arrival.activity = true;
        let flow = &mut self.flows[i];
        if is_event {
            let target = &mut self.legs[o];
            let Some(te) = target.media.telephone_event else {
                return arrival;
            };
            let out_ts = match flow.event {
                Some((in_ts, out_ts)) if in_ts == p.timestamp => out_ts,
                _ => {
                    let out_ts = target.sender.timestamp();
                    flow.event = Some((p.timestamp, out_ts));
                    out_ts
                }
            };
            target
                .sender
                .next_event(te, out_ts, p.marker, p.payload, out);
            arrival.forward_now = true;
            return arrival;
        }
        for frame in flow.jitter.push(Frame {
            sequence: p.sequence,
            timestamp: p.timestamp,
            payload: p.payload.to_vec(),
        }) {
            if flow.playout.len() >= MAX_PLAYOUT {
                flow.playout.pop_front();
                flow.dropped += 1;
            }
            flow.playout.push_back(frame.payload);
        }
        arrival
    }

    /// RFC 4733 packets for the other leg carrying `key`, pressed on `from` but signalled by
    /// SIP INFO instead of in the media: the start (marker) and the end three times (RFC 4733
    /// 2.5.1.4), all at the event's start timestamp, for a press of [`INFO_KEY_DURATION`]
    /// samples. Nothing when the other leg did not negotiate telephone-event.
    pub fn key_event(&mut self, from: Side, key: Key, packets: &mut Vec<Vec<u8>>) {
        let target = &mut self.legs[from.other().index()];
        let Some(te) = target.media.telephone_event else {
            return;
        };
        let event = TelephoneEvent::code_of(key);
        let start = target.sender.timestamp();
        for (end, marker) in [(false, true), (true, false), (true, false), (true, false)] {
            let payload = TelephoneEvent {
                event,
                end,
                volume: 10,
                duration: if end { INFO_KEY_DURATION } else { 0 },
            }
            .to_bytes();
            let mut packet = Vec::with_capacity(16);
            target
                .sender
                .next_event(te, start, marker, &payload, &mut packet);
            packets.push(packet);
        }
    }

    /// Accounts for `frames` 20 ms slots not sent to `side` (missed timer ticks).
    pub fn skip(&mut self, side: Side, frames: u32) {
        self.legs[side.index()].sender.skip(frames);
    }

    /// Builds the next paced 20 ms packet for `side` into `out`: the oldest frame received on
    /// the other leg (transcoded if the laws differ), or comfort silence.
    pub fn tick(&mut self, side: Side, out: &mut Vec<u8>) {
        let (i, o) = (side.index(), side.other().index());
        let from_law = self.legs[o].media.law;
        let flow = &mut self.flows[o];
        let leg = &mut self.legs[i];
        let Some(frame) = flow.playout.pop_front() else {
            leg.sender.next_silence(out);
            return;
        };
        flow.relayed += 1;
        let to_law = leg.media.law;
        if from_law == to_law {
            leg.sender.next_audio(&frame, out);
            return;
        }
        self.pcm.clear();
        from_law.decode(&frame, &mut self.pcm);
        self.payload.clear();
        to_law.encode(&self.pcm, &mut self.payload);
        leg.sender.next_audio(&self.payload, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLER: &str = "192.0.2.10:4000";
    const OPERATOR: &str = "192.0.2.20:6000";

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn media(law: G711, payload_type: u8, te: Option<u8>, remote: &str) -> LegMedia {
        LegMedia {
            law,
            payload_type,
            telephone_event: te,
            remote: Some(addr(remote)),
        }
    }

    fn relay(caller_law: G711, operator_law: G711) -> Relay {
        Relay::new(
            media(caller_law, caller_law.payload_type(), Some(101), CALLER),
            RtpSender::new(caller_law, 0xCA11, 100, 16_000),
            media(
                operator_law,
                operator_law.payload_type(),
                Some(96),
                OPERATOR,
            ),
            {
                let mut s = RtpSender::new(operator_law, 0x0_9E5, 7, 0);
                s.set_payload_type(operator_law.payload_type());
                s
            },
        )
    }

    use crate::telephony::media::rtp::test_packet as packet;

    fn parsed(out: &[u8]) -> (u8, u16, u32, u32, Vec<u8>) {
        let p = RtpPacket::parse(out).unwrap();
        (
            p.payload_type,
            p.sequence,
            p.timestamp,
            p.ssrc,
            p.payload.to_vec(),
        )
    }

    #[test]
    fn a_key_signalled_by_info_reaches_the_other_leg_as_rfc_4733() {
        let mut r = relay(G711::Alaw, G711::Alaw);
        let mut packets = Vec::new();
        r.key_event(Side::Caller, Key::Hash, &mut packets);
        let got: Vec<_> = packets
            .iter()
            .map(|p| {
                let rtp = RtpPacket::parse(p).unwrap();
                let ev = TelephoneEvent::parse(rtp.payload).unwrap();
                (
                    rtp.payload_type,
                    rtp.marker,
                    rtp.sequence,
                    rtp.timestamp,
                    rtp.ssrc,
                    ev.event,
                    ev.end,
                    ev.duration,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (96, true, 7, 0, 0x9E5, 11, false, 0),
                (96, false, 8, 0, 0x9E5, 11, true, INFO_KEY_DURATION),
                (96, false, 9, 0, 0x9E5, 11, true, INFO_KEY_DURATION),
                (96, false, 10, 0, 0x9E5, 11, true, INFO_KEY_DURATION),
            ]
        );
        // The operator's audio continues after the event's sequence numbers.
        let mut out = Vec::new();
        r.tick(Side::Operator, &mut out);
        assert_eq!(parsed(&out).1, 11);
        // A leg without telephone-event gets nothing.
        let mut r = Relay::new(
            media(G711::Alaw, 8, None, CALLER),
            RtpSender::new(G711::Alaw, 1, 0, 0),
            media(G711::Alaw, 8, Some(101), OPERATOR),
            RtpSender::new(G711::Alaw, 2, 0, 0),
        );
        let mut packets = Vec::new();
        r.key_event(Side::Operator, Key::Digit(5), &mut packets);
        assert!(packets.is_empty());
    }

    #[test]
    fn audio_flows_both_ways_paced_with_each_legs_numbering() {
        let mut r = relay(G711::Alaw, G711::Alaw);
        let mut out = Vec::new();
        // Two frames from the caller, one from the operator.
        for (seq, fill) in [(1u16, 0x11u8), (2, 0x22)] {
            let dg = packet(8, seq, u32::from(seq) * 160, 5, &[fill; 160]);
            let a = r.on_datagram(Side::Caller, &dg, addr(CALLER), &mut out);
            assert_eq!(
                a,
                Arrival {
                    activity: true,
                    forward_now: false
                }
            );
        }
        let dg = packet(8, 50, 0, 6, &[0x33; 160]);
        assert!(
            r.on_datagram(Side::Operator, &dg, addr(OPERATOR), &mut out)
                .activity
        );
        // Ticks to the operator: the caller's two frames in order, then silence.
        let mut to_operator = Vec::new();
        for _ in 0..3 {
            r.tick(Side::Operator, &mut out);
            to_operator.push(parsed(&out));
        }
        assert_eq!(
            to_operator
                .iter()
                .map(|p| (p.1, p.2, p.3, p.4[0]))
                .collect::<Vec<_>>(),
            vec![
                (7, 0, 0x09E5, 0x11),
                (8, 160, 0x09E5, 0x22),
                (9, 320, 0x09E5, 0xD5)
            ]
        );
        r.tick(Side::Caller, &mut out);
        assert_eq!(parsed(&out), (8, 100, 16_000, 0xCA11, vec![0x33; 160]));
        assert_eq!(
            r.stats(Side::Caller),
            FlowStats {
                relayed: 2,
                dropped: 0
            }
        );
        assert_eq!(
            r.stats(Side::Operator),
            FlowStats {
                relayed: 1,
                dropped: 0
            }
        );
    }

    #[test]
    fn alaw_and_ulaw_legs_are_transcoded() {
        let mut r = relay(G711::Alaw, G711::Ulaw);
        let mut out = Vec::new();
        let pcm: Vec<i16> = (0..160).map(|i| ((i * 200) % 8000 - 4000) as i16).collect();
        let mut alaw = Vec::new();
        G711::Alaw.encode(&pcm, &mut alaw);
        r.on_datagram(
            Side::Caller,
            &packet(8, 1, 0, 5, &alaw),
            addr(CALLER),
            &mut out,
        );
        r.tick(Side::Operator, &mut out);
        let (pt, _, _, _, payload) = parsed(&out);
        assert_eq!(pt, 0);
        let mut back = Vec::new();
        G711::Ulaw.decode(&payload, &mut back);
        let worst = pcm
            .iter()
            .zip(&back)
            .map(|(a, b)| (a - b).abs())
            .max()
            .unwrap();
        assert!(worst < 300, "transcoding error {worst}");
    }

    #[test]
    fn events_pass_through_at_once_on_the_other_legs_clock() {
        let mut r = relay(G711::Alaw, G711::Alaw);
        let mut out = Vec::new();
        // The operator's clock has advanced by two ticks.
        r.tick(Side::Operator, &mut out);
        r.tick(Side::Operator, &mut out);
        let mut forwarded = Vec::new();
        for (seq, end, ts) in [
            (10u16, false, 9_000u32),
            (11, true, 9_000),
            (12, true, 9_000),
            (13, false, 12_000),
        ] {
            let flags = if end { 0x80 } else { 0 };
            let dg = packet(101, seq, ts, 5, &[5, flags | 10, 0, 160]);
            let a = r.on_datagram(Side::Caller, &dg, addr(CALLER), &mut out);
            assert!(a.forward_now);
            forwarded.push(parsed(&out));
        }
        assert_eq!(
            forwarded
                .iter()
                .map(|p| (p.0, p.1, p.2))
                .collect::<Vec<_>>(),
            // Operator's payload type 96; sequence continues; one timestamp per event.
            vec![(96, 9, 320), (96, 10, 320), (96, 11, 320), (96, 12, 320)]
        );
        // A leg without telephone-event gets nothing.
        let mut r = Relay::new(
            media(G711::Alaw, 8, Some(101), CALLER),
            RtpSender::new(G711::Alaw, 1, 0, 0),
            media(G711::Alaw, 8, None, OPERATOR),
            RtpSender::new(G711::Alaw, 2, 0, 0),
        );
        let dg = packet(101, 1, 0, 5, &[5, 10, 0, 160]);
        let a = r.on_datagram(Side::Caller, &dg, addr(CALLER), &mut out);
        assert_eq!(
            a,
            Arrival {
                activity: true,
                forward_now: false
            }
        );
    }

    #[test]
    fn strangers_and_other_payloads_are_dropped_and_the_delay_is_bounded() {
        let mut r = relay(G711::Alaw, G711::Alaw);
        let mut out = Vec::new();
        let intruder = addr("198.51.100.1:4000");
        let dg = packet(8, 1, 0, 5, &[1; 160]);
        assert!(
            !r.on_datagram(Side::Caller, &dg, intruder, &mut out)
                .activity
        );
        let wrong_pt = packet(0, 1, 0, 5, &[1; 160]);
        assert!(
            !r.on_datagram(Side::Caller, &wrong_pt, addr(CALLER), &mut out)
                .activity
        );
        assert!(
            !r.on_datagram(Side::Caller, b"junk", addr(CALLER), &mut out)
                .activity
        );
        for seq in 0..(MAX_PLAYOUT as u16 + 4) {
            let dg = packet(8, 100 + seq, 0, 5, &[seq as u8; 160]);
            r.on_datagram(Side::Caller, &dg, addr(CALLER), &mut out);
        }
        assert_eq!(r.stats(Side::Caller).dropped, 4);
        r.tick(Side::Operator, &mut out);
        assert_eq!(parsed(&out).4[0], 4, "the oldest frames were dropped");
        // On hold (c=0.0.0.0) nothing is accepted and there is nowhere to send.
        r.renegotiate(
            Side::Operator,
            LegMedia {
                remote: None,
                ..media(G711::Alaw, 8, Some(96), OPERATOR)
            },
        );
        assert_eq!(r.destination(Side::Operator), None);
        let dg = packet(8, 1, 0, 6, &[1; 160]);
        assert!(
            !r.on_datagram(Side::Operator, &dg, addr(OPERATOR), &mut out)
                .activity
        );
        assert_eq!(r.destination(Side::Caller), Some(addr(CALLER)));
    }

    #[test]
    fn a_reinvite_to_the_other_law_gets_silence_in_that_law() {
        // Found by fuzz_targets/media_relay.rs (reinvite-to-other-law-keeps-old-silence).
        let mut r = relay(G711::Alaw, G711::Alaw);
        r.renegotiate(Side::Operator, media(G711::Ulaw, 0, Some(96), OPERATOR));
        let mut out = Vec::new();
        r.tick(Side::Operator, &mut out);
        let (pt, _, _, _, payload) = parsed(&out);
        assert_eq!(
            (pt, payload),
            (0, vec![G711::Ulaw.silence(); SAMPLES_PER_PACKET])
        );
    }
}

//! The media relay of a bridged call (`telephony::media::relay::Relay`) driven as
//! `bridge/session.rs` drives it: datagrams on either leg's socket from any of four
//! addresses, 20 ms ticks (with `skip` for missed ones) and re-INVITEs, whose SDP goes
//! through `sdp::Offer::parse` and `negotiate` as in the session.
//!
//! Input: two leg descriptions (see `leg_sdp`) and the senders' SSRC, sequence and timestamp,
//! then events: a kind byte (bit 0 the leg; then a datagram, a tick or a re-INVITE) and the
//! event's bytes. A datagram is either raw bytes or an RTP packet built from a few choices
//! (payload type of this leg, of the other, or any; SSRC; marker; sequence, timestamp,
//! payload), so that most pass the RTP parser.
//!
//! Checks: every packet sent on a leg parses as RTP with that leg's negotiated payload type
//! (telephone-event for events) and SSRC, continuous sequence numbers and the sender's
//! clock (160 per packet, `skip` included; an event keeps one timestamp); a tick sends a frame
//! received on the other leg (transcoded to this leg's law), or comfort silence in this
//! leg's law, and no frame more than `MAX_PLAYOUT` ticks after the last one received;
//! datagrams that are not RTP of the leg's negotiated payload types, or come from a source
//! the leg does not accept, do nothing; the destination is the leg's SDP address or the
//! source of a packet the leg accepted since its last SDP, and none on hold; the counters
//! only grow, relayed at most one per tick, relayed + dropped at most the frames received.
#![no_main]

use std::net::SocketAddr;

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::media::g711::G711;
use sip_gateway::telephony::media::relay::{FlowStats, LegMedia, MAX_PLAYOUT, Relay, Side};
use sip_gateway::telephony::media::rtp::RtpPacket;
use sip_gateway::telephony::media::sender::{RtpSender, SAMPLES_PER_PACKET};
use sip_gateway::telephony::sdp::Offer;
use sip_gateway_fuzz::Pieces;

/// The caller's and the operator's SDP addresses, a NAT address and a stranger.
const ADDRESSES: [&str; 4] = [
    "192.0.2.10:4000",
    "192.0.2.20:6000",
    "203.0.113.5:30000",
    "198.51.100.1:4000",
];
const SIDES: [Side; 2] = [Side::Caller, Side::Operator];
/// The socket's receive buffer in the session.
const RECV_BUFFER: usize = 2048;

/// An SDP offer for one leg: byte `a` picks the law (bit 0), its payload type (bits 1-2:
/// static, dynamic 96-127, any byte), telephone-event (bits 3-4: none, 101, any byte), the
/// address (bits 5-6) and hold (`c=0.0.0.0`, bit 7).
fn leg_sdp(input: &mut Pieces, addresses: &[SocketAddr; 4]) -> String {
    let a = input.u8();
    let (name, static_pt) = if a & 1 == 0 { ("PCMA", 8) } else { ("PCMU", 0) };
    let pt = match (a >> 1) & 3 {
        0 => static_pt,
        1 => 96 + input.u8() % 32,
        _ => input.u8(),
    };
    let te = match (a >> 3) & 3 {
        0 => None,
        1 => Some(101),
        _ => Some(input.u8()),
    };
    let addr = addresses[usize::from(a >> 5) & 3];
    let ip = if a & 0x80 != 0 {
        "0.0.0.0".to_owned()
    } else {
        addr.ip().to_string()
    };
    let mut sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {} RTP/AVP {pt}",
        addr.port()
    );
    if let Some(te) = te {
        sdp.push_str(&format!(" {te}"));
    }
    sdp.push_str(&format!("\r\na=rtpmap:{pt} {name}/8000\r\n"));
    if let Some(te) = te {
        sdp.push_str(&format!("a=rtpmap:{te} telephone-event/8000\r\n"));
    }
    sdp
}

/// What the session hands the relay for an SDP (`None`: it answers 488 and keeps the old).
fn negotiate(sdp: &str) -> Option<LegMedia> {
    let n = Offer::parse(sdp.as_bytes()).ok()?.negotiate().ok()?;
    Some(LegMedia {
        law: n.law,
        payload_type: n.payload_type,
        telephone_event: n.telephone_event,
        remote: n.remote,
    })
}

/// One leg's outgoing stream as the model expects it.
struct Stream {
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    first_audio: bool,
}

/// What the model knows about each leg (indexed by `side as usize`).
struct Model {
    media: [LegMedia; 2],
    out: [Stream; 2],
    /// Audio payloads accepted on each leg.
    received: [Vec<Vec<u8>>; 2],
    /// Ticks of the other leg since the last audio accepted on this one.
    ticks_since: [usize; 2],
    /// Sources this leg accepted a packet from since its last SDP.
    learnt: [Vec<SocketAddr>; 2],
    /// The event being relayed from this leg: (timestamp in, timestamp out).
    event: [Option<(u32, u32)>; 2],
    stats: [FlowStats; 2],
}

fn ix(side: Side) -> usize {
    match side {
        Side::Caller => 0,
        Side::Operator => 1,
    }
}

/// Checks one packet sent on `side` and advances the model's stream.
fn sent<'a>(model: &mut Model, side: Side, out: &'a [u8]) -> RtpPacket<'a> {
    let p = RtpPacket::parse(out)
        .unwrap_or_else(|e| panic!("sent to {side:?} does not parse as RTP ({e}): {out:02x?}"));
    let s = &mut model.out[ix(side)];
    assert_eq!(p.ssrc, s.ssrc, "SSRC on {side:?}");
    assert_eq!(p.sequence, s.sequence, "sequence on {side:?}");
    s.sequence = s.sequence.wrapping_add(1);
    p
}

fn check_destination(relay: &Relay, model: &Model, side: Side) {
    let m = model.media[ix(side)];
    match (relay.destination(side), m.remote) {
        (None, None) => {}
        (Some(dest), Some(sdp)) => assert!(
            dest == sdp || model.learnt[ix(side)].contains(&dest),
            "{side:?} sends to {dest}, neither its SDP address {sdp} nor a source it accepted"
        ),
        (dest, sdp) => panic!("{side:?}: destination {dest:?} with SDP address {sdp:?}"),
    }
}

fn datagram(input: &mut Pieces, model: &Model, side: Side, kind: u8) -> Vec<u8> {
    if kind & 0x10 != 0 {
        return input.long().to_vec();
    }
    let b = input.u8();
    let own = model.media[ix(side)];
    let other = model.media[ix(side.other())];
    let payload_type = match b & 3 {
        0 => own.payload_type,
        1 => own.telephone_event.unwrap_or(own.payload_type),
        2 => other.payload_type,
        _ => input.u8() & 0x7F,
    };
    let sequence = input.u16();
    let timestamp = input.u32();
    let mut out = Vec::new();
    RtpPacket {
        marker: b & 4 != 0,
        payload_type,
        sequence,
        timestamp,
        ssrc: if b & 8 == 0 { 0x5EED } else { 0xBAD },
        payload: input.short(),
    }
    .write(&mut out);
    out
}

fuzz_target!(|data: &[u8]| {
    let mut input = Pieces::new(data);
    let addresses: [SocketAddr; 4] = ADDRESSES.map(|a| a.parse().unwrap());
    let Some(caller) = negotiate(&leg_sdp(&mut input, &addresses)) else {
        return;
    };
    let Some(operator) = negotiate(&leg_sdp(&mut input, &addresses)) else {
        return;
    };
    let stream = |input: &mut Pieces| Stream {
        ssrc: input.u32(),
        sequence: input.u16(),
        timestamp: input.u32(),
        first_audio: true,
    };
    let out = [stream(&mut input), stream(&mut input)];
    // As the call runner and callbacks make them: the leg's law and negotiated payload type.
    let sender = |m: LegMedia, s: &Stream| {
        let mut sender = RtpSender::new(m.law, s.ssrc, s.sequence, s.timestamp);
        sender.set_payload_type(m.payload_type);
        sender
    };
    let mut relay = Relay::new(
        caller,
        sender(caller, &out[0]),
        operator,
        sender(operator, &out[1]),
    );
    let mut model = Model {
        media: [caller, operator],
        out,
        received: [Vec::new(), Vec::new()],
        ticks_since: [usize::MAX, usize::MAX],
        learnt: [Vec::new(), Vec::new()],
        event: [None, None],
        stats: [FlowStats::default(); 2],
    };
    let mut buf = Vec::new();

    while !input.is_empty() {
        let kind = input.u8();
        let side = SIDES[usize::from(kind & 1)];
        let (i, o) = (ix(side), ix(side.other()));
        match (kind >> 1) % 4 {
            // A datagram on `side`'s socket.
            0 | 1 => {
                let from = addresses[usize::from(kind >> 5) & 3];
                let dg = datagram(&mut input, &model, side, kind);
                let dg = &dg[..dg.len().min(RECV_BUFFER)];
                received(&mut relay, &mut model, side, from, dg, &mut buf);
            }
            // The 20 ms clock for `side`, after `frames` missed slots.
            2 => {
                let code = input.u8();
                let frames = if code > 250 {
                    input.u32()
                } else {
                    u32::from(code)
                };
                if frames > 0 {
                    relay.skip(side, frames);
                    let s = &mut model.out[i];
                    s.timestamp = s
                        .timestamp
                        .wrapping_add(frames.wrapping_mul(SAMPLES_PER_PACKET as u32));
                }
                relay.tick(side, &mut buf);
                let media = model.media[i];
                let p = sent(&mut model, side, &buf);
                let s = &mut model.out[i];
                assert_eq!(
                    p.payload_type, media.payload_type,
                    "audio payload type on {side:?}"
                );
                assert_eq!(p.timestamp, s.timestamp, "timestamp on {side:?}");
                assert_eq!(p.marker, s.first_audio, "marker on {side:?}");
                s.timestamp = s.timestamp.wrapping_add(SAMPLES_PER_PACKET as u32);
                s.first_audio = false;
                let now = relay.stats(side.other());
                let before = model.stats[o];
                assert_eq!(now.dropped, before.dropped);
                if now.relayed == before.relayed {
                    assert_eq!(
                        p.payload,
                        &[media.law.silence(); SAMPLES_PER_PACKET][..],
                        "comfort silence to {side:?} is not silence in its law {:?}",
                        media.law
                    );
                } else {
                    assert_eq!(
                        now.relayed,
                        before.relayed + 1,
                        "more than one frame per tick"
                    );
                    assert!(
                        model.ticks_since[o] < MAX_PLAYOUT,
                        "a frame relayed {} ticks after the last one received",
                        model.ticks_since[o]
                    );
                    let (from_law, to_law) = (model.media[o].law, media.law);
                    let relayed = model.received[o]
                        .iter()
                        .any(|frame| transcode(frame, from_law, to_law) == p.payload);
                    assert!(
                        relayed,
                        "sent to {side:?} a frame never received on the other leg"
                    );
                }
                assert!(now.relayed + now.dropped <= model.received[o].len() as u64);
                model.stats[o] = now;
                model.ticks_since[o] = model.ticks_since[o].saturating_add(1);
            }
            // A re-INVITE on `side`.
            _ => {
                let Some(media) = negotiate(&leg_sdp(&mut input, &addresses)) else {
                    continue;
                };
                relay.renegotiate(side, media);
                model.media[i] = media;
                model.learnt[i].clear();
                assert_eq!(relay.destination(side), media.remote);
            }
        }
        for s in SIDES {
            check_destination(&relay, &model, s);
            assert_eq!(relay.stats(s), model.stats[ix(s)]);
        }
    }
});

/// A datagram received on `side`'s socket from `from`, with its checks.
fn received(
    relay: &mut Relay,
    model: &mut Model,
    side: Side,
    from: SocketAddr,
    dg: &[u8],
    buf: &mut Vec<u8>,
) {
    let (i, o) = (ix(side), ix(side.other()));
    let before = relay.destination(side);
    let arrival = relay.on_datagram(side, dg, from, buf);
    let media = model.media[i];
    let rtp = RtpPacket::parse(dg).ok();
    let negotiated = rtp.is_some_and(|p| {
        p.payload_type == media.payload_type || Some(p.payload_type) == media.telephone_event
    });
    if !arrival.activity {
        assert!(!arrival.forward_now);
        assert_eq!(
            relay.destination(side),
            before,
            "an ignored datagram moved the destination"
        );
        assert_eq!(relay.stats(side), model.stats[i]);
        return;
    }
    assert!(
        negotiated,
        "{side:?} took a datagram that is not its negotiated RTP"
    );
    let p = rtp.expect("negotiated");
    assert_eq!(
        relay.destination(side),
        Some(from),
        "accepted from {from}, not the destination"
    );
    if !model.learnt[i].contains(&from) {
        model.learnt[i].push(from);
    }
    if Some(p.payload_type) == media.telephone_event {
        let Some(te) = model.media[o].telephone_event else {
            assert!(
                !arrival.forward_now,
                "event forwarded to a leg without telephone-event"
            );
            return;
        };
        assert!(arrival.forward_now);
        let out_ts = match model.event[i] {
            Some((in_ts, out_ts)) if in_ts == p.timestamp => out_ts,
            _ => model.out[o].timestamp,
        };
        model.event[i] = Some((p.timestamp, out_ts));
        let e = sent(model, side.other(), buf);
        assert_eq!(e.payload_type, te, "event payload type");
        assert_eq!(
            (e.marker, e.payload),
            (p.marker, p.payload),
            "event not passed through"
        );
        assert_eq!(e.timestamp, out_ts, "event timestamp");
    } else {
        assert!(!arrival.forward_now);
        model.received[i].push(p.payload.to_vec());
        model.ticks_since[i] = 0;
        let now = relay.stats(side);
        assert!(now.dropped >= model.stats[i].dropped && now.relayed == model.stats[i].relayed);
        model.stats[i] = now;
    }
}

fn transcode(frame: &[u8], from: G711, to: G711) -> Vec<u8> {
    if from == to {
        return frame.to_vec();
    }
    let mut pcm = Vec::new();
    from.decode(frame, &mut pcm);
    let mut out = Vec::new();
    to.encode(&pcm, &mut out);
    out
}

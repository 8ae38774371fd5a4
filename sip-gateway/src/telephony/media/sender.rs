//! The RTP sender's numbering: one SSRC, continuous sequence numbers and timestamps across
//! prompts and the comfort silence between them. The 20 ms clock that drives it lives in the
//! call runner.

use super::g711::G711;
use super::rtp::RtpPacket;

/// Samples per 20 ms packet at 8 kHz.
pub const SAMPLES_PER_PACKET: usize = 160;

#[derive(Debug)]
pub struct RtpSender {
    law: G711,
    payload_type: u8,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    /// Set the marker bit on the next packet (start of a talkspurt).
    marker: bool,
    silence: [u8; SAMPLES_PER_PACKET],
}

impl RtpSender {
    pub fn new(law: G711, ssrc: u32, first_sequence: u16, first_timestamp: u32) -> Self {
        RtpSender {
            law,
            payload_type: law.payload_type(),
            ssrc,
            sequence: first_sequence,
            timestamp: first_timestamp,
            marker: true,
            silence: [law.silence(); SAMPLES_PER_PACKET],
        }
    }

    pub fn law(&self) -> G711 {
        self.law
    }

    /// Sends comfort silence in `law` from now on (a re-INVITE changed the leg's codec); the
    /// payload type is set apart, with [`RtpSender::set_payload_type`].
    pub fn set_law(&mut self, law: G711) {
        self.law = law;
        self.silence = [law.silence(); SAMPLES_PER_PACKET];
    }

    /// Sends with this payload type instead of the law's static one (the number the caller's
    /// offer gave the codec).
    pub fn set_payload_type(&mut self, payload_type: u8) {
        self.payload_type = payload_type;
    }

    /// Marks the next packet as the start of a talkspurt (a new prompt).
    pub fn start_talkspurt(&mut self) {
        self.marker = true;
    }

    /// Accounts for `frames` 20 ms slots that were not sent (e.g. missed timer ticks), so the
    /// receiver's clock stays right.
    pub fn skip(&mut self, frames: u32) {
        self.timestamp = self
            .timestamp
            .wrapping_add(frames.wrapping_mul(SAMPLES_PER_PACKET as u32));
    }

    /// Builds the next packet carrying `payload` (G.711 codes, normally 160) into `out`.
    pub fn next_audio(&mut self, payload: &[u8], out: &mut Vec<u8>) {
        RtpPacket {
            marker: self.marker,
            payload_type: self.payload_type,
            sequence: self.sequence,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
            payload,
        }
        .write(out);
        self.marker = false;
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(SAMPLES_PER_PACKET as u32);
    }

    /// The timestamp the next audio packet will carry (an RFC 4733 event starting now uses it).
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    /// Builds a telephone-event packet (RFC 4733) into `out`: the event's own start
    /// `timestamp` and payload type, the next sequence number; the audio clock does not move.
    pub fn next_event(
        &mut self,
        payload_type: u8,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) {
        RtpPacket {
            marker,
            payload_type,
            sequence: self.sequence,
            timestamp,
            ssrc: self.ssrc,
            payload,
        }
        .write(out);
        self.sequence = self.sequence.wrapping_add(1);
    }

    /// Builds the next packet of comfort silence into `out`.
    pub fn next_silence(&mut self, out: &mut Vec<u8>) {
        let silence = self.silence;
        self.next_audio(&silence, out);
    }
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    #[test]
    fn numbering_is_continuous_across_prompts_and_silence() {
        let mut s = RtpSender::new(G711::Alaw, 7, 65534, u32::MAX - 159);
        let mut buf = Vec::new();
        let mut seen = Vec::new();
        s.next_audio(&[1; 160], &mut buf);
        seen.push(
            RtpPacket::parse(&buf)
                .map(|p| (p.sequence, p.timestamp, p.marker))
                .unwrap(),
        );
        s.next_silence(&mut buf);
        seen.push(
            RtpPacket::parse(&buf)
                .map(|p| (p.sequence, p.timestamp, p.marker))
                .unwrap(),
        );
        s.start_talkspurt();
        s.next_audio(&[1; 160], &mut buf);
        seen.push(
            RtpPacket::parse(&buf)
                .map(|p| (p.sequence, p.timestamp, p.marker))
                .unwrap(),
        );
        s.skip(2);
        s.next_silence(&mut buf);
        let p = RtpPacket::parse(&buf).unwrap();
        seen.push((p.sequence, p.timestamp, p.marker));
        assert_eq!(
            seen,
            vec![
                (65534, u32::MAX - 159, true),
                (65535, 0, false),
                (0, 160, true),
                (1, 640, false),
            ]
        );
        assert_eq!(p.payload_type, 8);
        assert_eq!(p.ssrc, 7);
        assert!(p.payload.iter().all(|&b| b == 0xD5));
    }

    #[test]
    fn a_long_gap_wraps_the_clock_and_a_new_law_its_silence() {
        // Found by fuzz_targets/media_relay.rs (artifacts skip-many-frames-overflows and
        // reinvite-to-other-law-keeps-old-silence).
        let mut s = RtpSender::new(G711::Alaw, 7, 0, 0);
        s.skip(u32::MAX);
        s.set_law(G711::Ulaw);
        s.set_payload_type(0);
        let mut buf = Vec::new();
        s.next_silence(&mut buf);
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!((p.payload_type, p.timestamp), (0, 0u32.wrapping_sub(160)));
        assert_eq!(p.payload, &[0xFF; SAMPLES_PER_PACKET][..]);
        assert_eq!(s.law(), G711::Ulaw);
    }
}

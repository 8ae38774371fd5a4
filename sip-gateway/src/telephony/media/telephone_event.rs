//! RFC 4733 telephone-events: payload parsing and a detector that reports each key once.
//!
//! A key press is sent as a run of packets with the same RTP timestamp (the event start),
//! growing duration, then three redundant end packets. Packets may be lost, duplicated or
//! retransmitted. The detector reports a key on the first packet of an event (so a lost
//! start does not lose the key) and ignores the rest of that event.

use std::time::{Duration, Instant};

use ivr::Key;

/// One telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code (0-9, 10 = `*`, 11 = `#`, 12-15 = A-D, others are not DTMF).
    pub event: u8,
    pub end: bool,
    /// Power level in -dBm0 (0-63).
    pub volume: u8,
    /// Duration so far in timestamp units.
    pub duration: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TelephoneEventError {
    #[error("telephone-event payload is {0} bytes, not a multiple of 4 (at least 4)")]
    BadLength(usize),
}

impl TelephoneEvent {
    /// Parses the first event block of a payload (RFC 4733 section 2.3). Further blocks
    /// (RFC 2198 redundancy is negotiated separately) are not used.
    pub fn parse(payload: &[u8]) -> Result<Self, TelephoneEventError> {
        if payload.len() < 4 || !payload.len().is_multiple_of(4) {
            return Err(TelephoneEventError::BadLength(payload.len()));
        }
        Ok(TelephoneEvent {
            event: payload[0],
            end: payload[1] & 0x80 != 0,
            volume: payload[1] & 0x3F,
            duration: u16::from_be_bytes([payload[2], payload[3]]),
        })
    }

    /// The keypad key of this event, if it is one of `0-9 * #`.
    pub fn key(&self) -> Option<Key> {
        match self.event {
            0..=9 => Some(Key::Digit(self.event)),
            10 => Some(Key::Star),
            11 => Some(Key::Hash),
            _ => None,
        }
    }

    /// Encodes this event into 4 bytes.
    /// The event code of a keypad key.
    pub fn code_of(key: Key) -> u8 {
        match key {
            Key::Digit(d) => d,
            Key::Star => 10,
            Key::Hash => 11,
        }
    }

    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            (u8::from(self.end) << 7) | (self.volume & 0x3F),
            d[0],
            d[1],
        ]
    }
}

/// After this long without packets of an event, a packet with the same timestamp and code whose
/// duration starts again is a new press (some senders reuse timestamps, e.g. replayed
/// captures). Packets that continue the event (same or longer duration, like the redundant end
/// packets) belong to it however late they come: a caller's media delayed by a congested
/// network or a busy machine must not turn one press into two.
const SAME_EVENT_WINDOW: Duration = Duration::from_millis(800);

/// Reports each telephone-event key once.
#[derive(Debug, Default)]
pub struct EventDetector {
    last: Option<Seen>,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    timestamp: u32,
    event: u8,
    duration: u16,
    at: Instant,
}

impl EventDetector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one telephone-event packet (its RTP timestamp and payload) received at `now`.
    /// Returns the key when this packet starts a new event.
    pub fn on_packet(&mut self, timestamp: u32, payload: &[u8], now: Instant) -> Option<Key> {
        let event = TelephoneEvent::parse(payload).ok()?;
        let key = event.key()?;
        let same = self.last.is_some_and(|s| {
            s.timestamp == timestamp
                && s.event == event.event
                && (event.duration >= s.duration
                    || now.saturating_duration_since(s.at) < SAME_EVENT_WINDOW)
        });
        self.last = Some(Seen {
            timestamp,
            event: event.event,
            duration: event.duration,
            at: now,
        });
        if same { None } else { Some(key) }
    }
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    fn ev(event: u8, end: bool, duration: u16) -> [u8; 4] {
        TelephoneEvent {
            event,
            end,
            volume: 10,
            duration,
        }
        .to_bytes()
    }

    #[test]
    fn parse_table() {
        let cases: &[(&[u8], Result<(u8, bool, u8, u16), TelephoneEventError>)] = &[
            (&[1, 0x0a, 0x00, 0xa0], Ok((1, false, 10, 160))),
            (&[11, 0x8a, 0x03, 0x20], Ok((11, true, 10, 800))),
            (&[5, 0x40 | 0x3f, 0, 0], Ok((5, false, 63, 0))),
            (&[1, 0, 0], Err(TelephoneEventError::BadLength(3))),
            (&[], Err(TelephoneEventError::BadLength(0))),
            (&[1, 0, 0, 0, 0], Err(TelephoneEventError::BadLength(5))),
            (&[1, 0, 0, 0, 2, 0, 0, 0], Ok((1, false, 0, 0))),
        ];
        for (bytes, expected) in cases {
            let got = TelephoneEvent::parse(bytes).map(|e| (e.event, e.end, e.volume, e.duration));
            assert_eq!(&got, expected, "{bytes:?}");
        }
    }

    #[test]
    fn keys() {
        assert_eq!(
            TelephoneEvent::parse(&ev(0, false, 0)).unwrap().key(),
            Some(Key::Digit(0))
        );
        assert_eq!(
            TelephoneEvent::parse(&ev(10, false, 0)).unwrap().key(),
            Some(Key::Star)
        );
        assert_eq!(
            TelephoneEvent::parse(&ev(11, false, 0)).unwrap().key(),
            Some(Key::Hash)
        );
        assert_eq!(
            TelephoneEvent::parse(&ev(12, false, 0)).unwrap().key(),
            None
        );
    }

    /// Runs a packet sequence (timestamp, payload, ms offset) and returns the reported keys.
    fn run(packets: &[(u32, [u8; 4], u64)]) -> String {
        let t0 = Instant::now();
        let mut d = EventDetector::new();
        packets
            .iter()
            .filter_map(|(ts, p, ms)| d.on_packet(*ts, p, t0 + Duration::from_millis(*ms)))
            .map(|k| k.as_char())
            .collect()
    }

    #[test]
    fn detector_table() {
        let cases: Vec<(&str, Vec<(u32, [u8; 4], u64)>, &str)> = vec![
            (
                "one press with three end packets",
                vec![
                    (1000, ev(1, false, 160), 0),
                    (1000, ev(1, false, 320), 20),
                    (1000, ev(1, true, 480), 40),
                    (1000, ev(1, true, 480), 41),
                    (1000, ev(1, true, 480), 42),
                ],
                "1",
            ),
            (
                "start lost, only end packets",
                vec![(1000, ev(7, true, 800), 0), (1000, ev(7, true, 800), 1)],
                "7",
            ),
            (
                "same key twice, new timestamp",
                vec![
                    (1000, ev(5, false, 160), 0),
                    (1000, ev(5, true, 320), 20),
                    (2000, ev(5, false, 160), 200),
                    (2000, ev(5, true, 320), 220),
                ],
                "55",
            ),
            (
                "different keys, same timestamp (replayed captures)",
                vec![
                    (1000, ev(1, false, 160), 0),
                    (1000, ev(1, true, 320), 20),
                    (1000, ev(2, false, 160), 300),
                    (1000, ev(2, true, 320), 320),
                ],
                "12",
            ),
            (
                "same capture replayed after a pause",
                vec![
                    (1000, ev(3, false, 160), 0),
                    (1000, ev(3, true, 320), 20),
                    (1000, ev(3, false, 160), 2000),
                    (1000, ev(3, true, 320), 2020),
                ],
                "33",
            ),
            (
                "redundant end packets delayed past the window",
                vec![
                    (1000, ev(6, false, 160), 0),
                    (1000, ev(6, true, 480), 40),
                    (1000, ev(6, true, 480), 1500),
                    (1000, ev(6, true, 480), 3000),
                ],
                "6",
            ),
            (
                "retransmission of an earlier packet",
                vec![
                    (1000, ev(4, false, 160), 0),
                    (1000, ev(4, false, 160), 20),
                    (1000, ev(4, true, 480), 60),
                ],
                "4",
            ),
            (
                "non-DTMF events and garbage ignored",
                vec![(1000, ev(16, false, 160), 0), (1000, [1, 2, 3, 0], 0)],
                "1",
            ),
            (
                "star and hash",
                vec![(1, ev(10, true, 1), 0), (2, ev(11, true, 1), 0)],
                "*#",
            ),
        ];
        for (name, packets, expected) in cases {
            assert_eq!(run(&packets), expected, "{name}");
        }
    }

    #[test]
    fn short_payload_is_ignored() {
        let mut d = EventDetector::new();
        assert_eq!(d.on_packet(1, &[1, 0], Instant::now()), None);
    }
}

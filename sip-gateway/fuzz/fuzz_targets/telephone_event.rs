//! RFC 4733 telephone-event payloads and the key detector (`telephony::media::telephone_event`).
//!
//! The input is a sequence of packets: RTP timestamp (4 bytes), milliseconds since the previous
//! packet (1 byte), payload (1-byte length). Checks the encode/parse round trip, that only DTMF
//! events give keys, and the detector's contract: each key once per event, where the packets of
//! one event share timestamp and code and either continue it (same or longer duration, however
//! late) or follow the previous packet within 800 ms.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::media::telephone_event::{EventDetector, TelephoneEvent};
use sip_gateway_fuzz::Pieces;

const SAME_EVENT_WINDOW: Duration = Duration::from_millis(800);

fuzz_target!(|data: &[u8]| {
    let mut input = Pieces::new(data);
    let mut detector = EventDetector::new();
    let mut now = Instant::now();
    // The last packet that carried a DTMF key: (timestamp, code, duration, when).
    let mut last: Option<(u32, u8, u16, Instant)> = None;
    while !input.is_empty() {
        let timestamp = input.u32();
        now += Duration::from_millis(u64::from(input.u8()) * 8);
        let payload = input.short();
        let parsed = TelephoneEvent::parse(payload);
        if let Ok(ev) = parsed {
            let back = TelephoneEvent::parse(&ev.to_bytes()).unwrap();
            assert_eq!(
                (back.event, back.end, back.duration),
                (ev.event, ev.end, ev.duration)
            );
            assert_eq!(back.volume, ev.volume & 0x3F);
        }
        let reported = detector.on_packet(timestamp, payload, now);
        let Some(ev) = parsed.ok().filter(|e| e.key().is_some()) else {
            assert_eq!(reported, None, "a key from a packet without a DTMF event");
            continue;
        };
        let continues = last.is_some_and(|(ts, code, duration, at)| {
            ts == timestamp
                && code == ev.event
                && (ev.duration >= duration || now.duration_since(at) < SAME_EVENT_WINDOW)
        });
        let expected = if continues { None } else { ev.key() };
        assert_eq!(reported, expected, "event {ev:?} at timestamp {timestamp}");
        last = Some((timestamp, ev.event, ev.duration, now));
    }
});

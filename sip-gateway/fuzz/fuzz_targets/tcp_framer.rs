//! The read side of SIP over TCP/TLS: `telephony::signaling::tcp::StreamReader` (the buffer,
//! the Content-Length framer `guard::frame`, CRLF keep-alives, the shield on each message), as
//! the connection task feeds it with whatever each read returns.
//!
//! Input: one byte seeding the read sizes, then the stream. Checks that what the reader does
//! does not depend on how the stream was cut into reads (all at once versus reads of 1-64
//! bytes): the same messages passed, the same answers, the same close. Keep-alive pongs are
//! left out of the comparison: CRLF CRLF split over two reads is legitimately two CRLFs.
#![no_main]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::signaling::limits::RateLimiter;
use sip_gateway::telephony::signaling::shield::Shield;
use sip_gateway::telephony::signaling::tcp::{StreamEvent, StreamReader};

fn reader() -> StreamReader {
    let exempt = vec!["127.0.0.1".parse().unwrap()];
    let limiter = RateLimiter::new(50, 200, Duration::from_secs(600), exempt);
    let shield = Arc::new(Shield::new(sip_gateway_fuzz::default_policy(), limiter));
    let peer: SocketAddr = "127.0.0.1:5070".parse().unwrap();
    StreamReader::new(shield, peer)
}

/// Feeds `stream` in reads of the given sizes; returns the events, pongs left out.
fn run(stream: &[u8], read_size: &mut dyn FnMut() -> usize) -> Vec<StreamEvent> {
    let mut r = reader();
    let mut events = Vec::new();
    let mut rest = stream;
    let mut closed = false;
    while !rest.is_empty() {
        let n = read_size().clamp(1, rest.len());
        let got = r.push(&rest[..n]);
        rest = &rest[n..];
        if closed {
            assert!(got.is_empty(), "events after Close");
        }
        for e in got {
            assert!(!closed, "events after Close");
            match &e {
                StreamEvent::Reply(b) if b == b"\r\n" => continue,
                StreamEvent::Close(_) => closed = true,
                StreamEvent::Message(m) => assert!(!m.is_empty()),
                StreamEvent::Reply(b) => assert!(b.starts_with(b"SIP/2.0 ")),
            }
            events.push(e);
        }
    }
    events
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, stream)) = data.split_first() else {
        return;
    };
    let whole = run(stream, &mut || usize::MAX);
    let mut state = u32::from(seed) | 1;
    let mut reads = move || {
        // xorshift: reads of 1 to 64 bytes.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state % 64) as usize + 1
    };
    let chunked = run(stream, &mut reads);
    // Close reasons may differ (a header section over the limit is seen before or after its
    // end arrives); the fact of closing may not.
    let strip = |v: Vec<StreamEvent>| -> Vec<StreamEvent> {
        v.into_iter()
            .map(|e| match e {
                StreamEvent::Close(_) => StreamEvent::Close("closed"),
                e => e,
            })
            .collect()
    };
    assert_eq!(
        strip(chunked),
        strip(whole),
        "framing depends on how the stream was read"
    );
});

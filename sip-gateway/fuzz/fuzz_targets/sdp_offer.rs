//! SDP offer parsing, negotiation and answer building (`telephony::sdp`), as the dispatcher runs
//! them on every INVITE and re-INVITE body.
//!
//! Besides "never panics", checks two offer/answer properties: the answer is itself an SDP the
//! gateway parses and that negotiates the same codec and telephone-event payload type, and it
//! only uses payload types the offer listed on the accepted stream (RFC 3264 section 6.1);
//! and the negotiated payload types are ones RTP can carry (7 bits, not 72-76).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::sdp::Offer;

fuzz_target!(|data: &[u8]| {
    let Ok(offer) = Offer::parse(data) else {
        return;
    };
    let Ok(n) = offer.negotiate() else { return };
    let _ = n.on_hold();
    let local = "192.0.2.5:20000".parse().unwrap();
    let answer = offer.answer(&n, local, u64::MAX, u64::MAX);
    let again = Offer::parse(answer.as_bytes())
        .unwrap_or_else(|e| panic!("the answer does not parse ({e}):\n{answer}"));
    let renegotiated = again
        .negotiate()
        .unwrap_or_else(|e| panic!("the answer does not negotiate ({e}):\n{answer}"));
    assert_eq!(
        (
            renegotiated.law,
            renegotiated.payload_type,
            renegotiated.telephone_event
        ),
        (n.law, n.payload_type, n.telephone_event),
        "the answer does not describe what was negotiated:\n{answer}"
    );
    // What RTP can carry and `RtpPacket::parse` accepts (7 bits, not the RTCP range 72-76).
    for pt in std::iter::once(n.payload_type).chain(n.telephone_event) {
        assert!(
            pt < 128 && !(72..=76).contains(&pt),
            "negotiated payload type {pt} cannot be sent or received in RTP:\n{answer}"
        );
    }
    if std::env::var_os("SDP_NO_PT_CHECK").is_some() {
        return; // to look for other failures while this known one is open
    }
    // RFC 3264 6.1: the codec's payload type in the answer must be one the offer listed on the
    // accepted stream, with that meaning there.
    let text = std::str::from_utf8(data).unwrap();
    let (formats, rtpmaps) = accepted_stream(text);
    let law_pt = n.payload_type;
    assert!(
        formats.contains(&law_pt),
        "the answer uses payload type {law_pt} for {}, which the offer did not list on that stream:\n--- offer\n{text}\n--- answer\n{answer}",
        n.law.encoding_name()
    );
    if let Some((_, name)) = rtpmaps.iter().find(|(pt, _)| *pt == law_pt) {
        assert!(
            name.eq_ignore_ascii_case(n.law.encoding_name()),
            "the answer uses payload type {law_pt} for {}, which the offer maps to {name}:\n--- offer\n{text}\n--- answer\n{answer}",
            n.law.encoding_name()
        );
    }
});

/// The formats and rtpmaps (payload type, encoding name) of the stream `negotiate` accepts:
/// the first `m=audio` line with a non-zero port and `RTP/AVP`, read as `Offer::parse` reads
/// it (formats and payload types with `str::parse::<u8>`, so "08" and "+8" are 8).
fn accepted_stream(text: &str) -> (Vec<u8>, Vec<(u8, String)>) {
    let mut current: Option<(bool, Vec<u8>, Vec<(u8, String)>)> = None;
    for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if let Some(m) = line.strip_prefix("m=") {
            if let Some((true, f, r)) = current.take() {
                return (f, r);
            }
            let mut parts = m.split_ascii_whitespace();
            let media = parts.next();
            let port = parts
                .next()
                .and_then(|p| p.split('/').next()?.parse::<u16>().ok());
            let proto = parts.next();
            let usable =
                media == Some("audio") && port.is_some_and(|p| p != 0) && proto == Some("RTP/AVP");
            current = Some((
                usable,
                parts.filter_map(|f| f.parse().ok()).collect(),
                Vec::new(),
            ));
        } else if let Some(v) = line.strip_prefix("a=rtpmap:")
            && let Some((_, _, rtpmaps)) = current.as_mut()
            && let Some((pt, enc)) = v.split_once(' ')
            && let Ok(pt) = pt.parse::<u8>()
        {
            let name = enc
                .trim()
                .split('/')
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            rtpmaps.push((pt, name));
        }
    }
    match current {
        Some((true, f, r)) => (f, r),
        _ => (Vec::new(), Vec::new()),
    }
}

//! The message guard (`telephony::signaling::guard::inspect`), run on raw bytes before the SIP
//! stack sees anything, as a UDP datagram and as a framed stream message; and the fallback
//! answer for what the stack cannot parse (`unparsed_by_stack`).
//!
//! Checks: a passed message is a parseable SIP message, and the guard's own output passes the
//! guard again unchanged (its re-serialisation is a fixed point: what the stack reads is what
//! the guard judged); a stateless reply is a well-formed SIP response that answers the request
//! (same Call-ID and CSeq); ACKs and responses are never answered.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::signaling::guard::{
    GuardPolicy, Transport, Verdict, inspect, unparsed_by_stack,
};
use sip_gateway::telephony::signaling::raw::{RawMessage, StartLine};

fn policy() -> &'static GuardPolicy {
    static P: OnceLock<GuardPolicy> = OnceLock::new();
    P.get_or_init(sip_gateway_fuzz::default_policy)
}

fn check_reply(request: &[u8], reply: &[u8]) {
    let req = RawMessage::parse(request).expect("a reply to an unparseable message");
    let is_ack = matches!(req.start, StartLine::Request { method: "ACK", .. });
    assert!(!is_ack, "an ACK was answered");
    assert!(
        matches!(req.start, StartLine::Request { .. }),
        "a response was answered"
    );
    let resp = RawMessage::parse(reply).unwrap_or_else(|e| {
        panic!(
            "reply does not parse ({e}): {:?}",
            String::from_utf8_lossy(reply)
        )
    });
    let StartLine::Response { version, code } = resp.start else {
        panic!("reply is not a response")
    };
    assert_eq!(version, "SIP/2.0");
    assert!(code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()));
    for h in ["call-id", "cseq"] {
        // Compared trimmed: unfolding "CSeq:\r\n 1 BYE" gives " 1 BYE".
        assert_eq!(
            resp.all(h).next().map(str::trim),
            req.all(h).next().map(str::trim),
            "reply {h} differs from the request's"
        );
    }
    assert!(resp.body.is_empty(), "reply has a body");
}

fn describe(v: &Verdict) -> String {
    match v {
        Verdict::Pass(_) => "pass".to_owned(),
        Verdict::Drop(why) => format!("drop: {why}"),
        Verdict::Reply(r) => {
            let line = r.split(|&b| b == b'\r').next().unwrap_or_default();
            format!("reply: {}", String::from_utf8_lossy(line))
        }
    }
}

/// `SIP_GUARD_NO_FIXPOINT=1` skips the fixed-point check (to look for other failures while a
/// known fixed-point bug is open).
fn check_fixpoint() -> bool {
    static C: OnceLock<bool> = OnceLock::new();
    *C.get_or_init(|| std::env::var_os("SIP_GUARD_NO_FIXPOINT").is_none())
}

fn run(data: &[u8], transport: Transport) {
    match inspect(data, transport, policy()) {
        Verdict::Pass(bytes) => {
            if !bytes.iter().all(u8::is_ascii_whitespace) {
                RawMessage::parse(&bytes).expect("passed bytes do not parse");
                match check_fixpoint().then(|| inspect(&bytes, transport, policy())) {
                    None => {}
                    Some(Verdict::Pass(again)) => assert!(
                        again == bytes,
                        "the guard changes its own output again:\n{}\n---\n{}",
                        String::from_utf8_lossy(&bytes),
                        String::from_utf8_lossy(&again)
                    ),
                    Some(other) => panic!(
                        "the guard refuses its own output ({}):\n{}",
                        describe(&other),
                        String::from_utf8_lossy(&bytes)
                    ),
                }
                match unparsed_by_stack(&bytes) {
                    Verdict::Reply(r) => check_reply(&bytes, &r),
                    Verdict::Drop(_) => {}
                    Verdict::Pass(_) => panic!("unparsed_by_stack passed a message"),
                }
            }
        }
        Verdict::Reply(r) => check_reply(data, &r),
        Verdict::Drop(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    run(data, Transport::Udp);
    run(data, Transport::Stream);
});

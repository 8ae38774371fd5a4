//! The whole path of a SIP message up to the transaction layer, as on the UDP socket and the
//! TCP connections: the shield (`Shield::judge`: rate limit, guard, rsipstack parse check,
//! stateless fallback), then for what it passes the stack's own parse
//! (`SipMessage::try_from`), the `received`/`rport` update of the top Via, the transaction and
//! dialog keys, the typed headers the dispatcher and the dialog layer read, the SDP body of an
//! INVITE, and the stack's serialisation of the message.
//!
//! A panic here would be in rsipstack's receive task: the gateway would stop reading SIP.
#![no_main]

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use rsipstack::dialog::DialogId;
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::{Method, SipMessage};
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transport::SipConnection;
use sip_gateway::telephony::sdp::Offer;
use sip_gateway::telephony::signaling::guard::{Transport, Verdict, uri_user};
use sip_gateway::telephony::signaling::limits::RateLimiter;
use sip_gateway::telephony::signaling::shield::Shield;

const PEER: &str = "127.0.0.1:5070";

fn shield() -> &'static Shield {
    static S: OnceLock<Shield> = OnceLock::new();
    S.get_or_init(|| {
        let exempt = vec!["127.0.0.1".parse().unwrap()];
        let limiter = RateLimiter::new(50, 200, Duration::from_secs(600), exempt);
        Shield::new(sip_gateway_fuzz::default_policy(), limiter)
    })
}

fn stack(bytes: &[u8], transport: rsipstack::sip::Transport) {
    // The stack gets only what the shield passed; it must parse (the shield checked).
    let Ok(msg) = SipMessage::try_from(bytes) else {
        panic!("the shield passed a message the stack cannot parse");
    };
    let peer: SocketAddr = PEER.parse().unwrap();
    let Ok(msg) = SipConnection::update_msg_received(msg, peer, transport) else {
        return;
    };
    let wire = msg.to_string();
    match &msg {
        SipMessage::Request(req) => {
            let _ = TransactionKey::from_request(req, TransactionRole::Server);
            let _ = DialogId::try_from((req, TransactionRole::Server));
            let _ = req.to_header().and_then(|t| t.tag());
            let _ = req.from_header().and_then(|f| f.tag());
            let _ = req.call_id_header().map(|c| c.value().to_string());
            let _ = req.cseq_header().and_then(|c| c.seq());
            let _ = req.cseq_header().and_then(|c| c.method());
            let _ = req.top_via_header().and_then(|v| v.typed());
            let _ = req.typed_contact_headers();
            let _ = req.typed_record_route_headers();
            let _ = req.transaction_id();
            let _ = uri_user(&req.uri.to_string());
            if req.method == Method::Invite
                && let Ok(offer) = Offer::parse(&req.body)
            {
                let _ = offer.negotiate();
            }
        }
        SipMessage::Response(resp) => {
            let _ = TransactionKey::from_response(resp, TransactionRole::Client);
            let _ = resp.cseq_header().and_then(|c| c.seq());
            let _ = resp.to_header().and_then(|t| t.tag());
            let _ = resp.reason_phrase();
        }
    }
    // What the stack would put on the wire for this message parses again.
    assert!(
        SipMessage::try_from(wire.as_str()).is_ok(),
        "the stack cannot parse its own serialisation:\n{wire}"
    );
}

fuzz_target!(|data: &[u8]| {
    let peer: SocketAddr = PEER.parse().unwrap();
    for (transport, stack_transport) in [
        (Transport::Udp, rsipstack::sip::Transport::Udp),
        (Transport::Stream, rsipstack::sip::Transport::Tcp),
    ] {
        if let Verdict::Pass(bytes) = shield().judge(data, peer, transport)
            && !bytes.iter().all(u8::is_ascii_whitespace)
        {
            stack(&bytes, stack_transport);
        }
    }
});

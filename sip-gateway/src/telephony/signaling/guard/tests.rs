use super::*;

fn policy() -> GuardPolicy {
    GuardPolicy {
        service_users: vec!["ivr".into(), "0612345678".into()],
        scanner_user_agents: vec!["friendly-scanner".into(), "sipvicious".into()],
        max_message_size: 8192,
        registrar: false,
    }
}

fn summary(v: &Verdict) -> String {
    match v {
        Verdict::Pass(_) => "pass".into(),
        Verdict::Drop(_) => "drop".into(),
        Verdict::Reply(r) => {
            String::from_utf8_lossy(&r[8..11]).into_owned()
                + if std::env::var("GUARD_DEBUG").is_ok() {
                    String::from_utf8_lossy(&r[..40]).into_owned()
                } else {
                    String::new()
                }
                .as_str()
        }
    }
}

const TORTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/sip-torture");

/// Every torture message over UDP and over a stream, with what the guard must decide. "pass"
/// means the message goes to the SIP stack (which answers it: 200, 405, 481 ...).
#[test]
fn torture_table() {
    let table: &[(&str, &str, &str)] = &[
        // file, udp, stream
        ("wsinv", "pass", "pass"),
        ("intmeth", "501", "501"),
        ("esc01", "404", "404"),
        ("escnull", "405", "405"),
        ("esc02", "501", "501"),
        ("lwsdisp", "pass", "pass"),
        ("longreq", "404", "404"),
        ("dblreq", "405", "405"),
        ("semiuri", "pass", "pass"),
        ("transports", "pass", "pass"),
        ("mpart01", "405", "405"),
        ("unreason", "pass", "pass"),
        ("noreason", "pass", "pass"),
        ("badinv01", "400", "400"),
        ("clerr", "400", "close"),
        ("ncl", "400", "close"),
        ("scalar02", "400", "400"),
        ("scalarlg", "drop", "drop"),
        ("quotbal", "400", "400"),
        ("ltgtruri", "400", "400"),
        ("lwsruri", "400", "400"),
        ("lwsstart", "400", "400"),
        ("trws", "400", "400"),
        ("escruri", "400", "400"),
        ("baddate", "404", "404"),
        ("regbadct", "400", "400"),
        ("badaspec", "400", "400"),
        ("baddn", "drop", "wait"),
        ("badvers", "505", "505"),
        ("mismatch01", "400", "400"),
        ("mismatch02", "501", "501"),
        ("bigcode", "drop", "drop"),
        ("badbranch", "pass", "pass"),
        ("insuf", "400", "400"),
        ("unkscm", "416", "416"),
        ("novelsc", "416", "416"),
        ("unksm2", "405", "405"),
        ("bext01", "420", "420"),
        ("invut", "415", "415"),
        ("regaut01", "405", "405"),
        ("multi01", "400", "400"),
        ("mcl01", "400", "close"),
        ("bcast", "pass", "pass"),
        ("zeromf", "pass", "pass"),
        ("cparam01", "405", "405"),
        ("cparam02", "405", "405"),
        ("regescrt", "405", "405"),
        ("sdp01", "406", "406"),
        ("inv2543", "404", "close"),
        ("ipv6-good", "405", "405"),
        ("ipv6-bad", "400", "400"),
        ("port-ambiguous", "405", "405"),
        ("port-unambiguous", "405", "405"),
        ("via-received-param-with-delim", "pass", "pass"),
        ("via-received-param-no-delim", "pass", "pass"),
        ("ipv6-in-sdp", "400", "wait"),
        ("mult-ip-in-header", "pass", "pass"),
        ("mult-ip-in-sdp", "404", "404"),
        ("ipv4-mapped-ipv6", "404", "404"),
        ("ipv6-bug-abnf-3-colons", "pass", "pass"),
        ("ipv6-correct-abnf-2-colons", "pass", "pass"),
    ];
    let mut failures = Vec::new();
    for (file, udp, stream) in table {
        let bytes = std::fs::read(format!("{TORTURE}/{file}.dat")).expect("torture file");
        let got_udp = summary(&inspect(&bytes, Transport::Udp, &policy()));
        // On a stream the framer runs first; a message it cannot frame closes the connection.
        let got_stream = match frame(&bytes, 8192) {
            Framing::Message(n) => summary(&inspect(&bytes[..n], Transport::Stream, &policy())),
            Framing::Incomplete => "wait".into(),
            Framing::Invalid(_) => "close".into(),
            Framing::KeepAlive(_) => "keepalive".into(),
        };
        if got_udp != *udp || got_stream != *stream {
            failures.push(format!(
                "{file}: udp {got_udp} (want {udp}), stream {got_stream} (want {stream})"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_expected_tsv_line_is_in_the_table() {
    let tsv = std::fs::read_to_string(format!("{TORTURE}/EXPECTED.tsv")).unwrap();
    let src = include_str!("tests.rs");
    for line in tsv.lines() {
        let file = line.split('\t').next().unwrap().trim_end_matches(".dat");
        assert!(
            src.contains(&format!("(\"{file}\", ")),
            "{file} missing from the table"
        );
    }
}

#[test]
fn scanners_and_size_are_dropped() {
    let msg = b"OPTIONS sip:ivr@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:ivr@h>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nUser-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(
        inspect(msg, Transport::Udp, &policy()),
        Verdict::Drop("scanner user agent")
    );
    let mut p = policy();
    p.max_message_size = 50;
    assert_eq!(
        inspect(msg, Transport::Udp, &p),
        Verdict::Drop("message too large")
    );
}

#[test]
fn udp_pass_adds_rport_and_cuts_to_content_length() {
    let msg = b"OPTIONS sip:ivr@h SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1, SIP/2.0/UDP g\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:ivr@h>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nl: 2\r\n\r\nabcdef";
    let Verdict::Pass(out) = inspect(msg, Transport::Udp, &policy()) else {
        panic!("not passed")
    };
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("Via: SIP/2.0/UDP h;branch=z9hG4bK1;rport,SIP/2.0/UDP g\r\n"),
        "{out}"
    );
    assert!(out.ends_with("\r\n\r\nab"), "{out}");
}

#[test]
fn stateless_response_copies_headers_and_adds_a_stable_tag() {
    let msg = b"INVITE sip:nobody@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP g\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:nobody@h>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    let Verdict::Reply(a) = inspect(msg, Transport::Udp, &policy()) else {
        panic!()
    };
    let Verdict::Reply(b) = inspect(msg, Transport::Udp, &policy()) else {
        panic!()
    };
    assert_eq!(a, b);
    let a = String::from_utf8(a).unwrap();
    assert!(a.starts_with("SIP/2.0 404 Not Found\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP g\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:nobody@h>;tag=sl"), "{a}");
    assert!(a.contains("Call-ID: x\r\nCSeq: 1 INVITE\r\n"), "{a}");
}

#[test]
fn framing_table() {
    let cases: &[(&[u8], Framing)] = &[
        (b"\r\n\r\n", Framing::KeepAlive(4)),
        (b"OPTIONS sip:a SIP/2.0\r\nl: 0\r\n", Framing::Incomplete),
        (
            b"OPTIONS sip:a SIP/2.0\r\nl: 0\r\n\r\nNEXT",
            Framing::Message(31),
        ),
        (
            b"OPTIONS sip:a SIP/2.0\r\nContent-Length: 3\r\n\r\nab",
            Framing::Incomplete,
        ),
        (
            b"OPTIONS sip:a SIP/2.0\r\nContent-Length: 3\r\n\r\nabc",
            Framing::Message(47),
        ),
        (
            b"OPTIONS sip:a SIP/2.0\r\nContent-Length: -1\r\n\r\n",
            Framing::Invalid("bad Content-Length"),
        ),
        (
            b"OPTIONS sip:a SIP/2.0\r\nl: 1\r\nl: 2\r\n\r\nab",
            Framing::Invalid("conflicting Content-Length"),
        ),
        (
            b"OPTIONS sip:a SIP/2.0\r\n\r\n",
            Framing::Invalid("no Content-Length on a stream"),
        ),
        (
            b"OPTIONS sip:a SIP/2.0\r\nl: 99999999\r\n\r\n",
            Framing::Invalid("message too large"),
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            frame(bytes, 8192),
            *expected,
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// Found by the `sip_guard` fuzz target: a second protocol after the transport
/// ("SIP/2.0/TCPSIP / 2.0 / UDP host") used to pass as a sent-by, and the canonical form of
/// the message was then refused by the guard itself.
#[test]
fn via_sent_by_is_only_host_and_port() {
    let with_via = |via: &str| {
        format!(
            "OPTIONS sip:ivr@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nVia: {via}\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:ivr@h>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let verdict = |via: &str| {
        summary(&inspect(
            with_via(via).as_bytes(),
            Transport::Udp,
            &policy(),
        ))
    };
    assert_eq!(
        verdict("SIP / 2.0 / TCPSIP / 2.0 / UDP 192.0.2.1;branch=z9hG4bK2"),
        "400"
    );
    assert_eq!(verdict("SIP/2.0/UDP two words;branch=z9hG4bK2"), "400");
    assert_eq!(verdict("SIP/2.0/UDP :255];branch=z9hG4bK2"), "400");
    assert_eq!(verdict("SIP/2.0/UDP [5144;branch=z9hG4bK2"), "400");
    assert_eq!(verdict("SIP/2.0/UDP h:50600000;branch=z9hG4bK2"), "400");
    assert_eq!(
        verdict("SIP / 2.0 / UDP 192.0.2.1:5060 ;branch=z9hG4bK2"),
        "pass"
    );
    assert_eq!(
        verdict("SIP/2.0/UDP [2001:db8::10]:5070;branch=z9hG4bK2"),
        "pass"
    );
}

#[test]
fn register_goes_to_the_registrar_only_when_there_is_one() {
    for file in ["cparam01", "regescrt", "ipv6-good"] {
        let bytes = std::fs::read(format!("{TORTURE}/{file}.dat")).unwrap();
        assert_eq!(
            summary(&inspect(&bytes, Transport::Udp, &policy())),
            "405",
            "{file}"
        );
        let with_registrar = GuardPolicy {
            registrar: true,
            ..policy()
        };
        assert_eq!(
            summary(&inspect(&bytes, Transport::Udp, &with_registrar)),
            "pass",
            "{file}"
        );
    }
}

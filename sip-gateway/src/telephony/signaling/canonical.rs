//! Canonical re-serialisation of a message the guard accepted, before rsipstack parses it.
//!
//! RFC 3261 allows a lot of whitespace that rsipstack's parser does not: folded header lines,
//! LWS around `/` in a Via's sent-protocol, around `;` and `=` in parameters (`tag = 98asjd8`),
//! around `:` in a sent-by. The guard has already checked the message on its unfolded
//! headers; here each header is written on one line with a canonical name and, for the
//! structured headers, without the optional whitespace, so the stack reads the same message
//! the guard judged (RFC 4475 3.1.1.1, "wsinv"). Content-Length is rewritten to the body kept.
//! No I/O: bytes in, bytes out.

use super::raw::RawMessage;

/// Headers whose values are lists of `name-addr`/`via-parm`/tokens with parameters: optional
/// whitespace around separators is removed.
const STRUCTURED: &[&str] = &[
    "via",
    "from",
    "to",
    "contact",
    "route",
    "record-route",
    "cseq",
    "content-type",
];

/// The message as one line per header. With `add_rport`, the first value of the top Via gets
/// an `rport` parameter (RFC 3581) unless it has one, so responses go back to the source port.
pub fn serialize(buf: &[u8], msg: &RawMessage<'_>, body_len: usize, add_rport: bool) -> Vec<u8> {
    let start_end = buf
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(buf.len().min(msg.head_len));
    let start = buf[..start_end]
        .strip_suffix(b"\r")
        .unwrap_or(&buf[..start_end]);
    let body = &msg.body[..body_len.min(msg.body.len())];
    let mut out = Vec::with_capacity(msg.head_len + body.len() + 32);
    out.extend_from_slice(start);
    out.extend_from_slice(b"\r\n");
    let mut top_via = add_rport;
    for h in &msg.headers {
        if h.name == "content-length" {
            continue;
        }
        let value = if STRUCTURED.contains(&h.name.as_str()) {
            tidy(&h.value)
        } else {
            h.value.trim().to_owned()
        };
        let value = if h.name == "via" && top_via {
            top_via = false;
            with_rport(&value)
        } else {
            value
        };
        out.extend_from_slice(display_name(&h.name).as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// `call-id` → `Call-ID`, `x-custom-thing` → `X-Custom-Thing`.
fn display_name(lower: &str) -> String {
    match lower {
        "call-id" => return "Call-ID".to_owned(),
        "cseq" => return "CSeq".to_owned(),
        "www-authenticate" => return "WWW-Authenticate".to_owned(),
        _ => {}
    }
    let mut out = String::with_capacity(lower.len());
    let mut upper = true;
    for c in lower.chars() {
        out.push(if upper { c.to_ascii_uppercase() } else { c });
        upper = c == '-';
    }
    out
}

/// Removes optional whitespace outside quoted strings and `<...>`: none around `;` `=` `,`
/// `/` `:`, one space elsewhere (between display-name words, before `<`, between a Via's
/// protocol and host, between a CSeq's number and method).
fn tidy(value: &str) -> String {
    const SEPARATORS: &[char] = &[';', '=', ',', '/', ':'];
    let mut out = String::with_capacity(value.len());
    let (mut quoted, mut escaped, mut angle, mut pending_space) = (false, false, false, false);
    for c in value.trim().chars() {
        if quoted || angle {
            out.push(c);
            if quoted {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => quoted = false,
                    _ => {}
                }
            } else if c == '>' {
                angle = false;
            }
            continue;
        }
        if c == ' ' || c == '\t' {
            pending_space = true;
            continue;
        }
        if pending_space
            && !SEPARATORS.contains(&c)
            && !out.is_empty()
            && !out.ends_with(SEPARATORS)
        {
            out.push(' ');
        }
        pending_space = false;
        match c {
            '"' => quoted = true,
            '<' => angle = true,
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Adds `;rport` to the first value of a (tidied) Via header unless it has the parameter.
fn with_rport(via: &str) -> String {
    let first_end = via.find(',').unwrap_or(via.len());
    let first = &via[..first_end];
    let has_rport = first.split(';').skip(1).any(|p| {
        p.split('=')
            .next()
            .is_some_and(|n| n.eq_ignore_ascii_case("rport"))
    });
    if has_rport {
        return via.to_owned();
    }
    format!("{first};rport{}", &via[first_end..])
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    #[test]
    fn tidy_table() {
        let cases: &[(&str, &str)] = &[
            (
                "SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw",
                "SIP/2.0/UDP 192.0.2.2;branch=390skdjuw",
            ),
            (
                "SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239",
                "SIP/2.0/TCP spindle.example.com;branch=z9hG4bK9ikj8,SIP/2.0/UDP 192.168.255.111;branch=z9hG4bK30239",
            ),
            (
                "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com> ; tag = 98asjd8",
                "\"J Rosenberg \\\\\\\"\" <sip:jdrosen@example.com>;tag=98asjd8",
            ),
            (
                "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n",
                "sip:vivekg@chair-dnrc.example.com;tag=1918181833n",
            ),
            ("0009   INVITE", "0009 INVITE"),
            (
                "caller<sip:caller@example.com>;tag=323",
                "caller<sip:caller@example.com>;tag=323",
            ),
            ("Bob   Smith  < sip:b@h >", "Bob Smith < sip:b@h >"),
            ("SIP/2.0/UDP h : 5060", "SIP/2.0/UDP h:5060"),
        ];
        for (input, want) in cases {
            assert_eq!(tidy(input), *want, "{input}");
        }
    }

    #[test]
    fn rport_is_added_once_to_the_first_value() {
        assert_eq!(
            with_rport("SIP/2.0/UDP h;branch=z9hG4bK1,SIP/2.0/UDP g"),
            "SIP/2.0/UDP h;branch=z9hG4bK1;rport,SIP/2.0/UDP g"
        );
        assert_eq!(
            with_rport("SIP/2.0/UDP h;rport=5060;branch=z9hG4bK1"),
            "SIP/2.0/UDP h;rport=5060;branch=z9hG4bK1"
        );
    }

    #[test]
    fn serialize_unfolds_renames_and_fixes_the_length() {
        let buf = b"OPTIONS sip:ivr@h SIP/2.0\r\nv: SIP/2.0/UDP h\r\n ;branch=z9hG4bK1\r\ni: x\r\nf: <sip:a@h>;tag=1\r\nt: <sip:ivr@h>\r\ncseq: 1 OPTIONS\r\nX-odd-header: a  b\r\nl: 2\r\n\r\nabcdef";
        let msg = RawMessage::parse(buf).unwrap();
        let out = String::from_utf8(serialize(buf, &msg, 2, true)).unwrap();
        assert_eq!(
            out,
            "OPTIONS sip:ivr@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1;rport\r\nCall-ID: x\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:ivr@h>\r\nCSeq: 1 OPTIONS\r\nX-Odd-Header: a  b\r\nContent-Length: 2\r\n\r\nab"
        );
    }
}

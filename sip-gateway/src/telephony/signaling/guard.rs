//! The message guard: strict checks on raw bytes before rsipstack parses anything.
//!
//! rsipstack's parser is lenient in places (it accepts `<` `>` around a Request-URI, empty Via
//! parameters, repeated Call-IDs) and strict in others (it drops unknown methods that RFC 3261
//! wants answered with 501). The guard decides per message: pass it on (re-serialised by
//! [`canonical`]: one line per header, cut to its Content-Length, and on UDP with `rport` added
//! to the top Via so responses go back where the request came from), answer it statelessly
//! (400, 404, 405, 415, 416, 420, 501, 505 ...), or drop it silently (responses with impossible values, scanners, garbage that cannot be answered).
//! No I/O: bytes in, verdict out.

use super::canonical;
use super::raw::{RawMessage, StartLine, is_token_char};

/// Methods the gateway handles.
pub const ALLOWED_METHODS: &[&str] = &["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO"];
/// Methods the gateway knows but does not serve (answered 405 with Allow).
const KNOWN_METHODS: &[&str] = &[
    "REGISTER",
    "MESSAGE",
    "SUBSCRIBE",
    "NOTIFY",
    "PUBLISH",
    "REFER",
    "UPDATE",
    "PRACK",
];
/// The Allow header value.
pub const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO";

/// How a message arrived: datagrams are cut to Content-Length, streams are framed before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Stream,
}

/// The guard's configuration (from [`super::super::settings::SipSettings`]).
#[derive(Debug, Clone)]
pub struct GuardPolicy {
    /// Request-URI users that take calls (service numbers).
    pub service_users: Vec<String>,
    /// Lower-case substrings of User-Agent values that mark a scanner.
    pub scanner_user_agents: Vec<String>,
    pub max_message_size: usize,
    /// REGISTER goes to the registrar (operator accounts are configured); otherwise 405.
    pub registrar: bool,
}

/// What to do with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Hand these bytes to the SIP stack.
    Pass(Vec<u8>),
    /// Send this stateless response to the source and forget the request.
    Reply(Vec<u8>),
    /// Ignore the message (and, on a stream, keep the connection).
    Drop(&'static str),
}

struct Reject {
    code: u16,
    reason: &'static str,
    extra: Vec<String>,
}

fn reject(code: u16, reason: &'static str) -> Reject {
    Reject {
        code,
        reason,
        extra: Vec::new(),
    }
}

/// Judges one message. For [`Transport::Udp`], `buf` is the whole datagram; for
/// [`Transport::Stream`], one message already framed by [`frame`].
pub fn inspect(buf: &[u8], transport: Transport, policy: &GuardPolicy) -> Verdict {
    if buf.len() > policy.max_message_size {
        return Verdict::Drop("message too large");
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        // Keep-alive: the stack answers it.
        return Verdict::Pass(buf.to_vec());
    }
    let Ok(msg) = RawMessage::parse(buf) else {
        return Verdict::Drop("unparseable");
    };
    if let Some(ua) = msg.all("user-agent").chain(msg.all("server")).next() {
        let ua = ua.to_ascii_lowercase();
        if policy
            .scanner_user_agents
            .iter()
            .any(|s| !s.is_empty() && ua.contains(s.as_str()))
        {
            return Verdict::Drop("scanner user agent");
        }
    }
    match &msg.start {
        StartLine::Response { version, code } => {
            check_response(&msg, version, code, buf, transport)
        }
        StartLine::Request {
            method,
            uri,
            version,
            well_spaced,
        } => {
            let is_ack = *method == "ACK";
            if msg.single("via").ok().flatten().is_none() && msg.all("via").next().is_none() {
                return Verdict::Drop("request without Via cannot be answered");
            }
            match check_request(&msg, method, uri, version, *well_spaced, transport, policy) {
                Ok(body_len) => Verdict::Pass(canonical::serialize(
                    buf,
                    &msg,
                    body_len,
                    transport == Transport::Udp,
                )),
                Err(_) if is_ack => Verdict::Drop("bad ACK (never answered)"),
                Err(r) => Verdict::Reply(stateless_response(&msg, r.code, r.reason, &r.extra)),
            }
        }
    }
}

fn check_response(
    msg: &RawMessage<'_>,
    version: &str,
    code: &str,
    buf: &[u8],
    transport: Transport,
) -> Verdict {
    let code_ok = code.len() == 3
        && code.bytes().all(|b| b.is_ascii_digit())
        && (100..=699).contains(&code.parse::<u16>().unwrap_or(0));
    if !code_ok || *version != *"SIP/2.0" {
        return Verdict::Drop("bad status line");
    }
    let cseq_ok = matches!(msg.single("cseq"), Ok(Some(c)) if parse_cseq(c).is_some());
    if !cseq_ok || msg.single("call-id").ok().flatten().is_none() {
        return Verdict::Drop("bad response headers");
    }
    let numeric_ok = |name: &str| msg.all(name).all(|v| leading_u32(v).is_some());
    if !numeric_ok("retry-after") {
        return Verdict::Drop("overlarge Retry-After");
    }
    if msg
        .all("warning")
        .any(|w| w.split_whitespace().next().is_none_or(|c| c.len() != 3))
    {
        return Verdict::Drop("bad Warning code");
    }
    match content_length(msg, transport) {
        Ok(body_len) => Verdict::Pass(canonical::serialize(buf, msg, body_len, false)),
        Err(_) => Verdict::Drop("bad Content-Length in a response"),
    }
}

fn leading_u32(v: &str) -> Option<u32> {
    let digits: &str = v.split(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok()
}

fn parse_cseq(v: &str) -> Option<(u32, &str)> {
    let mut parts = v.split_ascii_whitespace();
    let n = parts.next()?;
    let m = parts.next()?;
    // The method is a token in requests and responses alike (RFC 3261 section 20.16).
    if parts.next().is_some()
        || !n.bytes().all(|b| b.is_ascii_digit())
        || !m.bytes().all(is_token_char)
    {
        return None;
    }
    Some((n.parse().ok()?, m))
}

/// Checks a request; returns the body length to keep.
fn check_request(
    msg: &RawMessage<'_>,
    method: &str,
    uri: &str,
    version: &str,
    well_spaced: bool,
    transport: Transport,
    policy: &GuardPolicy,
) -> Result<usize, Reject> {
    if !well_spaced {
        return Err(reject(400, "Malformed Request-Line"));
    }
    if version != "SIP/2.0" {
        return Err(if version.starts_with("SIP/") {
            reject(505, "Version Not Supported")
        } else {
            reject(400, "Malformed Request-Line")
        });
    }
    if method.is_empty() || !method.bytes().all(is_token_char) {
        return Err(reject(400, "Bad Method"));
    }
    for name in ["call-id", "from", "to", "cseq"] {
        match msg.single(name) {
            Ok(Some(_)) => {}
            Ok(None) => return Err(reject(400, "Missing Mandatory Header")),
            Err(()) => return Err(reject(400, "Duplicate Header")),
        }
    }
    if msg.single("max-forwards").is_err() {
        return Err(reject(400, "Duplicate Header"));
    }
    if let Ok(Some(mf)) = msg.single("max-forwards")
        && (mf.is_empty() || !mf.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(reject(400, "Bad Max-Forwards"));
    }
    let body_len = content_length(msg, transport)?;
    let known = ALLOWED_METHODS.contains(&method) || KNOWN_METHODS.contains(&method);
    let cseq = msg.single("cseq").ok().flatten().unwrap_or_default();
    let Some((_, cseq_method)) = parse_cseq(cseq) else {
        return Err(reject(400, "Bad CSeq"));
    };
    if !known {
        return Err(Reject {
            code: 501,
            reason: "Not Implemented",
            extra: vec![format!("Allow: {ALLOW}")],
        });
    }
    if cseq_method != method {
        return Err(reject(400, "CSeq Method Mismatch"));
    }
    for via in msg.all("via") {
        check_via(via).map_err(|()| reject(400, "Bad Via"))?;
    }
    for name in ["from", "to"] {
        let v = msg.single(name).ok().flatten().unwrap_or_default();
        check_name_addr(v, false).map_err(|()| reject(400, "Bad From or To"))?;
    }
    for contact in msg.all("contact") {
        for v in split_list(contact) {
            if v.trim() != "*" {
                check_name_addr(v, true).map_err(|()| reject(400, "Bad Contact"))?;
            }
        }
    }
    check_request_uri(uri)?;
    let registering = method == "REGISTER" && policy.registrar;
    if !ALLOWED_METHODS.contains(&method) && !registering {
        return Err(Reject {
            code: 405,
            reason: "Method Not Allowed",
            extra: vec![format!("Allow: {ALLOW}")],
        });
    }
    if method != "ACK" && method != "CANCEL" {
        let required: Vec<&str> = msg
            .all("require")
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        if !required.is_empty() {
            return Err(Reject {
                code: 420,
                reason: "Bad Extension",
                extra: vec![format!("Unsupported: {}", required.join(", "))],
            });
        }
    }
    if method == "INVITE" {
        if body_len > 0 {
            let ct = msg
                .single("content-type")
                .ok()
                .flatten()
                .unwrap_or_default();
            let media = ct.split(';').next().unwrap_or_default().trim();
            if !media.eq_ignore_ascii_case("application/sdp") {
                return Err(Reject {
                    code: 415,
                    reason: "Unsupported Media Type",
                    extra: vec!["Accept: application/sdp".to_owned()],
                });
            }
        }
        let accepts: Vec<String> = msg
            .all("accept")
            .flat_map(|v| v.split(','))
            .map(|t| {
                t.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        if !accepts.is_empty()
            && !accepts
                .iter()
                .any(|a| a == "application/sdp" || a == "application/*" || a == "*/*")
        {
            return Err(Reject {
                code: 406,
                reason: "Not Acceptable",
                extra: vec![
                    "Warning: 399 sportello \"only application/sdp is supported\"".to_owned(),
                ],
            });
        }
        let to = msg.single("to").ok().flatten().unwrap_or_default();
        let initial = !has_tag(to);
        if initial {
            let user = uri_user(uri);
            if !policy
                .service_users
                .iter()
                .any(|s| Some(s.as_str()) == user)
            {
                return Err(reject(404, "Not Found"));
            }
        }
    }
    Ok(body_len)
}

fn content_length(msg: &RawMessage<'_>, transport: Transport) -> Result<usize, Reject> {
    let mut value: Option<usize> = None;
    for v in msg.all("content-length") {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(reject(400, "Bad Content-Length"));
        }
        let n: usize = v.parse().map_err(|_| reject(400, "Bad Content-Length"))?;
        if value.is_some_and(|p| p != n) {
            return Err(reject(400, "Conflicting Content-Length"));
        }
        value = Some(n);
    }
    match (value, transport) {
        (Some(n), _) if n > msg.body.len() => Err(reject(400, "Content-Length Exceeds Body")),
        (Some(n), _) => Ok(n),
        // RFC 3261 section 18.3: on UDP the body is the rest of the datagram.
        (None, Transport::Udp) => Ok(msg.body.len()),
        (None, Transport::Stream) => Err(reject(400, "Missing Content-Length")),
    }
}

fn has_tag(name_addr: &str) -> bool {
    let params = match name_addr.rfind('>') {
        Some(i) => &name_addr[i..],
        None => name_addr,
    };
    params.split(';').skip(1).any(|p| {
        let (name, value) = p.split_once('=').unwrap_or((p, ""));
        name.trim().eq_ignore_ascii_case("tag") && !value.trim().is_empty()
    })
}

/// The user part of a sip/sips/tel URI (unescaped is not needed: service users are plain).
pub fn uri_user(uri: &str) -> Option<&str> {
    let (scheme, rest) = uri.split_once(':')?;
    if scheme.eq_ignore_ascii_case("tel") {
        return rest.split(';').next();
    }
    let (user, _) = rest.split_once('@')?;
    Some(
        user.split(';')
            .next()
            .unwrap_or(user)
            .split(':')
            .next()
            .unwrap_or(user),
    )
}

fn check_request_uri(uri: &str) -> Result<(), Reject> {
    if uri.starts_with('<') {
        return Err(reject(400, "Bad Request-URI"));
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err(reject(400, "Bad Request-URI"));
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "sip" && scheme != "sips" && scheme != "tel" {
        return Err(reject(416, "Unsupported URI Scheme"));
    }
    if scheme == "tel" {
        return Ok(());
    }
    if rest.contains('?') {
        return Err(reject(400, "Headers In Request-URI"));
    }
    let hostport = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let hostport = hostport.split(';').next().unwrap_or_default();
    if hostport.is_empty() {
        return Err(reject(400, "Bad Request-URI"));
    }
    if hostport.starts_with('[') {
        if !hostport.contains(']') {
            return Err(reject(400, "Bad Request-URI"));
        }
    } else if hostport.matches(':').count() > 1 {
        // An IPv6 reference must be in brackets (RFC 5118 section 4.2).
        return Err(reject(400, "IPv6 Without Brackets"));
    }
    Ok(())
}

/// `SIP/2.0/TRANSPORT host[:port] *(;param)`, comma-separated values, no empty parts.
fn check_via(value: &str) -> Result<(), ()> {
    for v in value.split(',') {
        let v = v.trim();
        if v.is_empty() {
            return Err(());
        }
        let mut parts = v.split(';');
        let sent = parts.next().unwrap_or_default();
        // LWS is allowed around the slashes: "SIP / 2.0 / UDP host".
        let mut proto = sent.splitn(3, '/');
        let (name, version, rest) = (
            proto.next().unwrap_or_default().trim(),
            proto.next().unwrap_or_default().trim(),
            proto.next().unwrap_or_default().trim_start(),
        );
        let (transport, sent_by) = rest.split_once([' ', '\t']).ok_or(())?;
        // sent-by is `host[:port]`: a name, an IPv4 address or a bracketed IPv6 reference,
        // nothing else (a stray "/ 2.0 / UDP host" after the transport is not one).
        let sent_by_ok = is_sent_by(sent_by.trim());
        if !name.eq_ignore_ascii_case("SIP")
            || version != "2.0"
            || transport.is_empty()
            || !transport.bytes().all(is_token_char)
            || !sent_by_ok
        {
            return Err(());
        }
        for p in parts {
            let p = p.trim();
            if p.is_empty() {
                return Err(());
            }
            let name = p.split('=').next().unwrap_or_default().trim();
            if name.is_empty() || !name.bytes().all(is_token_char) {
                return Err(());
            }
        }
    }
    Ok(())
}

/// `host [ ":" port ]` of a Via (RFC 3261 section 20.42): a host name or IPv4 address, or a
/// bracketed IPv6 reference, and at most five port digits.
fn is_sent_by(sent_by: &str) -> bool {
    let (host_ok, port) = if let Some(rest) = sent_by.strip_prefix('[') {
        let Some((ipv6, after)) = rest.split_once(']') else {
            return false;
        };
        let ipv6_ok = ipv6.contains(':')
            && ipv6
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        match after {
            "" => (ipv6_ok, None),
            _ => (ipv6_ok, Some(after.strip_prefix(':').unwrap_or("x"))),
        }
    } else {
        let (host, port) = match sent_by.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (sent_by, None),
        };
        let host_ok = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        (host_ok, port)
    };
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

/// Splits a header value on commas outside quotes and angle brackets.
/// Splits a header value on the commas outside quotes and angle brackets.
pub(crate) fn split_list(v: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut angle, mut escaped, mut start) = (false, false, false, 0);
    for (i, c) in v.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                out.push(&v[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&v[start..]);
    out
}

/// `name-addr` or `addr-spec` followed by parameters (RFC 3261 section 20.10 and 25.1).
fn check_name_addr(v: &str, contact: bool) -> Result<(), ()> {
    let v = v.trim();
    if v.is_empty() {
        return Err(());
    }
    let params;
    if let Some(lt) = find_unquoted(v, '<') {
        let display = v[..lt].trim();
        if let Some(inner) = display.strip_prefix('"') {
            let close = closing_quote(inner).ok_or(())?;
            if !inner[close + 1..].trim().is_empty() {
                return Err(());
            }
        } else if !display
            .split_ascii_whitespace()
            .all(|w| w.bytes().all(is_token_char))
        {
            return Err(());
        }
        let rest = &v[lt + 1..];
        let gt = rest.find('>').ok_or(())?;
        let addr = &rest[..gt];
        if addr.is_empty() || addr.starts_with([' ', '\t']) || addr.ends_with([' ', '\t']) {
            return Err(());
        }
        if addr.contains([' ', '\t']) {
            return Err(());
        }
        params = &rest[gt + 1..];
    } else {
        if v.contains('"') {
            return Err(());
        }
        let (raw_addr, p) = v.split_once(';').map_or((v, ""), |(a, p)| (a, p));
        let addr = raw_addr.trim_end();
        // Without <>, an addr-spec cannot carry headers or commas.
        if addr.contains(['?', ',', ' ', '\t']) && contact {
            return Err(());
        }
        if addr.contains([' ', '\t']) || !addr.contains(':') {
            return Err(());
        }
        params = if p.is_empty() {
            ""
        } else {
            &v[raw_addr.len()..]
        };
    }
    let params = params.trim();
    if params.is_empty() {
        return Ok(());
    }
    let params = params.strip_prefix(';').ok_or(())?;
    for p in params.split(';') {
        let p = p.trim();
        let name = p.split('=').next().unwrap_or_default().trim();
        if name.is_empty() || !name.bytes().all(is_token_char) {
            return Err(());
        }
    }
    Ok(())
}

fn find_unquoted(v: &str, needle: char) -> Option<usize> {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in v.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == needle && !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

fn closing_quote(inner: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// The verdict for a message the guard accepted but the SIP stack cannot parse: OPTIONS gets
/// its 200 statelessly, other requests 400, responses are dropped.
pub fn unparsed_by_stack(buf: &[u8]) -> Verdict {
    let Ok(msg) = RawMessage::parse(buf) else {
        return Verdict::Drop("unparseable");
    };
    match msg.start {
        StartLine::Request {
            method: "OPTIONS", ..
        } => Verdict::Reply(stateless_response(
            &msg,
            200,
            "OK",
            &[
                format!("Allow: {ALLOW}"),
                "Accept: application/sdp".to_owned(),
            ],
        )),
        StartLine::Request { method: "ACK", .. } | StartLine::Response { .. } => {
            Verdict::Drop("not parsed by the SIP stack")
        }
        StartLine::Request { .. } => {
            Verdict::Reply(stateless_response(&msg, 400, "Bad Request", &[]))
        }
    }
}

/// A response built from the request's own header lines (RFC 3261 section 8.2.6), for requests
/// answered without a transaction.
pub fn stateless_response(
    msg: &RawMessage<'_>,
    code: u16,
    reason: &str,
    extra: &[String],
) -> Vec<u8> {
    let mut s = format!("SIP/2.0 {code} {reason}\r\n");
    for via in msg.all("via") {
        s.push_str(&format!("Via: {via}\r\n"));
    }
    if let Some(from) = msg.all("from").next() {
        s.push_str(&format!("From: {from}\r\n"));
    }
    if let Some(to) = msg.all("to").next() {
        if has_tag(to) || code == 100 {
            s.push_str(&format!("To: {to}\r\n"));
        } else {
            s.push_str(&format!("To: {to};tag={}\r\n", stateless_tag(msg)));
        }
    }
    if let Some(id) = msg.all("call-id").next() {
        s.push_str(&format!("Call-ID: {id}\r\n"));
    }
    if let Some(cseq) = msg.all("cseq").next() {
        s.push_str(&format!("CSeq: {cseq}\r\n"));
    }
    for h in extra {
        s.push_str(h);
        s.push_str("\r\n");
    }
    s.push_str("Server: sportello\r\nContent-Length: 0\r\n\r\n");
    s.into_bytes()
}

/// A To tag that is the same for retransmissions of one request (derived from its Call-ID,
/// CSeq and top Via), so a retransmitted request gets an identical response.
fn stateless_tag(msg: &RawMessage<'_>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [
        msg.all("call-id").next(),
        msg.all("cseq").next(),
        msg.all("via").next(),
    ]
    .into_iter()
    .flatten()
    {
        for b in part.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("sl{h:x}")
}

/// Outcome of framing a stream buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Wait for more bytes.
    Incomplete,
    /// `n` bytes of CRLF keep-alive to consume (answer with one CRLF when `n >= 4`).
    KeepAlive(usize),
    /// One message of this many bytes is complete at the start of the buffer.
    Message(usize),
    /// The stream cannot be framed any more: close the connection.
    Invalid(&'static str),
}

/// Frames the next message on a stream (RFC 3261 section 18.3: Content-Length is mandatory).
pub fn frame(buf: &[u8], max: usize) -> Framing {
    let ws = buf
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    if ws > 0 {
        return Framing::KeepAlive(ws);
    }
    let Some(head) = super::raw::header_end(buf) else {
        return if buf.len() > max {
            Framing::Invalid("header section too large")
        } else {
            Framing::Incomplete
        };
    };
    let Ok(text) = std::str::from_utf8(&buf[..head]) else {
        return Framing::Invalid("header section is not UTF-8");
    };
    let mut length: Option<usize> = None;
    for line in text.split('\n') {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l") {
            let value = value.trim();
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Framing::Invalid("bad Content-Length");
            }
            let Ok(n) = value.parse::<usize>() else {
                return Framing::Invalid("bad Content-Length");
            };
            if length.is_some_and(|l| l != n) {
                return Framing::Invalid("conflicting Content-Length");
            }
            length = Some(n);
        }
    }
    let Some(length) = length else {
        return Framing::Invalid("no Content-Length on a stream");
    };
    let total = head.saturating_add(length);
    if total > max {
        return Framing::Invalid("message too large");
    }
    if buf.len() < total {
        Framing::Incomplete
    } else {
        Framing::Message(total)
    }
}

#[cfg(test)]
mod tests;

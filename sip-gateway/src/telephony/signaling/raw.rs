//! A raw, byte-level view of one SIP message: start line, unfolded headers and body, found
//! without interpreting values. The guard checks it before rsipstack parses anything, and
//! stateless responses are built from it.

/// Compact header forms (RFC 3261 section 7.3.3 and extensions) to their full names.
fn full_name(name: &str) -> &str {
    if name.len() != 1 {
        return name;
    }
    match name.as_bytes()[0].to_ascii_lowercase() {
        b'i' => "call-id",
        b'm' => "contact",
        b'e' => "content-encoding",
        b'l' => "content-length",
        b'c' => "content-type",
        b'f' => "from",
        b's' => "subject",
        b'k' => "supported",
        b't' => "to",
        b'v' => "via",
        _ => name,
    }
}

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine<'a> {
    Request {
        method: &'a str,
        uri: &'a str,
        version: &'a str,
        /// The line had exactly two single spaces and no trailing whitespace.
        well_spaced: bool,
    },
    Response {
        version: &'a str,
        code: &'a str,
    },
}

/// One header (continuation lines unfolded into a single space).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Lower-case full name.
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage<'a> {
    pub start: StartLine<'a>,
    pub headers: Vec<Header>,
    /// Everything after the empty line (not cut to Content-Length).
    pub body: &'a [u8],
    /// Length of the header section including the empty line.
    pub head_len: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RawError {
    #[error("no empty line ends the header section")]
    NoHeaderEnd,
    #[error("header section is not UTF-8")]
    NotUtf8,
    #[error("start line is neither a request line nor a status line")]
    BadStartLine,
    #[error("header line without a colon")]
    BadHeaderLine,
}

/// Finds the end of the header section (index after the CRLF CRLF, or LF LF).
pub fn header_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 1 < buf.len() {
        if buf[i] == b'\n' {
            if buf[i + 1] == b'\n' {
                return Some(i + 2);
            }
            if buf[i + 1] == b'\r' && buf.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

impl<'a> RawMessage<'a> {
    pub fn parse(buf: &'a [u8]) -> Result<Self, RawError> {
        let head_len = header_end(buf).ok_or(RawError::NoHeaderEnd)?;
        let head = std::str::from_utf8(&buf[..head_len]).map_err(|_| RawError::NotUtf8)?;
        let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        let first = lines.next().ok_or(RawError::BadStartLine)?;
        let start = parse_start(first)?;
        let mut headers: Vec<Header> = Vec::new();
        for line in lines {
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                let last = headers.last_mut().ok_or(RawError::BadHeaderLine)?;
                last.value.push(' ');
                last.value.push_str(line.trim());
                continue;
            }
            let (name, value) = line.split_once(':').ok_or(RawError::BadHeaderLine)?;
            let name = name.trim_end();
            if name.is_empty() || !name.bytes().all(is_token_char) {
                return Err(RawError::BadHeaderLine);
            }
            headers.push(Header {
                name: full_name(&name.to_ascii_lowercase()).to_owned(),
                value: value.trim().to_owned(),
            });
        }
        Ok(RawMessage {
            start,
            headers,
            body: &buf[head_len..],
            head_len,
        })
    }

    /// Every header line with this (lower-case, full) name.
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.headers
            .iter()
            .filter(move |h| h.name == name)
            .map(|h: &'s Header| h.value.as_str())
    }

    /// The single header with this name: `Ok(None)` if absent, `Err(())` if repeated.
    #[allow(clippy::result_unit_err)]
    pub fn single<'s>(&'s self, name: &'s str) -> Result<Option<&'s str>, ()> {
        let mut it = self.all(name);
        let first = it.next();
        if it.next().is_some() {
            return Err(());
        }
        Ok(first)
    }
}

/// RFC 3261 `token` characters.
pub fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

fn parse_start(line: &str) -> Result<StartLine<'_>, RawError> {
    if let Some(rest) = line.strip_prefix("SIP/") {
        let _ = rest;
        let mut parts = line.splitn(3, ' ');
        let version = parts.next().ok_or(RawError::BadStartLine)?;
        let code = parts.next().ok_or(RawError::BadStartLine)?;
        return Ok(StartLine::Response { version, code });
    }
    let parts: Vec<&str> = line.split([' ', '\t']).filter(|p| !p.is_empty()).collect();
    let well_spaced = line.split(' ').count() == 3 && !line.contains('\t');
    if parts.len() < 3 {
        return Err(RawError::BadStartLine);
    }
    Ok(StartLine::Request {
        method: parts[0],
        uri: parts[1],
        version: parts[parts.len() - 1],
        well_spaced: well_spaced && parts.len() == 3,
    })
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    #[test]
    fn parses_folding_compact_forms_and_body() {
        let m = RawMessage::parse(
            b"OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h\r\n ;branch=z9hG4bK1\r\nl: 3\r\nX-Y:z\r\n\r\nabc",
        )
        .unwrap();
        assert_eq!(
            m.start,
            StartLine::Request {
                method: "OPTIONS",
                uri: "sip:a@b",
                version: "SIP/2.0",
                well_spaced: true
            }
        );
        assert_eq!(m.single("via"), Ok(Some("SIP/2.0/UDP h ;branch=z9hG4bK1")));
        assert_eq!(m.single("content-length"), Ok(Some("3")));
        assert_eq!(m.single("x-y"), Ok(Some("z")));
        assert_eq!(m.body, b"abc");
    }

    #[test]
    fn errors() {
        let cases: &[(&[u8], RawError)] = &[
            (
                b"OPTIONS sip:a SIP/2.0\r\nVia: x\r\n",
                RawError::NoHeaderEnd,
            ),
            (b"HELLO\r\n\r\n", RawError::BadStartLine),
            (
                b"OPTIONS sip:a SIP/2.0\r\nno colon\r\n\r\n",
                RawError::BadHeaderLine,
            ),
            (
                b"OPTIONS sip:a SIP/2.0\r\n bad fold\r\n\r\n",
                RawError::BadHeaderLine,
            ),
            (
                b"OPTIONS sip:a SIP/2.0\r\nX\xff: 1\r\n\r\n",
                RawError::NotUtf8,
            ),
        ];
        for (bytes, err) in cases {
            assert_eq!(
                RawMessage::parse(bytes),
                Err(*err),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn spacing_of_the_request_line() {
        for (line, spaced) in [
            ("INVITE sip:a SIP/2.0", true),
            ("INVITE  sip:a  SIP/2.0", false),
            ("INVITE sip:a SIP/2.0  ", false),
        ] {
            let msg = format!("{line}\r\n\r\n");
            let m = RawMessage::parse(msg.as_bytes()).unwrap();
            assert!(
                matches!(m.start, StartLine::Request { well_spaced, .. } if well_spaced == spaced),
                "{line}"
            );
        }
    }
}

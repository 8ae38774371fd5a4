//! SDP offer/answer for one G.711 audio stream (RFC 4566, RFC 3264).
//!
//! The gateway answers PCMA when offered (preferred in Italy), else PCMU, plus
//! telephone-event/8000 when offered (with the offerer's payload type). An offer with no common
//! codec is refused (488). Hold is an offer with `a=sendonly`/`a=inactive` (or the old
//! `c=0.0.0.0`); the answer mirrors it and a later offer with `sendrecv` resumes.

use std::net::{IpAddr, SocketAddr};

use super::media::g711::G711;

/// Why an offer cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: &'static str },
    #[error("no audio stream in the offer")]
    NoAudio,
    #[error("no connection address for the audio stream")]
    NoConnection,
    /// No common codec: answer 488 Not Acceptable Here.
    #[error("no common codec (PCMA or PCMU) offered")]
    NoCommonCodec,
}

/// Media direction (RFC 3264 section 6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    fn answer(self) -> Direction {
        match self {
            Direction::SendRecv => Direction::SendRecv,
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            Direction::Inactive => Direction::Inactive,
        }
    }

    fn attribute(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// Whether the gateway may send media in this (answer) direction.
    pub fn we_send(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }
}

/// One m= line of the offer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MediaLine {
    media: String,
    port: u16,
    proto: String,
    formats: Vec<String>,
    rtpmaps: Vec<(u8, String, u32)>,
    connection: Option<IpAddr>,
    direction: Option<Direction>,
}

/// The parts of an offer the gateway uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    session_connection: Option<IpAddr>,
    session_direction: Option<Direction>,
    media: Vec<MediaLine>,
}

/// What the gateway agreed to for the call's audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    pub law: G711,
    /// The payload type the caller gave `law` (8 or 0 usually; a dynamic one when the offer
    /// maps G.711 to it): the answer and both RTP directions use it (RFC 3264 section 6.1).
    pub payload_type: u8,
    /// Payload type of telephone-event, when the caller offered it.
    pub telephone_event: Option<u8>,
    /// Where the caller wants its audio (per the SDP); `None` on `c=0.0.0.0` hold.
    pub remote: Option<SocketAddr>,
    /// The answer's direction (from the gateway's point of view).
    pub direction: Direction,
    /// Index of the accepted audio m= line.
    index: usize,
}

impl Negotiated {
    /// Whether the caller put the call on hold.
    pub fn on_hold(&self) -> bool {
        !self.direction.we_send() || self.remote.is_none()
    }
}

fn parse_direction(attr: &str) -> Option<Direction> {
    match attr {
        "sendrecv" => Some(Direction::SendRecv),
        "sendonly" => Some(Direction::SendOnly),
        "recvonly" => Some(Direction::RecvOnly),
        "inactive" => Some(Direction::Inactive),
        _ => None,
    }
}

/// The fields of a `c=` or `m=` value: separated by single spaces (RFC 4566 grammar), none
/// empty, no other whitespace (trailing spaces, seen from some phones, are ignored).
fn fields(value: &str, line: usize) -> Result<std::str::Split<'_, char>, SdpError> {
    let value = value.trim_end_matches(' ');
    if value.split(' ').any(str::is_empty)
        || value.contains(|c: char| c.is_whitespace() && c != ' ')
    {
        return Err(SdpError::Malformed {
            line,
            reason: "fields must be separated by single spaces",
        });
    }
    Ok(value.split(' '))
}

fn parse_connection(value: &str, line: usize) -> Result<IpAddr, SdpError> {
    let mut parts = fields(value, line)?;
    let (nettype, addrtype, addr) = (parts.next(), parts.next(), parts.next());
    let malformed = |reason| SdpError::Malformed { line, reason };
    if nettype != Some("IN") {
        return Err(malformed("c= network type is not IN"));
    }
    // Multicast TTL/count suffixes are not for a phone call.
    let addr = addr.ok_or(malformed("c= without address"))?;
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| malformed("c= address is not an IP literal"))?;
    match (addrtype, ip) {
        (Some("IP4"), IpAddr::V4(_)) | (Some("IP6"), IpAddr::V6(_)) => Ok(ip),
        _ => Err(malformed("c= address type does not match the address")),
    }
}

impl Offer {
    /// Parses an SDP body. Strict on the lines it uses (v, c, m, a=rtpmap, direction); other
    /// lines must merely be `x=value`.
    pub fn parse(body: &[u8]) -> Result<Offer, SdpError> {
        let text = std::str::from_utf8(body).map_err(|_| SdpError::Malformed {
            line: 0,
            reason: "not UTF-8",
        })?;
        let mut offer = Offer {
            session_connection: None,
            session_direction: None,
            media: Vec::new(),
        };
        let mut saw_version = false;
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let l = raw.strip_suffix('\r').unwrap_or(raw);
            if l.is_empty() {
                continue;
            }
            let malformed = |reason| SdpError::Malformed { line, reason };
            let bytes = l.as_bytes();
            if bytes.len() < 2 || bytes[1] != b'=' || !bytes[0].is_ascii_lowercase() {
                return Err(malformed("not a type=value line"));
            }
            let (kind, value) = (bytes[0], &l[2..]);
            if !saw_version {
                if kind != b'v' || value != "0" {
                    return Err(malformed("first line must be v=0"));
                }
                saw_version = true;
                continue;
            }
            match kind {
                b'c' => {
                    let ip = parse_connection(value, line)?;
                    match offer.media.last_mut() {
                        Some(m) => m.connection = Some(ip),
                        None => offer.session_connection = Some(ip),
                    }
                }
                b'm' => {
                    let mut parts = fields(value, line)?;
                    let media = parts.next().ok_or(malformed("m= without media"))?;
                    let port = parts.next().ok_or(malformed("m= without port"))?;
                    // "port/count" is allowed by RFC 4566; only the base port matters.
                    let port: u16 = port
                        .split('/')
                        .next()
                        .and_then(|p| p.parse().ok())
                        .ok_or(malformed("m= port is not a number"))?;
                    let proto = parts.next().ok_or(malformed("m= without protocol"))?;
                    let formats: Vec<String> = parts.map(str::to_owned).collect();
                    if formats.is_empty() {
                        return Err(malformed("m= without formats"));
                    }
                    offer.media.push(MediaLine {
                        media: media.to_owned(),
                        port,
                        proto: proto.to_owned(),
                        formats,
                        rtpmaps: Vec::new(),
                        connection: None,
                        direction: None,
                    });
                }
                b'a' => {
                    let (name, val) = value.split_once(':').unwrap_or((value, ""));
                    if let Some(dir) = parse_direction(name) {
                        match offer.media.last_mut() {
                            Some(m) => m.direction = Some(dir),
                            None => offer.session_direction = Some(dir),
                        }
                    } else if name == "rtpmap" {
                        let Some(m) = offer.media.last_mut() else {
                            return Err(malformed("rtpmap before any m= line"));
                        };
                        let (pt, enc) = val
                            .split_once(' ')
                            .ok_or(malformed("rtpmap without encoding"))?;
                        let pt: u8 = pt.parse().map_err(|_| malformed("rtpmap payload type"))?;
                        let mut enc = enc.trim().split('/');
                        let name = enc.next().unwrap_or_default().to_ascii_uppercase();
                        let rate: u32 = enc
                            .next()
                            .and_then(|r| r.parse().ok())
                            .ok_or(malformed("rtpmap clock rate"))?;
                        m.rtpmaps.push((pt, name, rate));
                    }
                }
                _ => {}
            }
        }
        if !saw_version {
            return Err(SdpError::Malformed {
                line: 0,
                reason: "empty SDP",
            });
        }
        Ok(offer)
    }

    /// Chooses codec, DTMF and address for the first usable audio stream.
    pub fn negotiate(&self) -> Result<Negotiated, SdpError> {
        let (index, m) = self
            .media
            .iter()
            .enumerate()
            .find(|(_, m)| m.media == "audio" && m.port != 0 && m.proto == "RTP/AVP")
            .ok_or(SdpError::NoAudio)?;
        let lookup = |pt: u8| -> Option<(String, u32)> {
            m.rtpmaps
                .iter()
                .find(|(p, _, _)| *p == pt)
                .map(|(_, n, r)| (n.clone(), *r))
                .or(match pt {
                    0 => Some(("PCMU".to_owned(), 8000)),
                    8 => Some(("PCMA".to_owned(), 8000)),
                    _ => None,
                })
        };
        let offered: Vec<(u8, String, u32)> = m
            .formats
            .iter()
            .filter_map(|f| f.parse::<u8>().ok())
            // RTP carries 7 bits, and `RtpPacket::parse` refuses 72-76 (RTCP, RFC 5761 4):
            // a codec or telephone-event on another number could never be sent or received.
            .filter(|pt| *pt < 128 && !(72..=76).contains(pt))
            .filter_map(|pt| lookup(pt).map(|(n, r)| (pt, n, r)))
            .collect();
        let offered_as = |name: &str| {
            offered
                .iter()
                .find(|(_, n, r)| n == name && *r == 8000)
                .map(|(pt, _, _)| *pt)
        };
        let (law, payload_type) = if let Some(pt) = offered_as("PCMA") {
            (G711::Alaw, pt)
        } else if let Some(pt) = offered_as("PCMU") {
            (G711::Ulaw, pt)
        } else {
            return Err(SdpError::NoCommonCodec);
        };
        let telephone_event = offered
            .iter()
            .find(|(_, n, r)| n == "TELEPHONE-EVENT" && *r == 8000)
            .map(|(pt, _, _)| *pt);
        let ip = m
            .connection
            .or(self.session_connection)
            .ok_or(SdpError::NoConnection)?;
        let remote = (!ip.is_unspecified()).then_some(SocketAddr::new(ip, m.port));
        let offered_dir = m
            .direction
            .or(self.session_direction)
            .unwrap_or(Direction::SendRecv);
        let direction = if remote.is_none() {
            Direction::Inactive
        } else {
            offered_dir.answer()
        };
        Ok(Negotiated {
            law,
            payload_type,
            telephone_event,
            remote,
            direction,
            index,
        })
    }

    /// Builds the answer: the chosen stream at `local` (rtp port), every other m= line rejected
    /// with port 0 as RFC 3264 requires. `version` must grow with each new answer in a dialog.
    pub fn answer(
        &self,
        n: &Negotiated,
        local: SocketAddr,
        session_id: u64,
        version: u64,
    ) -> String {
        let (ip4or6, ip) = match local.ip() {
            IpAddr::V4(ip) => ("IP4", ip.to_string()),
            IpAddr::V6(ip) => ("IP6", ip.to_string()),
        };
        let mut s = format!(
            "v=0\r\no=sportello {session_id} {version} IN {ip4or6} {ip}\r\ns=sportello\r\nc=IN {ip4or6} {ip}\r\nt=0 0\r\n"
        );
        for (i, m) in self.media.iter().enumerate() {
            if i != n.index {
                let fmt = m.formats.first().map(String::as_str).unwrap_or("0");
                s.push_str(&format!("m={} 0 {} {}\r\n", m.media, m.proto, fmt));
                continue;
            }
            let pt = n.payload_type;
            match n.telephone_event {
                Some(te) => s.push_str(&format!("m=audio {} RTP/AVP {pt} {te}\r\n", local.port())),
                None => s.push_str(&format!("m=audio {} RTP/AVP {pt}\r\n", local.port())),
            }
            s.push_str(&format!("a=rtpmap:{pt} {}/8000\r\n", n.law.encoding_name()));
            if let Some(te) = n.telephone_event {
                s.push_str(&format!(
                    "a=rtpmap:{te} telephone-event/8000\r\na=fmtp:{te} 0-15\r\n"
                ));
            }
            s.push_str(&format!("a=ptime:20\r\na={}\r\n", n.direction.attribute()));
        }
        s
    }
}

/// The payload type the gateway's own offers give telephone-event.
pub const OFFER_TELEPHONE_EVENT: u8 = 101;

/// The gateway's offer for a call it places (operator legs, callbacks): PCMA preferred, PCMU,
/// telephone-event, at `local`. The answer is read back with [`Offer::parse`] and
/// [`Offer::negotiate`] (an answer has the same shape).
pub fn offer(local: SocketAddr, session_id: u64) -> String {
    let (ip4or6, ip) = match local.ip() {
        IpAddr::V4(ip) => ("IP4", ip.to_string()),
        IpAddr::V6(ip) => ("IP6", ip.to_string()),
    };
    let te = OFFER_TELEPHONE_EVENT;
    format!(
        "v=0\r\no=sportello {session_id} 1 IN {ip4or6} {ip}\r\ns=sportello\r\nc=IN {ip4or6} {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 8 0 {te}\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:{te} telephone-event/8000\r\na=fmtp:{te} 0-15\r\na=ptime:20\r\na=sendrecv\r\n",
        port = local.port()
    )
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    #[test]
    fn our_offer_reads_back_as_pcma_with_events() {
        let local: SocketAddr = "192.0.2.1:20000".parse().unwrap();
        let n = Offer::parse(offer(local, 7).as_bytes())
            .unwrap()
            .negotiate()
            .unwrap();
        assert_eq!(
            (n.law, n.payload_type, n.telephone_event, n.remote),
            (G711::Alaw, 8, Some(OFFER_TELEPHONE_EVENT), Some(local))
        );
    }

    const SIPP: &str = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";

    fn neg(sdp: &str) -> Result<(G711, Option<u8>, Option<String>, Direction), SdpError> {
        let n = Offer::parse(sdp.as_bytes())?.negotiate()?;
        Ok((
            n.law,
            n.telephone_event,
            n.remote.map(|r| r.to_string()),
            n.direction,
        ))
    }

    fn with_media(m: &str) -> String {
        format!("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n{m}")
    }

    #[test]
    fn negotiation_table() {
        use Direction::*;
        let addr = Some("10.0.0.1:4000".to_owned());
        let cases: Vec<(&str, String, Result<(G711, Option<u8>, Option<String>, Direction), SdpError>)> = vec![
            ("sipp pcmu + dtmf", SIPP.to_owned(), Ok((G711::Ulaw, Some(101), Some("127.0.0.1:6000".into()), SendRecv))),
            ("pcma preferred", with_media("m=audio 4000 RTP/AVP 0 8\r\n"), Ok((G711::Alaw, None, addr.clone(), SendRecv))),
            ("dynamic pcma", with_media("m=audio 4000 RTP/AVP 96 97\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:97 pcma/8000\r\n"), Ok((G711::Alaw, None, addr.clone(), SendRecv))),
            ("te other pt", with_media("m=audio 4000 RTP/AVP 8 96\r\na=rtpmap:96 telephone-event/8000\r\n"), Ok((G711::Alaw, Some(96), addr.clone(), SendRecv))),
            ("pcma beyond 7 bits ignored", with_media("m=audio 4000 RTP/AVP 200 0\r\na=rtpmap:200 PCMA/8000\r\n"), Ok((G711::Ulaw, None, addr.clone(), SendRecv))),
            ("pcma on an rtcp payload type", with_media("m=audio 4000 RTP/AVP 72\r\na=rtpmap:72 PCMA/8000\r\n"), Err(SdpError::NoCommonCodec)),
            ("te beyond 7 bits ignored", with_media("m=audio 4000 RTP/AVP 8 229\r\na=rtpmap:229 telephone-event/8000\r\n"), Ok((G711::Alaw, None, addr.clone(), SendRecv))),
            ("te at 48k ignored", with_media("m=audio 4000 RTP/AVP 8 96\r\na=rtpmap:96 telephone-event/48000\r\n"), Ok((G711::Alaw, None, addr.clone(), SendRecv))),
            ("hold sendonly", with_media("m=audio 4000 RTP/AVP 8\r\na=sendonly\r\n"), Ok((G711::Alaw, None, addr.clone(), RecvOnly))),
            ("hold inactive session-level", "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\na=inactive\r\nm=audio 4000 RTP/AVP 8\r\n".into(), Ok((G711::Alaw, None, addr.clone(), Inactive))),
            ("hold 0.0.0.0", "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n".into(), Ok((G711::Alaw, None, None, Inactive))),
            ("recvonly", with_media("m=audio 4000 RTP/AVP 8\r\na=recvonly\r\n"), Ok((G711::Alaw, None, addr.clone(), SendOnly))),
            ("media-level c overrides", with_media("m=audio 4000 RTP/AVP 8\r\nc=IN IP4 10.9.9.9\r\n"), Ok((G711::Alaw, None, Some("10.9.9.9:4000".into()), SendRecv))),
            ("ipv6", "v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n".into(), Ok((G711::Ulaw, None, Some("[2001:db8::1]:4000".into()), SendRecv))),
            ("video first then audio", with_media("m=video 5000 RTP/AVP 96\r\nm=audio 4000 RTP/AVP 8\r\n"), Ok((G711::Alaw, None, addr.clone(), SendRecv))),
            ("no common codec", with_media("m=audio 4000 RTP/AVP 9 18\r\n"), Err(SdpError::NoCommonCodec)),
            ("pcma at 16k is not pcma", with_media("m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMA/16000\r\n"), Err(SdpError::NoCommonCodec)),
            ("rejected audio", with_media("m=audio 0 RTP/AVP 8\r\n"), Err(SdpError::NoAudio)),
            ("savp only", with_media("m=audio 4000 RTP/SAVP 8\r\n"), Err(SdpError::NoAudio)),
            ("no c line", "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n".into(), Err(SdpError::NoConnection)),
            ("bad c line", "v=0\r\nc=IN IP4 example.com\r\n".into(), Err(SdpError::Malformed { line: 2, reason: "c= address is not an IP literal" })),
            ("c type mismatch", "v=0\r\nc=IN IP6 10.0.0.1\r\n".into(), Err(SdpError::Malformed { line: 2, reason: "c= address type does not match the address" })),
            ("no version", "o=- 1 1 IN IP4 1.1.1.1\r\n".into(), Err(SdpError::Malformed { line: 1, reason: "first line must be v=0" })),
            ("garbage line", "v=0\r\nhello\r\n".into(), Err(SdpError::Malformed { line: 2, reason: "not a type=value line" })),
            ("bad port", with_media("m=audio 99999 RTP/AVP 8\r\n"), Err(SdpError::Malformed { line: 6, reason: "m= port is not a number" })),
            ("empty", String::new(), Err(SdpError::Malformed { line: 0, reason: "empty SDP" })),
            ("double space in m=", with_media("m=audio  4000 RTP/AVP 8\r\n"), Err(SdpError::Malformed { line: 6, reason: "fields must be separated by single spaces" })),
            ("CR inside m=", with_media("m=audio\r\r4000 RTP/AVP 8\r\n"), Err(SdpError::Malformed { line: 6, reason: "fields must be separated by single spaces" })),
            ("trailing space in m=", with_media("m=audio 4000 RTP/AVP 8 \r\n"), Ok((G711::Alaw, None, addr.clone(), SendRecv))),
            ("tab in c=", "v=0\r\nc=IN\tIP4 10.0.0.1\r\n".into(), Err(SdpError::Malformed { line: 2, reason: "fields must be separated by single spaces" })),
            ("bare LF line ends", "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 8\n".into(), Ok((G711::Alaw, None, addr.clone(), SendRecv))),
        ];
        for (name, sdp, expected) in cases {
            assert_eq!(neg(&sdp), expected, "{name}");
        }
    }

    #[test]
    fn the_answer_keeps_the_offered_payload_types() {
        // (offer's audio m= line and rtpmaps, answer's m= formats, rtpmap of the codec)
        let cases: &[(&str, &str, &str)] = &[
            ("m=audio 4000 RTP/AVP 0 8\r\n", "8", "a=rtpmap:8 PCMA/8000"),
            (
                "m=audio 4000 RTP/AVP 96 97\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:97 pcma/8000\r\n",
                "97",
                "a=rtpmap:97 PCMA/8000",
            ),
            // A static number mapped to another codec is that codec, not G.711.
            (
                "m=audio 4000 RTP/AVP 8 0\r\na=rtpmap:8 opus/48000/2\r\n",
                "0",
                "a=rtpmap:0 PCMU/8000",
            ),
            (
                "m=audio 4000 RTP/AVP 8\r\na=rtpmap:8 PCMU/8000\r\n",
                "8",
                "a=rtpmap:8 PCMU/8000",
            ),
        ];
        for (media, formats, rtpmap) in cases {
            let offer = Offer::parse(with_media(media).as_bytes()).unwrap();
            let n = offer.negotiate().unwrap();
            let answer = offer.answer(&n, "192.0.2.5:20000".parse().unwrap(), 1, 1);
            assert!(
                answer.contains(&format!("m=audio 20000 RTP/AVP {formats}\r\n"))
                    && answer.contains(rtpmap),
                "{media}\n{answer}"
            );
            let again = Offer::parse(answer.as_bytes())
                .unwrap()
                .negotiate()
                .unwrap();
            assert_eq!((again.law, again.payload_type), (n.law, n.payload_type));
        }
    }

    #[test]
    fn answer_rejects_other_streams_and_mirrors_hold() {
        let offer = Offer::parse(
            with_media("m=video 5000 RTP/AVP 96\r\nm=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n")
                .as_bytes(),
        )
        .unwrap();
        let n = offer.negotiate().unwrap();
        let answer = offer.answer(&n, "192.0.2.5:20000".parse().unwrap(), 42, 2);
        assert_eq!(
            answer,
            "v=0\r\no=sportello 42 2 IN IP4 192.0.2.5\r\ns=sportello\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n\
             m=video 0 RTP/AVP 96\r\n\
             m=audio 20000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=recvonly\r\n"
        );
        // The answer is itself a valid SDP that negotiates the same codec.
        let again = Offer::parse(answer.as_bytes())
            .unwrap()
            .negotiate()
            .unwrap();
        assert_eq!((again.law, again.telephone_event), (G711::Alaw, Some(101)));
    }
}

//! RTP packets (RFC 3550): strict, bounds-checked parsing and building.

/// The fixed RTP header length without CSRCs or extension.
pub const HEADER_LEN: usize = 12;

/// Why a datagram is not an RTP packet we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    #[error("shorter than the 12-byte RTP header")]
    TooShort,
    #[error("RTP version is not 2")]
    BadVersion,
    #[error("CSRC list runs past the end of the packet")]
    TruncatedCsrc,
    #[error("header extension runs past the end of the packet")]
    TruncatedExtension,
    #[error("padding length is zero or larger than the payload")]
    BadPadding,
    #[error("payload type {0} is in the RTCP range")]
    RtcpPayloadType(u8),
}

/// A parsed RTP packet borrowing the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload: &'a [u8],
}

impl<'a> RtpPacket<'a> {
    /// Parses one datagram. Rejects anything that is not well-formed RTP version 2.
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtpError> {
        if buf.len() < HEADER_LEN {
            return Err(RtpError::TooShort);
        }
        let b0 = buf[0];
        if b0 >> 6 != 2 {
            return Err(RtpError::BadVersion);
        }
        let padding = b0 & 0x20 != 0;
        let extension = b0 & 0x10 != 0;
        let csrc_count = usize::from(b0 & 0x0F);
        let b1 = buf[1];
        let marker = b1 & 0x80 != 0;
        let payload_type = b1 & 0x7F;
        // RFC 5761 section 4: 72-76 (with marker: RTCP types 200-204) are RTCP.
        if (72..=76).contains(&payload_type) {
            return Err(RtpError::RtcpPayloadType(payload_type));
        }
        let sequence = u16::from_be_bytes([buf[2], buf[3]]);
        let timestamp = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
        let ssrc = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
        let mut offset = HEADER_LEN + 4 * csrc_count;
        if offset > buf.len() {
            return Err(RtpError::TruncatedCsrc);
        }
        if extension {
            if offset + 4 > buf.len() {
                return Err(RtpError::TruncatedExtension);
            }
            let words = usize::from(u16::from_be_bytes([buf[offset + 2], buf[offset + 3]]));
            offset += 4 + 4 * words;
            if offset > buf.len() {
                return Err(RtpError::TruncatedExtension);
            }
        }
        let mut end = buf.len();
        if padding {
            let pad = usize::from(buf[end - 1]);
            if pad == 0 || offset + pad > end {
                return Err(RtpError::BadPadding);
            }
            end -= pad;
        }
        Ok(RtpPacket {
            marker,
            payload_type,
            sequence,
            timestamp,
            ssrc,
            payload: &buf[offset..end],
        })
    }

    /// Writes this packet (no CSRC, no extension, no padding) into `out`, replacing its content.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.clear();
        out.reserve(HEADER_LEN + self.payload.len());
        out.push(0x80);
        out.push((u8::from(self.marker) << 7) | (self.payload_type & 0x7F));
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(self.payload);
    }
}

/// A serialised RTP packet without marker, for the media cores' tests.
#[cfg(test)]
pub(crate) fn test_packet(pt: u8, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    RtpPacket {
        marker: false,
        payload_type: pt,
        sequence: seq,
        timestamp: ts,
        ssrc,
        payload,
    }
    .write(&mut out);
    out
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    fn header(b0: u8, b1: u8) -> Vec<u8> {
        let mut v = vec![b0, b1, 0x12, 0x34, 0, 0, 0x01, 0x40, 0xde, 0xad, 0xbe, 0xef];
        v.extend_from_slice(&[1, 2, 3]);
        v
    }

    #[test]
    fn parse_table() {
        let mut with_csrc = vec![0x82, 8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
        with_csrc.extend_from_slice(&[0; 8]);
        with_csrc.push(9);
        let mut with_ext = vec![0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 1];
        with_ext.extend_from_slice(&[0; 4]);
        with_ext.push(7);
        let with_pad = vec![0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 5, 6, 0, 2];
        let cases: Vec<(&str, Vec<u8>, Result<(u8, bool, &[u8]), RtpError>)> = vec![
            ("plain", header(0x80, 0x08), Ok((8, false, &[1, 2, 3]))),
            (
                "marker",
                header(0x80, 0x80 | 101),
                Ok((101, true, &[1, 2, 3])),
            ),
            ("empty", vec![], Err(RtpError::TooShort)),
            ("11 bytes", vec![0x80; 11], Err(RtpError::TooShort)),
            ("version 1", header(0x40, 0), Err(RtpError::BadVersion)),
            (
                "version 0 (STUN-like)",
                header(0x00, 1),
                Err(RtpError::BadVersion),
            ),
            (
                "rtcp sr",
                header(0x80, 200),
                Err(RtpError::RtcpPayloadType(72)),
            ),
            ("csrc", with_csrc, Ok((8, false, &[9]))),
            (
                "csrc past end",
                header(0x8F, 0),
                Err(RtpError::TruncatedCsrc),
            ),
            ("extension", with_ext, Ok((0, false, &[7]))),
            (
                "extension past end",
                header(0x90, 0),
                Err(RtpError::TruncatedExtension),
            ),
            ("padding", with_pad, Ok((0, false, &[5, 6]))),
            (
                "padding zero",
                vec![0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0],
                Err(RtpError::BadPadding),
            ),
            (
                "padding too long",
                vec![0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 5, 9],
                Err(RtpError::BadPadding),
            ),
        ];
        for (name, bytes, expected) in cases {
            let got = RtpPacket::parse(&bytes).map(|p| (p.payload_type, p.marker, p.payload));
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn fields_and_round_trip() {
        let p = RtpPacket {
            marker: true,
            payload_type: 8,
            sequence: 0xfffe,
            timestamp: 0x0102_0304,
            ssrc: 0xdead_beef,
            payload: &[0xd5; 160],
        };
        let mut buf = Vec::new();
        p.write(&mut buf);
        assert_eq!(buf.len(), 172);
        assert_eq!(RtpPacket::parse(&buf), Ok(p));
    }
}

//! Symmetric RTP with strict source learning.
//!
//! Media goes to the address in the caller's SDP until the caller's own packets show where they
//! really come from (NAT). A source is learnt only from well-formed RTP of the negotiated payload
//! types: at once when it matches the SDP address, or after a few consecutive packets with one
//! SSRC from one new address. Once learnt, packets from any other address are dropped, so a
//! third party cannot take over or inject into the call; a re-INVITE starts learning again.

use std::net::SocketAddr;

/// Consecutive packets needed to learn an address that differs from the SDP one.
const PACKETS_TO_LEARN: u8 = 3;

#[derive(Debug)]
pub struct SourceLearner {
    signalled: SocketAddr,
    learnt: Option<SocketAddr>,
    candidate: Option<(SocketAddr, u32, u8)>,
}

/// What to do with one received packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Drop,
}

impl SourceLearner {
    pub fn new(signalled: SocketAddr) -> Self {
        SourceLearner {
            signalled,
            learnt: None,
            candidate: None,
        }
    }

    /// Where to send media now.
    pub fn destination(&self) -> SocketAddr {
        self.learnt.unwrap_or(self.signalled)
    }

    /// A new SDP (re-INVITE): send there and learn again.
    pub fn reset(&mut self, signalled: SocketAddr) {
        *self = SourceLearner::new(signalled);
    }

    /// Judges a well-formed RTP packet with this SSRC from `from`.
    pub fn on_packet(&mut self, from: SocketAddr, ssrc: u32) -> Verdict {
        if let Some(learnt) = self.learnt {
            return if learnt == from {
                Verdict::Accept
            } else {
                Verdict::Drop
            };
        }
        if from == self.signalled {
            self.learnt = Some(from);
            return Verdict::Accept;
        }
        let count = match self.candidate {
            Some((addr, s, n)) if addr == from && s == ssrc => n + 1,
            _ => 1,
        };
        if count >= PACKETS_TO_LEARN {
            self.learnt = Some(from);
            self.candidate = None;
            Verdict::Accept
        } else {
            self.candidate = Some((from, ssrc, count));
            Verdict::Drop
        }
    }
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn table() {
        use Verdict::*;
        let sdp = "10.0.0.1:4000";
        let cases: &[(&str, &[(&str, u32)], &[Verdict], &str)] = &[
            (
                "sdp address learnt at once",
                &[(sdp, 1), (sdp, 1)],
                &[Accept, Accept],
                sdp,
            ),
            (
                "nat address after three packets",
                &[
                    ("1.2.3.4:5000", 9),
                    ("1.2.3.4:5000", 9),
                    ("1.2.3.4:5000", 9),
                ],
                &[Drop, Drop, Accept],
                "1.2.3.4:5000",
            ),
            (
                "interleaved sources never learnt",
                &[
                    ("1.2.3.4:5000", 9),
                    ("5.6.7.8:5000", 9),
                    ("1.2.3.4:5000", 9),
                ],
                &[Drop, Drop, Drop],
                sdp,
            ),
            (
                "ssrc change restarts counting",
                &[
                    ("1.2.3.4:5000", 9),
                    ("1.2.3.4:5000", 8),
                    ("1.2.3.4:5000", 8),
                ],
                &[Drop, Drop, Drop],
                sdp,
            ),
            (
                "after learning, others are dropped",
                &[(sdp, 1), ("6.6.6.6:666", 1), (sdp, 1)],
                &[Accept, Drop, Accept],
                sdp,
            ),
        ];
        for (name, packets, verdicts, dest) in cases {
            let mut l = SourceLearner::new(a(sdp));
            let got: Vec<Verdict> = packets.iter().map(|(f, s)| l.on_packet(a(f), *s)).collect();
            assert_eq!(&got, verdicts, "{name}");
            assert_eq!(l.destination(), a(dest), "{name}");
        }
    }

    #[test]
    fn reset_learns_again() {
        let mut l = SourceLearner::new(a("10.0.0.1:4000"));
        assert_eq!(l.on_packet(a("10.0.0.1:4000"), 1), Verdict::Accept);
        l.reset(a("10.0.0.2:4002"));
        assert_eq!(l.destination(), a("10.0.0.2:4002"));
        assert_eq!(l.on_packet(a("10.0.0.1:4000"), 1), Verdict::Drop);
        assert_eq!(l.on_packet(a("10.0.0.2:4002"), 1), Verdict::Accept);
    }
}

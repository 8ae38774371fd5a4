//! Helpers shared by the fuzz targets: the guard policy the binary runs with by default, and
//! a reader that cuts one fuzz input into several length-prefixed pieces (datagrams, chunks).

use sip_gateway::telephony::SipSettings;
use sip_gateway::telephony::signaling::guard::GuardPolicy;

/// The guard policy `telephony::start` builds from the default `[sip]` settings.
pub fn default_policy() -> GuardPolicy {
    let s = SipSettings::default();
    GuardPolicy {
        service_users: vec!["sportello".to_owned(), "ivr".to_owned()],
        scanner_user_agents: s
            .scanner_user_agents
            .iter()
            .map(|u| u.to_ascii_lowercase())
            .collect(),
        max_message_size: s.max_message_size,
        registrar: false,
    }
}

/// Reads a fuzz input as a sequence of small values and length-prefixed byte strings.
/// Running out of input yields zeros and empty strings, never a panic.
#[derive(Debug)]
pub struct Pieces<'a> {
    data: &'a [u8],
}

impl<'a> Pieces<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Pieces { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// `n` bytes (fewer at the end of the input).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }

    /// A byte string with a one-byte length prefix (0-255 bytes).
    pub fn short(&mut self) -> &'a [u8] {
        let n = usize::from(self.u8());
        self.take(n)
    }

    /// A byte string with a two-byte length prefix.
    pub fn long(&mut self) -> &'a [u8] {
        let n = usize::from(self.u16());
        self.take(n)
    }

    /// Whatever is left.
    pub fn rest(&mut self) -> &'a [u8] {
        let all = self.data;
        self.data = &[];
        all
    }
}

//! RTP media cores: codec, packets, DTMF detection, jitter buffer, sender numbering, source
//! learning, port allocation, the receive path that chains them ([`receive`]) and the relay
//! of bridged calls ([`relay`]). None of these does I/O; the call runner owns the socket and
//! the clock.

pub mod g711;
pub mod inband_dtmf;
pub mod jitter;
pub mod ports;
pub mod receive;
pub mod relay;
pub mod rtp;
pub mod sender;
pub mod source;
pub mod telephone_event;
pub mod tone;

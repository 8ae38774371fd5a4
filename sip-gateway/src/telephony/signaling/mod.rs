//! SIP signaling: transports with the shield in front (UDP socket wrapper, TCP framer), the
//! message guard, and the dispatcher over rsipstack. rsipstack types stay inside this module
//! and [`crate::telephony::call`].

pub mod canonical;
pub mod guard;
pub mod info;
pub mod limits;
pub mod raw;
pub mod server;
pub mod shield;
pub mod tcp;
pub mod tls;
pub mod udp;

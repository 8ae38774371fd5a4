//! The shield: rate limit plus guard, shared by the UDP and TCP transports.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::guard::{self, GuardPolicy, Transport, Verdict};
use super::limits::{Admission, RateLimiter};

/// Counters of what the shield did (for logs and tests).
#[derive(Debug, Default)]
pub struct ShieldStats {
    pub passed: AtomicU64,
    pub answered: AtomicU64,
    pub dropped: AtomicU64,
    pub banned: AtomicU64,
}

#[derive(Debug)]
pub struct Shield {
    policy: GuardPolicy,
    limiter: Mutex<RateLimiter>,
    pub stats: ShieldStats,
}

impl Shield {
    pub fn new(policy: GuardPolicy, limiter: RateLimiter) -> Self {
        Shield {
            policy,
            limiter: Mutex::new(limiter),
            stats: ShieldStats::default(),
        }
    }

    /// Drops everything from `source` for `ban` (the registrar's ban after repeated failed
    /// authentications).
    pub fn ban(&self, source: std::net::IpAddr, ban: std::time::Duration) {
        if let Ok(mut l) = self.limiter.lock() {
            l.ban(source, ban, Instant::now());
        }
        self.stats.banned.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(%source, ban_secs = ban.as_secs(), "repeated authentication failures: source banned");
    }

    pub fn max_message_size(&self) -> usize {
        self.policy.max_message_size
    }

    /// Judges one message from `from`.
    pub fn judge(&self, buf: &[u8], from: SocketAddr, transport: Transport) -> Verdict {
        let admission = self
            .limiter
            .lock()
            .map(|mut l| l.admit(from.ip(), Instant::now()))
            .unwrap_or(Admission::Allow);
        match admission {
            Admission::Allow => {}
            Admission::Banned => {
                self.stats.banned.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(source = %from.ip(), "SIP rate limit exceeded: source banned");
                return Verdict::Drop("rate limited");
            }
            Admission::StillBanned => {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                return Verdict::Drop("banned");
            }
        }
        let verdict = match guard::inspect(buf, transport, &self.policy) {
            // rsipstack refuses a few messages RFC 3261 accepts (e.g. an RFC 3261-ABNF IPv6
            // reference like [2001:db8:::192.0.2.1]): answer those statelessly.
            Verdict::Pass(bytes)
                if !bytes.iter().all(u8::is_ascii_whitespace)
                    && rsipstack::sip::SipMessage::try_from(bytes.as_slice()).is_err() =>
            {
                guard::unparsed_by_stack(&bytes)
            }
            v => v,
        };
        let counter = match &verdict {
            Verdict::Pass(_) => &self.stats.passed,
            Verdict::Reply(_) => &self.stats.answered,
            Verdict::Drop(reason) => {
                tracing::debug!(source = %from, reason, "SIP message dropped");
                &self.stats.dropped
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
        verdict
    }
}

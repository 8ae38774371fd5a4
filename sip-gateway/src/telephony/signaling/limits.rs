//! Per-source rate limiting with temporary bans (token bucket per IP address). No I/O: the
//! caller passes the current time.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Beyond this many tracked sources, idle ones are forgotten.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    ban: Duration,
    exempt: Vec<IpAddr>,
    sources: HashMap<IpAddr, Bucket>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
    banned_until: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Allow,
    /// This message made the source exceed its limit: it is banned from now on.
    Banned,
    /// The source is serving a ban.
    StillBanned,
}

impl RateLimiter {
    pub fn new(per_second: u32, burst: u32, ban: Duration, exempt: Vec<IpAddr>) -> Self {
        RateLimiter {
            per_second: f64::from(per_second),
            burst: f64::from(burst.max(1)),
            ban,
            exempt,
            sources: HashMap::new(),
        }
    }

    /// Judges one message from `source` at `now`.
    pub fn admit(&mut self, source: IpAddr, now: Instant) -> Admission {
        if self.exempt.contains(&source) {
            return Admission::Allow;
        }
        if self.sources.len() >= MAX_TRACKED && !self.sources.contains_key(&source) {
            self.prune(now);
        }
        let burst = self.burst;
        let b = self.sources.entry(source).or_insert(Bucket {
            tokens: burst,
            at: now,
            banned_until: None,
        });
        if let Some(until) = b.banned_until {
            if now < until {
                return Admission::StillBanned;
            }
            b.banned_until = None;
            b.tokens = burst;
            b.at = now;
        }
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_second).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Admission::Allow
        } else {
            b.banned_until = Some(now + self.ban);
            Admission::Banned
        }
    }

    /// Bans `source` for `ban` from `now` whatever its rate (e.g. after repeated failed
    /// authentications); exempt sources are never banned.
    pub fn ban(&mut self, source: IpAddr, ban: Duration, now: Instant) {
        if self.exempt.contains(&source) {
            return;
        }
        let burst = self.burst;
        let b = self.sources.entry(source).or_insert(Bucket {
            tokens: burst,
            at: now,
            banned_until: None,
        });
        b.banned_until = Some(now + ban);
    }

    fn prune(&mut self, now: Instant) {
        let (per_second, burst) = (self.per_second, self.burst);
        self.sources.retain(|_, b| {
            let refilled =
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second;
            b.banned_until.is_some_and(|u| u > now) || refilled < burst
        });
    }

    pub fn tracked(&self) -> usize {
        self.sources.len()
    }
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    #[test]
    fn burst_then_ban_then_release() {
        let t0 = Instant::now();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let mut r = RateLimiter::new(10, 20, Duration::from_secs(60), vec![]);
        for _ in 0..20 {
            assert_eq!(r.admit(ip, t0), Admission::Allow);
        }
        assert_eq!(r.admit(ip, t0), Admission::Banned);
        assert_eq!(
            r.admit(ip, t0 + Duration::from_secs(59)),
            Admission::StillBanned
        );
        assert_eq!(r.admit(ip, t0 + Duration::from_secs(61)), Admission::Allow);
        // Another source is not affected.
        assert_eq!(r.admit("192.0.2.2".parse().unwrap(), t0), Admission::Allow);
    }

    #[test]
    fn sustained_rate_is_allowed() {
        let t0 = Instant::now();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let mut r = RateLimiter::new(10, 10, Duration::from_secs(60), vec![]);
        for i in 0..1000u64 {
            let now = t0 + Duration::from_millis(i * 100);
            assert_eq!(r.admit(ip, now), Admission::Allow, "message {i}");
        }
    }

    #[test]
    fn an_explicit_ban_drops_the_source_for_its_duration() {
        let t0 = Instant::now();
        let ip: IpAddr = "192.0.2.9".parse().unwrap();
        let mut r = RateLimiter::new(10, 20, Duration::from_secs(60), vec![]);
        r.ban(ip, Duration::from_secs(5), t0);
        assert_eq!(r.admit(ip, t0), Admission::StillBanned);
        assert_eq!(r.admit(ip, t0 + Duration::from_secs(6)), Admission::Allow);
    }

    #[test]
    fn exempt_sources_are_never_limited() {
        let t0 = Instant::now();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let mut r = RateLimiter::new(1, 1, Duration::from_secs(60), vec![ip]);
        for _ in 0..100 {
            assert_eq!(r.admit(ip, t0), Admission::Allow);
        }
        assert_eq!(r.tracked(), 0);
    }
}

//! The `[sip]` settings (`telephony::settings::SipSettings::load`, as the binary reads its
//! `[sip]` table): TOML text in, validated settings out, then used the way `telephony::start` and the call runner use them (rate limiter with
//! bans, RTP port allocation, the inactivity deadline). Settings that pass `validate()` must
//! never make those panic, and allocated RTP ports must be even and inside the range.
#![no_main]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::SipSettings;
use sip_gateway::telephony::media::ports::PortAllocator;
use sip_gateway::telephony::signaling::limits::RateLimiter;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return;
    };
    let Ok(s) = SipSettings::load(&table, |_| None) else {
        return;
    };
    let _ = s.advertised_address();
    // The call runner's inactivity deadline: last activity + timeout.
    let _deadline = Instant::now() + s.inactivity_timeout();
    let _ring = Duration::from_millis(s.ring_ms);
    // telephony::start's limiter; one source sends its burst and one more message.
    let mut limiter = RateLimiter::new(
        s.rate_limit_per_second,
        s.rate_limit_burst,
        Duration::from_secs(s.ban_secs),
        s.rate_limit_exempt.clone(),
    );
    let source: IpAddr = "192.0.2.1".parse().unwrap();
    let now = Instant::now();
    for _ in 0..=s.rate_limit_burst.min(1000) {
        let _ = limiter.admit(source, now);
    }
    let _ = limiter.admit(source, now + Duration::from_secs(1));
    // The dispatcher's port allocator: a few calls.
    let mut ports = PortAllocator::new(s.rtp_port_min, s.rtp_port_max);
    // validate() promises a port for each of max_calls calls.
    assert!(
        ports.capacity() >= s.max_calls,
        "{} ports for max_calls = {} in {}..={}",
        ports.capacity(),
        s.max_calls,
        s.rtp_port_min,
        s.rtp_port_max
    );
    for _ in 0..s.max_calls.min(4) {
        let port = ports
            .allocate()
            .expect("validated range has a port for each call");
        assert!(
            port % 2 == 0 && (s.rtp_port_min..=s.rtp_port_max).contains(&port),
            "port {port} outside {}..={}",
            s.rtp_port_min,
            s.rtp_port_max
        );
    }
});

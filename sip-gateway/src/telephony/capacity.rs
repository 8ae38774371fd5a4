//! How many SIP legs the gateway carries. Every leg holds an RTP port and its share of the
//! media loop's work, whether it came in (a caller's INVITE) or was placed by the gateway (an
//! operator's phone, a callback's citizen and operator legs): all of them count toward
//! `max_calls`. Beyond it an incoming INVITE gets 503 with Retry-After and an outgoing leg is
//! not placed.
//!
//! New incoming calls are also limited in rate (`max_new_calls_per_second`, a token bucket
//! holding one second's worth): a flood of INVITEs beyond what the node can set up is
//! answered 503 at once instead of making every call late, retransmitted and finally lost
//! (BENCHMARKS.md, "call rate": without it the gateway collapsed above ~6,000 calls/s).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Which way a leg goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leg {
    /// A call that came in (a caller, the trunk, a benchmark).
    Incoming,
    /// A leg the gateway placed (operator leg, callback).
    Outgoing,
}

/// The gateway's legs in progress and its limit.
#[derive(Debug)]
pub struct Calls {
    max: usize,
    /// Legs holding a slot, both ways.
    used: AtomicUsize,
    /// Incoming calls in progress (ringing or answered).
    pub live: AtomicUsize,
    /// Outgoing legs in progress (ringing or answered).
    pub outgoing: AtomicUsize,
    /// Incoming calls answered since start.
    pub total: AtomicUsize,
    /// New incoming calls allowed per second.
    new_calls: NewCallRate,
    /// Incoming INVITEs refused since start, by reason.
    refused_full: AtomicU64,
    refused_rate: AtomicU64,
}

/// Why an incoming call was refused (503 with Retry-After either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// `max_calls` legs are up.
    Full,
    /// More new calls this second than `max_new_calls_per_second`.
    Rate,
}

impl Calls {
    /// At most `max` legs at once (`max_calls`) and `new_per_second` new incoming calls a
    /// second.
    pub fn new(max: usize, new_per_second: u32) -> Self {
        Calls {
            max,
            used: AtomicUsize::new(0),
            live: AtomicUsize::new(0),
            outgoing: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            new_calls: NewCallRate::new(new_per_second, Instant::now()),
            refused_full: AtomicU64::new(0),
            refused_rate: AtomicU64::new(0),
        }
    }

    /// Admits a new incoming call at `now`: within the rate, then under `max_calls`.
    pub fn admit_incoming(self: &Arc<Self>, now: Instant) -> Result<Slot, Refused> {
        if !self.new_calls.try_take(now) {
            self.refused_rate.fetch_add(1, Ordering::Relaxed);
            return Err(Refused::Rate);
        }
        self.admit(Leg::Incoming).ok_or_else(|| {
            self.refused_full.fetch_add(1, Ordering::Relaxed);
            Refused::Full
        })
    }

    /// Incoming INVITEs refused since start: (`max_calls` reached, rate exceeded).
    pub fn refused(&self) -> (u64, u64) {
        (
            self.refused_full.load(Ordering::Relaxed),
            self.refused_rate.load(Ordering::Relaxed),
        )
    }

    /// Takes a slot for a leg, given back when the [`Slot`] is dropped; `None` when `max`
    /// legs are up.
    pub fn admit(self: &Arc<Self>, leg: Leg) -> Option<Slot> {
        if self.used.fetch_add(1, Ordering::AcqRel) >= self.max {
            self.used.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        self.counter(leg).fetch_add(1, Ordering::AcqRel);
        Some(Slot {
            calls: self.clone(),
            leg,
        })
    }

    /// Legs in progress, both ways.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    fn counter(&self, leg: Leg) -> &AtomicUsize {
        match leg {
            Leg::Incoming => &self.live,
            Leg::Outgoing => &self.outgoing,
        }
    }
}

/// One leg's place under `max_calls`.
#[derive(Debug)]
pub struct Slot {
    calls: Arc<Calls>,
    leg: Leg,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.calls.counter(self.leg).fetch_sub(1, Ordering::AcqRel);
        self.calls.used.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A token bucket of new calls: `per_second` tokens a second, at most one second's worth
/// saved up.
#[derive(Debug)]
struct NewCallRate {
    per_second: f64,
    /// Tokens left and when they were counted.
    bucket: Mutex<(f64, Instant)>,
}

impl NewCallRate {
    fn new(per_second: u32, now: Instant) -> Self {
        let per_second = f64::from(per_second.max(1));
        NewCallRate {
            per_second,
            bucket: Mutex::new((per_second, now)),
        }
    }

    fn try_take(&self, now: Instant) -> bool {
        let mut bucket = self
            .bucket
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (tokens, counted) = *bucket;
        let earned = now.saturating_duration_since(counted).as_secs_f64() * self.per_second;
        let tokens = (tokens + earned).min(self.per_second);
        if tokens >= 1.0 {
            *bucket = (tokens - 1.0, now.max(counted));
            true
        } else {
            *bucket = (tokens, now.max(counted));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn new_calls_beyond_the_rate_are_refused_and_the_rate_refills() {
        let calls = Arc::new(Calls::new(1_000, 10));
        let t0 = Instant::now();
        // A second's worth at once, then nothing until tokens come back.
        let admitted: Vec<_> = (0..10)
            .map(|_| calls.admit_incoming(t0).expect("within the rate"))
            .collect();
        assert_eq!(calls.admit_incoming(t0).unwrap_err(), Refused::Rate);
        // 150 ms later one new call may come in (10 a second), not two.
        let later = t0 + Duration::from_millis(150);
        let one_more = calls.admit_incoming(later).expect("refilled");
        assert_eq!(calls.admit_incoming(later).unwrap_err(), Refused::Rate);
        // An idle minute saves up one second's worth only.
        let idle = t0 + Duration::from_secs(60);
        let burst: Vec<_> = (0..20)
            .filter_map(|_| calls.admit_incoming(idle).ok())
            .collect();
        assert_eq!(burst.len(), 10);
        assert_eq!(calls.refused(), (0, 12));
        // A clock read out of order (another thread) neither panics nor mints tokens.
        assert_eq!(calls.admit_incoming(t0).unwrap_err(), Refused::Rate);
        drop((admitted, one_more, burst));
    }

    #[test]
    fn a_full_gateway_refuses_within_the_rate() {
        let now = Instant::now();
        let calls = Arc::new(Calls::new(1, 100));
        let only = calls.admit_incoming(now).unwrap();
        assert_eq!(calls.admit_incoming(now).unwrap_err(), Refused::Full);
        assert_eq!(calls.refused(), (1, 0));
        drop(only);
        assert!(calls.admit_incoming(now).is_ok());
    }

    #[test]
    fn outgoing_legs_count_toward_the_limit() {
        let calls = Arc::new(Calls::new(3, 100));
        // A bridged call: the caller's leg and the operator's.
        let caller = calls.admit(Leg::Incoming).unwrap();
        let operator = calls.admit(Leg::Outgoing).unwrap();
        let second_caller = calls.admit(Leg::Incoming).unwrap();
        assert_eq!(calls.used(), 3);
        // Full: neither another caller nor another operator leg.
        assert!(calls.admit(Leg::Incoming).is_none());
        assert!(calls.admit(Leg::Outgoing).is_none());
        assert_eq!(calls.used(), 3, "a refusal takes nothing");
        assert_eq!(calls.live.load(Ordering::Relaxed), 2);
        assert_eq!(calls.outgoing.load(Ordering::Relaxed), 1);
        // The bridge ends: both slots are free again.
        drop(operator);
        drop(caller);
        assert_eq!(calls.used(), 1);
        assert_eq!(calls.live.load(Ordering::Relaxed), 1);
        assert_eq!(calls.outgoing.load(Ordering::Relaxed), 0);
        let callback = calls.admit(Leg::Outgoing).unwrap();
        let another = calls.admit(Leg::Incoming).unwrap();
        assert!(calls.admit(Leg::Outgoing).is_none());
        drop((callback, another, second_caller));
        assert_eq!(calls.used(), 0);
    }
}

//! How many SIP legs the gateway carries. Every leg holds an RTP port and its share of the
//! media loop's work, whether it came in (a caller's INVITE) or was placed by the gateway (an
//! operator's phone, a callback's citizen and operator legs): all of them count toward
//! `max_calls`. Beyond it an incoming INVITE gets 503 with Retry-After and an outgoing leg is
//! not placed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

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
}

impl Calls {
    /// At most `max` legs at once (`max_calls`).
    pub fn new(max: usize) -> Self {
        Calls {
            max,
            used: AtomicUsize::new(0),
            live: AtomicUsize::new(0),
            outgoing: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outgoing_legs_count_toward_the_limit() {
        let calls = Arc::new(Calls::new(3));
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

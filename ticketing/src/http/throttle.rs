//! Slows down password guessing on the staff login: after a number of failures for one
//! username within a window, that username is locked for the rest of the window. Pure policy
//! with the time passed in; the state is bounded.

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// Failures allowed per username within the window.
pub const MAX_FAILURES: u32 = 5;
/// The window, also the lockout length.
pub const WINDOW: SignedDuration = SignedDuration::from_mins(10);
/// Usernames tracked at most (oldest entries are dropped first).
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Timestamp)>>,
}

impl LoginThrottle {
    /// Whether `username` may try now.
    pub fn allowed(&self, username: &str, now: Timestamp) -> bool {
        let failures = self.failures.lock().expect("throttle mutex poisoned");
        match failures.get(username) {
            Some((count, first)) => *count < MAX_FAILURES || now.duration_since(*first) >= WINDOW,
            None => true,
        }
    }

    pub fn record_failure(&self, username: &str, now: Timestamp) {
        let mut failures = self.failures.lock().expect("throttle mutex poisoned");
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, (_, first)| now.duration_since(*first) < WINDOW);
            if failures.len() >= MAX_TRACKED {
                failures.clear();
            }
        }
        let entry = failures.entry(username.to_string()).or_insert((0, now));
        if now.duration_since(entry.1) >= WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn record_success(&self, username: &str) {
        self.failures
            .lock()
            .expect("throttle mutex poisoned")
            .remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_repeated_failures_and_unlocks_after_the_window() {
        let throttle = LoginThrottle::default();
        let t0 = Timestamp::from_second(1_790_000_000).unwrap();
        for i in 0..MAX_FAILURES {
            assert!(throttle.allowed("mario", t0), "attempt {i}");
            throttle.record_failure("mario", t0);
        }
        assert!(!throttle.allowed("mario", t0));
        assert!(
            throttle.allowed("giulia", t0),
            "other users are not affected"
        );
        let later = t0.checked_add(WINDOW).unwrap();
        assert!(throttle.allowed("mario", later));
        throttle.record_failure("mario", later);
        assert!(throttle.allowed("mario", later), "a new window starts");
        throttle.record_success("mario");
        assert!(throttle.allowed("mario", later));
    }
}

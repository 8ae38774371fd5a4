//! Which waiting ticket a station calls next.
//!
//! The policy is pure: it takes the waiting tickets the station may serve and the office's
//! running count of consecutive priority calls, and returns the choice.
//!
//! Rule, in two parts (both configurable):
//! 1. **Head start.** A ticket of a priority class (or an appointment check-in) is ordered as if
//!    it had been issued `priority_head_start` earlier (default 20 minutes). Everyone else is
//!    first come, first served by issue time (a transferred ticket keeps its original issue
//!    time). A normal ticket therefore waits at most `priority_head_start` longer than it would
//!    without priorities: aging is built in.
//! 2. **Ratio.** After `max_consecutive_priority` priority calls in a row (default 3), the next
//!    call goes to the oldest normal ticket if one is waiting, so a stream of priority tickets
//!    can never starve the hall.

use jiff::{SignedDuration, Timestamp};

use super::ticket::IssueChannel;

/// The configurable fairness policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuePolicy {
    pub priority_head_start: SignedDuration,
    pub max_consecutive_priority: u32,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        QueuePolicy {
            priority_head_start: SignedDuration::from_mins(20),
            max_consecutive_priority: 3,
        }
    }
}

/// A waiting ticket as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub ticket_id: i64,
    pub issued_at: Timestamp,
    pub has_priority_class: bool,
    pub channel: IssueChannel,
}

impl Candidate {
    fn is_preferred(&self) -> bool {
        self.has_priority_class || self.channel == IssueChannel::Appointment
    }
}

/// The policy's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub ticket_id: i64,
    /// The office's count of consecutive preferred calls after this one.
    pub consecutive_priority: u32,
}

impl QueuePolicy {
    /// Picks the next ticket among `waiting`, or `None` when nobody is waiting.
    pub fn choose(&self, waiting: &[Candidate], consecutive_priority: u32) -> Option<Choice> {
        let effective = |c: &Candidate| {
            let t = if c.is_preferred() {
                c.issued_at
                    .checked_sub(self.priority_head_start)
                    .unwrap_or(c.issued_at)
            } else {
                c.issued_at
            };
            (t, c.ticket_id)
        };
        let best = waiting.iter().min_by_key(|c| effective(c))?;
        let chosen = if best.is_preferred() && consecutive_priority >= self.max_consecutive_priority
        {
            waiting
                .iter()
                .filter(|c| !c.is_preferred())
                .min_by_key(|c| effective(c))
                .unwrap_or(best)
        } else {
            best
        };
        Some(Choice {
            ticket_id: chosen.ticket_id,
            consecutive_priority: if chosen.is_preferred() {
                consecutive_priority.saturating_add(1)
            } else {
                0
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + minute * 60).unwrap()
    }

    fn normal(id: i64, minute: i64) -> Candidate {
        Candidate {
            ticket_id: id,
            issued_at: at(minute),
            has_priority_class: false,
            channel: IssueChannel::Kiosk,
        }
    }

    fn priority(id: i64, minute: i64) -> Candidate {
        Candidate {
            has_priority_class: true,
            ..normal(id, minute)
        }
    }

    #[test]
    fn policy_table() {
        let policy = QueuePolicy::default();
        let appointment = Candidate {
            channel: IssueChannel::Appointment,
            ..normal(7, 10)
        };
        // (waiting, consecutive priority so far, expected ticket and count after)
        type Case = (Vec<Candidate>, u32, Option<(i64, u32)>);
        let cases: Vec<Case> = vec![
            (vec![], 0, None),
            // First come, first served among normal tickets.
            (vec![normal(2, 5), normal(1, 0)], 0, Some((1, 0))),
            // Same minute: lower id (issued first) wins.
            (vec![normal(4, 0), normal(3, 0)], 0, Some((3, 0))),
            // A priority ticket issued 10 minutes after a normal one goes first (20 min head start).
            (vec![normal(1, 0), priority(2, 10)], 0, Some((2, 1))),
            // ... but not one issued 25 minutes later: the normal ticket has aged past the head start.
            (vec![normal(1, 0), priority(2, 25)], 0, Some((1, 0))),
            // After three priority calls in a row, a waiting normal ticket is served.
            (vec![normal(1, 0), priority(2, 10)], 3, Some((1, 0))),
            // ... unless nobody normal is waiting.
            (vec![priority(2, 10), priority(3, 11)], 3, Some((2, 4))),
            // Appointment check-ins share the head start.
            (vec![normal(1, 0), appointment.clone()], 0, Some((7, 1))),
        ];
        for (waiting, streak, expected) in cases {
            let got = policy
                .choose(&waiting, streak)
                .map(|c| (c.ticket_id, c.consecutive_priority));
            assert_eq!(got, expected, "waiting {waiting:?}, streak {streak}");
        }
    }

    #[test]
    fn normal_tickets_are_never_starved() {
        // A priority ticket arrives every minute for two hours; one normal ticket waits.
        let policy = QueuePolicy::default();
        let mut waiting = vec![normal(0, 0)];
        let mut streak = 0;
        let mut served_normal_at = None;
        for call in 0..120 {
            waiting.push(priority(call + 1, call));
            let choice = policy.choose(&waiting, streak).unwrap();
            streak = choice.consecutive_priority;
            waiting.retain(|c| c.ticket_id != choice.ticket_id);
            if choice.ticket_id == 0 {
                served_normal_at = Some(call);
                break;
            }
        }
        let served = served_normal_at.expect("the normal ticket was starved");
        assert!(served <= 3, "served after {served} calls");
    }
}

//! Which waiting call goes to which operator (pure).
//!
//! Calls are taken in the office's queue order ([`QueuePolicy`]: first come, first served by
//! the time the caller entered the queue; a call put back after an unanswered ring keeps that
//! time, so it keeps its place). Each call goes to the *longest-idle* ready operator serving
//! its line (idle since the operator last became ready; ties by position id). A call that no
//! ready operator serves waits, and the next one in order is tried.

use jiff::Timestamp;

use crate::queue::{Candidate, IssueChannel, LineId, QueuePolicy, StationId};

/// A call waiting in the phone queue, as the distribution sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingCall {
    pub ticket_id: i64,
    pub line: LineId,
    /// When the caller entered the queue.
    pub queued_at: Timestamp,
}

/// A ready operator position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleOperator {
    pub station: StationId,
    pub lines: Vec<LineId>,
    /// When it became ready (the longest idle gets the next call).
    pub idle_since: Timestamp,
}

/// One decision: ring `station` for `ticket_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub ticket_id: i64,
    pub station: StationId,
}

/// Pairs waiting calls with ready operators, oldest call first, longest-idle operator first.
pub fn assign(
    policy: &QueuePolicy,
    waiting: &[WaitingCall],
    ready: &[IdleOperator],
) -> Vec<Assignment> {
    let mut candidates: Vec<Candidate> = waiting
        .iter()
        .map(|w| Candidate {
            ticket_id: w.ticket_id,
            issued_at: w.queued_at,
            has_priority_class: false,
            channel: IssueChannel::Phone,
        })
        .collect();
    let mut free: Vec<&IdleOperator> = ready.iter().collect();
    free.sort_by(|a, b| (a.idle_since, &a.station).cmp(&(b.idle_since, &b.station)));
    let mut out = Vec::new();
    while !free.is_empty() {
        let Some(choice) = policy.choose(&candidates, 0) else {
            break;
        };
        candidates.retain(|c| c.ticket_id != choice.ticket_id);
        let Some(call) = waiting.iter().find(|w| w.ticket_id == choice.ticket_id) else {
            continue;
        };
        if let Some(index) = free.iter().position(|o| o.lines.contains(&call.line)) {
            let operator = free.remove(index);
            out.push(Assignment {
                ticket_id: call.ticket_id,
                station: operator.station.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + second).unwrap()
    }

    fn call(id: i64, line: &str, second: i64) -> WaitingCall {
        WaitingCall {
            ticket_id: id,
            line: LineId::parse(line).unwrap(),
            queued_at: at(second),
        }
    }

    fn operator(id: &str, lines: &[&str], idle_second: i64) -> IdleOperator {
        IdleOperator {
            station: StationId::parse(id).unwrap(),
            lines: lines.iter().map(|l| LineId::parse(l).unwrap()).collect(),
            idle_since: at(idle_second),
        }
    }

    fn pairs(assignments: &[Assignment]) -> Vec<(i64, String)> {
        assignments
            .iter()
            .map(|a| (a.ticket_id, a.station.to_string()))
            .collect()
    }

    #[test]
    fn distribution_table() {
        let policy = QueuePolicy::default();
        type Case = (
            Vec<WaitingCall>,
            Vec<IdleOperator>,
            Vec<(i64, &'static str)>,
        );
        let cases: Vec<Case> = vec![
            // Nobody waiting, nobody ready.
            (vec![], vec![operator("op-1", &["tel"], 0)], vec![]),
            (vec![call(1, "tel", 0)], vec![], vec![]),
            // The oldest call goes to the longest-idle operator.
            (
                vec![call(2, "tel", 10), call(1, "tel", 5)],
                vec![
                    operator("op-1", &["tel"], 30),
                    operator("op-2", &["tel"], 20),
                ],
                vec![(1, "op-2"), (2, "op-1")],
            ),
            // More calls than operators: the oldest are served, the rest wait.
            (
                vec![call(1, "tel", 0), call(2, "tel", 1), call(3, "tel", 2)],
                vec![operator("op-1", &["tel"], 0)],
                vec![(1, "op-1")],
            ),
            // A call nobody ready serves waits; the next one in order is served.
            (
                vec![call(1, "tributi", 0), call(2, "tel", 1)],
                vec![operator("op-1", &["tel"], 0)],
                vec![(2, "op-1")],
            ),
            // Same idle time: by position id.
            (
                vec![call(1, "tel", 0)],
                vec![operator("op-2", &["tel"], 0), operator("op-1", &["tel"], 0)],
                vec![(1, "op-1")],
            ),
            // The longest-idle operator that serves the line, not merely the longest idle.
            (
                vec![call(1, "tributi", 0)],
                vec![
                    operator("op-1", &["tel"], 0),
                    operator("op-2", &["tel", "tributi"], 50),
                ],
                vec![(1, "op-2")],
            ),
        ];
        for (waiting, ready, expected) in cases {
            let got = assign(&policy, &waiting, &ready);
            let expected: Vec<(i64, String)> = expected
                .into_iter()
                .map(|(t, s)| (t, s.to_string()))
                .collect();
            assert_eq!(
                pairs(&got),
                expected,
                "waiting {waiting:?}, ready {ready:?}"
            );
        }
    }
}

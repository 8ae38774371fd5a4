//! Phone-channel indicators per interval, with the contact-centre definitions (pure).
//!
//! A call counts in the interval in which it was *offered* (entered the operator queue):
//!
//! - **offered**: calls that entered the queue;
//! - **answered**: calls an operator answered (a callback that reached the citizen counts,
//!   with its whole wait);
//! - **abandoned**: the caller hung up while waiting, after at least the short-abandon
//!   threshold; **short abandons** (under it) are counted apart and left out of the service
//!   level;
//! - **service level**: answered within `T` seconds ÷ (offered − short abandons);
//! - **average speed of answer**: mean wait of the answered calls;
//! - **average handling time**: mean talk time plus after-call work (wrap-up) of the calls
//!   that ended;
//! - **resolved in the dialog**: calls of the interval that ended in the phone dialog without
//!   asking for a person (recorded by the dialog), next to all calls the dialog took.
//!
//! Intervals are aligned on the Unix epoch, which matches local quarter and half hours in
//! every time zone whose offset is a whole number of hours or half hours (Europe/Rome is).

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// One escalated call's times, as the indicators need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallTimes {
    pub offered_at: Timestamp,
    pub answered_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub abandoned_at: Option<Timestamp>,
    /// After-call work (wrap-up) once it is over.
    pub after_call: Option<SignedDuration>,
}

/// How a call to the phone dialog ended, as the dialog records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DialogOutcome {
    /// Ended in the dialog without asking for a person.
    Resolved,
    /// Entered the operator queue.
    Escalated,
    /// Asked for a person when nobody could answer: a callback request was left.
    CallbackRequested,
}

impl DialogOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DialogOutcome::Resolved => "resolved",
            DialogOutcome::Escalated => "escalated",
            DialogOutcome::CallbackRequested => "callback_requested",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            DialogOutcome::Resolved,
            DialogOutcome::Escalated,
            DialogOutcome::CallbackRequested,
        ]
        .into_iter()
        .find(|o| o.as_str() == text)
    }
}

/// The thresholds of the definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndicatorRules {
    /// Interval length (15 or 30 minutes).
    pub interval: SignedDuration,
    /// A caller who hangs up sooner than this is a short abandon.
    pub short_abandon: SignedDuration,
    /// The `T` of the service level.
    pub service_level_threshold: SignedDuration,
}

/// The figures of one interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalIndicators {
    pub start: Timestamp,
    pub end: Timestamp,
    pub offered: u32,
    pub answered: u32,
    pub answered_within_threshold: u32,
    pub abandoned: u32,
    pub short_abandoned: u32,
    /// 0.0 ..= 1.0; `None` when nothing counts (no calls, or only short abandons).
    pub service_level: Option<f64>,
    pub average_speed_of_answer_seconds: Option<f64>,
    pub average_handling_seconds: Option<f64>,
    /// Calls the dialog took in the interval, and those resolved without an operator.
    pub dialog_calls: u32,
    pub resolved_in_dialog: u32,
}

fn interval_start(at: Timestamp, interval: SignedDuration) -> Timestamp {
    let length = interval.as_millis().max(1) as i64;
    let ms = at.as_millisecond();
    let start = ms - ms.rem_euclid(length);
    Timestamp::from_millisecond(start).unwrap_or(at)
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The indicators of every interval from the one holding `from` to the one holding `to`,
/// oldest first (empty intervals included, so charts have no holes).
pub fn per_interval(
    rules: &IndicatorRules,
    calls: &[CallTimes],
    dialog: &[(Timestamp, DialogOutcome)],
    from: Timestamp,
    to: Timestamp,
) -> Vec<IntervalIndicators> {
    let mut out = Vec::new();
    let mut start = interval_start(from, rules.interval);
    let last = interval_start(to, rules.interval);
    while start <= last {
        let Ok(end) = start.checked_add(rules.interval) else {
            break;
        };
        let inside = |t: Timestamp| t >= start && t < end;
        let mut figures = IntervalIndicators {
            start,
            end,
            offered: 0,
            answered: 0,
            answered_within_threshold: 0,
            abandoned: 0,
            short_abandoned: 0,
            service_level: None,
            average_speed_of_answer_seconds: None,
            average_handling_seconds: None,
            dialog_calls: 0,
            resolved_in_dialog: 0,
        };
        let mut waits = Vec::new();
        let mut handling = Vec::new();
        for call in calls.iter().filter(|c| inside(c.offered_at)) {
            figures.offered += 1;
            if let Some(answered) = call.answered_at {
                figures.answered += 1;
                let wait = answered.duration_since(call.offered_at);
                if wait <= rules.service_level_threshold {
                    figures.answered_within_threshold += 1;
                }
                waits.push(wait.as_secs_f64());
                if let Some(ended) = call.ended_at {
                    let talk = ended.duration_since(answered);
                    let after = call.after_call.unwrap_or(SignedDuration::ZERO);
                    handling.push((talk + after).as_secs_f64());
                }
            } else if let Some(abandoned) = call.abandoned_at {
                if abandoned.duration_since(call.offered_at) < rules.short_abandon {
                    figures.short_abandoned += 1;
                } else {
                    figures.abandoned += 1;
                }
            }
        }
        let counted = figures.offered - figures.short_abandoned;
        figures.service_level = (counted > 0)
            .then(|| f64::from(figures.answered_within_threshold) / f64::from(counted));
        figures.average_speed_of_answer_seconds = mean(&waits);
        figures.average_handling_seconds = mean(&handling);
        for (_, outcome) in dialog.iter().filter(|(at, _)| inside(*at)) {
            figures.dialog_calls += 1;
            if *outcome == DialogOutcome::Resolved {
                figures.resolved_in_dialog += 1;
            }
        }
        out.push(figures);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 9:00 UTC on some day, a quarter-hour boundary.
    fn at(minute: i64, second: i64) -> Timestamp {
        Timestamp::from_second(1_795_424_400 + minute * 60 + second).unwrap()
    }

    fn rules(minutes: i64) -> IndicatorRules {
        IndicatorRules {
            interval: SignedDuration::from_mins(minutes),
            short_abandon: SignedDuration::from_secs(5),
            service_level_threshold: SignedDuration::from_secs(20),
        }
    }

    fn answered(offered: (i64, i64), wait: i64, talk: i64, after: i64) -> CallTimes {
        let offered_at = at(offered.0, offered.1);
        let answered_at = offered_at
            .checked_add(SignedDuration::from_secs(wait))
            .unwrap();
        CallTimes {
            offered_at,
            answered_at: Some(answered_at),
            ended_at: Some(
                answered_at
                    .checked_add(SignedDuration::from_secs(talk))
                    .unwrap(),
            ),
            abandoned_at: None,
            after_call: Some(SignedDuration::from_secs(after)),
        }
    }

    fn abandoned(offered: (i64, i64), after: i64) -> CallTimes {
        let offered_at = at(offered.0, offered.1);
        CallTimes {
            offered_at,
            answered_at: None,
            ended_at: None,
            abandoned_at: Some(
                offered_at
                    .checked_add(SignedDuration::from_secs(after))
                    .unwrap(),
            ),
            after_call: None,
        }
    }

    #[test]
    fn standard_definitions() {
        assert_eq!(
            at(0, 0).as_second() % 900,
            0,
            "the test starts on a quarter hour"
        );
        let calls = vec![
            answered((1, 0), 10, 120, 30), // within 20 s
            answered((2, 0), 40, 60, 0),   // answered late
            abandoned((3, 0), 3),          // short abandon
            abandoned((4, 0), 90),         // abandoned
            answered((16, 0), 5, 100, 20), // next quarter
        ];
        let dialog = vec![
            (at(1, 0), DialogOutcome::Resolved),
            (at(2, 0), DialogOutcome::Resolved),
            (at(3, 0), DialogOutcome::Escalated),
        ];
        let quarters = per_interval(&rules(15), &calls, &dialog, at(0, 0), at(20, 0));
        assert_eq!(quarters.len(), 2);
        let q = &quarters[0];
        assert_eq!(
            (q.offered, q.answered, q.abandoned, q.short_abandoned),
            (4, 2, 1, 1)
        );
        // 1 within 20 s of (4 offered − 1 short abandon).
        assert_eq!(q.service_level, Some(1.0 / 3.0));
        assert_eq!(q.average_speed_of_answer_seconds, Some(25.0));
        assert_eq!(q.average_handling_seconds, Some(105.0));
        assert_eq!((q.dialog_calls, q.resolved_in_dialog), (3, 2));
        let q2 = &quarters[1];
        assert_eq!(
            (q2.offered, q2.answered, q2.service_level),
            (1, 1, Some(1.0))
        );
        assert_eq!((q2.dialog_calls, q2.resolved_in_dialog), (0, 0));

        let halves = per_interval(&rules(30), &calls, &dialog, at(0, 0), at(20, 0));
        assert_eq!(halves.len(), 1);
        assert_eq!((halves[0].offered, halves[0].answered), (5, 3));
        assert_eq!(halves[0].service_level, Some(2.0 / 4.0));
    }

    #[test]
    fn empty_intervals_have_no_ratios() {
        let only_short = vec![abandoned((1, 0), 2)];
        let got = per_interval(&rules(15), &only_short, &[], at(0, 0), at(0, 0));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].short_abandoned, 1);
        assert_eq!(got[0].service_level, None);
        assert_eq!(got[0].average_speed_of_answer_seconds, None);
    }
}

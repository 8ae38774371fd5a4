//! Service lines ("code di servizio"): what a ticket is for, its prefix and issuing hours.

use std::fmt;

use jiff::SignedDuration;
use jiff::civil::{Date, DateTime, Time};
use serde::Serialize;

use crate::calendar::{DayHours, OfficeCalendar, TimeRange, WeeklyHours, next_start};

/// Identifier of a service line, e.g. `anagrafe`: lowercase ASCII letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct LineId(String);

/// Why a text is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a valid identifier (1-32 lowercase letters, digits or '-')")]
pub struct InvalidId(pub String);

impl LineId {
    pub fn parse(text: &str) -> Result<Self, InvalidId> {
        if is_identifier(text) {
            Ok(LineId(text.to_string()))
        } else {
            Err(InvalidId(text.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
}

/// A ticket prefix: one uppercase letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Prefix(char);

impl Prefix {
    pub fn parse(text: &str) -> Option<Prefix> {
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_uppercase() => Some(Prefix(c)),
            _ => None,
        }
    }

    pub fn as_char(self) -> char {
        self.0
    }
}

/// When tickets stop being issued before the counter closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuingCutoff {
    /// No tickets in the last minutes of each opening range (default 30).
    pub before_closing: SignedDuration,
    /// Optional daily "last ticket" time: a range's issuing ends at this time when it falls
    /// inside it.
    pub last_ticket: Option<Time>,
}

impl Default for IssuingCutoff {
    fn default() -> Self {
        IssuingCutoff {
            before_closing: SignedDuration::from_mins(30),
            last_ticket: None,
        }
    }
}

/// A service line of an office.
#[derive(Debug, Clone)]
pub struct ServiceLine {
    pub id: LineId,
    /// Italian name shown on the kiosk and said on the phone.
    pub name: String,
    pub prefix: Prefix,
    /// Own hours (e.g. the fast lane 8:30-12:30), always within the office hours; `None` means
    /// the office hours.
    pub hours: Option<WeeklyHours>,
    pub cutoff: IssuingCutoff,
    /// A fast lane ("corsia veloce") for short operations such as document drop-off.
    pub fast_lane: bool,
    /// Handling time assumed before any ticket of the day has been served.
    pub default_handling: SignedDuration,
}

/// Why a ticket cannot be issued now, with when to come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueRefusal {
    /// The whole day is closed (holiday, Sunday, closure).
    ClosedDay { next_issuing: Option<DateTime> },
    /// Before opening or between ranges / after closing.
    OutsideHours { next_issuing: Option<DateTime> },
    /// The office is still open but tickets for this line have stopped for today.
    AfterCutoff { next_issuing: Option<DateTime> },
}

impl IssueRefusal {
    pub fn next_issuing(&self) -> Option<DateTime> {
        match self {
            IssueRefusal::ClosedDay { next_issuing }
            | IssueRefusal::OutsideHours { next_issuing }
            | IssueRefusal::AfterCutoff { next_issuing } => *next_issuing,
        }
    }
}

impl ServiceLine {
    /// The line's opening hours on `date`: its own hours within the office's, or the office's.
    pub fn hours_on(&self, calendar: &OfficeCalendar, date: Date) -> DayHours {
        let office = calendar.plan(date).hours();
        match &self.hours {
            Some(own) => office.intersect(own.on(date.weekday())),
            None => office,
        }
    }

    /// The windows during which tickets are issued on `date` (opening hours minus cutoffs).
    pub fn issuing_windows(&self, calendar: &OfficeCalendar, date: Date) -> DayHours {
        let hours = self.hours_on(calendar, date);
        let mut windows = Vec::new();
        for range in hours.ranges() {
            let mut end = range
                .end()
                .checked_sub(self.cutoff.before_closing)
                .unwrap_or(range.start());
            if let Some(last) = self.cutoff.last_ticket
                && range.contains(last)
            {
                end = end.min(last);
            }
            if let Ok(window) = TimeRange::new(range.start(), end) {
                windows.push(window);
            }
        }
        DayHours::new(windows).unwrap_or_default()
    }

    /// Whether a ticket for this line may be issued at local time `now`.
    pub fn check_issuing(
        &self,
        calendar: &OfficeCalendar,
        now: DateTime,
    ) -> Result<(), IssueRefusal> {
        let windows = self.issuing_windows(calendar, now.date());
        if windows.range_containing(now.time()).is_some() {
            return Ok(());
        }
        let next_issuing = next_start(now, |d| self.issuing_windows(calendar, d));
        let hours = self.hours_on(calendar, now.date());
        if hours.is_closed() {
            Err(IssueRefusal::ClosedDay { next_issuing })
        } else if hours.range_containing(now.time()).is_some() {
            Err(IssueRefusal::AfterCutoff { next_issuing })
        } else {
            Err(IssueRefusal::OutsideHours { next_issuing })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests_support::sample_calendar;
    use jiff::civil::{Weekday, datetime, time};

    fn line(hours: Option<WeeklyHours>, last_ticket: Option<Time>) -> ServiceLine {
        ServiceLine {
            id: LineId::parse("anagrafe").unwrap(),
            name: "Anagrafe".into(),
            prefix: Prefix::parse("A").unwrap(),
            hours,
            cutoff: IssuingCutoff {
                before_closing: SignedDuration::from_mins(30),
                last_ticket,
            },
            fast_lane: false,
            default_handling: SignedDuration::from_mins(8),
        }
    }

    fn fast_lane_hours() -> WeeklyHours {
        let mut w = WeeklyHours::default();
        for wd in [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
        ] {
            w.set(
                wd,
                DayHours::new(vec![TimeRange::parse("08:30-12:30").unwrap()]).unwrap(),
            );
        }
        w
    }

    #[test]
    fn cutoff_table() {
        let cal = sample_calendar();
        let plain = line(None, None);
        let with_last = line(None, Some(time(12, 0, 0, 0)));
        let fast = line(Some(fast_lane_hours()), None);
        let next_tue = Some(datetime(2026, 11, 24, 8, 30, 0, 0));
        type Case<'a> = (&'a ServiceLine, DateTime, Result<(), IssueRefusal>);
        let cases: Vec<Case> = vec![
            (&plain, datetime(2026, 11, 23, 8, 30, 0, 0), Ok(())),
            (&plain, datetime(2026, 11, 23, 11, 59, 0, 0), Ok(())),
            // 30 minutes before 12:30 closing: refused, come back Tuesday.
            (
                &plain,
                datetime(2026, 11, 23, 12, 0, 0, 0),
                Err(IssueRefusal::AfterCutoff {
                    next_issuing: next_tue,
                }),
            ),
            (
                &plain,
                datetime(2026, 11, 23, 8, 0, 0, 0),
                Err(IssueRefusal::OutsideHours {
                    next_issuing: Some(datetime(2026, 11, 23, 8, 30, 0, 0)),
                }),
            ),
            (
                &plain,
                datetime(2026, 11, 23, 13, 0, 0, 0),
                Err(IssueRefusal::OutsideHours {
                    next_issuing: next_tue,
                }),
            ),
            // Last ticket at 12:00 on a 12:30 closing: 11:59 ok, 12:00 refused.
            (&with_last, datetime(2026, 11, 23, 11, 59, 0, 0), Ok(())),
            // Wednesday: open until 17:15, issuing until 16:45.
            (&plain, datetime(2026, 11, 25, 16, 44, 0, 0), Ok(())),
            (
                &plain,
                datetime(2026, 11, 25, 16, 45, 0, 0),
                Err(IssueRefusal::AfterCutoff {
                    next_issuing: Some(datetime(2026, 11, 26, 8, 30, 0, 0)),
                }),
            ),
            // The fast lane keeps its 8:30-12:30 hours even on Wednesday afternoon.
            (&fast, datetime(2026, 11, 25, 11, 0, 0, 0), Ok(())),
            (
                &fast,
                datetime(2026, 11, 25, 14, 0, 0, 0),
                Err(IssueRefusal::OutsideHours {
                    next_issuing: Some(datetime(2026, 11, 26, 8, 30, 0, 0)),
                }),
            ),
            // Saturday: the fast lane is cut to the office's 9:00-12:00, cutoff at 11:30.
            (
                &fast,
                datetime(2026, 11, 28, 11, 30, 0, 0),
                Err(IssueRefusal::AfterCutoff {
                    next_issuing: Some(datetime(2026, 11, 30, 8, 30, 0, 0)),
                }),
            ),
            // Sunday: closed day.
            (
                &plain,
                datetime(2026, 11, 29, 10, 0, 0, 0),
                Err(IssueRefusal::ClosedDay {
                    next_issuing: Some(datetime(2026, 11, 30, 8, 30, 0, 0)),
                }),
            ),
        ];
        for (line, now, expected) in cases {
            assert_eq!(
                line.check_issuing(&cal, now),
                expected,
                "{} at {now}",
                if line.hours.is_some() {
                    "fast lane"
                } else {
                    "line"
                }
            );
        }
        assert_eq!(
            with_last.check_issuing(&cal, datetime(2026, 11, 23, 12, 0, 0, 0)),
            Err(IssueRefusal::AfterCutoff {
                next_issuing: next_tue
            })
        );
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(LineId::parse("anagrafe").is_ok());
        assert!(LineId::parse("stato-civile").is_ok());
        for bad in ["", "Anagrafe", "a b", "-x", "a/b", &"x".repeat(33)] {
            assert!(LineId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Prefix::parse("A").is_some());
        assert!(Prefix::parse("a").is_none());
        assert!(Prefix::parse("AB").is_none());
    }
}

//! Opening hours: time ranges within a day and the weekly pattern.

use std::fmt;

use jiff::civil::{Time, Weekday};

/// A half-open range of the day, `[start, end)`, with `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeRange {
    start: Time,
    end: Time,
}

/// Why a time range could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeRangeError {
    #[error("'{0}' is not a time range like 08:30-12:30")]
    Syntax(String),
    #[error("'{0}' is not a time of day like 08:30")]
    Time(String),
    #[error("the range {0} ends before it starts")]
    Reversed(String),
}

impl TimeRange {
    pub fn new(start: Time, end: Time) -> Result<Self, TimeRangeError> {
        if start >= end {
            return Err(TimeRangeError::Reversed(format!("{start}-{end}")));
        }
        Ok(TimeRange { start, end })
    }

    /// Parses `"08:30-12:30"`.
    pub fn parse(text: &str) -> Result<Self, TimeRangeError> {
        let (start, end) = text
            .split_once('-')
            .ok_or_else(|| TimeRangeError::Syntax(text.to_string()))?;
        TimeRange::new(parse_time(start.trim())?, parse_time(end.trim())?)
    }

    pub fn start(&self) -> Time {
        self.start
    }

    pub fn end(&self) -> Time {
        self.end
    }

    pub fn contains(&self, t: Time) -> bool {
        self.start <= t && t < self.end
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.strftime("%H:%M"),
            self.end.strftime("%H:%M")
        )
    }
}

/// Parses a time of day written `HH:MM` (or `H:MM`).
pub fn parse_time(text: &str) -> Result<Time, TimeRangeError> {
    let err = || TimeRangeError::Time(text.to_string());
    let (h, m) = text.split_once(':').ok_or_else(err)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(err());
    }
    let h: i8 = h.parse().map_err(|_| err())?;
    let m: i8 = m.parse().map_err(|_| err())?;
    Time::new(h, m, 0, 0).map_err(|_| err())
}

/// The opening ranges of one day, sorted and not overlapping; empty means closed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayHours {
    ranges: Vec<TimeRange>,
}

impl DayHours {
    pub fn closed() -> Self {
        DayHours { ranges: Vec::new() }
    }

    /// Builds the hours of a day, refusing overlapping ranges.
    pub fn new(mut ranges: Vec<TimeRange>) -> Result<Self, TimeRangeError> {
        ranges.sort();
        for pair in ranges.windows(2) {
            if pair[0].end > pair[1].start {
                return Err(TimeRangeError::Syntax(format!(
                    "{} overlaps {}",
                    pair[0], pair[1]
                )));
            }
        }
        Ok(DayHours { ranges })
    }

    pub fn ranges(&self) -> &[TimeRange] {
        &self.ranges
    }

    pub fn is_closed(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn opens_at(&self) -> Option<Time> {
        self.ranges.first().map(|r| r.start)
    }

    pub fn closes_at(&self) -> Option<Time> {
        self.ranges.last().map(|r| r.end)
    }

    pub fn range_containing(&self, t: Time) -> Option<TimeRange> {
        self.ranges.iter().copied().find(|r| r.contains(t))
    }

    /// The part of these hours that also lies within `other` (used to keep a line's own hours
    /// inside the office's hours).
    pub fn intersect(&self, other: &DayHours) -> DayHours {
        let mut out = Vec::new();
        for a in &self.ranges {
            for b in &other.ranges {
                let start = a.start.max(b.start);
                let end = a.end.min(b.end);
                if start < end {
                    out.push(TimeRange { start, end });
                }
            }
        }
        out.sort();
        DayHours { ranges: out }
    }
}

/// Opening hours for each day of the week (Monday first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    days: [DayHours; 7],
}

impl WeeklyHours {
    pub fn set(&mut self, weekday: Weekday, hours: DayHours) {
        self.days[weekday.to_monday_zero_offset() as usize] = hours;
    }

    pub fn on(&self, weekday: Weekday) -> &DayHours {
        &self.days[weekday.to_monday_zero_offset() as usize]
    }

    pub fn is_always_closed(&self) -> bool {
        self.days.iter().all(DayHours::is_closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    #[test]
    fn parses_ranges_and_refuses_bad_ones() {
        let ok = TimeRange::parse("08:30-12:30").unwrap();
        assert_eq!(
            (ok.start(), ok.end()),
            (time(8, 30, 0, 0), time(12, 30, 0, 0))
        );
        assert_eq!(
            TimeRange::parse("8:30 - 9:00").unwrap().start(),
            time(8, 30, 0, 0)
        );
        for bad in [
            "08:30",
            "12:30-08:30",
            "25:00-26:00",
            "8.30-9.00",
            "08:3-09:00",
            "-",
        ] {
            assert!(TimeRange::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn intersection_keeps_the_common_part() {
        let office = DayHours::new(vec![TimeRange::parse("08:30-17:15").unwrap()]).unwrap();
        let lane = DayHours::new(vec![TimeRange::parse("08:30-12:30").unwrap()]).unwrap();
        assert_eq!(office.intersect(&lane), lane);
        let saturday = DayHours::new(vec![TimeRange::parse("09:00-12:00").unwrap()]).unwrap();
        assert_eq!(
            saturday.intersect(&lane).ranges(),
            &[TimeRange::parse("09:00-12:00").unwrap()]
        );
        assert!(DayHours::closed().intersect(&lane).is_closed());
    }

    #[test]
    fn overlapping_ranges_are_refused() {
        let r = |s| TimeRange::parse(s).unwrap();
        assert!(DayHours::new(vec![r("08:00-12:00"), r("11:00-13:00")]).is_err());
        assert!(DayHours::new(vec![r("14:00-16:00"), r("08:00-12:00")]).is_ok());
    }
}

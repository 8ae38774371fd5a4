//! Meeting points ("punti di incontro") and their consultation slots.
//!
//! Pure logic: slots of a day come from the meeting point's weekly hours and slot length, on
//! the days the office calendar does not close (holidays, patron saint, closures). Free slots
//! are those slots not in a given set of taken starts.

use std::collections::HashSet;

use jiff::SignedDuration;
use jiff::civil::{Date, DateTime};
use serde::Serialize;

use crate::calendar::{ClosedReason, DayPlan, OfficeCalendar, WeeklyHours};
use crate::queue::{LineId, StationId};

/// A meeting point: one consultation desk of a line, with its schedule.
#[derive(Debug, Clone)]
pub struct MeetingPoint {
    pub id: StationId,
    pub name: String,
    pub line: LineId,
    pub slot_length: SignedDuration,
    pub hours: WeeklyHours,
}

/// One consultation slot (office-local civil times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Slot {
    pub start: DateTime,
    pub end: DateTime,
}

impl MeetingPoint {
    /// The slots of `date`, in order; none on days the office is closed for a holiday,
    /// the patron saint or a closure.
    pub fn slots_on(&self, calendar: &OfficeCalendar, date: Date) -> Vec<Slot> {
        if let DayPlan::Closed(reason) = calendar.plan(date)
            && reason != ClosedReason::NoOpeningThatWeekday
        {
            return Vec::new();
        }
        let mut slots = Vec::new();
        for range in self.hours.on(date.weekday()).ranges() {
            let mut start = date.to_datetime(range.start());
            let end_of_range = date.to_datetime(range.end());
            while let Ok(end) = start.checked_add(self.slot_length) {
                if end > end_of_range {
                    break;
                }
                slots.push(Slot { start, end });
                start = end;
            }
        }
        slots
    }

    /// Free slots starting strictly after `after` and on or before `last_day`, in order.
    pub fn free_slots<'a>(
        &'a self,
        calendar: &'a OfficeCalendar,
        after: DateTime,
        last_day: Date,
        taken: &'a HashSet<DateTime>,
    ) -> impl Iterator<Item = Slot> + 'a {
        let mut day = Some(after.date());
        std::iter::from_fn(move || {
            let current = day?;
            if current > last_day {
                return None;
            }
            day = current.tomorrow().ok();
            Some(self.slots_on(calendar, current))
        })
        .flatten()
        .filter(move |s| s.start > after && !taken.contains(&s.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests_support::sample_calendar;
    use crate::calendar::{DayHours, TimeRange};
    use jiff::civil::{Weekday, date, datetime};

    fn point() -> MeetingPoint {
        let mut hours = WeeklyHours::default();
        for wd in [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
        ] {
            hours.set(
                wd,
                DayHours::new(vec![TimeRange::parse("13:30-15:30").unwrap()]).unwrap(),
            );
        }
        MeetingPoint {
            id: StationId::parse("anagrafe-1").unwrap(),
            name: "Anagrafe, punto 1".into(),
            line: LineId::parse("anagrafe").unwrap(),
            slot_length: SignedDuration::from_mins(20),
            hours,
        }
    }

    #[test]
    fn slots_table() {
        let cal = sample_calendar();
        let mp = point();
        let starts = |d| -> Vec<String> {
            mp.slots_on(&cal, d)
                .iter()
                .map(|s| s.start.time().strftime("%H:%M").to_string())
                .collect()
        };
        // Monday: six 20-minute slots from 13:30 to 15:30.
        assert_eq!(
            starts(date(2026, 11, 23)),
            ["13:30", "13:50", "14:10", "14:30", "14:50", "15:10"]
        );
        // Friday: no consultations.
        assert!(starts(date(2026, 11, 27)).is_empty());
        // Tuesday 8 December: national holiday.
        assert!(starts(date(2026, 12, 8)).is_empty());
        // Thursday 24 December: configured closure.
        assert!(starts(date(2026, 12, 24)).is_empty());
        // Wednesday 24 June: patron saint.
        assert!(starts(date(2026, 6, 24)).is_empty());
        // A slot length that does not divide the range leaves the tail unused.
        let mut odd = point();
        odd.slot_length = SignedDuration::from_mins(45);
        assert_eq!(odd.slots_on(&cal, date(2026, 11, 23)).len(), 2);
    }

    #[test]
    fn free_slots_skip_taken_and_past_ones() {
        let cal = sample_calendar();
        let mp = point();
        let taken: HashSet<DateTime> = [datetime(2026, 11, 23, 14, 10, 0, 0)].into();
        let free: Vec<Slot> = mp
            .free_slots(
                &cal,
                datetime(2026, 11, 23, 13, 50, 0, 0),
                date(2026, 11, 24),
                &taken,
            )
            .collect();
        let starts: Vec<String> = free.iter().map(|s| s.start.to_string()).collect();
        assert_eq!(starts[0], "2026-11-23T14:30:00");
        assert!(!starts.iter().any(|s| s == "2026-11-23T14:10:00"));
        assert_eq!(free.len(), 3 + 6, "three left on Monday, six on Tuesday");
    }
}

//! The office calendar: weekly hours, special hours, closed days, and "is it open now?".
//!
//! Pure logic: every question takes the instant or date it is about. Office time is civil time
//! in the office's time zone (Europe/Rome for the sample office).

mod holidays;
mod hours;

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;

pub use holidays::{Holiday, easter_sunday, national_holiday};
pub use hours::{DayHours, TimeRange, TimeRangeError, WeeklyHours, parse_time};

/// How far ahead "when does it open next" looks before giving up.
const LOOKAHEAD_DAYS: i32 = 400;

/// Why the office is closed on a given day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosedReason {
    /// The weekly hours have no opening on that weekday (e.g. Sunday).
    NoOpeningThatWeekday,
    NationalHoliday(&'static str),
    PatronSaint(String),
    /// A closure configured by the office (e.g. "chiusura per inventario").
    Closure(String),
}

impl ClosedReason {
    /// A short Italian explanation for the citizen.
    pub fn italian(&self) -> String {
        match self {
            ClosedReason::NoOpeningThatWeekday => "oggi l'ufficio è chiuso".to_string(),
            ClosedReason::NationalHoliday(name) => format!("oggi è festa: {name}"),
            ClosedReason::PatronSaint(name) => format!("oggi è la festa del santo patrono, {name}"),
            ClosedReason::Closure(reason) => format!("oggi l'ufficio è chiuso: {reason}"),
        }
    }
}

/// The hours of one date after holidays, closures and exceptions are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayPlan {
    Open(DayHours),
    Closed(ClosedReason),
}

impl DayPlan {
    pub fn hours(&self) -> DayHours {
        match self {
            DayPlan::Open(h) => h.clone(),
            DayPlan::Closed(_) => DayHours::closed(),
        }
    }
}

/// Whether the office is open at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfficeStatus {
    Open {
        /// End of the current opening range (local civil time).
        closes_at: DateTime,
    },
    Closed {
        /// Set when the whole day is closed.
        reason: Option<ClosedReason>,
        /// Start of the next opening range, if there is one within a year.
        next_opening: Option<DateTime>,
    },
}

/// A patron saint's day: a local holiday on a fixed date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatronSaint {
    pub month: i8,
    pub day: i8,
    pub name: String,
}

/// The calendar of one office.
#[derive(Debug, Clone)]
pub struct OfficeCalendar {
    time_zone: TimeZone,
    weekly: WeeklyHours,
    patron_saint: Option<PatronSaint>,
    closures: BTreeMap<Date, String>,
    special_hours: BTreeMap<Date, DayHours>,
}

impl OfficeCalendar {
    pub fn new(time_zone: TimeZone, weekly: WeeklyHours) -> Self {
        OfficeCalendar {
            time_zone,
            weekly,
            patron_saint: None,
            closures: BTreeMap::new(),
            special_hours: BTreeMap::new(),
        }
    }

    pub fn with_patron_saint(mut self, saint: PatronSaint) -> Self {
        self.patron_saint = Some(saint);
        self
    }

    /// Closes the office on `date` for `reason`.
    pub fn with_closure(mut self, date: Date, reason: impl Into<String>) -> Self {
        self.closures.insert(date, reason.into());
        self
    }

    /// Replaces the weekly hours on one date (e.g. shorter hours on 24 December).
    pub fn with_special_hours(mut self, date: Date, hours: DayHours) -> Self {
        self.special_hours.insert(date, hours);
        self
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    pub fn weekly(&self) -> &WeeklyHours {
        &self.weekly
    }

    /// Office-local civil time of an instant.
    pub fn local(&self, instant: Timestamp) -> DateTime {
        instant.to_zoned(self.time_zone.clone()).datetime()
    }

    /// The instant of an office-local civil time (the earlier one on a DST overlap).
    pub fn instant(&self, local: DateTime) -> Timestamp {
        self.time_zone
            .to_ambiguous_timestamp(local)
            .compatible()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// What the office does on `date`. Closed days (holidays, patron saint, closures) win over
    /// special hours, which win over the weekly hours.
    pub fn plan(&self, date: Date) -> DayPlan {
        if let Some(reason) = self.closures.get(&date) {
            return DayPlan::Closed(ClosedReason::Closure(reason.clone()));
        }
        if let Some(holiday) = national_holiday(date) {
            return DayPlan::Closed(ClosedReason::NationalHoliday(holiday.name()));
        }
        if let Some(saint) = &self.patron_saint
            && saint.month == date.month()
            && saint.day == date.day()
        {
            return DayPlan::Closed(ClosedReason::PatronSaint(saint.name.clone()));
        }
        let hours = self
            .special_hours
            .get(&date)
            .cloned()
            .unwrap_or_else(|| self.weekly.on(date.weekday()).clone());
        if hours.is_closed() {
            DayPlan::Closed(ClosedReason::NoOpeningThatWeekday)
        } else {
            DayPlan::Open(hours)
        }
    }

    /// Open or closed at `instant`, with the closing time or the next opening.
    pub fn status_at(&self, instant: Timestamp) -> OfficeStatus {
        let now = self.local(instant);
        match self.plan(now.date()) {
            DayPlan::Open(hours) => match hours.range_containing(now.time()) {
                Some(range) => OfficeStatus::Open {
                    closes_at: now.date().to_datetime(range.end()),
                },
                None => OfficeStatus::Closed {
                    reason: None,
                    next_opening: next_start(now, |d| self.plan(d).hours()),
                },
            },
            DayPlan::Closed(reason) => OfficeStatus::Closed {
                reason: Some(reason),
                next_opening: next_start(now, |d| self.plan(d).hours()),
            },
        }
    }
}

/// The first range start strictly after `from`, looking up to a year ahead, for any source of
/// day hours (the office's, or a line's issuing windows).
pub fn next_start(from: DateTime, hours_for: impl Fn(Date) -> DayHours) -> Option<DateTime> {
    let mut day = from.date();
    for _ in 0..LOOKAHEAD_DAYS {
        let hours = hours_for(day);
        let after: Option<Time> = if day == from.date() {
            hours
                .ranges()
                .iter()
                .map(|r| r.start())
                .find(|s| *s > from.time())
        } else {
            hours.opens_at()
        };
        if let Some(start) = after {
            return Some(day.to_datetime(start));
        }
        day = day.tomorrow().ok()?;
    }
    None
}

/// Weekday from the Italian or English name used in configuration files.
pub fn parse_weekday(name: &str) -> Option<Weekday> {
    Some(match name.to_ascii_lowercase().as_str() {
        "monday" | "lunedi" | "lunedì" | "mon" => Weekday::Monday,
        "tuesday" | "martedi" | "martedì" | "tue" => Weekday::Tuesday,
        "wednesday" | "mercoledi" | "mercoledì" | "wed" => Weekday::Wednesday,
        "thursday" | "giovedi" | "giovedì" | "thu" => Weekday::Thursday,
        "friday" | "venerdi" | "venerdì" | "fri" => Weekday::Friday,
        "saturday" | "sabato" | "sat" => Weekday::Saturday,
        "sunday" | "domenica" | "sun" => Weekday::Sunday,
        _ => return None,
    })
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use jiff::civil::date;

    /// The sample office's calendar (Comune di Esempio), for tests across the crate.
    pub(crate) fn sample_calendar() -> OfficeCalendar {
        let r = |s| TimeRange::parse(s).unwrap();
        let mut weekly = WeeklyHours::default();
        for wd in [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Thursday,
            Weekday::Friday,
        ] {
            weekly.set(wd, DayHours::new(vec![r("08:30-12:30")]).unwrap());
        }
        weekly.set(
            Weekday::Wednesday,
            DayHours::new(vec![r("08:30-17:15")]).unwrap(),
        );
        weekly.set(
            Weekday::Saturday,
            DayHours::new(vec![r("09:00-12:00")]).unwrap(),
        );
        OfficeCalendar::new(TimeZone::get("Europe/Rome").unwrap(), weekly)
            .with_patron_saint(PatronSaint {
                month: 6,
                day: 24,
                name: "San Giovanni Battista".into(),
            })
            .with_closure(date(2026, 12, 24), "vigilia di Natale")
            .with_special_hours(
                date(2026, 12, 31),
                DayHours::new(vec![r("08:30-11:00")]).unwrap(),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::sample_calendar;
    use super::*;
    use jiff::civil::datetime;

    fn at(cal: &OfficeCalendar, local: DateTime) -> OfficeStatus {
        cal.status_at(cal.instant(local))
    }

    #[test]
    fn status_table() {
        let cal = sample_calendar();
        let open_until = |d: DateTime| OfficeStatus::Open { closes_at: d };
        let closed = |reason: Option<ClosedReason>, next: DateTime| OfficeStatus::Closed {
            reason,
            next_opening: Some(next),
        };
        let cases = [
            // Monday 23 Nov 2026, 10:00: open until 12:30.
            (
                datetime(2026, 11, 23, 10, 0, 0, 0),
                open_until(datetime(2026, 11, 23, 12, 30, 0, 0)),
            ),
            // Exactly at closing: closed, next opening Tuesday 8:30.
            (
                datetime(2026, 11, 23, 12, 30, 0, 0),
                closed(None, datetime(2026, 11, 24, 8, 30, 0, 0)),
            ),
            // Before opening on Monday.
            (
                datetime(2026, 11, 23, 7, 0, 0, 0),
                closed(None, datetime(2026, 11, 23, 8, 30, 0, 0)),
            ),
            // Wednesday afternoon: open until 17:15.
            (
                datetime(2026, 11, 25, 16, 0, 0, 0),
                open_until(datetime(2026, 11, 25, 17, 15, 0, 0)),
            ),
            // Saturday 9:00-12:00.
            (
                datetime(2026, 11, 28, 11, 59, 0, 0),
                open_until(datetime(2026, 11, 28, 12, 0, 0, 0)),
            ),
            // Sunday: next opening Monday.
            (
                datetime(2026, 11, 29, 10, 0, 0, 0),
                closed(
                    Some(ClosedReason::NoOpeningThatWeekday),
                    datetime(2026, 11, 30, 8, 30, 0, 0),
                ),
            ),
            // Easter Monday 2026 (6 April): next opening Tuesday.
            (
                datetime(2026, 4, 6, 9, 0, 0, 0),
                closed(
                    Some(ClosedReason::NationalHoliday("Lunedì dell'Angelo")),
                    datetime(2026, 4, 7, 8, 30, 0, 0),
                ),
            ),
            // 4 October 2027 is a Monday and a national holiday.
            (
                datetime(2027, 10, 4, 9, 0, 0, 0),
                closed(
                    Some(ClosedReason::NationalHoliday(
                        "San Francesco d'Assisi e Santa Caterina da Siena",
                    )),
                    datetime(2027, 10, 5, 8, 30, 0, 0),
                ),
            ),
            // Patron saint, Wednesday 24 June 2026.
            (
                datetime(2026, 6, 24, 9, 0, 0, 0),
                closed(
                    Some(ClosedReason::PatronSaint("San Giovanni Battista".into())),
                    datetime(2026, 6, 25, 8, 30, 0, 0),
                ),
            ),
            // Configured closure on 24 Dec; 25 and 26 are holidays; 27 Sunday; next is 28.
            (
                datetime(2026, 12, 24, 9, 0, 0, 0),
                closed(
                    Some(ClosedReason::Closure("vigilia di Natale".into())),
                    datetime(2026, 12, 28, 8, 30, 0, 0),
                ),
            ),
            // Special hours on 31 Dec: closes at 11:00.
            (
                datetime(2026, 12, 31, 10, 0, 0, 0),
                open_until(datetime(2026, 12, 31, 11, 0, 0, 0)),
            ),
        ];
        for (local, expected) in cases {
            assert_eq!(at(&cal, local), expected, "at {local}");
        }
    }

    #[test]
    fn daylight_saving_change_keeps_local_hours() {
        let cal = sample_calendar();
        // Monday 30 March 2026 is the first working day of summer time.
        let instant = cal.instant(datetime(2026, 3, 30, 8, 30, 0, 0));
        assert_eq!(cal.local(instant), datetime(2026, 3, 30, 8, 30, 0, 0));
        assert!(matches!(cal.status_at(instant), OfficeStatus::Open { .. }));
    }
}

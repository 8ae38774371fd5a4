//! Italian national holidays ("feste nazionali") that close public offices.

use jiff::civil::{Date, date};

/// Why a date is a closed day, when it is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holiday {
    Fixed(&'static str),
    EasterMonday,
}

impl Holiday {
    /// The Italian name, as said to a caller ("è chiuso per ...").
    pub fn name(&self) -> &'static str {
        match self {
            Holiday::Fixed(name) => name,
            Holiday::EasterMonday => "Lunedì dell'Angelo",
        }
    }
}

/// Fixed-date national holidays: (month, day, name, first year it applies).
const FIXED: &[(i8, i8, &str, i16)] = &[
    (1, 1, "Capodanno", 1),
    (1, 6, "Epifania", 1),
    (4, 25, "Festa della Liberazione", 1),
    (5, 1, "Festa del Lavoro", 1),
    (6, 2, "Festa della Repubblica", 1),
    (8, 15, "Ferragosto", 1),
    // Restored as a national holiday (patron saints of Italy) from 2026.
    (
        10,
        4,
        "San Francesco d'Assisi e Santa Caterina da Siena",
        2026,
    ),
    (11, 1, "Ognissanti", 1),
    (12, 8, "Immacolata Concezione", 1),
    (12, 25, "Natale", 1),
    (12, 26, "Santo Stefano", 1),
];

/// The national holiday falling on `day`, if any. Sundays are closed by the weekly hours, not
/// here (Easter Sunday is therefore not listed).
pub fn national_holiday(day: Date) -> Option<Holiday> {
    for &(month, dom, name, from_year) in FIXED {
        if day.month() == month && day.day() == dom && day.year() >= from_year {
            return Some(Holiday::Fixed(name));
        }
    }
    let easter = easter_sunday(day.year());
    if easter.tomorrow().ok() == Some(day) {
        return Some(Holiday::EasterMonday);
    }
    None
}

/// Easter Sunday of the Gregorian calendar (the anonymous "Meeus/Jones/Butcher" computation).
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month as i8, day as i8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_dates_match_the_published_calendar() {
        for (year, month, day) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2030, 4, 21),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(year), date(year, month, day), "year {year}");
        }
    }

    #[test]
    fn holiday_table() {
        let cases: &[(Date, Option<&str>)] = &[
            (date(2026, 1, 1), Some("Capodanno")),
            (date(2026, 4, 6), Some("Lunedì dell'Angelo")),
            (date(2026, 4, 7), None),
            (date(2027, 3, 29), Some("Lunedì dell'Angelo")),
            (
                date(2026, 10, 4),
                Some("San Francesco d'Assisi e Santa Caterina da Siena"),
            ),
            (date(2025, 10, 4), None),
            (date(2026, 12, 26), Some("Santo Stefano")),
            (date(2026, 6, 2), Some("Festa della Repubblica")),
            (date(2026, 11, 23), None),
        ];
        for (day, expected) in cases {
            assert_eq!(national_holiday(*day).map(|h| h.name()), *expected, "{day}");
        }
    }
}

//! Italian wording of dates and times for citizens ("lunedì 30 novembre alle 8:30").

use jiff::civil::{Date, DateTime, Time, Weekday};

use crate::calendar::{DayHours, WeeklyHours};

pub fn weekday(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "lunedì",
        Weekday::Tuesday => "martedì",
        Weekday::Wednesday => "mercoledì",
        Weekday::Thursday => "giovedì",
        Weekday::Friday => "venerdì",
        Weekday::Saturday => "sabato",
        Weekday::Sunday => "domenica",
    }
}

pub fn month(month: i8) -> &'static str {
    const MONTHS: [&str; 12] = [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ];
    MONTHS[usize::try_from(month - 1).unwrap_or(0).min(11)]
}

/// "8:30", "12:00".
pub fn time(t: Time) -> String {
    format!("{}:{:02}", t.hour(), t.minute())
}

/// "lunedì 30 novembre".
pub fn date(d: Date) -> String {
    format!("{} {} {}", weekday(d.weekday()), d.day(), month(d.month()))
}

/// "oggi alle 14:30", "domani alle 8:30", "lunedì 30 novembre alle 8:30".
pub fn when(at: DateTime, today: Date) -> String {
    let day = if at.date() == today {
        "oggi".to_string()
    } else if today.tomorrow().ok() == Some(at.date()) {
        "domani".to_string()
    } else {
        date(at.date())
    };
    format!("{day} alle {}", time(at.time()))
}

const WEEK: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// "dalle 8:30 alle 12:30 e dalle 14:30 alle 16:30".
pub fn day_hours(hours: &DayHours) -> String {
    let parts: Vec<String> = hours
        .ranges()
        .iter()
        .map(|r| format!("dalle {} alle {}", time(r.start()), time(r.end())))
        .collect();
    join_with_e(&parts)
}

fn join_with_e(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} e {last}", init.join(", ")),
    }
}

/// Weekly hours in words, days with the same hours together: "dal lunedì al venerdì dalle
/// 8:30 alle 12:30; il sabato dalle 9:00 alle 12:00".
pub fn weekly_hours(weekly: &WeeklyHours) -> String {
    let mut groups: Vec<(DayHours, Vec<Weekday>)> = Vec::new();
    for day in WEEK {
        let hours = weekly.on(day);
        if hours.is_closed() {
            continue;
        }
        match groups.iter_mut().find(|(h, _)| h == hours) {
            Some((_, days)) => days.push(day),
            None => groups.push((hours.clone(), vec![day])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(hours, days)| format!("{} {}", days_text(days), day_hours(hours)))
        .collect();
    parts.join("; ")
}

fn days_text(days: &[Weekday]) -> String {
    let index = |d: &Weekday| d.to_monday_zero_offset();
    let consecutive = days.windows(2).all(|w| index(&w[1]) == index(&w[0]) + 1);
    match days {
        [one] => format!("il {}", weekday(*one)).replace("il domenica", "la domenica"),
        [first, .., last] if consecutive && days.len() >= 3 => {
            format!("dal {} al {}", weekday(*first), weekday(*last))
        }
        _ => {
            let names: Vec<String> = days.iter().map(|d| weekday(*d).to_string()).collect();
            join_with_e(&names)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date as d, datetime};

    #[test]
    fn weekly_hours_in_words() {
        use crate::calendar::TimeRange;
        let r = |s| DayHours::new(vec![TimeRange::parse(s).unwrap()]).unwrap();
        let mut w = WeeklyHours::default();
        for d in [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Thursday,
            Weekday::Friday,
        ] {
            w.set(d, r("08:30-12:30"));
        }
        w.set(Weekday::Wednesday, r("08:30-17:15"));
        w.set(Weekday::Saturday, r("09:00-12:00"));
        assert_eq!(
            weekly_hours(&w),
            "lunedì, martedì, giovedì e venerdì dalle 8:30 alle 12:30; il mercoledì dalle 8:30 \
             alle 17:15; il sabato dalle 9:00 alle 12:00"
        );
        let mut consult = WeeklyHours::default();
        for d in [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
        ] {
            consult.set(d, r("13:30-15:30"));
        }
        assert_eq!(
            weekly_hours(&consult),
            "dal lunedì al giovedì dalle 13:30 alle 15:30"
        );
        let mut split = WeeklyHours::default();
        split.set(
            Weekday::Friday,
            DayHours::new(vec![
                TimeRange::parse("08:30-12:30").unwrap(),
                TimeRange::parse("14:30-16:00").unwrap(),
            ])
            .unwrap(),
        );
        assert_eq!(
            weekly_hours(&split),
            "il venerdì dalle 8:30 alle 12:30 e dalle 14:30 alle 16:00"
        );
    }

    #[test]
    fn wording_table() {
        let today = d(2026, 11, 23);
        let cases = [
            (datetime(2026, 11, 23, 14, 30, 0, 0), "oggi alle 14:30"),
            (datetime(2026, 11, 24, 8, 30, 0, 0), "domani alle 8:30"),
            (
                datetime(2026, 11, 30, 8, 30, 0, 0),
                "lunedì 30 novembre alle 8:30",
            ),
            (
                datetime(2027, 1, 2, 9, 0, 0, 0),
                "sabato 2 gennaio alle 9:00",
            ),
        ];
        for (at, expected) in cases {
            assert_eq!(when(at, today), expected);
        }
    }
}

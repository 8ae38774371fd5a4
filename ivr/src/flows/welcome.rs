//! The welcome: who answered, and whether the office is open now or when it opens next.
//!
//! "Comune di Esempio, buongiorno. L'ufficio è aperto fino alle 12:30."
//! "Comune di Esempio, buonasera. L'ufficio è chiuso. Riapre domani alle 8:30."
//! "Comune di Esempio, buongiorno. Oggi è festa: Natale. L'ufficio riapre lunedì 28 dicembre
//! alle 8:30."
//!
//! A key pressed during the welcome stops it and counts as the main-menu choice (callers who
//! know the menu need not listen to it).

use jiff::civil::{DateTime, Time};
use ticketing::calendar::{ClosedReason, OfficeCalendar, OfficeStatus};
use ticketing::italian;

use crate::channel::{Channel, Key};
use crate::dialog::conversation::{Conversation, Stop};

/// From this office-local hour the greeting is "buonasera".
const EVENING_FROM_HOUR: i8 = 17;

pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<Option<Key>, Stop> {
    let ctx = conversation.context();
    let now = ctx.clock.now();
    let status = ctx.calendar.status_at(now);
    let text = welcome_text(
        &ctx.office_name,
        &ctx.calendar,
        &status,
        ctx.calendar.local(now),
    );
    conversation.say_or_key(&text).await
}

/// "buongiorno" until 17:00 office time, then "buonasera".
pub(crate) fn greeting(now: Time) -> &'static str {
    if now.hour() >= EVENING_FROM_HOUR {
        "buonasera"
    } else {
        "buongiorno"
    }
}

/// The whole welcome sentence at office-local time `now`.
pub(crate) fn welcome_text(
    office_name: &str,
    calendar: &OfficeCalendar,
    status: &OfficeStatus,
    now: DateTime,
) -> String {
    format!(
        "{office_name}, {}. {}",
        greeting(now.time()),
        status_sentence(calendar, status, now)
    )
}

/// "L'ufficio è aperto fino alle 12:30." or when it opens next.
pub(crate) fn status_sentence(
    calendar: &OfficeCalendar,
    status: &OfficeStatus,
    now: DateTime,
) -> String {
    let today = now.date();
    match status {
        OfficeStatus::Open { closes_at } => {
            format!(
                "L'ufficio è aperto fino alle {}.",
                italian::time(closes_at.time())
            )
        }
        OfficeStatus::Closed {
            reason,
            next_opening,
        } => {
            let (closed, reopens) = match reason {
                Some(
                    reason @ (ClosedReason::NationalHoliday(_) | ClosedReason::PatronSaint(_)),
                ) => (capitalized(&reason.italian()), "L'ufficio riapre"),
                Some(reason @ ClosedReason::Closure(_)) => {
                    (capitalized(&reason.italian()), "Riapre")
                }
                Some(ClosedReason::NoOpeningThatWeekday) | None => {
                    ("L'ufficio è chiuso".to_string(), "Riapre")
                }
            };
            let Some(next) = next_opening else {
                return format!("{closed}.");
            };
            // Before the first opening of the day it "opens"; after a closing it "reopens".
            let first_today = calendar.plan(today).hours().opens_at();
            let opens_later_today =
                next.date() == today && first_today.is_none_or(|t| now.time() < t);
            let verb = if opens_later_today && reason.is_none() {
                "Apre"
            } else {
                reopens
            };
            format!("{closed}. {verb} {}.", italian::when(*next, today))
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{Weekday, date, datetime, time};
    use jiff::tz::TimeZone;
    use ticketing::calendar::{DayHours, PatronSaint, TimeRange, WeeklyHours};

    /// Comune di Esempio: Mon, Tue, Thu, Fri 8:30-12:30; Wed 8:30-12:30 and 14:30-17:15;
    /// Sat 9:00-12:00; patron saint 24 June; closed on 24 December 2026.
    fn calendar() -> OfficeCalendar {
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
            DayHours::new(vec![r("08:30-12:30"), r("14:30-17:15")]).unwrap(),
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
    }

    #[test]
    fn greeting_changes_at_five_pm() {
        assert_eq!(greeting(time(8, 0, 0, 0)), "buongiorno");
        assert_eq!(greeting(time(16, 59, 0, 0)), "buongiorno");
        assert_eq!(greeting(time(17, 0, 0, 0)), "buonasera");
        assert_eq!(greeting(time(23, 30, 0, 0)), "buonasera");
    }

    #[test]
    fn welcome_table() {
        let cal = calendar();
        let cases = [
            // Monday 23 November 2026, mid-morning.
            (
                datetime(2026, 11, 23, 10, 0, 0, 0),
                "Comune di Esempio, buongiorno. L'ufficio è aperto fino alle 12:30.",
            ),
            // Monday, before opening.
            (
                datetime(2026, 11, 23, 7, 45, 0, 0),
                "Comune di Esempio, buongiorno. L'ufficio è chiuso. Apre oggi alle 8:30.",
            ),
            // Monday, after closing.
            (
                datetime(2026, 11, 23, 13, 0, 0, 0),
                "Comune di Esempio, buongiorno. L'ufficio è chiuso. Riapre domani alle 8:30.",
            ),
            // Wednesday lunch break, then the afternoon opening, then the evening.
            (
                datetime(2026, 11, 25, 13, 0, 0, 0),
                "Comune di Esempio, buongiorno. L'ufficio è chiuso. Riapre oggi alle 14:30.",
            ),
            (
                datetime(2026, 11, 25, 17, 0, 0, 0),
                "Comune di Esempio, buonasera. L'ufficio è aperto fino alle 17:15.",
            ),
            (
                datetime(2026, 11, 25, 18, 0, 0, 0),
                "Comune di Esempio, buonasera. L'ufficio è chiuso. Riapre domani alle 8:30.",
            ),
            // Saturday: open until noon.
            (
                datetime(2026, 11, 28, 11, 0, 0, 0),
                "Comune di Esempio, buongiorno. L'ufficio è aperto fino alle 12:00.",
            ),
            // Saturday afternoon and Sunday: next is Monday 30 November.
            (
                datetime(2026, 11, 28, 15, 0, 0, 0),
                "Comune di Esempio, buongiorno. L'ufficio è chiuso. Riapre lunedì 30 novembre alle 8:30.",
            ),
            (
                datetime(2026, 11, 29, 10, 0, 0, 0),
                "Comune di Esempio, buongiorno. L'ufficio è chiuso. Riapre domani alle 8:30.",
            ),
            // Christmas Day, a Friday: next is Monday 28 December.
            (
                datetime(2026, 12, 25, 10, 0, 0, 0),
                "Comune di Esempio, buongiorno. Oggi è festa: Natale. L'ufficio riapre lunedì 28 dicembre alle 8:30.",
            ),
            // A closure set by the office.
            (
                datetime(2026, 12, 24, 9, 0, 0, 0),
                "Comune di Esempio, buongiorno. Oggi l'ufficio è chiuso: vigilia di Natale. Riapre lunedì 28 dicembre alle 8:30.",
            ),
            // The patron saint.
            (
                datetime(2026, 6, 24, 9, 0, 0, 0),
                "Comune di Esempio, buongiorno. Oggi è la festa del santo patrono, San Giovanni Battista. L'ufficio riapre domani alle 8:30.",
            ),
        ];
        for (local, expected) in cases {
            let status = cal.status_at(cal.instant(local));
            assert_eq!(
                welcome_text("Comune di Esempio", &cal, &status, local),
                expected,
                "at {local}"
            );
        }
    }

    #[test]
    fn an_office_that_never_opens_says_only_closed() {
        let cal = OfficeCalendar::new(TimeZone::UTC, WeeklyHours::default());
        let now = datetime(2026, 11, 23, 10, 0, 0, 0);
        let status = cal.status_at(cal.instant(now));
        assert_eq!(status_sentence(&cal, &status, now), "L'ufficio è chiuso.");
    }
}

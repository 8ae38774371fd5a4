//! How the dialog writes times, slots, codes and numbers for the voice. The text stays as an
//! Italian would write it ("giovedì 3 dicembre alle 14:20", "A 12", "4821 0375",
//! "333 123 4567"); the normaliser ([`crate::speech::normalize`]) turns it into words
//! ("giovedì tre dicembre alle quattordici e venti", "a dodici", "quattro otto due uno, zero
//! tre sette cinque", "tre tre tre, uno due tre, quattro cinque sei sette"). Pure functions.

use jiff::civil::{Date, DateTime};
use ticketing::agenda::BookingCode;
use ticketing::contact::PhoneNumber;
use ticketing::italian;
use ticketing::queue::WaitEstimate;

/// "oggi alle 14:30", "domani alle 13:30", "giovedì 3 dicembre alle 14:20".
pub(crate) fn slot(start: DateTime, today: Date) -> String {
    italian::when(start, today)
}

/// "4821 0375": two groups of four, which the normaliser says digit by digit.
pub(crate) fn booking_code(code: BookingCode) -> String {
    code.grouped()
}

/// A phone number in the groups an Italian says: "333 123 4567", "0123 456789"; the Italian
/// prefix +39 is left out, foreign numbers keep theirs.
pub(crate) fn phone(number: &PhoneNumber) -> String {
    let text = number.as_str();
    let national = text.strip_prefix("+39").unwrap_or(text);
    if national.starts_with('+') {
        return national.to_string();
    }
    if national.starts_with('3') && national.len() == 10 {
        return format!("{} {} {}", &national[..3], &national[3..6], &national[6..]);
    }
    if national.starts_with('0') && national.len() >= 8 {
        // The area code is not known; four then the rest reads naturally for most numbers.
        return format!("{} {}", &national[..4], &national[4..]);
    }
    national.to_string()
}

/// "Prima di Lei non c'è nessuno.", "Prima di Lei c'è una persona.", "Prima di Lei ci sono
/// 3 persone."
pub(crate) fn people_ahead(count: u32) -> String {
    match count {
        0 => "Prima di Lei non c'è nessuno.".to_string(),
        1 => "Prima di Lei c'è una persona.".to_string(),
        n => format!("Prima di Lei ci sono {n} persone."),
    }
}

/// The wait in a sentence.
pub(crate) fn wait(estimate: WaitEstimate) -> String {
    match estimate {
        WaitEstimate::Minutes { minutes: 0 } => "Non c'è attesa.".to_string(),
        WaitEstimate::Minutes { minutes: 1 } => "L'attesa stimata è di circa un minuto.".into(),
        WaitEstimate::Minutes { minutes } => {
            format!("L'attesa stimata è di circa {minutes} minuti.")
        }
        WaitEstimate::Unknown => "Il tempo di attesa non si può stimare: nessuno sportello \
                                  è ancora aperto per questo servizio."
            .to_string(),
    }
}

/// "1", "2", ... as keys in a prompt: "Per X prema 1."
pub(crate) fn for_key(what: &str, key: usize) -> String {
    format!("Per {what} prema {key}.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::normalize::normalize;
    use jiff::civil::{date, datetime};

    #[test]
    fn phone_numbers_in_groups() {
        let cases = [
            ("3331234567", "333 123 4567"),
            ("+393331234567", "333 123 4567"),
            ("0123456789", "0123 456789"),
            ("+390612345678", "0612 345678"),
            ("+441234567890", "+441234567890"),
            ("123456", "123456"),
        ];
        for (number, written) in cases {
            assert_eq!(phone(&PhoneNumber::parse(number).unwrap()), written);
        }
        assert_eq!(
            normalize(&phone(&PhoneNumber::parse("+393331234567").unwrap())),
            "tre tre tre, uno due tre, quattro cinque sei sette"
        );
    }

    #[test]
    fn codes_and_slots_as_spoken() {
        let code = BookingCode::parse("48210371").unwrap();
        assert_eq!(booking_code(code), "4821 0371");
        assert_eq!(
            normalize(&format!("Il codice è {}.", booking_code(code))),
            "Il codice è quattro otto due uno, zero tre sette uno."
        );
        let today = date(2026, 11, 23);
        assert_eq!(
            normalize(&slot(datetime(2026, 12, 3, 14, 20, 0, 0), today)),
            "giovedì tre dicembre alle quattordici e venti"
        );
        assert_eq!(
            slot(datetime(2026, 11, 24, 13, 30, 0, 0), today),
            "domani alle 13:30"
        );
    }

    #[test]
    fn waits() {
        assert_eq!(people_ahead(0), "Prima di Lei non c'è nessuno.");
        assert_eq!(
            normalize(&people_ahead(3)),
            "Prima di Lei ci sono tre persone."
        );
        assert_eq!(
            wait(WaitEstimate::Minutes { minutes: 12 }),
            "L'attesa stimata è di circa 12 minuti."
        );
    }
}

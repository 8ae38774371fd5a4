//! Booking codes: eight digits, easy to say and to key in, with a Luhn check digit so that a
//! mistyped or misheard digit (or two swapped neighbours) is caught before the database is
//! asked. Seven random digits give ten million codes per office; a code is only accepted
//! together with the caller's phone number, so guessing one is not practical.

use std::fmt;

use serde::Serialize;

/// A booking code ("prenotazione numero 4821 0375").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct BookingCode(u32);

/// Why a text is not a booking code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidBookingCode {
    #[error("a booking code has 8 digits")]
    Length,
    #[error("the booking code's check digit does not match: a digit was probably mistyped")]
    CheckDigit,
}

impl BookingCode {
    /// Parses 8 digits; spaces, dots and dashes between digit groups are ignored.
    pub fn parse(text: &str) -> Result<Self, InvalidBookingCode> {
        let digits: Vec<u32> = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .map(|c| c.to_digit(10).ok_or(InvalidBookingCode::Length))
            .collect::<Result<_, _>>()?;
        if digits.len() != 8 {
            return Err(InvalidBookingCode::Length);
        }
        if luhn_check_digit(&digits[..7]) != digits[7] {
            return Err(InvalidBookingCode::CheckDigit);
        }
        Ok(BookingCode(digits.iter().fold(0, |acc, d| acc * 10 + d)))
    }

    /// A fresh random code.
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes)?;
        // 1_000_000..=9_999_999: no leading zero, so it reads the same written or spoken.
        let body = 1_000_000 + u32::from_le_bytes(bytes) % 9_000_000;
        Ok(Self::from_body(body))
    }

    fn from_body(body: u32) -> Self {
        let digits: Vec<u32> = body
            .to_string()
            .chars()
            .filter_map(|c| c.to_digit(10))
            .collect();
        BookingCode(body * 10 + luhn_check_digit(&digits))
    }

    pub fn digits(&self) -> String {
        format!("{:08}", self.0)
    }

    /// Digit groups as said on the phone: "4821 0375".
    pub fn grouped(&self) -> String {
        let d = self.digits();
        format!("{} {}", &d[..4], &d[4..])
    }
}

impl fmt::Display for BookingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits())
    }
}

impl From<BookingCode> for String {
    fn from(code: BookingCode) -> String {
        code.digits()
    }
}

/// The Luhn check digit of `digits` (most significant first).
fn luhn_check_digit(digits: &[u32]) -> u32 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_codes_parse_back_and_group() {
        for _ in 0..1000 {
            let code = BookingCode::random().unwrap();
            assert_eq!(code.digits().len(), 8);
            assert_eq!(BookingCode::parse(&code.digits()), Ok(code));
            assert_eq!(BookingCode::parse(&code.grouped()), Ok(code));
        }
    }

    #[test]
    fn single_digit_errors_and_adjacent_swaps_are_caught() {
        let code = BookingCode::from_body(4_821_037);
        let digits = code.digits();
        for i in 0..8 {
            for replacement in '0'..='9' {
                let mut wrong: Vec<char> = digits.chars().collect();
                if wrong[i] == replacement {
                    continue;
                }
                wrong[i] = replacement;
                let wrong: String = wrong.into_iter().collect();
                assert!(BookingCode::parse(&wrong).is_err(), "{wrong} accepted");
            }
        }
        for i in 0..7 {
            let mut swapped: Vec<char> = digits.chars().collect();
            if swapped[i] == swapped[i + 1]
                || (swapped[i], swapped[i + 1]) == ('0', '9')
                || (swapped[i], swapped[i + 1]) == ('9', '0')
            {
                continue; // Luhn's known blind spot: 09 <-> 90.
            }
            swapped.swap(i, i + 1);
            let swapped: String = swapped.into_iter().collect();
            assert!(BookingCode::parse(&swapped).is_err(), "{swapped} accepted");
        }
    }

    #[test]
    fn bad_inputs_are_refused() {
        assert_eq!(BookingCode::parse("1234"), Err(InvalidBookingCode::Length));
        assert_eq!(
            BookingCode::parse("1234567a"),
            Err(InvalidBookingCode::Length)
        );
        assert_eq!(BookingCode::parse(""), Err(InvalidBookingCode::Length));
    }
}

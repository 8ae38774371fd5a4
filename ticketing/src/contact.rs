//! Citizens' phone numbers: parsed once, masked in logs.

use std::fmt;

/// A phone number: optional leading `+`, then 6 to 15 digits (E.164 length).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

/// Why a text is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a phone number: use 6 to 15 digits, optionally starting with +")]
pub struct InvalidPhoneNumber;

impl PhoneNumber {
    /// Parses "+39 0123 456789", "0039-0123-456789", "(0123) 456789"; `00` becomes `+`.
    pub fn parse(text: &str) -> Result<Self, InvalidPhoneNumber> {
        let trimmed = text.trim();
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => match trimmed.strip_prefix("00") {
                Some(rest) => (true, rest),
                None => (false, trimmed),
            },
        };
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '/' | '(' | ')' => {}
                _ => return Err(InvalidPhoneNumber),
            }
        }
        if !(6..=15).contains(&digits.len()) {
            return Err(InvalidPhoneNumber);
        }
        Ok(PhoneNumber(if plus {
            format!("+{digits}")
        } else {
            digits
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For logs and screens that must not show the number: "***789".
    pub fn masked(&self) -> String {
        let tail: String = self
            .0
            .chars()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("***{tail}")
    }
}

/// Debug never prints the full number.
impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_table() {
        let ok = [
            ("+39 0123 456789", "+390123456789"),
            ("0039-0123-456789", "+390123456789"),
            ("(0123) 456789", "0123456789"),
            ("333.123.4567", "3331234567"),
        ];
        for (input, expected) in ok {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().as_str(),
                expected,
                "{input}"
            );
        }
        for bad in ["", "12345", "+39 abc", "1234567890123456", "sip:100@host"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
        let n = PhoneNumber::parse("3331234567").unwrap();
        assert_eq!(n.masked(), "***567");
        assert_eq!(format!("{n:?}"), "PhoneNumber(***567)");
    }
}

//! The numeric rules of the normaliser: dates, times and time ranges, telephone numbers,
//! money, percentages, ordinals, number ranges, "1" before a noun, plain numbers.

use crate::speech::lexicon;
use crate::speech::numbers::{cardinal, digits_one_by_one, ordinal, ordinal_feminine};

use super::{Normalizer, chunk};

/// A number as written: integer digits (thousands dots removed) and decimal digits.
struct Amount {
    end: usize,
    integer: String,
    decimals: Option<String>,
    /// Written with thousands dots ("1.234").
    grouped: bool,
}

impl Amount {
    fn value(&self) -> Option<u64> {
        if self.integer.len() > 12 {
            return None;
        }
        self.integer.parse().ok()
    }
}

impl Normalizer<'_> {
    /// Dates written with numbers: "03/12/2026", "3.12.2026", "2026-12-03".
    pub(super) fn date(&mut self, i: usize) -> Option<usize> {
        let d1 = self.digits(i);
        let sep = self.at(i + d1)?;
        if !matches!(sep, '/' | '.' | '-') {
            return None;
        }
        let s2 = i + d1 + 1;
        let d2 = self.digits(s2);
        if self.at(s2 + d2) != Some(sep) {
            return None;
        }
        let s3 = s2 + d2 + 1;
        let d3 = self.digits(s3);
        let end = s3 + d3;
        if !self.boundary_after(end) || self.continues_with_digit(end) {
            return None;
        }
        let (year, month, day) = match (d1, d2, d3) {
            (1..=2, 1..=2, 4) if sep != '-' || d1 == 2 => {
                (self.number(s3, d3), self.number(s2, d2), self.number(i, d1))
            }
            (4, 2, 2) if sep == '-' => {
                (self.number(i, d1), self.number(s2, d2), self.number(s3, d3))
            }
            _ => return None,
        };
        let date = jiff::civil::Date::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .ok()?;
        let day_words = if date.day() == 1 {
            "primo".to_string()
        } else {
            cardinal(day)?
        };
        let month_name = lexicon::MONTHS[usize::try_from(date.month() - 1).ok()?];
        self.out
            .push_str(&format!("{day_words} {month_name} {}", cardinal(year)?));
        Some(end)
    }

    /// A time "8:30" / "8.30" and `(hour, minute, end)`.
    fn time_at(&self, i: usize) -> Option<(u64, u64, usize)> {
        let h = self.digits(i);
        if !(1..=2).contains(&h) || !matches!(self.at(i + h), Some(':' | '.')) {
            return None;
        }
        let m_start = i + h + 1;
        if self.digits(m_start) != 2 {
            return None;
        }
        let end = m_start + 2;
        if !self.boundary_after(end) || self.continues_with_digit(end) {
            return None;
        }
        let (hour, minute) = (self.number(i, h), self.number(m_start, 2));
        (hour <= 24 && minute <= 59 && !(hour == 24 && minute > 0)).then_some((hour, minute, end))
    }

    /// A time, or a range of times "8:30-12:30" said "dalle ... alle ...".
    pub(super) fn time_or_range(&mut self, i: usize) -> Option<usize> {
        let (h1, m1, end1) = self.time_at(i)?;
        let mut j = end1;
        while self.at(j) == Some(' ') {
            j += 1;
        }
        if matches!(self.at(j), Some('-' | '–')) {
            let mut k = j + 1;
            while self.at(k) == Some(' ') {
                k += 1;
            }
            if let Some((h2, m2, end2)) = self.time_at(k) {
                let has_from = self
                    .out
                    .trim_end()
                    .rsplit(' ')
                    .next()
                    .is_some_and(|w| w.eq_ignore_ascii_case("dalle"));
                if !has_from {
                    self.out.push_str("dalle ");
                }
                self.say_time(h1, m1);
                self.out.push_str(" alle ");
                self.say_time(h2, m2);
                return Some(end2);
            }
        }
        self.say_time(h1, m1);
        Some(end1)
    }

    /// Says a time, fixing the preposition before it: "alle 12:00" → "a mezzogiorno",
    /// "alle 1:30" → "all'una e trenta".
    fn say_time(&mut self, hour: u64, minute: u64) {
        let previous = self.last_word().map(str::to_lowercase);
        let after_ore = previous.as_deref() == Some("ore");
        let hour_word = match (hour, minute) {
            (0 | 24, _) => "mezzanotte".to_string(),
            (12, 0) if !after_ore => "mezzogiorno".to_string(),
            (1, _) => "una".to_string(),
            (h, _) => cardinal(h).unwrap_or_default(),
        };
        match (hour_word.as_str(), previous.as_deref()) {
            ("mezzogiorno" | "mezzanotte", Some(p @ ("alle" | "dalle" | "le"))) => {
                self.drop_last_word();
                self.out.push_str(match p {
                    "alle" => "a ",
                    "dalle" => "da ",
                    _ => "",
                });
            }
            ("una", Some(p @ ("alle" | "dalle" | "le"))) => {
                self.drop_last_word();
                self.out.push_str(match p {
                    "alle" => "all'",
                    "dalle" => "dall'",
                    _ => "l'",
                });
            }
            _ => {}
        }
        self.out.push_str(&hour_word);
        if minute > 0 {
            self.out.push_str(" e ");
            self.out.push_str(&cardinal(minute).unwrap_or_default());
        }
    }

    fn last_word(&self) -> Option<&str> {
        let trimmed = self.out.trim_end();
        let start = trimmed.rfind(|c: char| !c.is_alphabetic()).map_or(0, |p| {
            p + trimmed[p..].chars().next().map_or(1, char::len_utf8)
        });
        let word = &trimmed[start..];
        (!word.is_empty()).then_some(word)
    }

    fn drop_last_word(&mut self) {
        let trimmed_len = self.out.trim_end().len();
        if let Some(word) = self.last_word() {
            let keep = trimmed_len - word.len();
            self.out.truncate(keep);
        }
    }

    /// Telephone numbers: "+39 06 1234 5678", "06/1234567", "333 123 4567", "800 123 456",
    /// and booking codes ("4821 0375"), said digit by digit in groups.
    pub(super) fn phone(&mut self, i: usize) -> Option<usize> {
        let plus = self.c[i] == '+';
        let mut j = i + usize::from(plus);
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut separators = Vec::new();
        loop {
            let d = self.digits(j);
            if d == 0 {
                break;
            }
            groups.push((j, j + d));
            j += d;
            match self.at(j) {
                Some(sep @ (' ' | '/' | '.' | '-')) if self.digits(j + 1) > 0 => {
                    separators.push(sep);
                    j += 1;
                }
                _ => break,
            }
        }
        // A trailing separator that was not followed by digits is not part of the number.
        if groups.is_empty() || !self.boundary_after(j) || self.continues_with_digit(j) {
            return None;
        }
        let total: usize = groups.iter().map(|(s, e)| e - s).sum();
        let first = self.text(groups[0].0, groups[0].1);
        let only_spaces = separators.iter().all(|s| *s == ' ');
        // A booking code as written by the dialog and on receipts: "4821 0375".
        let booking_code =
            !plus && groups.len() == 2 && only_spaces && groups.iter().all(|(s, e)| e - s == 4);
        let phone = if booking_code {
            true
        } else if plus {
            (6..=15).contains(&total)
        } else if first.starts_with('0') {
            (6..=12).contains(&total) && (groups.len() >= 2 || total >= 8)
        } else if first.starts_with('3') {
            (9..=10).contains(&total) && only_spaces && (groups.len() >= 2 || total == 10)
        } else if first.starts_with("80") {
            (6..=10).contains(&total) && only_spaces && (groups.len() >= 2 || total == 9)
        } else {
            false
        };
        if !phone {
            return None;
        }
        let mut spoken: Vec<String> = Vec::new();
        for (s, e) in groups {
            for group in chunk(&self.text(s, e)) {
                spoken.push(digits_one_by_one(&group));
            }
        }
        if plus {
            self.out.push_str("più ");
        }
        self.out.push_str(&spoken.join(", "));
        Some(j)
    }

    /// A number as written, with thousands dots and decimals: "1.234,50", "16", "2,5".
    fn amount_at(&self, i: usize) -> Option<Amount> {
        let first = self.digits(i);
        if first == 0 {
            return None;
        }
        let mut integer = self.text(i, i + first);
        let mut j = i + first;
        let mut grouped = false;
        if first <= 3 && !integer.starts_with('0') {
            while self.at(j) == Some('.')
                && self.digits(j + 1) == 3
                && !self.at(j + 4).is_some_and(|c| c.is_alphanumeric())
            {
                integer.push_str(&self.text(j + 1, j + 4));
                j += 4;
                grouped = true;
            }
        }
        let mut decimals = None;
        if self.at(j) == Some(',') && self.digits(j + 1) > 0 {
            let d = self.digits(j + 1);
            decimals = Some(self.text(j + 1, j + 1 + d));
            j += 1 + d;
        }
        Some(Amount {
            end: j,
            integer,
            decimals,
            grouped,
        })
    }

    /// Where a word from `words` follows `i` (after at most one space), its end.
    fn word_follows(&self, i: usize, words: &[&str]) -> Option<usize> {
        let start = if self.at(i) == Some(' ') { i + 1 } else { i };
        let end = self.word_end(start.min(self.c.len()));
        let word = self.text(start, end);
        words
            .iter()
            .any(|w| w.eq_ignore_ascii_case(&word))
            .then_some(end)
    }

    /// Numbers with what follows them: euro, per cent, ordinals, "1" before a noun or a
    /// month, decimals, or plain.
    pub(super) fn number_with_unit(&mut self, i: usize) -> Option<usize> {
        let amount = self.amount_at(i)?;
        let end = amount.end;
        // "16 euro", "16 €", "16€".
        if let Some(after) = self.word_follows(end, &["euro", "eur"]) {
            self.out.push_str(&euro_words(&amount)?);
            return Some(after);
        }
        let after_space = if self.at(end) == Some(' ') {
            end + 1
        } else {
            end
        };
        match self.at(after_space) {
            Some('€') => {
                self.out.push_str(&euro_words(&amount)?);
                return Some(after_space + 1);
            }
            Some('%') => {
                self.out.push_str(&plain_number(&amount)?);
                self.out.push_str(" per cento");
                return Some(after_space + 1);
            }
            _ => {}
        }
        if amount.decimals.is_none() {
            let ordinal_words = match self.at(end) {
                Some('°' | 'º') => Some(ordinal(amount.value()?)?),
                Some('ª') => Some(ordinal_feminine(amount.value()?)?),
                _ => None,
            };
            if let Some(words) = ordinal_words {
                self.out.push_str(&words);
                return Some(end + 1);
            }
            if let Some(range_end) = self.number_range(&amount) {
                return Some(range_end);
            }
            if amount.integer == "1" {
                return Some(self.one(end));
            }
        }
        self.out.push_str(&plain_number(&amount)?);
        Some(end)
    }

    /// A range of whole numbers "3-5": "da tre a cinque", "dal tre al cinque" after "dal",
    /// "entro tre o cinque" after "entro", "in", "per", "tra".
    fn number_range(&mut self, from: &Amount) -> Option<usize> {
        if from.grouped || from.integer.len() > 4 || from.integer.starts_with('0') {
            return None;
        }
        let dash = from.end;
        if !matches!(self.at(dash), Some('-' | '–')) {
            return None;
        }
        let start = dash + 1;
        let digits = self.digits(start);
        let end = start + digits;
        if !(1..=4).contains(&digits)
            || self.at(start) == Some('0')
            || !self.boundary_after(end)
            || self.continues_with_digit(end)
        {
            return None;
        }
        let (a, b) = (
            cardinal(from.value()?)?,
            cardinal(self.number(start, digits))?,
        );
        let previous = self.last_word().map(str::to_lowercase);
        let spoken = match previous.as_deref() {
            Some("dal" | "dalle" | "dai") => format!("{a} al {b}"),
            Some("in" | "entro" | "per" | "tra" | "fra" | "circa") => format!("{a} o {b}"),
            _ => format!("da {a} a {b}"),
        };
        self.out.push_str(&spoken);
        Some(end)
    }

    /// "1" before a month ("primo dicembre"), a known noun ("un giorno", "una settimana",
    /// "un'ora") or anything else ("uno").
    fn one(&mut self, end: usize) -> usize {
        let Some((start, word_end)) = self.next_word(end) else {
            self.out.push_str("uno");
            return end;
        };
        let word = self.text(start, word_end);
        if lexicon::is_month(&word) {
            self.out.push_str("primo");
            return end;
        }
        match lexicon::one_before(&word) {
            Some("un'") => {
                // Elided: "un'ora", glued to the noun, which is copied next.
                self.out.push_str("un'");
                start
            }
            Some(article) => {
                self.out.push_str(article);
                end
            }
            None => {
                self.out.push_str("uno");
                end
            }
        }
    }

    /// "€ 16,50", "€16".
    pub(super) fn euro_sign_first(&mut self, i: usize) -> Option<usize> {
        let start = if self.at(i + 1) == Some(' ') {
            i + 2
        } else {
            i + 1
        };
        let amount = self.amount_at(start)?;
        self.out.push_str(&euro_words(&amount)?);
        Some(amount.end)
    }

    /// "euro 16,00", as in forms and notices.
    pub(super) fn euro_word_first(&mut self, i: usize) -> Option<usize> {
        let end = self.word_end(i);
        let word = self.text(i, end);
        if !word.eq_ignore_ascii_case("euro") || self.at(end) != Some(' ') {
            return None;
        }
        let amount = self.amount_at(end + 1)?;
        if !self.boundary_after(amount.end) {
            return None;
        }
        self.out.push_str(&euro_words(&amount)?);
        Some(amount.end)
    }
}

/// "ventidue euro e ventuno centesimi", "un euro", "cinquanta centesimi".
fn euro_words(amount: &Amount) -> Option<String> {
    let euros = amount.value()?;
    let cents = match amount.decimals.as_deref() {
        None => 0,
        Some(d) if d.len() == 1 => d.parse::<u64>().ok()? * 10,
        Some(d) if d.len() == 2 => d.parse::<u64>().ok()?,
        Some(_) => return Some(format!("{} euro", plain_number(amount)?)),
    };
    let euro_part = match euros {
        1 => "un euro".to_string(),
        n => format!("{} euro", cardinal(n)?),
    };
    let cent_part = match cents {
        1 => "un centesimo".to_string(),
        n => format!("{} centesimi", cardinal(n)?),
    };
    Some(match (euros, cents) {
        (_, 0) => euro_part,
        (0, _) => cent_part,
        _ => format!("{euro_part} e {cent_part}"),
    })
}

/// A number without unit: cardinal, decimals after "virgola", digit by digit when it starts
/// with 0 ("00184") or is too long.
fn plain_number(amount: &Amount) -> Option<String> {
    let integer = if amount.integer.len() > 1 && amount.integer.starts_with('0') && !amount.grouped
    {
        digits_one_by_one(&amount.integer)
    } else {
        match amount.value().and_then(cardinal) {
            Some(words) => words,
            None => digits_one_by_one(&amount.integer),
        }
    };
    let Some(decimals) = &amount.decimals else {
        return Some(integer);
    };
    let decimal_words = if decimals.starts_with('0') || decimals.len() > 3 {
        digits_one_by_one(decimals)
    } else {
        cardinal(decimals.parse().ok()?)?
    };
    Some(format!("{integer} virgola {decimal_words}"))
}

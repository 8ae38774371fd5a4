//! Italian text normalisation for speech synthesis: written Italian in, words out.
//!
//! The dialogs and the knowledge base write Italian as a citizen would read it on paper
//! ("22,21 euro", "alle 8:30", "03/12/2026", "biglietto A12", "CIE", "n. 5", "06 1234 5678");
//! a speech engine reads such text badly. [`normalize`] rewrites it into words:
//!
//! | written | spoken |
//! | --- | --- |
//! | `22,21 euro`, `€ 22,21`, `euro 22,21` | ventidue euro e ventuno centesimi |
//! | `alle 8:30`, `alle 8.30` | alle otto e trenta |
//! | `alle 12:00`, `alle 1:15` | a mezzogiorno, all'una e quindici |
//! | `8:30-12:30` | dalle otto e trenta alle dodici e trenta |
//! | `03/12/2026`, `1° dicembre` | tre dicembre duemilaventisei, primo dicembre |
//! | `A12`, `A 12`, `B-7` | a dodici, a dodici, bi sette |
//! | `K7Q-4M2` (booking code) | cappa sette cu, quattro emme due |
//! | `06 1234 5678`, `+39 333 1234567` | zero sei, uno due tre quattro, ... |
//! | `CIE`, `ISEE`, `n.`, `ecc.` | ci i e, isee, numero, eccetera |
//! | `1 giorno`, `1 settimana` | un giorno, una settimana |
//!
//! The output contains no digits, so normalising twice changes nothing. It is pure (no I/O).
//! This file holds the driver, words, abbreviations, addresses and codes; `numeric.rs` the
//! rules for numbers in text (money, times, dates, phones, ordinals); `tests.rs` the table of
//! cases.

use std::sync::LazyLock;

use super::lexicon::{self, ABBREVIATIONS, Abbreviation};
use super::numbers::{self, cardinal, digits_one_by_one};

mod numeric;
#[cfg(test)]
mod tests;

/// Rewrites written Italian into words for a speech engine.
///
/// ```
/// use ivr::speech::normalize::normalize;
/// assert_eq!(
///     normalize("Il costo è di 16,00 euro, dalle 8:30."),
///     "Il costo è di sedici euro, dalle otto e trenta."
/// );
/// ```
pub fn normalize(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut normalizer = Normalizer {
        c: &chars,
        out: String::with_capacity(text.len() * 2),
    };
    normalizer.run();
    tidy(&normalizer.out)
}

/// Spells a code character by character, letters by their Italian names, in groups:
/// `"K7Q-4M2"` → `"cappa sette cu, quattro emme due"`. Groups are the parts between hyphens;
/// a part longer than four characters is cut into threes.
pub fn spell_code(code: &str) -> String {
    code.split(['-', ' '])
        .filter(|g| !g.is_empty())
        .flat_map(chunk)
        .map(|group| {
            group
                .chars()
                .filter_map(|c| lexicon::letter_name(c).or_else(|| numbers::digit_name(c)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Cuts a run of characters into groups of three, the last group taking up to four.
fn chunk(group: &str) -> Vec<String> {
    let chars: Vec<char> = group.chars().collect();
    let mut groups = Vec::new();
    let mut rest = &chars[..];
    while rest.len() > 4 {
        groups.push(rest[..3].iter().collect());
        rest = &rest[3..];
    }
    if !rest.is_empty() {
        groups.push(rest.iter().collect());
    }
    groups
}

/// Collapses runs of spaces and removes spaces before punctuation.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        let glue = word.starts_with([',', '.', ';', ':', '!', '?', ')']);
        if !out.is_empty() && !glue && !out.ends_with('\'') {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Abbreviations as characters, sorted longest first so that "sig.ra" wins over "sig.".
static SORTED_ABBREVIATIONS: LazyLock<Vec<(Vec<char>, &'static Abbreviation)>> =
    LazyLock::new(|| {
        let mut sorted: Vec<_> = ABBREVIATIONS
            .iter()
            .map(|a| (a.written.chars().collect::<Vec<char>>(), a))
            .collect();
        sorted.sort_by_key(|(chars, _)| std::cmp::Reverse(chars.len()));
        sorted
    });

struct Normalizer<'a> {
    c: &'a [char],
    out: String,
}

impl Normalizer<'_> {
    fn run(&mut self) {
        let mut i = 0;
        while i < self.c.len() {
            let ch = self.c[i];
            if ch.is_whitespace() {
                self.out.push(' ');
                i += 1;
                continue;
            }
            if self.boundary_before(i) || ch.is_ascii_digit() {
                let mark = self.out.len();
                if self
                    .out
                    .ends_with(|c: char| c.is_alphanumeric() || ":;,.!?)".contains(c))
                {
                    self.out.push(' ');
                }
                if let Some(end) = self.rule_at(i) {
                    if self.c.get(end).is_some_and(|c| c.is_alphanumeric()) {
                        self.out.push(' ');
                    }
                    i = end;
                    continue;
                }
                self.out.truncate(mark);
            }
            if ch.is_alphabetic() {
                let end = self.word_end(i);
                self.out.extend(&self.c[i..end]);
                i = end;
                continue;
            }
            self.symbol(i);
            i += 1;
        }
    }

    /// Copies or says a character no rule took.
    fn symbol(&mut self, i: usize) {
        let spaced = |s: &str| format!(" {s} ");
        let ch = self.c[i];
        let text = match ch {
            '&' => spaced("e"),
            '@' => spaced("chiocciola"),
            '*' => spaced("asterisco"),
            '#' => spaced("cancelletto"),
            '€' => spaced("euro"),
            '%' => spaced("per cento"),
            '+' => spaced("più"),
            '§' => spaced("paragrafo"),
            '°' | 'º' | 'ª' | '"' | '«' | '»' | '“' | '”' => String::new(),
            '–' | '—' => ", ".to_string(),
            '-' => {
                let spaced_out =
                    i > 0 && self.c[i - 1] == ' ' && self.c.get(i + 1).is_some_and(|c| *c == ' ');
                if spaced_out {
                    ",".to_string()
                } else {
                    " ".to_string()
                }
            }
            '_' | '/' | '\\' | '|' => " ".to_string(),
            other => other.to_string(),
        };
        self.out.push_str(&text);
    }

    // ---- scanning helpers -------------------------------------------------------------

    fn at(&self, i: usize) -> Option<char> {
        self.c.get(i).copied()
    }

    fn boundary_before(&self, i: usize) -> bool {
        i == 0 || !self.c[i - 1].is_alphanumeric()
    }

    fn boundary_after(&self, end: usize) -> bool {
        self.at(end).is_none_or(|c| !c.is_alphanumeric())
    }

    fn digits(&self, i: usize) -> usize {
        self.c[i.min(self.c.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    }

    fn number(&self, i: usize, len: usize) -> u64 {
        self.c[i..i + len].iter().fold(0u64, |n, c| {
            n.saturating_mul(10)
                .saturating_add(u64::from(*c as u8 - b'0'))
        })
    }

    fn text(&self, i: usize, end: usize) -> String {
        self.c[i..end].iter().collect()
    }

    fn word_end(&self, i: usize) -> usize {
        i + self.c[i..].iter().take_while(|c| c.is_alphabetic()).count()
    }

    /// The word after `i` (skipping one run of spaces), as `(start, end)`.
    fn next_word(&self, i: usize) -> Option<(usize, usize)> {
        let start = i + self.c[i.min(self.c.len())..]
            .iter()
            .take_while(|c| **c == ' ')
            .count();
        let end = self.word_end(start.min(self.c.len()));
        (end > start).then_some((start, end))
    }

    /// A digit that continues a number after a separator (`.5`, `:30`).
    fn continues_with_digit(&self, end: usize) -> bool {
        matches!(self.at(end), Some('.' | ':' | ',' | '/'))
            && self.at(end + 1).is_some_and(|c| c.is_ascii_digit())
    }

    // ---- rules --------------------------------------------------------------------------

    /// Tries every rule at a token start; on success the words are in `out` and the end of
    /// what was consumed is returned.
    fn rule_at(&mut self, i: usize) -> Option<usize> {
        let ch = self.c[i];
        if let Some(end) = self.address(i) {
            return Some(end);
        }
        if self.boundary_before(i)
            && let Some(end) = self.abbreviation(i)
        {
            return Some(end);
        }
        if ch.is_ascii_uppercase()
            && let Some(end) = self.ticket_code(i)
        {
            return Some(end);
        }
        if (ch.is_ascii_uppercase() || ch.is_ascii_digit())
            && let Some(end) = self.booking_code(i)
        {
            return Some(end);
        }
        if ch == '€' {
            return self.euro_sign_first(i);
        }
        if ch == '+' {
            return self.phone(i);
        }
        if ch.is_ascii_digit() {
            return self
                .date(i)
                .or_else(|| self.time_or_range(i))
                .or_else(|| self.phone(i))
                .or_else(|| self.number_with_unit(i));
        }
        if ch == 'e' || ch == 'E' {
            return self.euro_word_first(i);
        }
        None
    }

    /// E-mail and web addresses: "protocollo@comune.esempio.it", "www.comune.esempio.it".
    fn address(&mut self, i: usize) -> Option<usize> {
        let mut end = i + self.c[i..]
            .iter()
            .take_while(|c| !c.is_whitespace())
            .count();
        while end > i && matches!(self.c[end - 1], '.' | ',' | ';' | ':' | '!' | '?' | ')') {
            end -= 1;
        }
        let token = self.text(i, end);
        let lower = token.to_lowercase();
        let at = token.find('@');
        let is_email = at.is_some_and(|p| p > 0 && p + 1 < token.len());
        let is_web = ["http://", "https://", "www."]
            .iter()
            .any(|p| lower.starts_with(p) && lower.len() > p.len());
        if !is_email && !is_web {
            return None;
        }
        let body = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .unwrap_or(&lower)
            .trim_end_matches('/');
        let mut words = Vec::new();
        let mut run = String::new();
        let flush = |run: &mut String, words: &mut Vec<String>| {
            if run.is_empty() {
                return;
            }
            let word = if run.chars().all(|c| c.is_ascii_digit()) {
                digits_one_by_one(run)
            } else if run == "www" {
                "vu vu vu".to_string()
            } else {
                run.clone()
            };
            words.push(word);
            run.clear();
        };
        for c in body.chars() {
            let separator = match c {
                '.' => "punto",
                '@' => "chiocciola",
                '-' => "trattino",
                '_' => "trattino basso",
                '/' => "barra",
                ':' => "due punti",
                _ if c.is_alphanumeric() => {
                    run.push(c);
                    continue;
                }
                _ => continue,
            };
            flush(&mut run, &mut words);
            words.push(separator.to_string());
        }
        flush(&mut run, &mut words);
        self.out.push_str(&words.join(" "));
        Some(end)
    }

    /// Abbreviations and acronyms from the lexicon.
    fn abbreviation(&mut self, i: usize) -> Option<usize> {
        for (pattern, abbr) in SORTED_ABBREVIATIONS.iter() {
            let end = i + pattern.len();
            if end > self.c.len() {
                continue;
            }
            let exact = abbr.written.chars().any(|c| c.is_uppercase());
            let matches = self.c[i..end]
                .iter()
                .zip(pattern)
                .enumerate()
                .all(|(k, (a, b))| {
                    a == b || (!exact && k == 0 && a.to_lowercase().eq(b.to_lowercase()))
                });
            if !matches {
                continue;
            }
            let ends_with_dot = pattern.last() == Some(&'.');
            let ok_after = if ends_with_dot {
                self.at(end).is_none_or(|c| !c.is_alphabetic())
            } else {
                self.boundary_after(end)
            };
            if !ok_after {
                continue;
            }
            self.out.push_str(abbr.spoken);
            if ends_with_dot && abbr.may_end_sentence {
                let next = self.c[end..].iter().find(|c| !c.is_whitespace());
                if next.is_none_or(|c| c.is_uppercase()) {
                    self.out.push('.');
                }
            }
            return Some(end);
        }
        None
    }

    /// Queue ticket codes: one or two capital letters and up to three digits ("A12", "A 12",
    /// "PR-7"), said as letter names and a number.
    fn ticket_code(&mut self, i: usize) -> Option<usize> {
        let letters = self.c[i..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase())
            .count();
        if !(1..=2).contains(&letters) || self.at(i + letters).is_some_and(char::is_alphabetic) {
            return None;
        }
        let mut j = i + letters;
        match self.at(j) {
            Some(' ') if letters == 1 => j += 1,
            Some('-') => j += 1,
            _ => {}
        }
        let digits = self.digits(j);
        let end = j + digits;
        if !(1..=3).contains(&digits) || !self.boundary_after(end) || self.continues_with_digit(end)
        {
            return None;
        }
        let names: Vec<&str> = self.c[i..i + letters]
            .iter()
            .filter_map(|c| lexicon::letter_name(*c))
            .collect();
        let number = cardinal(self.number(j, digits))?;
        self.out.push_str(&names.join(" "));
        self.out.push(' ');
        self.out.push_str(&number);
        Some(end)
    }

    /// Booking and practice codes: capital letters and digits mixed ("K7Q-4M2", "PR-2026-0042"),
    /// spelled character by character in groups.
    fn booking_code(&mut self, i: usize) -> Option<usize> {
        let mut end = i + self.c[i..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == '-')
            .count();
        while end > i && self.c[end - 1] == '-' {
            end -= 1;
        }
        if !self.boundary_after(end) || self.continues_with_digit(end) {
            return None;
        }
        let token = self.text(i, end);
        let groups: Vec<&str> = token.split('-').collect();
        if groups.iter().any(|g| g.is_empty()) {
            return None;
        }
        let letter = |c: char| c.is_ascii_uppercase();
        let digit = |c: char| c.is_ascii_digit();
        let has_letter = token.chars().any(letter);
        let has_digit = token.chars().any(digit);
        let mixed_group = groups
            .iter()
            .any(|g| g.chars().any(letter) && g.chars().any(digit));
        let short_letter_groups = groups
            .iter()
            .filter(|g| g.chars().all(letter))
            .all(|g| g.len() <= 3);
        let length = token.chars().filter(|c| *c != '-').count();
        let code = has_letter
            && has_digit
            && length >= 4
            && (mixed_group || (groups.len() >= 2 && short_letter_groups));
        if !code {
            return None;
        }
        self.out.push_str(&spell_code(&token));
        Some(end)
    }
}

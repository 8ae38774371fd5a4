//! Italian number words: cardinals (with the elisions of written Italian: "ventuno",
//! "ventotto", "centotto", "milleottocento", "ventitré"), ordinals and digit-by-digit reading.

/// The largest number [`cardinal`] spells; larger ones are read digit by digit.
pub const MAX_CARDINAL: u64 = 999_999_999;

const UNITS: [&str; 20] = [
    "zero",
    "uno",
    "due",
    "tre",
    "quattro",
    "cinque",
    "sei",
    "sette",
    "otto",
    "nove",
    "dieci",
    "undici",
    "dodici",
    "tredici",
    "quattordici",
    "quindici",
    "sedici",
    "diciassette",
    "diciotto",
    "diciannove",
];

const TENS: [&str; 10] = [
    "",
    "",
    "venti",
    "trenta",
    "quaranta",
    "cinquanta",
    "sessanta",
    "settanta",
    "ottanta",
    "novanta",
];

const ORDINALS: [&str; 11] = [
    "", "primo", "secondo", "terzo", "quarto", "quinto", "sesto", "settimo", "ottavo", "nono",
    "decimo",
];

/// 0..=99 without the accent on a final "tre".
fn below_hundred(n: u64) -> String {
    let n = n as usize;
    if n < 20 {
        return UNITS[n].to_string();
    }
    let (tens, unit) = (TENS[n / 10], n % 10);
    match unit {
        0 => tens.to_string(),
        // "vent" + "uno", "trent" + "otto": the vowel of the tens falls before a vowel.
        1 | 8 => format!("{}{}", &tens[..tens.len() - 1], UNITS[unit]),
        _ => format!("{tens}{}", UNITS[unit]),
    }
}

/// 0..=999 without the accent on a final "tre".
fn below_thousand(n: u64) -> String {
    let (hundreds, rest) = (n / 100, n % 100);
    let prefix = match hundreds {
        0 => return below_hundred(rest),
        1 => "cento".to_string(),
        h => format!("{}cento", UNITS[h as usize]),
    };
    if rest == 0 {
        return prefix;
    }
    let rest = below_hundred(rest);
    // "cento" + "otto" = "centotto", "cento" + "ottanta" = "centottanta".
    if rest.starts_with('o') {
        format!("{}{rest}", &prefix[..prefix.len() - 1])
    } else {
        format!("{prefix}{rest}")
    }
}

/// The cardinal number in words, `None` above [`MAX_CARDINAL`].
///
/// ```
/// use ivr::speech::numbers::cardinal;
/// assert_eq!(cardinal(1_808).as_deref(), Some("milleottocentotto"));
/// assert_eq!(cardinal(23).as_deref(), Some("ventitré"));
/// ```
pub fn cardinal(n: u64) -> Option<String> {
    if n > MAX_CARDINAL {
        return None;
    }
    let (millions, rest) = (n / 1_000_000, n % 1_000_000);
    let (thousands, units) = (rest / 1_000, rest % 1_000);
    let mut words = String::new();
    match millions {
        0 => {}
        1 => words.push_str("un milione"),
        m => {
            words.push_str(&below_thousand(m));
            words.push_str(" milioni");
        }
    }
    let mut tail = String::new();
    match thousands {
        0 => {}
        1 => tail.push_str("mille"),
        t => {
            tail.push_str(&below_thousand(t));
            tail.push_str("mila");
        }
    }
    if units > 0 || n == 0 {
        tail.push_str(&below_thousand(units));
    }
    if !tail.is_empty() {
        if !words.is_empty() {
            words.push(' ');
        }
        words.push_str(&tail);
    }
    // A final "tre" in a compound takes the accent: ventitré, centotré, milletré.
    if n > 3 && words.ends_with("tre") {
        words.pop();
        words.pop();
        words.push_str("ré");
    }
    Some(words)
}

/// The masculine ordinal ("primo", "undicesimo", "ventitreesimo"), `None` above 999 999.
pub fn ordinal(n: u64) -> Option<String> {
    if (1..=10).contains(&n) {
        return Some(ORDINALS[n as usize].to_string());
    }
    if n == 0 || n > 999_999 {
        return None;
    }
    let mut base = cardinal(n)?;
    if base.ends_with("tré") {
        base.truncate(base.len() - "é".len());
        base.push('e');
        return Some(format!("{base}esimo"));
    }
    if base.ends_with("sei") {
        return Some(format!("{base}esimo"));
    }
    if base.ends_with("mila") {
        // "duemila" → "duemillesimo".
        base.truncate(base.len() - "mila".len());
        return Some(format!("{base}millesimo"));
    }
    base.pop();
    Some(format!("{base}esimo"))
}

/// The feminine ordinal ("prima", "terza").
pub fn ordinal_feminine(n: u64) -> Option<String> {
    let mut word = ordinal(n)?;
    word.pop();
    word.push('a');
    Some(word)
}

/// One digit's name.
pub fn digit_name(d: char) -> Option<&'static str> {
    d.to_digit(10).map(|d| UNITS[d as usize])
}

/// Every digit of `digits` by name, separated by spaces; other characters are skipped.
pub fn digits_one_by_one(digits: &str) -> String {
    digits
        .chars()
        .filter_map(digit_name)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinal_table() {
        let cases = [
            (0, "zero"),
            (1, "uno"),
            (3, "tre"),
            (10, "dieci"),
            (13, "tredici"),
            (17, "diciassette"),
            (20, "venti"),
            (21, "ventuno"),
            (23, "ventitré"),
            (28, "ventotto"),
            (30, "trenta"),
            (31, "trentuno"),
            (38, "trentotto"),
            (44, "quarantaquattro"),
            (59, "cinquantanove"),
            (71, "settantuno"),
            (88, "ottantotto"),
            (99, "novantanove"),
            (100, "cento"),
            (101, "centouno"),
            (103, "centotré"),
            (108, "centotto"),
            (111, "centoundici"),
            (180, "centottanta"),
            (188, "centottantotto"),
            (200, "duecento"),
            (280, "duecentottanta"),
            (333, "trecentotrentatré"),
            (999, "novecentonovantanove"),
            (1_000, "mille"),
            (1_001, "milleuno"),
            (1_003, "milletré"),
            (1_008, "milleotto"),
            (1_800, "milleottocento"),
            (1_999, "millenovecentonovantanove"),
            (2_000, "duemila"),
            (2_026, "duemilaventisei"),
            (3_000, "tremila"),
            (10_000, "diecimila"),
            (21_000, "ventunomila"),
            (28_500, "ventottomilacinquecento"),
            (100_000, "centomila"),
            (108_000, "centottomila"),
            (999_999, "novecentonovantanovemilanovecentonovantanove"),
            (1_000_000, "un milione"),
            (2_500_000, "due milioni cinquecentomila"),
            (21_000_021, "ventuno milioni ventuno"),
        ];
        for (n, words) in cases {
            assert_eq!(cardinal(n).as_deref(), Some(words), "{n}");
        }
        assert_eq!(cardinal(1_000_000_000), None);
    }

    #[test]
    fn ordinal_table() {
        let cases = [
            (1, "primo"),
            (2, "secondo"),
            (3, "terzo"),
            (10, "decimo"),
            (11, "undicesimo"),
            (20, "ventesimo"),
            (21, "ventunesimo"),
            (23, "ventitreesimo"),
            (26, "ventiseiesimo"),
            (100, "centesimo"),
            (1_000, "millesimo"),
            (2_000, "duemillesimo"),
        ];
        for (n, words) in cases {
            assert_eq!(ordinal(n).as_deref(), Some(words), "{n}");
        }
        assert_eq!(ordinal_feminine(1).as_deref(), Some("prima"));
        assert_eq!(ordinal_feminine(3).as_deref(), Some("terza"));
        assert_eq!(ordinal(0), None);
    }

    #[test]
    fn digits() {
        assert_eq!(digits_one_by_one("0612"), "zero sei uno due");
        assert_eq!(digits_one_by_one("3-4"), "tre quattro");
        assert_eq!(digits_one_by_one(""), "");
    }
}

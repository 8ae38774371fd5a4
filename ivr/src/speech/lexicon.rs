//! The words the normaliser needs to know: abbreviations and acronyms of Italian public
//! offices, letter names, months, and the nouns that decide "un", "uno" or "una".

/// How an abbreviation is matched and said.
#[derive(Debug, Clone, Copy)]
pub struct Abbreviation {
    /// As written. Patterns with an upper-case letter match exactly; lower-case patterns also
    /// match with a capital first letter ("Tel.").
    pub written: &'static str,
    pub spoken: &'static str,
    /// A final "." may also end the sentence ("ecc."): keep it when a new sentence follows.
    pub may_end_sentence: bool,
}

const fn abbr(written: &'static str, spoken: &'static str) -> Abbreviation {
    Abbreviation {
        written,
        spoken,
        may_end_sentence: false,
    }
}

const fn abbr_end(written: &'static str, spoken: &'static str) -> Abbreviation {
    Abbreviation {
        written,
        spoken,
        may_end_sentence: true,
    }
}

/// Abbreviations and acronyms, matched longest first.
pub static ABBREVIATIONS: &[Abbreviation] = &[
    // Documents, taxes and registers.
    abbr("CIE", "ci i e"),
    abbr("C.I.E.", "ci i e"),
    abbr("ISEE", "isee"),
    abbr("TARI", "tari"),
    abbr("TASI", "tasi"),
    abbr("SPID", "spid"),
    abbr("IMU", "imu"),
    abbr("ANPR", "a enne pi erre"),
    abbr("AIRE", "aire"),
    abbr("PEC", "pec"),
    abbr("INPS", "inps"),
    abbr("INAIL", "inail"),
    abbr("IBAN", "iban"),
    abbr("PIN", "pin"),
    abbr("PUK", "puk"),
    abbr("ASL", "a esse elle"),
    abbr("IVA", "iva"),
    abbr("SUAP", "suap"),
    abbr("URP", "urp"),
    abbr("ZTL", "zeta ti elle"),
    abbr("DPR", "di pi erre"),
    abbr("D.P.R.", "di pi erre"),
    abbr("CF", "codice fiscale"),
    abbr("C.F.", "codice fiscale"),
    abbr("CAP", "cap"),
    abbr("C.A.P.", "cap"),
    abbr("CNS", "ci enne esse"),
    abbr("CAF", "caf"),
    abbr("PDF", "pi di effe"),
    abbr("SMS", "esse emme esse"),
    abbr("OTP", "o ti pi"),
    abbr("QR", "cu erre"),
    abbr("UE", "u e"),
    abbr("ACI", "aci"),
    abbr("PRA", "pra"),
    // Abbreviations with a dot.
    abbr("n.", "numero"),
    abbr("nr.", "numero"),
    abbr("num.", "numero"),
    abbr("n°", "numero"),
    abbr("N°", "numero"),
    abbr_end("ecc.", "eccetera"),
    abbr_end("etc.", "eccetera"),
    abbr("tel.", "telefono"),
    abbr("cell.", "cellulare"),
    abbr("p.es.", "per esempio"),
    abbr("es.", "esempio"),
    abbr("art.", "articolo"),
    abbr("artt.", "articoli"),
    abbr("cod.", "codice"),
    abbr("pag.", "pagina"),
    abbr("min.", "minuti"),
    abbr("sig.ra", "signora"),
    abbr("sig.", "signor"),
    abbr("dott.ssa", "dottoressa"),
    abbr("dott.", "dottor"),
    abbr("avv.", "avvocato"),
    abbr("ing.", "ingegner"),
    abbr("prof.", "professor"),
    abbr("lun.", "lunedì"),
    abbr("mar.", "martedì"),
    abbr("mer.", "mercoledì"),
    abbr("gio.", "giovedì"),
    abbr("ven.", "venerdì"),
    abbr("sab.", "sabato"),
    abbr("dom.", "domenica"),
    abbr("p.zza", "piazza"),
    abbr("v.le", "viale"),
    abbr("c/o", "presso"),
    abbr("e/o", "e o"),
    abbr("e-mail", "email"),
];

/// The Italian name of a letter, as said when spelling ("bi", "acca", "doppia vu").
pub fn letter_name(c: char) -> Option<&'static str> {
    Some(match c.to_ascii_lowercase() {
        'a' => "a",
        'b' => "bi",
        'c' => "ci",
        'd' => "di",
        'e' => "e",
        'f' => "effe",
        'g' => "gi",
        'h' => "acca",
        'i' => "i",
        'j' => "i lunga",
        'k' => "cappa",
        'l' => "elle",
        'm' => "emme",
        'n' => "enne",
        'o' => "o",
        'p' => "pi",
        'q' => "cu",
        'r' => "erre",
        's' => "esse",
        't' => "ti",
        'u' => "u",
        'v' => "vu",
        'w' => "doppia vu",
        'x' => "ics",
        'y' => "ipsilon",
        'z' => "zeta",
        _ => return None,
    })
}

/// Month names, January first.
pub static MONTHS: [&str; 12] = [
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

pub fn is_month(word: &str) -> bool {
    MONTHS.iter().any(|m| m.eq_ignore_ascii_case(word))
}

/// Masculine nouns often counted in office speech ("1 giorno" → "un giorno").
static MASCULINE: &[&str] = &[
    "euro",
    "centesimo",
    "giorno",
    "mese",
    "anno",
    "minuto",
    "secondo",
    "documento",
    "biglietto",
    "appuntamento",
    "modulo",
    "allegato",
    "operatore",
    "sportello",
    "posto",
    "piano",
    "numero",
    "codice",
    "ufficio",
    "cittadino",
    "figlio",
    "componente",
    "certificato",
    "esemplare",
];

/// Feminine nouns often counted in office speech ("1 settimana" → "una settimana").
static FEMININE: &[&str] = &[
    "settimana",
    "ora",
    "persona",
    "volta",
    "pratica",
    "domanda",
    "marca",
    "copia",
    "fotografia",
    "foto",
    "carta",
    "richiesta",
    "ricevuta",
    "pagina",
    "notte",
    "delega",
    "firma",
    "istanza",
];

/// How "1" reads before `noun`: "un", "uno", "una", "un'" — or `None` when the word is not a
/// known noun (then "uno", as in "prema 1 per ...").
pub fn one_before(noun: &str) -> Option<&'static str> {
    let lower = noun.to_lowercase();
    if FEMININE.contains(&lower.as_str()) {
        let vowel = lower.starts_with(['a', 'e', 'i', 'o', 'u']);
        return Some(if vowel { "un'" } else { "una" });
    }
    if MASCULINE.contains(&lower.as_str()) {
        let mut chars = lower.chars();
        let first = chars.next();
        let second = chars.next();
        let impure_s = first == Some('s') && second.is_some_and(|c| !"aeiou".contains(c));
        let uno = impure_s
            || first == Some('z')
            || lower.starts_with("gn")
            || lower.starts_with("ps")
            || first == Some('x')
            || first == Some('y');
        return Some(if uno { "uno" } else { "un" });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_for_one() {
        assert_eq!(one_before("giorno"), Some("un"));
        assert_eq!(one_before("sportello"), Some("uno"));
        assert_eq!(one_before("settimana"), Some("una"));
        assert_eq!(one_before("ora"), Some("un'"));
        assert_eq!(one_before("per"), None);
    }

    #[test]
    fn every_letter_has_a_name() {
        for c in 'a'..='z' {
            assert!(letter_name(c).is_some(), "{c}");
        }
        assert_eq!(letter_name('H'), Some("acca"));
        assert_eq!(letter_name('1'), None);
    }

    #[test]
    fn abbreviations_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in ABBREVIATIONS {
            assert!(seen.insert(a.written), "{} twice", a.written);
        }
    }
}

//! The normaliser's table of cases: written Italian in, spoken words out.

use super::*;

#[track_caller]
fn check(cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (written, spoken) in cases {
        let got = normalize(written);
        if got != *spoken {
            failures.push(format!(
                "  {written:?}\n    expected {spoken:?}\n    got      {got:?}"
            ));
        }
        // The output is already normalised.
        assert_eq!(normalize(&got), got, "not idempotent on {written:?}");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn euro_amounts() {
    check(&[
        ("22,21 euro", "ventidue euro e ventuno centesimi"),
        ("16 euro", "sedici euro"),
        ("16,00 euro", "sedici euro"),
        ("1 euro", "un euro"),
        ("1,01 euro", "un euro e un centesimo"),
        ("0,50 euro", "cinquanta centesimi"),
        ("2,5 euro", "due euro e cinquanta centesimi"),
        ("21 euro", "ventuno euro"),
        ("€ 16,50", "sedici euro e cinquanta centesimi"),
        ("€16", "sedici euro"),
        ("16,00 €", "sedici euro"),
        ("16€", "sedici euro"),
        ("euro 16,00", "sedici euro"),
        (
            "1.234,50 euro",
            "milleduecentotrentaquattro euro e cinquanta centesimi",
        ),
        (
            "Il costo è di 5,16 Euro.",
            "Il costo è di cinque euro e sedici centesimi.",
        ),
        ("marca da bollo da 16 euro", "marca da bollo da sedici euro"),
    ]);
}

#[test]
fn times() {
    check(&[
        ("8:30", "otto e trenta"),
        ("alle 8:30", "alle otto e trenta"),
        ("17:15", "diciassette e quindici"),
        ("alle 12:00", "a mezzogiorno"),
        ("dalle 12:00", "da mezzogiorno"),
        ("entro le 12:00", "entro mezzogiorno"),
        ("12:00", "mezzogiorno"),
        ("ore 12:00", "ore dodici"),
        ("12:30", "dodici e trenta"),
        ("alle 13:00", "alle tredici"),
        ("alle 1:30", "all'una e trenta"),
        ("Alle 0:00", "a mezzanotte"),
        ("8:05", "otto e cinque"),
        ("alle 8.30", "alle otto e trenta"),
        ("8:30-12:30", "dalle otto e trenta alle dodici e trenta"),
        (
            "dalle 8:30 alle 12:30",
            "dalle otto e trenta alle dodici e trenta",
        ),
        ("dalle 9:00 - 12:00", "dalle nove a mezzogiorno"),
        (
            "aperto fino alle 17:15.",
            "aperto fino alle diciassette e quindici.",
        ),
        ("25:00", "venticinque: zero zero"),
    ]);
}

#[test]
fn dates() {
    check(&[
        ("3 dicembre 2026", "tre dicembre duemilaventisei"),
        ("03/12/2026", "tre dicembre duemilaventisei"),
        ("3/12/2026", "tre dicembre duemilaventisei"),
        ("03.12.2026", "tre dicembre duemilaventisei"),
        ("2026-12-03", "tre dicembre duemilaventisei"),
        ("01/12/2026", "primo dicembre duemilaventisei"),
        ("1° dicembre", "primo dicembre"),
        ("1 dicembre", "primo dicembre"),
        ("lunedì 30 novembre", "lunedì trenta novembre"),
        ("l'8 dicembre", "l'otto dicembre"),
        ("dall'11 gennaio", "dall'undici gennaio"),
    ]);
}

#[test]
fn codes() {
    check(&[
        ("A12", "a dodici"),
        ("A 12", "a dodici"),
        ("biglietto B7", "biglietto bi sette"),
        ("PR-104", "pi erre centoquattro"),
        ("il numero A12.", "il numero a dodici."),
        ("K7Q-4M2", "cappa sette cu, quattro emme due"),
        ("codice 4X7K9", "codice quattro ics sette, cappa nove"),
        (
            "PR-2026-0042",
            "pi erre, due zero due sei, zero zero quattro due",
        ),
        ("AB1234", "a bi uno, due tre quattro"),
        ("COVID-19", "COVID diciannove"),
        (
            "codice 4821 0375.",
            "codice quattro otto due uno, zero tre sette cinque.",
        ),
    ]);
    assert_eq!(spell_code("K7Q-4M2"), "cappa sette cu, quattro emme due");
    assert_eq!(
        spell_code("HW12345678"),
        "acca doppia vu uno, due tre quattro, cinque sei sette otto"
    );
}

#[test]
fn phone_numbers() {
    check(&[
        (
            "06 1234 5678",
            "zero sei, uno due tre quattro, cinque sei sette otto",
        ),
        (
            "0612345678",
            "zero sei uno, due tre quattro, cinque sei sette otto",
        ),
        (
            "+39 06 1234 5678",
            "più tre nove, zero sei, uno due tre quattro, cinque sei sette otto",
        ),
        (
            "333 123 4567",
            "tre tre tre, uno due tre, quattro cinque sei sette",
        ),
        (
            "3331234567",
            "tre tre tre, uno due tre, quattro cinque sei sette",
        ),
        (
            "800 123 456",
            "otto zero zero, uno due tre, quattro cinque sei",
        ),
        (
            "tel. 06/1234567",
            "telefono zero sei, uno due tre, quattro cinque sei sette",
        ),
        (
            "chiami lo 0187 654321.",
            "chiami lo zero uno otto sette, sei cinque quattro, tre due uno.",
        ),
    ]);
}

#[test]
fn abbreviations() {
    check(&[
        ("CIE", "ci i e"),
        ("la CIE e lo SPID", "la ci i e e lo spid"),
        ("ISEE", "isee"),
        ("TARI e IMU", "tari e imu"),
        ("iscrizione AIRE", "iscrizione aire"),
        ("ANPR", "a enne pi erre"),
        ("scriva alla PEC", "scriva alla pec"),
        ("modulo n. 5", "modulo numero cinque"),
        ("N. 5", "numero cinque"),
        ("n° 3", "numero tre"),
        ("documenti, ecc.", "documenti, eccetera."),
        ("carta, ecc. e altro", "carta, eccetera e altro"),
        (
            "tel. 06 1234 5678",
            "telefono zero sei, uno due tre quattro, cinque sei sette otto",
        ),
        (
            "Tel. 800 123 456",
            "telefono otto zero zero, uno due tre, quattro cinque sei",
        ),
        ("art. 3", "articolo tre"),
        (
            "sig.ra Rossi e sig. Bianchi",
            "signora Rossi e signor Bianchi",
        ),
        ("C.F. e CF", "codice fiscale e codice fiscale"),
        ("e-mail", "email"),
        ("Pecora", "Pecora"),
        ("CIELO", "CIELO"),
    ]);
}

#[test]
fn plain_numbers_and_articles() {
    check(&[
        ("Prema 1.", "Prema uno."),
        ("prema 1 per informazioni", "prema uno per informazioni"),
        ("prema 0", "prema zero"),
        ("1 giorno", "un giorno"),
        ("1 sportello", "uno sportello"),
        ("1 settimana", "una settimana"),
        ("entro 1 ora", "entro un'ora"),
        ("3 giorni", "tre giorni"),
        ("28 giorni", "ventotto giorni"),
        ("nel 2026", "nel duemilaventisei"),
        ("1.800 persone", "milleottocento persone"),
        ("2,5", "due virgola cinque"),
        ("0,05", "zero virgola zero cinque"),
        ("10%", "dieci per cento"),
        ("10 %", "dieci per cento"),
        ("il 2° piano", "il secondo piano"),
        ("la 3ª copia", "la terza copia"),
        ("CAP 00184", "cap zero zero uno otto quattro"),
        (
            "1234567890123",
            "uno due tre quattro cinque sei sette otto nove zero uno due tre",
        ),
        ("via Roma 3bis", "via Roma tre bis"),
        ("prema * o #", "prema asterisco o cancelletto"),
        ("entro 3-5 giorni", "entro tre o cinque giorni"),
        ("servono 3-5 giorni", "servono da tre a cinque giorni"),
        ("dal 2020-2026", "dal duemilaventi al duemilaventisei"),
        (
            "lun.-ven. 8:30-12:30",
            "lunedì venerdì dalle otto e trenta alle dodici e trenta",
        ),
    ]);
}

#[test]
fn addresses() {
    check(&[
        (
            "protocollo@pec.comune.esempio.it",
            "protocollo chiocciola pec punto comune punto esempio punto it",
        ),
        (
            "www.comune.esempio.it.",
            "vu vu vu punto comune punto esempio punto it.",
        ),
        (
            "https://servizi.comune-esempio.it/tari",
            "servizi punto comune trattino esempio punto it barra tari",
        ),
    ]);
}

#[test]
fn sentences() {
    check(&[
        (
            "Comune di Esempio, buongiorno. L'ufficio è aperto fino alle 12:30.",
            "Comune di Esempio, buongiorno. L'ufficio è aperto fino alle dodici e trenta.",
        ),
        (
            "L'ufficio è chiuso. Riapre lunedì 30 novembre alle 8:30.",
            "L'ufficio è chiuso. Riapre lunedì trenta novembre alle otto e trenta.",
        ),
        (
            "Il suo biglietto è A 12. Ci sono 3 persone prima di lei.",
            "Il suo biglietto è a dodici. Ci sono tre persone prima di lei.",
        ),
        (
            "Per la CIE servono 22,21 euro e una fototessera.",
            "Per la ci i e servono ventidue euro e ventuno centesimi e una fototessera.",
        ),
        (
            "Orari: 8:30 - 12:30",
            "Orari: dalle otto e trenta alle dodici e trenta",
        ),
        ("  spazi   multipli  ", "spazi multipli"),
        ("Tasse - tributi", "Tasse, tributi"),
        ("", ""),
    ]);
}

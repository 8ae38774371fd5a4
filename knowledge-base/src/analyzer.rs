//! The Italian analyzer of the search index: words split with elisions dropped
//! ("dell'anagrafe" → "anagrafe"), lowercase, accents folded, stop words removed (the
//! Snowball Italian list plus the filler words of phone calls in `data/stopwords.txt`),
//! Snowball stemming.
//!
//! The same analyzer indexes the content and reads the questions, so "Anagrafe", "anagrafe"
//! and "all'anagrafe" meet on one term.

use std::collections::HashSet;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, Stemmer, StopWordFilter, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};

/// The name the analyzer is registered under in the index.
pub const ANALYZER: &str = "italiano";

/// The stop-word list shipped with the crate: filler words of phone questions.
const EXTRA_STOP_WORDS: &str = include_str!("../data/stopwords.txt");

/// The analyzer for indexing and for questions.
pub fn italian() -> TextAnalyzer {
    TextAnalyzer::builder(ElidingTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(stop_words()))
        .filter(Stemmer::new(Language::Italian))
        .build()
}

/// The analyzer without stemming, for the fuzzy channel: a misspelt word is closer to the
/// right word than its stem is to the right stem ("esumasione" / "esumazione" against
/// "esumasion" / "esum").
pub fn italian_words() -> TextAnalyzer {
    TextAnalyzer::builder(ElidingTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(stop_words()))
        .build()
}

/// The name the unstemmed analyzer is registered under in the index.
pub const WORDS_ANALYZER: &str = "italiano_parole";

/// The analyzer without stop words, used to find synonym phrases ("quanto costa", "c'è da
/// pagare") whose words would otherwise vanish.
pub fn italian_with_stop_words() -> TextAnalyzer {
    TextAnalyzer::builder(ElidingTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::Italian))
        .build()
}

/// The terms of `text` as the analyzer produces them.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// Snowball's Italian stop words plus the crate's list, accents folded like the tokens.
fn stop_words() -> Vec<String> {
    let mut words: HashSet<String> = HashSet::new();
    let mut folder = TextAnalyzer::builder(ElidingTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let extra = EXTRA_STOP_WORDS
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty());
    for word in SNOWBALL_ITALIAN.iter().copied().chain(extra) {
        words.extend(terms(&mut folder, word));
    }
    let mut words: Vec<String> = words.into_iter().collect();
    words.sort();
    words
}

/// The Snowball Italian stop-word list (the list tantivy ships for
/// `StopWordFilter::new(Language::Italian)`, which keeps it private): copied because it must
/// be accent-folded like the tokens, so that "perche" and "piu" typed without accents go too.
const SNOWBALL_ITALIAN: &[&str] = &[
    "ad",
    "al",
    "allo",
    "ai",
    "agli",
    "all",
    "agl",
    "alla",
    "alle",
    "con",
    "col",
    "coi",
    "da",
    "dal",
    "dallo",
    "dai",
    "dagli",
    "dall",
    "dagl",
    "dalla",
    "dalle",
    "di",
    "del",
    "dello",
    "dei",
    "degli",
    "dell",
    "degl",
    "della",
    "delle",
    "in",
    "nel",
    "nello",
    "nei",
    "negli",
    "nell",
    "negl",
    "nella",
    "nelle",
    "su",
    "sul",
    "sullo",
    "sui",
    "sugli",
    "sull",
    "sugl",
    "sulla",
    "sulle",
    "per",
    "tra",
    "contro",
    "io",
    "tu",
    "lui",
    "lei",
    "noi",
    "voi",
    "loro",
    "mio",
    "mia",
    "miei",
    "mie",
    "tuo",
    "tua",
    "tuoi",
    "tue",
    "suo",
    "sua",
    "suoi",
    "sue",
    "nostro",
    "nostra",
    "nostri",
    "nostre",
    "vostro",
    "vostra",
    "vostri",
    "vostre",
    "mi",
    "ti",
    "ci",
    "vi",
    "lo",
    "la",
    "li",
    "le",
    "gli",
    "ne",
    "il",
    "un",
    "uno",
    "una",
    "ma",
    "ed",
    "se",
    "perché",
    "anche",
    "come",
    "dov",
    "dove",
    "che",
    "chi",
    "cui",
    "non",
    "più",
    "quale",
    "quanto",
    "quanti",
    "quanta",
    "quante",
    "quello",
    "quelli",
    "quella",
    "quelle",
    "questo",
    "questi",
    "questa",
    "queste",
    "si",
    "tutto",
    "tutti",
    "a",
    "c",
    "e",
    "i",
    "l",
    "o",
    "ho",
    "hai",
    "ha",
    "abbiamo",
    "avete",
    "hanno",
    "abbia",
    "abbiate",
    "abbiano",
    "avrò",
    "avrai",
    "avrà",
    "avremo",
    "avrete",
    "avranno",
    "avrei",
    "avresti",
    "avrebbe",
    "avremmo",
    "avreste",
    "avrebbero",
    "avevo",
    "avevi",
    "aveva",
    "avevamo",
    "avevate",
    "avevano",
    "ebbi",
    "avesti",
    "ebbe",
    "avemmo",
    "aveste",
    "ebbero",
    "avessi",
    "avesse",
    "avessimo",
    "avessero",
    "avendo",
    "avuto",
    "avuta",
    "avuti",
    "avute",
    "sono",
    "sei",
    "è",
    "siamo",
    "siete",
    "sia",
    "siate",
    "siano",
    "sarò",
    "sarai",
    "sarà",
    "saremo",
    "sarete",
    "saranno",
    "sarei",
    "saresti",
    "sarebbe",
    "saremmo",
    "sareste",
    "sarebbero",
    "ero",
    "eri",
    "era",
    "eravamo",
    "eravate",
    "erano",
    "fui",
    "fosti",
    "fu",
    "fummo",
    "foste",
    "furono",
    "fossi",
    "fosse",
    "fossimo",
    "fossero",
    "essendo",
    "faccio",
    "fai",
    "facciamo",
    "fanno",
    "faccia",
    "facciate",
    "facciano",
    "farò",
    "farai",
    "farà",
    "faremo",
    "farete",
    "faranno",
    "farei",
    "faresti",
    "farebbe",
    "faremmo",
    "fareste",
    "farebbero",
    "facevo",
    "facevi",
    "faceva",
    "facevamo",
    "facevate",
    "facevano",
    "feci",
    "facesti",
    "fece",
    "facemmo",
    "faceste",
    "fecero",
    "facessi",
    "facesse",
    "facessimo",
    "facessero",
    "facendo",
    "sto",
    "stai",
    "sta",
    "stiamo",
    "stanno",
    "stia",
    "stiate",
    "stiano",
    "starò",
    "starai",
    "starà",
    "staremo",
    "starete",
    "staranno",
    "starei",
    "staresti",
    "starebbe",
    "staremmo",
    "stareste",
    "starebbero",
    "stavo",
    "stavi",
    "stava",
    "stavamo",
    "stavate",
    "stavano",
    "stetti",
    "stesti",
    "stette",
    "stemmo",
    "steste",
    "stettero",
    "stessi",
    "stesse",
    "stessimo",
    "stessero",
    "stando",
];

/// Splits on everything that is not a letter or a digit, and drops an elided word
/// (a word followed by an apostrophe and a letter: "l'", "dell'", "c'", "quant'").
#[derive(Clone, Default)]
pub struct ElidingTokenizer {
    token: Token,
}

/// The token stream of [`ElidingTokenizer`].
pub struct ElidingTokenStream<'a> {
    text: &'a str,
    offset: usize,
    token: &'a mut Token,
}

impl Tokenizer for ElidingTokenizer {
    type TokenStream<'a> = ElidingTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ElidingTokenStream<'a> {
        self.token.reset();
        ElidingTokenStream {
            text,
            offset: 0,
            token: &mut self.token,
        }
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '`' | 'ʼ' | '‘')
}

impl TokenStream for ElidingTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        loop {
            let rest = &self.text[self.offset..];
            let Some(start) = rest.find(char::is_alphanumeric) else {
                self.offset = self.text.len();
                return false;
            };
            let from = self.offset + start;
            let word_len = self.text[from..]
                .find(|c: char| !c.is_alphanumeric())
                .unwrap_or(self.text.len() - from);
            let to = from + word_len;
            self.offset = to;
            let mut after = self.text[to..].chars();
            let elided = after.next().is_some_and(is_apostrophe)
                && after.next().is_some_and(char::is_alphabetic);
            if elided {
                continue;
            }
            self.token.position = self.token.position.wrapping_add(1);
            self.token.offset_from = from;
            self.token.offset_to = to;
            self.token.text.push_str(&self.text[from..to]);
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzer_table() {
        let cases: &[(&str, &[&str])] = &[
            ("Anagrafe", &["anagraf"]),
            ("dell'anagrafe", &["anagraf"]),
            ("all’ufficio anagrafe", &["uffic", "anagraf"]),
            ("carta d'identità", &["cart", "ident"]),
            ("carta di identita", &["cart", "ident"]),
            ("CARTA D'IDENTITÀ", &["cart", "ident"]),
            ("c'è da pagare?", &["pag"]),
            ("quant'è il costo", &["cost"]),
            ("la TARI", &["tar"]),
            ("residenza, residente", &["resident", "resident"]),
            ("certificati certificato", &["certific", "certific"]),
            ("buongiorno vorrei sapere", &[]),
            ("730 del 2026", &["730", "2026"]),
            ("perché è così", &["cos"]),
            ("po' di tempo", &["po", "temp"]),
        ];
        let mut analyzer = italian();
        for (text, expected) in cases {
            assert_eq!(terms(&mut analyzer, text), *expected, "{text}");
        }
    }

    #[test]
    fn phrase_analyzer_keeps_stop_words() {
        let mut analyzer = italian_with_stop_words();
        assert_eq!(terms(&mut analyzer, "Quanto costa?"), ["quant", "cost"],);
    }
}

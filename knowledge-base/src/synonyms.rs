//! Synonyms and expansions of questions, read from `data/synonyms.txt`.
//!
//! A line `a | b | c` is a group: a question that contains one of the expressions is searched
//! with the words of the others too. A line `a => b | c` expands `a` one way only. Expressions
//! are matched on analysed words (stems, stop words kept), in order, allowing one word in
//! between ("carta di identità" matches "carta d'identità").

use std::collections::BTreeSet;

use crate::analyzer;

/// The synonyms file shipped with the crate.
pub const SHIPPED: &str = include_str!("../data/synonyms.txt");

/// A bad line of the synonyms file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynonymsError {
    #[error("synonyms line {line}: a rule needs at least two expressions")]
    TooFewExpressions { line: usize },
    #[error("synonyms line {line}: expression «{expression}» has no word")]
    EmptyExpression { line: usize, expression: String },
    #[error("synonyms line {line}: the expressions to add are all stop words")]
    OnlyStopWords { line: usize },
}

/// One expansion: when `trigger` is found, `terms` are added to the question.
#[derive(Debug, Clone)]
struct Rule {
    trigger: Vec<String>,
    terms: Vec<String>,
}

/// A rule that fired for a question: the words that triggered it and the index terms it adds.
#[derive(Debug, Clone, Copy)]
pub struct Expansion<'a> {
    pub trigger: &'a [String],
    pub terms: &'a [String],
}

/// The parsed synonyms.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    rules: Vec<Rule>,
}

impl Synonyms {
    pub fn parse(text: &str) -> Result<Synonyms, Vec<SynonymsError>> {
        let mut phrase = analyzer::italian_with_stop_words();
        let mut index = analyzer::italian();
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let (left, right, one_way) = match content.split_once("=>") {
                Some((left, right)) => (left, right, true),
                None => (content, "", false),
            };
            let sources: Vec<&str> = split_expressions(left);
            let targets: Vec<&str> = if one_way {
                split_expressions(right)
            } else {
                sources.clone()
            };
            if sources.is_empty() || targets.is_empty() || (!one_way && sources.len() < 2) {
                errors.push(SynonymsError::TooFewExpressions { line });
                continue;
            }
            let silent: Vec<&&str> = sources
                .iter()
                .chain(targets.iter())
                .filter(|e| analyzer::terms(&mut phrase, e).is_empty())
                .collect();
            if let Some(expression) = silent.first() {
                errors.push(SynonymsError::EmptyExpression {
                    line,
                    expression: (**expression).to_owned(),
                });
                continue;
            }
            if targets
                .iter()
                .all(|e| analyzer::terms(&mut index, e).is_empty())
            {
                errors.push(SynonymsError::OnlyStopWords { line });
                continue;
            }
            for source in &sources {
                let trigger = analyzer::terms(&mut phrase, source);
                let mut terms: Vec<String> = Vec::new();
                for target in targets.iter().filter(|t| *t != source) {
                    for term in analyzer::terms(&mut index, target) {
                        if !terms.contains(&term) {
                            terms.push(term);
                        }
                    }
                }
                if !trigger.is_empty() && !terms.is_empty() {
                    rules.push(Rule { trigger, terms });
                }
            }
        }
        if errors.is_empty() {
            Ok(Synonyms { rules })
        } else {
            Err(errors)
        }
    }

    /// The shipped synonyms.
    pub fn shipped() -> Result<Synonyms, Vec<SynonymsError>> {
        Synonyms::parse(SHIPPED)
    }

    /// The index terms to add to a question, given its words from the phrase analyzer
    /// ([`analyzer::italian_with_stop_words`]). Terms already in `present` are left out.
    pub fn expand(&self, words: &[String], present: &BTreeSet<String>) -> Vec<String> {
        let mut added: Vec<String> = Vec::new();
        for expansion in self.matches(words) {
            {
                for term in expansion.terms {
                    if !present.contains(term) && !added.contains(term) {
                        added.push(term.clone());
                    }
                }
            }
        }
        added
    }

    /// The rules whose expression occurs in `words` (from the phrase analyzer).
    pub fn matches<'a>(&'a self, words: &'a [String]) -> impl Iterator<Item = Expansion<'a>> + 'a {
        self.rules
            .iter()
            .filter(|rule| contains_in_order(words, &rule.trigger))
            .map(|rule| Expansion {
                trigger: &rule.trigger,
                terms: &rule.terms,
            })
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

fn split_expressions(text: &str) -> Vec<&str> {
    text.split('|')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect()
}

/// Whether `needle` occurs in `words` in order, with at most one other word between two
/// consecutive needle words.
fn contains_in_order(words: &[String], needle: &[String]) -> bool {
    let Some(first) = needle.first() else {
        return false;
    };
    'start: for (start, word) in words.iter().enumerate() {
        if word != first {
            continue;
        }
        let mut at = start;
        for next in &needle[1..] {
            match words[at + 1..].iter().take(2).position(|w| w == next) {
                Some(step) => at += 1 + step,
                None => continue 'start,
            }
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(synonyms: &Synonyms, question: &str) -> Vec<String> {
        let mut phrase = analyzer::italian_with_stop_words();
        let mut index = analyzer::italian();
        let present: BTreeSet<String> = analyzer::terms(&mut index, question).into_iter().collect();
        synonyms.expand(&analyzer::terms(&mut phrase, question), &present)
    }

    #[test]
    fn groups_and_one_way_rules() {
        let synonyms = Synonyms::parse(
            "# comment\ncie | carta d'identità elettronica\nbollettino => avviso di pagamento\n",
        )
        .unwrap();
        let cases: &[(&str, &[&str])] = &[
            ("la CIE", &["cart", "ident", "elettron"]),
            ("carta di identità elettronica", &["cie"]),
            ("carta d identita elettronica", &["cie"]),
            ("il bollettino", &["avvis", "pag"]),
            ("avviso di pagamento", &[]),
            ("carta elettronica", &[]),
        ];
        for (question, expected) in cases {
            assert_eq!(expand(&synonyms, question), *expected, "{question}");
        }
    }

    #[test]
    fn bad_lines_are_named() {
        let errors = Synonyms::parse("solo\n\ndi | il\nx => ?!\n").unwrap_err();
        assert_eq!(
            errors,
            [
                SynonymsError::TooFewExpressions { line: 1 },
                SynonymsError::OnlyStopWords { line: 3 },
                SynonymsError::EmptyExpression {
                    line: 4,
                    expression: "?!".into()
                },
            ]
        );
    }

    #[test]
    fn shipped_file_parses() {
        let synonyms = Synonyms::shipped().unwrap();
        assert!(synonyms.len() > 20);
        let spazzatura = expand(&synonyms, "il bollettino della spazzatura");
        assert!(spazzatura.contains(&"tar".to_owned()), "{spazzatura:?}");
    }
}

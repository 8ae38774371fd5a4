//! `{{key}}` placeholders for local facts: rendering and its problems, each with its line.

use std::collections::BTreeMap;

/// What is wrong with a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceholderProblem {
    /// `{{key}}` with a key that has no value among the facts.
    Undefined { line: usize, key: String },
    /// `{{` without `}}` on the same line, a stray `}}`, or a key that is not snake_case.
    Broken { line: usize, text: String },
}

/// Replaces every `{{key}}` of `text` with its fact. `first_line` is the file line of the
/// text's first line, so problems name the right line. All problems are returned.
pub fn render(
    text: &str,
    facts: &BTreeMap<String, String>,
    first_line: usize,
) -> Result<String, Vec<PlaceholderProblem>> {
    let mut out = String::with_capacity(text.len());
    let mut problems = Vec::new();
    for (i, line_text) in text.split_inclusive('\n').enumerate() {
        let line = first_line + i;
        let mut rest = line_text;
        loop {
            let open = rest.find("{{");
            let stray_close = rest.find("}}");
            match (open, stray_close) {
                (Some(open), close) if close.is_none_or(|c| c > open) => {
                    out.push_str(&rest[..open]);
                    let after = &rest[open + 2..];
                    let Some(end) = after.find("}}") else {
                        problems.push(PlaceholderProblem::Broken {
                            line,
                            text: snippet(&rest[open..]),
                        });
                        out.push_str(&rest[open..]);
                        break;
                    };
                    let key = after[..end].trim();
                    if !is_key(key) {
                        problems.push(PlaceholderProblem::Broken {
                            line,
                            text: snippet(&rest[open..open + 4 + end]),
                        });
                    } else if let Some(value) = facts.get(key) {
                        out.push_str(value);
                    } else {
                        problems.push(PlaceholderProblem::Undefined {
                            line,
                            key: key.to_owned(),
                        });
                    }
                    rest = &after[end + 2..];
                }
                (_, Some(close)) => {
                    problems.push(PlaceholderProblem::Broken {
                        line,
                        text: snippet(&rest[..close + 2]),
                    });
                    out.push_str(&rest[..close + 2]);
                    rest = &rest[close + 2..];
                }
                (_, None) => {
                    out.push_str(rest);
                    break;
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn is_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// At most 40 characters of the offending text, trimmed, for the message.
fn snippet(text: &str) -> String {
    let text = text.trim_end();
    let mut chars: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        chars.push('…');
    }
    chars
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("comune".to_owned(), "Comune di Esempio".to_owned()),
            ("telefono".to_owned(), "0123 456789".to_owned()),
        ])
    }

    #[test]
    fn rendering() {
        let cases: [(&str, Result<&str, Vec<PlaceholderProblem>>); 7] = [
            ("Chiami il {{telefono}}.", Ok("Chiami il 0123 456789.")),
            (
                "{{ comune }}, {{telefono}}",
                Ok("Comune di Esempio, 0123 456789"),
            ),
            ("Nessun segnaposto {x}.", Ok("Nessun segnaposto {x}.")),
            (
                "riga\nCosta {{diritti}}.",
                Err(vec![PlaceholderProblem::Undefined {
                    line: 11,
                    key: "diritti".into(),
                }]),
            ),
            (
                "Il {{comune} chiude",
                Err(vec![PlaceholderProblem::Broken {
                    line: 10,
                    text: "{{comune} chiude".into(),
                }]),
            ),
            (
                "Il {comune}} e {{Tel Efono}}",
                Err(vec![
                    PlaceholderProblem::Broken {
                        line: 10,
                        text: "Il {comune}}".into(),
                    },
                    PlaceholderProblem::Broken {
                        line: 10,
                        text: "{{Tel Efono}}".into(),
                    },
                ]),
            ),
            (
                "{{a}} {{b}}",
                Err(vec![
                    PlaceholderProblem::Undefined {
                        line: 10,
                        key: "a".into(),
                    },
                    PlaceholderProblem::Undefined {
                        line: 10,
                        key: "b".into(),
                    },
                ]),
            ),
        ];
        for (text, expected) in cases {
            let expected = expected.map(str::to_owned);
            assert_eq!(render(text, &facts(), 10), expected, "{text}");
        }
    }
}

//! Markdown to plain text for the phone voice: headings and list items become sentences,
//! emphasis and links lose their markers, everything is one line of text.

use crate::markdown::{self, Block};

/// The text a text-to-speech voice reads for a section.
pub fn to_spoken(markdown_text: &str) -> String {
    let mut sentences: Vec<String> = Vec::new();
    for block in markdown::blocks(markdown_text) {
        match block {
            Block::Heading { text, .. } => sentences.push(sentence(&text)),
            Block::Paragraph(text) => sentences.push(sentence(&text)),
            Block::List { items, .. } => {
                sentences.extend(items.iter().map(|item| sentence(item)));
            }
        }
    }
    sentences.retain(|s| !s.is_empty());
    sentences.join(" ")
}

/// One sentence: markers removed, spaces collapsed, first letter capital, final full stop.
fn sentence(text: &str) -> String {
    let plain = markdown::plain_text(text);
    let mut words: Vec<&str> = plain.split_whitespace().collect();
    if words.is_empty() {
        return String::new();
    }
    let mut out = words.join(" ");
    words.clear();
    while out.ends_with([';', ',', ':']) {
        out.pop();
    }
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    let mut chars = out.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => out,
    }
}

/// Words as a listener hears them (for the spoken-answer limit): whitespace-separated
/// chunks that contain a letter or a digit.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoken_text() {
        let cases = [
            ("Il servizio è gratuito.", "Il servizio è gratuito."),
            (
                "Porti:\n\n- la **vecchia** carta;\n- una foto\n- il codice fiscale",
                "Porti. La vecchia carta. Una foto. Il codice fiscale.",
            ),
            (
                "### Chi può chiedere\nIl titolare",
                "Chi può chiedere. Il titolare.",
            ),
            ("Riga uno\nriga   due", "Riga uno riga due."),
            (
                "Vada [sul sito](https://x.it) del Comune",
                "Vada sul sito del Comune.",
            ),
            ("", ""),
        ];
        for (markdown, expected) in cases {
            assert_eq!(to_spoken(markdown), expected, "{markdown}");
        }
    }

    #[test]
    fn word_counting() {
        let cases = [
            ("", 0),
            ("Costa 22,21 euro.", 3),
            ("La CIE - valida 10 anni", 5),
        ];
        for (text, words) in cases {
            assert_eq!(word_count(text), words, "{text}");
        }
    }
}

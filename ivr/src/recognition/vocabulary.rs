//! The office's vocabulary for the recogniser: the words callers use for the procedures,
//! taken from the knowledge base, as whisper's initial prompt.
//!
//! Whisper reads its prompt as "what was said before", so a prompt that names the procedures
//! ("Comune. Carta d'identità, cambio di residenza, TARI, ...") makes it spell "TARI", "ISEE"
//! or "SPID" instead of look-alike words. The prompt must stay within whisper's budget (half
//! of the text context, 224 tokens; whisper.cpp keeps only the *last* tokens of a longer
//! prompt, which would drop the opening), so terms come most important first and the list is
//! cut on a term boundary: [`prompt`] by characters here, by tokens where a tokenizer is at
//! hand ([`prompt_within`]).

use std::collections::HashSet;

use knowledge_base::KnowledgeBase;

/// How the prompt opens: the setting of the conversation.
pub const PROMPT_OPENING: &str = "Telefonata allo sportello del Comune.";

/// Whisper's prompt budget in tokens (half of the 448-token text context), less a margin for
/// the tokens whisper adds itself.
pub const PROMPT_TOKENS: usize = 200;

/// A conservative character budget for [`PROMPT_TOKENS`] (Italian averages about three
/// characters a token in whisper's vocabulary).
pub const PROMPT_CHARS: usize = 600;

/// The terms of the knowledge base, most important first, each once:
///
/// 1. the acronyms (TARI, IMU, ISEE, SPID, CIE, PUK, AIRE, ...): the words whisper would
///    otherwise spell as look-alikes, and short;
/// 2. the procedures' menu titles, one area at a time in turn (so that a cut leaves every
///    area named);
/// 3. the keywords, the first of every procedure, then the second, ...
pub fn terms(knowledge: &KnowledgeBase) -> Vec<String> {
    let procedures = knowledge.procedures();
    let mut seen = HashSet::new();
    let mut terms = Vec::new();
    let mut add = |term: &str| {
        let term = term.trim();
        // Dates and numbers ("3 agosto 2026") do not need biasing.
        if term.is_empty() || term.chars().any(|c| c.is_ascii_digit()) {
            return;
        }
        if seen.insert(term.to_lowercase()) {
            terms.push(term.to_string());
        }
    };
    let texts = procedures
        .iter()
        .flat_map(|p| std::iter::once(&p.menu_title).chain(&p.keywords));
    for text in texts {
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            let letters = word.chars().count();
            if letters >= 2 && word.chars().all(|c| c.is_uppercase()) {
                add(word);
            }
        }
    }
    let mut areas: Vec<Vec<&str>> = Vec::new();
    let mut area_names: Vec<&str> = Vec::new();
    for procedure in procedures {
        match area_names.iter().position(|a| *a == procedure.area) {
            Some(i) => areas[i].push(&procedure.menu_title),
            None => {
                area_names.push(&procedure.area);
                areas.push(vec![&procedure.menu_title]);
            }
        }
    }
    let longest_area = areas.iter().map(Vec::len).max().unwrap_or(0);
    for rank in 0..longest_area {
        for area in &areas {
            if let Some(title) = area.get(rank) {
                add(title);
            }
        }
    }
    let most_keywords = procedures
        .iter()
        .map(|p| p.keywords.len())
        .max()
        .unwrap_or(0);
    for rank in 0..most_keywords {
        for procedure in procedures {
            if let Some(keyword) = procedure.keywords.get(rank) {
                add(keyword);
            }
        }
    }
    terms
}

/// The prompt text for `terms`, at most `max_chars` characters, cut after a whole term.
pub fn prompt(terms: &[String], max_chars: usize) -> String {
    prompt_within(terms, |text| text.chars().count() <= max_chars)
}

/// The longest prompt of whole terms (in order) that `fits` accepts; at least the opening.
pub fn prompt_within(terms: &[String], mut fits: impl FnMut(&str) -> bool) -> String {
    let mut text = PROMPT_OPENING.to_string();
    for (i, term) in terms.iter().enumerate() {
        let candidate = format!("{text}{}{term}", if i == 0 { " " } else { ", " });
        if !fits(&format!("{candidate}.")) {
            break;
        }
        text = candidate;
    }
    if text.len() > PROMPT_OPENING.len() {
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn prompt_is_cut_after_a_whole_term() {
        let terms = strings(&["Carta d'identità", "TARI", "Cambio di residenza"]);
        assert_eq!(
            prompt(&terms, 1_000),
            "Telefonata allo sportello del Comune. Carta d'identità, TARI, Cambio di residenza."
        );
        assert_eq!(
            prompt(&terms, 62),
            "Telefonata allo sportello del Comune. Carta d'identità, TARI."
        );
        assert_eq!(prompt(&terms, 10), PROMPT_OPENING);
        assert_eq!(prompt(&[], 1_000), PROMPT_OPENING);
    }

    #[test]
    fn a_custom_budget_counts_what_it_likes() {
        let terms = strings(&["uno", "due", "tre", "quattro"]);
        // A "tokenizer" counting words.
        let words = |t: &str| t.split_whitespace().count();
        let text = prompt_within(&terms, |t| words(t) <= 8);
        assert_eq!(text, "Telefonata allo sportello del Comune. uno, due, tre.");
    }
}

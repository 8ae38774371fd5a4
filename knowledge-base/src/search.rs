//! Finding the procedure a question is about.
//!
//! A question is analysed like the content, expanded with the synonyms it triggers, and run
//! through two channels over the tantivy index:
//!
//! - **BM25**: exact terms on every field, weighted per field (titles and keywords count
//!   most, the full text least); synonym expansions count less than the caller's own words.
//! - **fuzzy**: each word, unstemmed, within one or two edits (Levenshtein, transpositions
//!   cost one) of a word of the descriptive fields (titles, keywords, questions), so "carta
//!   d'indentità", "residensa" or "esumasione" still find their procedure; weighted by how
//!   rare the word is. Synonym expansions count here too, as exact terms.
//!
//! The two rankings are merged by reciprocal rank fusion (RRF). Each procedure found then
//! gets a confidence in 0..1: its **coverage** (how much of the question, each word weighted
//! by its rarity, the procedure's titles, keywords and questions contain, directly, through a
//! synonym or approximately), times its fused RRF score relative to the best one (and a
//! little of its **focus**: how much of its short titles the question names). Hits are
//! ordered by confidence, the fused score breaking ties; the margin is the confidence gap to
//! the next hit. [`crate::decision`] turns them into what the phone dialog does.
//!
//! Ordering by confidence rather than by the fused score alone was measured on
//! `eval/questions.tsv`: top-1 went from 87 % to 93 % (before synonym tuning), because
//! coverage sees that a procedure answers *all* of a question where BM25 rewards one rare
//! word repeated.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Score, Searcher, Term};

use crate::analyzer;
use crate::index::{DocTerms, FieldKind, SearchIndex};

/// The RRF constant: `1 / (k + rank)`. Small because the collection is small (about a
/// hundred procedures) and the first ranks must weigh.
pub const RRF_K: f32 = 10.0;
/// The weight of the BM25 channel in the fusion.
pub const BM25_CHANNEL_WEIGHT: f32 = 1.0;
/// The weight of the fuzzy channel in the fusion.
pub const FUZZY_CHANNEL_WEIGHT: f32 = 0.7;
/// How much a synonym's words count next to the caller's own words.
pub const EXPANSION_WEIGHT: f32 = 0.5;

/// The weight of each field ([`FieldKind::ALL`] order) in the BM25 channel.
const FIELD_BOOSTS: [f32; 7] = [3.0, 2.0, 2.0, 2.5, 1.5, 1.0, 0.4];

/// The share of the confidence that comes from the focus (how much of a procedure's short
/// titles the question names); the rest comes from the fused rank.
const FOCUS_WEIGHT: f32 = 0.1;

/// The weight of the titles and of the keywords and questions in the fuzzy channel.
const FUZZY_FIELD_BOOSTS: [f32; 2] = [1.5, 1.0];

/// How much of a question word a procedure covers, by where the word is found.
const COVER_DESCRIPTIVE: f32 = 1.0;
const COVER_SYNONYM_DESCRIPTIVE: f32 = 0.8;
const COVER_FUZZY_DESCRIPTIVE: f32 = 0.7;
const COVER_TEXT: f32 = 0.5;
const COVER_SYNONYM_TEXT: f32 = 0.4;

/// A question word that no procedure contains, even approximately, weighs this much of a
/// rare word: it lowers the confidence (the recogniser may have garbled it) without
/// dominating it.
const UNKNOWN_WORD_WEIGHT: f32 = 0.3;
/// A word found only approximately weighs this much of the word it resembles: it may be a
/// misspelling of it, or another word.
const NEAR_WORD_WEIGHT: f32 = 0.6;

/// One procedure found for a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The document, the procedure's position in the knowledge base.
    pub doc: usize,
    /// The fused RRF score.
    pub fused: f32,
    /// 0..1.
    pub confidence: f32,
    /// Confidence minus the next hit's confidence (0 when the next one is as good).
    pub margin: f32,
}

/// A question word with its weight.
#[derive(Debug, Clone)]
struct Word {
    /// The stem, as indexed.
    term: String,
    /// The word as said, accents folded, for the fuzzy channel.
    surface: String,
    /// Inverse document frequency, the word's share of the question's meaning.
    weight: f32,
    /// Indexed terms close to the word when the word itself is not indexed.
    near: Vec<String>,
}

/// The analysed question.
#[derive(Debug, Clone, Default)]
struct Question {
    words: Vec<Word>,
    /// Synonym terms and the indices of the words that triggered them.
    expansions: Vec<(Vec<usize>, Vec<String>)>,
}

impl SearchIndex {
    /// Every procedure matching `question`, best first, at most `limit`.
    pub fn search(&self, question: &str, limit: usize) -> Vec<Scored> {
        let question = self.analyse(question);
        if question.words.is_empty() && question.expansions.is_empty() {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let all = self.len().max(1);
        let bm25 = self.run(&searcher, &self.bm25_query(&question), all);
        let fuzzy = self.run(&searcher, &self.fuzzy_query(&question), all);

        let mut fused: HashMap<usize, f32> = HashMap::new();
        for (channel, weight) in [(&bm25, BM25_CHANNEL_WEIGHT), (&fuzzy, FUZZY_CHANNEL_WEIGHT)] {
            for (doc, rank) in ranks(channel) {
                *fused.entry(doc).or_default() += weight / (RRF_K + rank as f32);
            }
        }
        let best_fused = fused.values().copied().fold(f32::MIN_POSITIVE, f32::max);

        let mut hits: Vec<Scored> = fused
            .into_iter()
            .map(|(doc, fused)| {
                let relative = fused / best_fused;
                let terms = &self.doc_terms[doc];
                let coverage = self.coverage(&question, terms);
                let focus = focus(&question, terms);
                let quality = (1.0 - FOCUS_WEIGHT) * (0.5 + 0.5 * relative) + FOCUS_WEIGHT * focus;
                Scored {
                    doc,
                    fused,
                    confidence: (coverage * quality).clamp(0.0, 1.0),
                    margin: 0.0,
                }
            })
            .collect();
        hits.sort_by(|a, b| {
            b.confidence
                .partial_cmp(&a.confidence)
                .unwrap_or(Ordering::Equal)
                .then_with(|| b.fused.partial_cmp(&a.fused).unwrap_or(Ordering::Equal))
                .then(a.doc.cmp(&b.doc))
        });
        hits.truncate(limit.max(1).saturating_add(1));
        for i in 0..hits.len() {
            let next = hits.get(i + 1).map_or(0.0, |h| h.confidence);
            hits[i].margin = (hits[i].confidence - next).max(0.0);
        }
        hits.truncate(limit);
        hits
    }

    fn analyse(&self, text: &str) -> Question {
        let mut analyzer = self.analyzer.clone();
        let mut words_analyzer = self.words_analyzer.clone();
        let stems = analyzer::terms(&mut analyzer, text);
        let surfaces = analyzer::terms(&mut words_analyzer, text);
        let mut words: Vec<Word> = Vec::new();
        for (i, stem) in stems.iter().enumerate() {
            if words.iter().any(|w| &w.term == stem) {
                continue;
            }
            let surface = surfaces.get(i).filter(|_| surfaces.len() == stems.len());
            words.push(self.word(stem, surface.unwrap_or(stem)));
        }
        let present: BTreeSet<String> = stems.iter().cloned().collect();
        let mut phrase = self.phrase_analyzer.clone();
        let phrase_words = analyzer::terms(&mut phrase, text);
        let mut expansions = Vec::new();
        for expansion in self.synonyms.matches(&phrase_words) {
            let covers: Vec<usize> = words
                .iter()
                .enumerate()
                .filter(|(_, w)| expansion.trigger.contains(&w.term))
                .map(|(i, _)| i)
                .collect();
            let added: Vec<String> = expansion
                .terms
                .iter()
                .filter(|t| !present.contains(*t))
                .cloned()
                .collect();
            if !added.is_empty() {
                expansions.push((covers, added));
            }
        }
        Question { words, expansions }
    }

    /// A human-readable account of how `question` was understood and scored: the words, their
    /// weights and near matches, the synonyms that fired, and the best hits with their channel
    /// ranks, coverage and focus. For tuning the synonyms and for content writers.
    pub fn explain(&self, question: &str, limit: usize) -> String {
        use std::fmt::Write as _;
        let analysed = self.analyse(question);
        let mut out = String::new();
        for word in &analysed.words {
            let _ = writeln!(
                out,
                "word {} ({}) weight {:.2}{}",
                word.term,
                word.surface,
                word.weight,
                if word.near.is_empty() {
                    String::new()
                } else {
                    format!(" near {}", word.near.join(" "))
                }
            );
        }
        for (covers, terms) in &analysed.expansions {
            let covered: Vec<&str> = covers
                .iter()
                .map(|&i| analysed.words[i].term.as_str())
                .collect();
            let _ = writeln!(
                out,
                "synonyms [{}] add {}",
                covered.join(" "),
                terms.join(" ")
            );
        }
        let searcher = self.reader.searcher();
        let all = self.len().max(1);
        let bm25 = ranks(&self.run(&searcher, &self.bm25_query(&analysed), all));
        let fuzzy = ranks(&self.run(&searcher, &self.fuzzy_query(&analysed), all));
        for hit in self.search(question, limit) {
            let rank = |channel: &[(usize, usize)]| {
                channel
                    .iter()
                    .find(|(doc, _)| *doc == hit.doc)
                    .map_or("-".to_owned(), |(_, r)| r.to_string())
            };
            let terms = &self.doc_terms[hit.doc];
            let _ = writeln!(
                out,
                "doc {} confidence {:.2} margin {:.2} coverage {:.2} focus {:.2} bm25 #{} fuzzy #{}",
                hit.doc,
                hit.confidence,
                hit.margin,
                self.coverage(&analysed, terms),
                focus(&analysed, terms),
                rank(&bm25),
                rank(&fuzzy)
            );
        }
        out
    }

    fn idf(&self, df: usize) -> f32 {
        let documents = self.len() as f32;
        let df = df as f32;
        (1.0 + (documents - df + 0.5) / (df + 0.5)).ln()
    }

    /// A question word: its weight, and for a word no procedure contains, the indexed stems
    /// it may be a misspelling or mishearing of.
    fn word(&self, stem: &str, surface: &str) -> Word {
        if let Some(&df) = self.document_frequency.get(stem) {
            return Word {
                term: stem.to_owned(),
                surface: surface.to_owned(),
                weight: self.idf(df),
                near: Vec::new(),
            };
        }
        let mut near: Vec<String> = Vec::new();
        let stem_distance = fuzzy_distance(stem);
        if stem_distance > 0 {
            near.extend(
                self.descriptive_stems
                    .iter()
                    .filter(|candidate| within(stem, candidate, stem_distance))
                    .cloned(),
            );
        }
        let surface_distance = fuzzy_distance(surface);
        if surface_distance > 0 {
            for (word, word_stem) in &self.descriptive_words {
                if !near.contains(word_stem) && within(surface, word, surface_distance) {
                    near.push(word_stem.clone());
                }
            }
        }
        near.sort();
        let df = near
            .iter()
            .filter_map(|t| self.document_frequency.get(t))
            .max()
            .copied();
        let weight = match df {
            Some(df) => NEAR_WORD_WEIGHT * self.idf(df),
            None => UNKNOWN_WORD_WEIGHT * self.idf(1),
        };
        Word {
            term: stem.to_owned(),
            surface: surface.to_owned(),
            weight,
            near,
        }
    }

    fn bm25_query(&self, question: &Question) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut add = |term: &str, weight: f32| {
            for (kind, boost) in FieldKind::ALL.into_iter().zip(FIELD_BOOSTS) {
                let term = Term::from_field_text(self.field(kind), term);
                let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost * weight)),
                ));
            }
        };
        for word in &question.words {
            add(&word.term, 1.0);
        }
        for (_, terms) in &question.expansions {
            for term in terms {
                add(term, EXPANSION_WEIGHT);
            }
        }
        BooleanQuery::new(clauses)
    }

    fn fuzzy_query(&self, question: &Question) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &question.words {
            // A word the procedures use is matched as it is: its neighbours are other
            // words ("casa", "cassa"), and automata for it would only cost time.
            let known = self.descriptive_words.contains_key(&word.surface);
            let distance = if known {
                0
            } else {
                fuzzy_distance(&word.surface)
            };
            for (field, boost) in self.word_fields.into_iter().zip(FUZZY_FIELD_BOOSTS) {
                let term = Term::from_field_text(field, &word.surface);
                let query = FuzzyTermQuery::new(term, distance, true);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost * word.weight)),
                ));
            }
        }
        for (covers, terms) in &question.expansions {
            let weight = covers
                .iter()
                .map(|&i| question.words[i].weight)
                .fold(0.0, f32::max)
                .max(1.0);
            for term in terms {
                for kind in FieldKind::DESCRIPTIVE {
                    let query = TermQuery::new(
                        Term::from_field_text(self.field(kind), term),
                        IndexRecordOption::Basic,
                    );
                    let constant = ConstScoreQuery::new(Box::new(query), 1.0);
                    let boost = FIELD_BOOSTS[kind.position()] * EXPANSION_WEIGHT * weight;
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(constant), boost)),
                    ));
                }
            }
        }
        BooleanQuery::new(clauses)
    }

    /// Runs a query; returns (document, score), best first.
    fn run(&self, searcher: &Searcher, query: &dyn Query, limit: usize) -> Vec<(usize, f32)> {
        let found: Vec<(Score, DocAddress)> =
            match searcher.search(query, &TopDocs::with_limit(limit)) {
                Ok(found) => found,
                Err(error) => {
                    tracing::warn!(%error, "search channel failed");
                    return Vec::new();
                }
            };
        found
            .into_iter()
            .filter_map(|(score, address)| {
                let segment = searcher.segment_reader(address.segment_ord);
                let ords = segment.fast_fields().u64("ord").ok()?;
                let doc = usize::try_from(ords.first(address.doc_id)?).ok()?;
                Some((doc, score))
            })
            .collect()
    }

    /// The share of the question's meaning that a procedure covers, 0..1.
    fn coverage(&self, question: &Question, terms: &DocTerms) -> f32 {
        let total: f32 = question.words.iter().map(|w| w.weight).sum();
        if total <= 0.0 {
            // Only synonyms matched (a question made of stop words and an expression).
            let any = question
                .expansions
                .iter()
                .any(|(_, t)| t.iter().any(|t| terms.descriptive.contains(t)));
            return if any { COVER_SYNONYM_DESCRIPTIVE } else { 0.0 };
        }
        let mut covered = 0.0;
        for (i, word) in question.words.iter().enumerate() {
            let mut cover: f32 = if terms.descriptive.contains(&word.term) {
                COVER_DESCRIPTIVE
            } else if terms.all.contains(&word.term) {
                COVER_TEXT
            } else if word.near.iter().any(|t| terms.descriptive.contains(t)) {
                COVER_FUZZY_DESCRIPTIVE
            } else if word.near.iter().any(|t| terms.all.contains(t)) {
                COVER_TEXT * COVER_FUZZY_DESCRIPTIVE
            } else {
                0.0
            };
            for (covers, expansion) in &question.expansions {
                if !covers.contains(&i) {
                    continue;
                }
                if expansion.iter().any(|t| terms.descriptive.contains(t)) {
                    cover = cover.max(COVER_SYNONYM_DESCRIPTIVE);
                } else if expansion.iter().any(|t| terms.all.contains(t)) {
                    cover = cover.max(COVER_SYNONYM_TEXT);
                }
            }
            covered += word.weight * cover;
        }
        covered / total
    }
}

/// The share of a procedure's menu and spoken title that the question names: between two
/// procedures that cover the question equally, the one that is exactly what was asked
/// ("tessera elettorale") beats the special case ("tessera elettorale smarrita").
fn focus(question: &Question, terms: &DocTerms) -> f32 {
    if terms.focus.is_empty() {
        return 0.0;
    }
    let named = terms
        .focus
        .iter()
        .filter(|stem| {
            question
                .words
                .iter()
                .any(|w| &w.term == *stem || w.near.contains(stem))
                || question.expansions.iter().any(|(_, t)| t.contains(stem))
        })
        .count();
    named as f32 / terms.focus.len() as f32
}

/// Competition ranks ("1224"): equal scores share a rank.
fn ranks(channel: &[(usize, f32)]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(channel.len());
    let mut rank = 0;
    let mut previous: Option<f32> = None;
    for (position, &(doc, score)) in channel.iter().enumerate() {
        if previous != Some(score) {
            rank = position + 1;
            previous = Some(score);
        }
        out.push((doc, rank));
    }
    out
}

/// Edits allowed for a word: none for short words (too many neighbours), one from four
/// letters, two from eight.
pub fn fuzzy_distance(term: &str) -> u8 {
    match term.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Whether two words are within `max` edits (insertions, deletions, substitutions and
/// adjacent transpositions).
pub fn within(a: &str, b: &str, max: u8) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let max = usize::from(max);
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    // Optimal string alignment distance, rows of the dynamic programme.
    let mut before: Vec<usize> = (0..=b.len()).collect();
    let mut previous: Vec<usize> = before.clone();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(before[j - 2] + 1);
            }
            current[j] = value;
            row_min = row_min.min(value);
        }
        if row_min > max {
            return false;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()] <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        let cases = [
            ("resident", "resident", 1, true),
            ("resident", "residnet", 1, true),
            ("resident", "resistent", 1, false),
            ("resident", "resistent", 2, true),
            ("ident", "indent", 1, true),
            ("tar", "tari", 0, false),
            ("", "a", 1, true),
        ];
        for (a, b, max, expected) in cases {
            assert_eq!(within(a, b, max), expected, "{a} {b} {max}");
        }
    }

    #[test]
    fn competition_ranks() {
        let channel = [(7, 3.0), (2, 2.0), (5, 2.0), (1, 1.0)];
        assert_eq!(ranks(&channel), [(7, 1), (2, 2), (5, 2), (1, 4)]);
    }
}

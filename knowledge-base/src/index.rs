//! The search index: the procedures in a tantivy index held in RAM, one text field per part of
//! a procedure analysed with the Italian analyzer (stems), plus the descriptive parts together
//! again as unstemmed words for the fuzzy channel; and, per procedure, the set of its terms, which
//! the search uses to say how much of a question a procedure covers.

use std::collections::{HashMap, HashSet};

use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument};

use crate::analyzer;
use crate::procedure::{Procedure, Section};
use crate::synonyms::Synonyms;

/// The text fields of a procedure, each searched with its own weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// The written title and the catalogue's name of the procedure.
    Title,
    SpokenTitle,
    MenuTitle,
    Keywords,
    Questions,
    /// The spoken answer.
    Answer,
    /// Every section, the full text included.
    FullText,
}

impl FieldKind {
    pub const ALL: [FieldKind; 7] = [
        FieldKind::Title,
        FieldKind::SpokenTitle,
        FieldKind::MenuTitle,
        FieldKind::Keywords,
        FieldKind::Questions,
        FieldKind::Answer,
        FieldKind::FullText,
    ];

    /// The fields that say what a procedure is about (as opposed to its long text).
    pub const DESCRIPTIVE: [FieldKind; 5] = [
        FieldKind::Title,
        FieldKind::SpokenTitle,
        FieldKind::MenuTitle,
        FieldKind::Keywords,
        FieldKind::Questions,
    ];

    fn name(self) -> &'static str {
        match self {
            FieldKind::Title => "title",
            FieldKind::SpokenTitle => "spoken_title",
            FieldKind::MenuTitle => "menu_title",
            FieldKind::Keywords => "keywords",
            FieldKind::Questions => "questions",
            FieldKind::Answer => "answer",
            FieldKind::FullText => "full_text",
        }
    }

    pub fn is_descriptive(self) -> bool {
        FieldKind::DESCRIPTIVE.contains(&self)
    }

    pub(crate) fn position(self) -> usize {
        FieldKind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }

    fn texts(self, procedure: &Procedure) -> Vec<&str> {
        match self {
            FieldKind::Title => vec![&procedure.title, &procedure.catalogue_name],
            FieldKind::SpokenTitle => vec![&procedure.spoken_title],
            FieldKind::MenuTitle => vec![&procedure.menu_title],
            FieldKind::Keywords => procedure.keywords.iter().map(String::as_str).collect(),
            FieldKind::Questions => procedure.questions.iter().map(String::as_str).collect(),
            FieldKind::Answer => vec![procedure.section(Section::Risposta)],
            FieldKind::FullText => procedure.sections.iter().map(String::as_str).collect(),
        }
    }
}

/// The terms of one procedure, for coverage.
#[derive(Debug, Clone, Default)]
pub struct DocTerms {
    /// Stems of the descriptive fields (titles, keywords, questions).
    pub descriptive: HashSet<String>,
    /// Stems of every field.
    pub all: HashSet<String>,
    /// Stems of the menu and spoken titles: what the procedure is, in a few words.
    pub focus: Vec<String>,
}

/// The index of one set of procedures.
pub struct SearchIndex {
    pub(crate) reader: IndexReader,
    /// Stemmed fields, [`FieldKind::ALL`] order.
    pub(crate) fields: [Field; 7],
    /// The descriptive fields again, unstemmed, in two groups (the titles; the keywords and
    /// questions): few fields, so the fuzzy channel builds few Levenshtein automata per word.
    pub(crate) word_fields: [Field; 2],
    pub(crate) analyzer: TextAnalyzer,
    pub(crate) words_analyzer: TextAnalyzer,
    pub(crate) phrase_analyzer: TextAnalyzer,
    pub(crate) synonyms: Synonyms,
    pub(crate) doc_terms: Vec<DocTerms>,
    /// In how many procedures each stem appears at all.
    pub(crate) document_frequency: HashMap<String, usize>,
    /// The stems of the descriptive fields of all procedures (where typos are looked up).
    pub(crate) descriptive_stems: HashSet<String>,
    /// The unstemmed words of the descriptive fields and their stems.
    pub(crate) descriptive_words: HashMap<String, String>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.doc_terms.len())
            .field("synonym_rules", &self.synonyms.len())
            .finish()
    }
}

impl SearchIndex {
    /// Indexes `procedures`; document `i` is `procedures[i]`.
    pub fn build(procedures: &[Procedure], synonyms: Synonyms) -> tantivy::Result<SearchIndex> {
        let options = |analyzer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyzer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let mut schema = Schema::builder();
        let ord = schema.add_u64_field("ord", FAST);
        let fields = FieldKind::ALL
            .map(|kind| schema.add_text_field(kind.name(), options(analyzer::ANALYZER)));
        let word_fields = ["title_words", "keyword_words"]
            .map(|name| schema.add_text_field(name, options(analyzer::WORDS_ANALYZER)));
        let index = Index::create_in_ram(schema.build());
        let analyzer = analyzer::italian();
        let words_analyzer = analyzer::italian_words();
        index
            .tokenizers()
            .register(analyzer::ANALYZER, analyzer.clone());
        index
            .tokenizers()
            .register(analyzer::WORDS_ANALYZER, words_analyzer.clone());

        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 15_000_000)?;
        let mut stems = analyzer.clone();
        let mut words = words_analyzer.clone();
        let mut doc_terms = Vec::with_capacity(procedures.len());
        let mut document_frequency: HashMap<String, usize> = HashMap::new();
        let mut descriptive_stems = HashSet::new();
        let mut descriptive_words = HashMap::new();
        for (i, procedure) in procedures.iter().enumerate() {
            let mut document = TantivyDocument::default();
            document.add_u64(ord, i as u64);
            let mut terms = DocTerms::default();
            for (kind, field) in FieldKind::ALL.into_iter().zip(fields) {
                for text in kind.texts(procedure) {
                    document.add_text(field, text);
                    let analysed = analyzer::terms(&mut stems, text);
                    if kind.is_descriptive() {
                        let surface = analyzer::terms(&mut words, text);
                        for (word, stem) in surface.into_iter().zip(&analysed) {
                            descriptive_words.insert(word, stem.clone());
                        }
                        terms.descriptive.extend(analysed.iter().cloned());
                    }
                    if matches!(kind, FieldKind::MenuTitle | FieldKind::SpokenTitle) {
                        for stem in &analysed {
                            if !terms.focus.contains(stem) {
                                terms.focus.push(stem.clone());
                            }
                        }
                    }
                    terms.all.extend(analysed);
                }
            }
            for kind in FieldKind::DESCRIPTIVE {
                let field = match kind {
                    FieldKind::Keywords | FieldKind::Questions => word_fields[1],
                    _ => word_fields[0],
                };
                for text in kind.texts(procedure) {
                    document.add_text(field, text);
                }
            }
            for term in &terms.all {
                *document_frequency.entry(term.clone()).or_default() += 1;
            }
            descriptive_stems.extend(terms.descriptive.iter().cloned());
            doc_terms.push(terms);
            writer.add_document(document)?;
        }
        writer.commit()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            reader,
            fields,
            word_fields,
            analyzer,
            words_analyzer,
            phrase_analyzer: analyzer::italian_with_stop_words(),
            synonyms,
            doc_terms,
            document_frequency,
            descriptive_stems,
            descriptive_words,
        })
    }

    pub fn field(&self, kind: FieldKind) -> Field {
        self.fields[kind.position()]
    }

    pub fn len(&self) -> usize {
        self.doc_terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.doc_terms.is_empty()
    }
}

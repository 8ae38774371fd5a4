//! One loaded knowledge base: the procedures, their search index and the keypad menu. It never
//! changes once built; [`crate::KnowledgeBaseHandle`] swaps in a new one on reload.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::catalogue::{Catalogue, ProcedureId};
use crate::decision::{self, Decision, DecisionKind};
use crate::error::LoadError;
use crate::index::SearchIndex;
use crate::loader::{self, Content};
use crate::menu::{Areas, Menu, MenuError};
use crate::procedure::Procedure;
use crate::settings::ContentSource;
use crate::synonyms::{Synonyms, SynonymsError};

/// How many hits a search returns unless told otherwise.
pub const DEFAULT_LIMIT: usize = 5;

/// The knowledge base could not be built from content that loaded.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the synonyms file is invalid: {}", list(.0))]
    Synonyms(Vec<SynonymsError>),
    #[error("the keypad menu cannot be built: {}", list(.0))]
    Menu(Vec<MenuError>),
    #[error("the search index cannot be built: {0}")]
    Index(#[from] tantivy::TantivyError),
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Loading failed: the content is wrong, or the crate's own data files are.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeBaseError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// A searchable, immutable knowledge base.
#[derive(Debug)]
pub struct KnowledgeBase {
    catalogue: Catalogue,
    procedures: Vec<Procedure>,
    by_id: HashMap<ProcedureId, usize>,
    index: SearchIndex,
    menu: Menu,
    build_time: Duration,
}

/// One hit of a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: ProcedureId,
    pub title: String,
    pub spoken_title: String,
    /// 0..1: how sure the search is that this is the procedure asked about.
    pub confidence: f32,
    /// The confidence minus the next hit's (0 when the next one is as good).
    pub margin: f32,
}

/// The hits of a search, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub question: String,
    pub hits: Vec<Hit>,
}

impl SearchResults {
    /// The best hit's confidence (0 without hits).
    pub fn confidence(&self) -> f32 {
        self.hits.first().map_or(0.0, |h| h.confidence)
    }

    /// The best hit's lead over the runner-up (0 without hits).
    pub fn margin(&self) -> f32 {
        self.hits.first().map_or(0.0, |h| h.margin)
    }

    /// What the phone dialog should do; `recogniser` is the speech recogniser's confidence
    /// when the question was spoken.
    pub fn decision(&self, recogniser: Option<f32>) -> Decision {
        let Some(best) = self.hits.first() else {
            return Decision::NoMatch;
        };
        match decision::decide(self.confidence(), self.margin(), recogniser) {
            DecisionKind::Answer => Decision::Answer(best.id.clone()),
            DecisionKind::Confirm => Decision::Confirm(best.id.clone()),
            DecisionKind::ChooseAmong => {
                Decision::ChooseAmong(self.hits.iter().take(3).map(|h| h.id.clone()).collect())
            }
            DecisionKind::NoMatch => Decision::NoMatch,
        }
    }
}

impl KnowledgeBase {
    /// Loads and builds from disk.
    pub fn load(source: &ContentSource) -> Result<KnowledgeBase, KnowledgeBaseError> {
        let content = loader::load(source)?;
        Ok(KnowledgeBase::build(content)?)
    }

    /// Indexes loaded content with the shipped synonyms and area names.
    pub fn build(content: Content) -> Result<KnowledgeBase, BuildError> {
        let synonyms = Synonyms::shipped().map_err(BuildError::Synonyms)?;
        let areas = Areas::shipped().map_err(BuildError::Menu)?;
        KnowledgeBase::build_with(content, synonyms, &areas)
    }

    /// Indexes loaded content with the given synonyms and area names.
    pub fn build_with(
        content: Content,
        synonyms: Synonyms,
        areas: &Areas,
    ) -> Result<KnowledgeBase, BuildError> {
        let started = Instant::now();
        let menu = Menu::build(areas, &content.procedures).map_err(BuildError::Menu)?;
        let index = SearchIndex::build(&content.procedures, synonyms)?;
        let by_id = content
            .procedures
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        Ok(KnowledgeBase {
            catalogue: content.catalogue,
            procedures: content.procedures,
            by_id,
            index,
            menu,
            build_time: started.elapsed(),
        })
    }

    /// The procedures most likely asked about, best first (at most `limit`).
    pub fn search(&self, question: &str, limit: usize) -> SearchResults {
        let hits = self
            .index
            .search(question, limit)
            .into_iter()
            .filter_map(|scored| {
                let procedure = self.procedures.get(scored.doc)?;
                Some(Hit {
                    id: procedure.id.clone(),
                    title: procedure.title.clone(),
                    spoken_title: procedure.spoken_title.clone(),
                    confidence: scored.confidence,
                    margin: scored.margin,
                })
            })
            .collect();
        SearchResults {
            question: question.to_owned(),
            hits,
        }
    }

    /// How a question was understood and scored (see [`SearchIndex::explain`]), with the
    /// procedure ids filled in.
    pub fn explain(&self, question: &str, limit: usize) -> String {
        let text = self.index.explain(question, limit);
        text.lines()
            .map(|line| match line.strip_prefix("doc ") {
                Some(rest) => {
                    let (doc, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                    let id = doc
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| self.procedures.get(i))
                        .map_or(doc, |p| p.id.as_str());
                    format!("{id} {tail}")
                }
                None => line.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn procedure(&self, id: &str) -> Option<&Procedure> {
        let id = ProcedureId::parse(id).ok()?;
        self.by_id.get(&id).map(|&i| &self.procedures[i])
    }

    /// The procedures in catalogue order.
    pub fn procedures(&self) -> &[Procedure] {
        &self.procedures
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn menu(&self) -> &Menu {
        &self.menu
    }

    /// How long indexing took (the menu and the tantivy index).
    pub fn build_time(&self) -> Duration {
        self.build_time
    }
}

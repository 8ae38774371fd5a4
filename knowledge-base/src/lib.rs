//! The knowledge base of Sportello: one Markdown file per procedure (see CONTENT-FORMAT.md),
//! loaded and validated against the catalogue, indexed for Italian questions, served to the
//! phone dialog and over HTTP, reloaded when edited, and evaluated on question sets.
//!
//! Map:
//!
//! | module | what |
//! | --- | --- |
//! | [`settings`] | the `[knowledge_base]` configuration section and the checked [`ContentSource`] |
//! | [`catalogue`] | `catalogue.tsv` and [`ProcedureId`] |
//! | [`document`] | one content file parsed: front matter and sections, with lines (pure) |
//! | [`placeholder`] | `{{key}}` local facts (pure) |
//! | [`loader`] | reads the directory, validates everything, collects all [`ContentError`]s |
//! | [`procedure`] | a loaded [`Procedure`] and its [`Section`]s |
//! | [`markdown`], [`speech`] | the Markdown subset: safe HTML for the web, plain sentences for the voice |
//! | [`analyzer`], [`synonyms`] | the Italian analyzer and the synonyms file |
//! | [`index`], [`search`] | the tantivy index in RAM; BM25 and fuzzy channels fused by RRF; confidence |
//! | [`decision`] | answer, confirm or choose among three |
//! | [`menu`] | the keypad menu tree |
//! | [`knowledge_base`] | one immutable, searchable [`KnowledgeBase`] |
//! | [`handle`], [`reload`] | the shared [`KnowledgeBaseHandle`] and the task that reloads it |
//! | [`http`] | JSON API and the public page `/informazioni` |
//! | [`eval`] | top-1 / top-3 / MRR on a question set, latency percentiles |
//!
//! Wiring in the binary:
//!
//! ```no_run
//! # async fn wire(settings: knowledge_base::KnowledgeBaseSettings,
//! #               derived: std::collections::BTreeMap<String, String>,
//! #               tracker: tokio_util::task::TaskTracker,
//! #               cancel: tokio_util::sync::CancellationToken) -> anyhow::Result<axum::Router> {
//! let handle = knowledge_base::KnowledgeBaseHandle::load(settings.source(derived))?;
//! tracker.spawn(knowledge_base::reload::watch(handle.clone(), settings.reload_interval(), cancel));
//! Ok(knowledge_base::http::router(handle))
//! # }
//! ```

pub mod analyzer;
pub mod catalogue;
pub mod decision;
pub mod document;
pub mod error;
pub mod eval;
pub mod handle;
pub mod http;
pub mod index;
pub mod knowledge_base;
pub mod loader;
pub mod markdown;
pub mod menu;
pub mod placeholder;
pub mod procedure;
pub mod reload;
pub mod search;
pub mod settings;
pub mod speech;
pub mod synonyms;

pub use catalogue::{Catalogue, ProcedureId};
pub use decision::{Decision, DecisionKind, decide};
pub use error::{ContentError, LoadError};
pub use eval::{EvalError, EvalReport, LatencyReport, evaluate, measure_latency};
pub use handle::{KnowledgeBaseHandle, Status};
pub use http::router;
pub use knowledge_base::{Hit, KnowledgeBase, KnowledgeBaseError, SearchResults};
pub use menu::{Menu, MenuItem};
pub use procedure::{Appointment, Procedure, Section, ServiceLine};
pub use settings::{ContentSource, KnowledgeBaseSettings};
